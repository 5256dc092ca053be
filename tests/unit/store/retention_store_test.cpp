// The Store contract, RetentionStore: what is forgotten, and what is kept.
// Every backend must pass it unchanged (store_backends.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::kGroup;
using test_support::kOtherGroup;
using test_support::StoreContract;
using ::testing::ElementsAre;

class RetentionStoreContract : public StoreContract {};

TEST_P(RetentionStoreContract, PurgeRemovesOnlyFinishedWork) {
  store_->inbox_add(conn_, 1, "handled");
  store_->inbox_add(conn_, 2, "pending");
  store_->inbox_done(store_->inbox_pending(conn_, 1)[0].id);
  auto done = store_->outbox_add(job("chat:a"));
  auto failed = store_->outbox_add(job("chat:b"));
  auto pending = store_->outbox_add(job("chat:c"));
  store_->outbox_done(done);
  store_->outbox_fail(failed, "gone");

  EXPECT_EQ(store_->purge_finished(1), 0) << "nothing that old";
  EXPECT_EQ(store_->purge_finished(std::numeric_limits<UnixMillis>::max()), 2);
  EXPECT_FALSE(store_->outbox_job(done));
  EXPECT_TRUE(store_->outbox_job(failed));
  EXPECT_TRUE(store_->outbox_job(pending));
  EXPECT_EQ(store_->inbox_pending(conn_, 10).size(), 1u);
}

TEST_P(RetentionStoreContract, FinishedWorkGoesInBatchesOfAtMostMaxRows) {
  store_->transaction([&] {
    for (int i = 0; i < 700; ++i) store_->inbox_add(conn_, i, "{}");
    for (const auto& entry : store_->inbox_pending(conn_, 1000)) store_->inbox_done(entry.id);
    store_->inbox_add(conn_, 5000, "pending");
    for (int i = 0; i < 400; ++i) store_->outbox_done(store_->outbox_add(job("chat:" + std::to_string(i))));
    store_->outbox_add(job("chat:pending"));
  });
  const auto all = std::numeric_limits<UnixMillis>::max();
  EXPECT_EQ(store_->purge_finished_batch(1, 500), 0) << "nothing that old";
  std::vector<std::int64_t> batches;
  for (std::int64_t n = 0; (n = store_->purge_finished_batch(all, 500)) > 0;) batches.push_back(n);
  EXPECT_THAT(batches, ElementsAre(500, 500, 100)) << "700 inbox + 400 outbox rows";
  EXPECT_EQ(store_->inbox_pending(conn_, 10).size(), 1u);
  EXPECT_EQ(store_->outbox_stats().pending, 1);
  EXPECT_FALSE(store_->inbox_add(conn_, 5000, "again")) << "the newest row stays";
}

TEST_P(RetentionStoreContract, UnhandledEntriesAheadDoNotHoldBackHandledOnes) {
  store_->transaction([&] {
    for (int i = 0; i < 10; ++i) store_->inbox_add(conn_, i, "stuck");  // a connection no longer configured
    for (int i = 10; i < 610; ++i) store_->inbox_add(conn_, i, "{}");
    auto entries = store_->inbox_pending(conn_, 1000);
    for (std::size_t n = 10; n < entries.size(); ++n) store_->inbox_done(entries[n].id);
    store_->inbox_add(conn_, 1000, "newest");
  });
  const auto all = std::numeric_limits<UnixMillis>::max();
  EXPECT_EQ(store_->purge_finished_batch(all, 500), 500);
  EXPECT_EQ(store_->purge_finished_batch(all, 500), 100);
  EXPECT_EQ(store_->purge_finished_batch(all, 500), 0);
  EXPECT_EQ(store_->inbox_pending(conn_, 100).size(), 11u) << "unhandled entries are never purged";
}

TEST_P(RetentionStoreContract, ANewerRowIsKeptWhereverItIs) {
  auto add_done = [&](UnixMillis created) {
    auto j = job("chat:" + std::to_string(created));
    j.created_at = created;
    auto id = store_->outbox_add(j);
    store_->outbox_done(id);
    return id;
  };
  auto old1 = add_done(100);
  auto old2 = add_done(200);
  auto newer = add_done(5000);
  add_done(300);  // the clock stepped back
  add_done(6000);
  while (store_->purge_finished_batch(1000, 500) > 0) {
  }
  EXPECT_FALSE(store_->outbox_job(old1));
  EXPECT_FALSE(store_->outbox_job(old2));
  EXPECT_TRUE(store_->outbox_job(newer));
}

