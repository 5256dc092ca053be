// The store's integration state: user links, custom fields, webhook delivery queues.
#include <gtest/gtest.h>

#include "store/store.h"

namespace topicdesk::store {
namespace {

class HooksStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> store = open_sqlite(":memory:");
  ConnectionId conn = store->ensure_connection("shop", 1, -100);

  WebhookDelivery delivery(std::int64_t event_id, DialogId dialog, const std::string& url = "http://a/h") {
    WebhookDelivery d;
    d.connection_id = conn;
    d.url = url;
    d.queue_key = std::to_string(dialog) + "|" + url;
    d.event_id = event_id;
    d.dialog_id = dialog;
    d.created_at = 1000;
    return d;
  }
};

TEST_F(HooksStoreTest, UserLinkIsSetReplacedAndCleared) {
  EXPECT_FALSE(store->user_link(conn, 7));
  store->set_user_link(conn, 7, "N005");
  store->set_user_link(conn, 8, "N005");  // several users may share an account
  EXPECT_EQ(store->user_link(conn, 7), "N005");
  EXPECT_EQ(store->user_link(conn, 8), "N005");
  store->set_user_link(conn, 7, "N006");
  EXPECT_EQ(store->user_link(conn, 7), "N006");
  store->set_user_link(conn, 7, "");
  EXPECT_FALSE(store->user_link(conn, 7));
  EXPECT_EQ(store->user_link(conn, 8), "N005");
}

TEST_F(HooksStoreTest, UserFieldsAreOrderedByKeyAndEmptyValueDeletes) {
  store->set_user_field(conn, 7, "plan", "pro");
  store->set_user_field(conn, 7, "city", "Oslo");
  store->set_user_field(conn, 7, "plan", "team");
  using Fields = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(store->user_fields(conn, 7), (Fields{{"city", "Oslo"}, {"plan", "team"}}));
  store->set_user_field(conn, 7, "city", "");
  EXPECT_EQ(store->user_fields(conn, 7), (Fields{{"plan", "team"}}));
  EXPECT_TRUE(store->user_fields(conn, 8).empty());
}

TEST_F(HooksStoreTest, EventsAfterReadsInIdOrder) {
  auto a = store->append_event(conn, 1, "dialog_created", "{}", 10);
  auto b = store->append_event(conn, 1, "message_received", R"({"text":"hi"})", 11);
  auto events = store->events_after(0, 10);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, a);
  EXPECT_EQ(events[1].type, "message_received");
  EXPECT_EQ(events[1].payload, R"({"text":"hi"})");
  EXPECT_EQ(store->events_after(a, 10).size(), 1u);
  EXPECT_EQ(store->event_by_id(b)->dialog_id, 1);
}

TEST_F(HooksStoreTest, EnqueueMovesTheCursorWithTheDeliveries) {
  EXPECT_EQ(store->webhook_cursor(), 0);
  store->webhook_enqueue({delivery(5, 1)}, 5);
  EXPECT_EQ(store->webhook_cursor(), 5);
  EXPECT_EQ(store->webhook_ready(2000, 10, {}).size(), 1u);
}

TEST_F(HooksStoreTest, OnlyTheHeadOfEachQueueIsReadyAndRetriesHoldTheQueue) {
  store->webhook_enqueue({delivery(1, 1), delivery(2, 1), delivery(3, 2)}, 3);
  auto ready = store->webhook_ready(2000, 10, {});
  ASSERT_EQ(ready.size(), 2u);  // dialog 1's first and dialog 2's only delivery
  EXPECT_EQ(ready[0].event_id, 1);
  EXPECT_EQ(ready[1].event_id, 3);

  // Dialog 1's head fails: nothing of dialog 1 is ready until its not_before.
  store->webhook_retry(WebhookAttempt{ready[0].id, 2000, 503, "HTTP 503", 4}, 5000);
  ready = store->webhook_ready(3000, 10, {});
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].event_id, 3);
  ready = store->webhook_ready(5000, 10, {});
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0].event_id, 1);
  EXPECT_EQ(ready[0].attempts, 1);
  EXPECT_EQ(ready[0].failing_since, 2000);

  store->webhook_delivered(WebhookAttempt{ready[0].id, 6000, 200, "", 3});
  ready = store->webhook_ready(6000, 10, {});
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0].event_id, 2);  // order within the dialog kept
}

TEST_F(HooksStoreTest, BusyQueuesAreSkipped) {
  store->webhook_enqueue({delivery(1, 1), delivery(2, 2)}, 2);
  auto ready = store->webhook_ready(2000, 10, {"1|http://a/h"});
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].dialog_id, 2);
}

TEST_F(HooksStoreTest, StatusCountsPerUrlWithFailingSinceAndLastError) {
  store->webhook_enqueue({delivery(1, 1), delivery(2, 2), delivery(3, 3, "http://b/h")}, 3);
  auto ready = store->webhook_ready(2000, 10, {});
  ASSERT_EQ(ready.size(), 3u);
  store->webhook_delivered(WebhookAttempt{ready[0].id, 2100, 200, "", 1});
  store->webhook_retry(WebhookAttempt{ready[1].id, 2200, 0, "connect: refused", 1}, 9000);
  store->webhook_give_up(WebhookAttempt{ready[2].id, 2300, 500, "HTTP 500", 1});

  auto status = store->webhook_status();
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].url, "http://a/h");
  EXPECT_EQ(status[0].delivered, 1);
  EXPECT_EQ(status[0].pending, 1);
  EXPECT_EQ(status[0].failing_since, 2200);
  EXPECT_EQ(status[0].last_error, "connect: refused");
  EXPECT_EQ(status[1].failed, 1);
  EXPECT_EQ(status[1].failing_since, 0);  // nothing pending there
  EXPECT_EQ(status[1].last_error, "HTTP 500");

  auto attempts = store->webhook_attempts(ready[1].id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].error, "connect: refused");
}

TEST_F(HooksStoreTest, HousekeepingPurgesFinishedDeliveriesButKeepsPendingAndTheNewestId) {
  store->webhook_enqueue({delivery(1, 1), delivery(2, 2), delivery(3, 3), delivery(4, 4)}, 4);
  auto ready = store->webhook_ready(2000, 10, {});
  ASSERT_EQ(ready.size(), 4u);
  store->webhook_delivered(WebhookAttempt{ready[0].id, 2100, 200, "", 1});
  store->webhook_give_up(WebhookAttempt{ready[1].id, 2300, 500, "HTTP 500", 1});
  store->webhook_retry(WebhookAttempt{ready[2].id, 2200, 0, "connect: refused", 1}, 9000);
  store->webhook_delivered(WebhookAttempt{ready[3].id, 2400, 200, "", 1});

  EXPECT_EQ(store->purge_finished(2000), 0) << "nothing finished that early";
  EXPECT_EQ(store->purge_finished(3000), 2);
  EXPECT_TRUE(store->webhook_attempts(ready[0].id).empty());
  EXPECT_TRUE(store->webhook_attempts(ready[1].id).empty());
  EXPECT_EQ(store->webhook_attempts(ready[2].id).size(), 1u) << "a pending delivery keeps its history";
  auto status = store->webhook_status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].delivered, 1) << "the newest delivery stays so its id is never reused";
  EXPECT_EQ(status[0].pending, 1);
  EXPECT_EQ(status[0].failed, 0);
}

}  // namespace
}  // namespace topicdesk::store