TEST_P(RetentionStoreContract, FinishedDeliveriesGoWithTheirAttempts) {
  auto e1 = store_->append_event(conn_, 0, "message_received", "{}", 10);
  std::vector<WebhookDelivery> deliveries;
  for (int i = 0; i < 3; ++i) {
    WebhookDelivery d;
    d.connection_id = conn_;
    d.url = "http://hooks/" + std::to_string(i);
    d.queue_key = d.url;
    d.event_id = e1;
    deliveries.push_back(d);
  }
  store_->webhook_enqueue(deliveries, 0, e1);
  auto ready = store_->webhook_ready(0, 10, {});
  ASSERT_EQ(ready.size(), 3u);
  store_->webhook_delivered(WebhookAttempt{ready[0].id, 100, 200, "", 1});
  store_->webhook_give_up(WebhookAttempt{ready[1].id, 100, 500, "HTTP 500", 1});
  store_->webhook_delivered(WebhookAttempt{ready[2].id, 100, 200, "", 1});
  EXPECT_EQ(store_->purge_finished_batch(1000, 1), 1);
  EXPECT_EQ(store_->purge_finished_batch(1000, 1), 1);
  EXPECT_EQ(store_->purge_finished_batch(1000, 1), 0) << "the newest delivery stays";
  EXPECT_TRUE(store_->webhook_attempts(ready[0].id).empty());
  EXPECT_TRUE(store_->webhook_attempts(ready[1].id).empty());
  EXPECT_EQ(store_->webhook_attempts(ready[2].id).size(), 1u);
}

TEST_P(RetentionStoreContract, APendingDeliveryKeepsItsHistory) {
  auto e1 = store_->append_event(conn_, 0, "message_received", "{}", 10);
  std::vector<WebhookDelivery> deliveries(2);
  for (int i = 0; i < 2; ++i) {
    deliveries[i].connection_id = conn_;
    deliveries[i].url = "http://hooks/" + std::to_string(i);
    deliveries[i].queue_key = deliveries[i].url;
    deliveries[i].event_id = e1;
  }
  store_->webhook_enqueue(deliveries, 0, e1);
  auto ready = store_->webhook_ready(0, 10, {});
  ASSERT_EQ(ready.size(), 2u);
  store_->webhook_retry(WebhookAttempt{ready[0].id, 100, 0, "connect: refused", 1}, 9000);
  store_->webhook_delivered(WebhookAttempt{ready[1].id, 100, 200, "", 1});
  EXPECT_EQ(store_->purge_finished_batch(50, 10), 0) << "nothing finished that early";
  store_->purge_finished_batch(1000, 10);
  EXPECT_EQ(store_->webhook_attempts(ready[0].id).size(), 1u) << "a pending delivery keeps its history";
  EXPECT_EQ(store_->webhook_ready(9000, 10, {}).size(), 1u);
}

TEST_P(RetentionStoreContract, OldEventsGoInBatchesNewerOnesStay) {
  std::int64_t last = 0;
  store_->transaction([&] {
    for (int i = 0; i < 1200; ++i)
      last = store_->append_event(conn_, 0, "message_received", "{\"text\":\"hi\"}", 1000 + i);
    for (int i = 0; i < 5; ++i) last = store_->append_event(conn_, 0, "message_received", "{}", 900'000 + i);
  });
  store_->webhook_enqueue({}, 0, last);  // the fan-out has seen them all
  std::vector<std::int64_t> batches;
  for (std::int64_t n = 0; (n = store_->purge_events_batch(500'000, 500)) > 0;) batches.push_back(n);
  EXPECT_THAT(batches, ElementsAre(500, 500, 200));
  auto left = store_->events_after(0, 100);
  ASSERT_EQ(left.size(), 5u);
  EXPECT_EQ(left[0].created_at, 900'000);
}

TEST_P(RetentionStoreContract, EventsNotYetDeliveredStay) {
  auto fanned_out = store_->append_event(conn_, 0, "message_received", "{}", 10);
  auto needed = store_->append_event(conn_, 0, "message_received", "{}", 11);
  auto not_reached = store_->append_event(conn_, 0, "message_received", "{}", 12);
  store_->append_event(conn_, 0, "message_received", "{}", 13);
  WebhookDelivery pending;
  pending.connection_id = conn_;
  pending.url = "http://hooks/down";
  pending.queue_key = pending.url;
  pending.event_id = needed;
  store_->webhook_enqueue({pending}, 0, needed);  // the cursor stops at `needed`
  EXPECT_EQ(store_->purge_events_batch(1000, 500), 1);
  EXPECT_FALSE(store_->event_by_id(fanned_out));
  EXPECT_TRUE(store_->event_by_id(needed)) << "a pending delivery still needs it";
  EXPECT_TRUE(store_->event_by_id(not_reached)) << "the fan-out has not reached it";
}

TEST_P(RetentionStoreContract, ProxyUpdatesExpireInBatches) {
  store_->transaction([&] {
    for (int i = 0; i < 120; ++i) store_->proxy_update_add(conn_, ProxyUpdate{i, "message", "{}"}, 1000 + i);
    store_->proxy_update_add(conn_, ProxyUpdate{500, "message", "{}"}, 90'000);
  });
  EXPECT_EQ(store_->proxy_expire_batch(50'000, 50), 50);
  EXPECT_EQ(store_->proxy_expire_batch(50'000, 50), 50);
  EXPECT_EQ(store_->proxy_expire_batch(50'000, 50), 20);
  EXPECT_EQ(store_->proxy_expire_batch(50'000, 50), 0);
  auto left = store_->proxy_updates(conn_, 0, 10);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].update_id, 500);
}

TD_STORE_CONTRACT_SUITE(RetentionStoreContract);

}  // namespace
}  // namespace topicdesk::store
