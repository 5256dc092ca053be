// The Store contract, OutboxStore: per-destination queues, priorities, retries and failures.
// Every backend must pass it unchanged (store_backends.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::kGroup;
using test_support::kOtherGroup;
using test_support::StoreContract;
using ::testing::ElementsAre;

class OutboxStoreContract : public StoreContract {};

TEST_P(OutboxStoreContract, OutboxReadyGivesOneHeadPerQueueByPriorityThenId) {
  auto a1 = store_->outbox_add(job("chat:a", 5));
  auto a2 = store_->outbox_add(job("chat:a", 1));  // urgent, but behind a1 in its queue
  auto b1 = store_->outbox_add(job("chat:b", 5));
  auto c1 = store_->outbox_add(job("chat:c", 1));
  EXPECT_THAT(ready_ids(0), ElementsAre(c1, a1, b1));
  EXPECT_THAT(ready_ids(0, 2), ElementsAre(c1, a1));

  store_->outbox_done(a1);
  EXPECT_THAT(ready_ids(0), ElementsAre(a2, c1, b1)) << "a2 is now a head, priority 1, lower id";
  auto full = store_->outbox_ready(0, 1, {});
  ASSERT_EQ(full.size(), 1u);
  EXPECT_EQ(full[0].queue_key, "chat:a");
  EXPECT_EQ(full[0].kind, "copy");
  EXPECT_EQ(full[0].payload, R"({"q":"chat:a"})");
  EXPECT_EQ(full[0].priority, 1);
  EXPECT_EQ(full[0].connection_id, conn_);
  EXPECT_GT(full[0].created_at, 0);
}

TEST_P(OutboxStoreContract, AQueueIsPendingUntilItsLastJobFinishes) {
  EXPECT_FALSE(store_->outbox_queue_pending("d1:title"));
  auto a = store_->outbox_add(job("d1:title"));
  auto b = store_->outbox_add(job("d1:title"));
  EXPECT_TRUE(store_->outbox_queue_pending("d1:title"));
  EXPECT_FALSE(store_->outbox_queue_pending("d2:title"));
  store_->outbox_done(a);
  EXPECT_TRUE(store_->outbox_queue_pending("d1:title"));
  store_->outbox_fail(b, "refused");
  EXPECT_FALSE(store_->outbox_queue_pending("d1:title")) << "failed jobs are not pending";
}

TEST_P(OutboxStoreContract, TheJobsBehindAQueuesHeadInOrder) {
  auto a1 = store_->outbox_add(job("d1:g"));
  auto b1 = store_->outbox_add(job("d2:g"));
  auto a2 = store_->outbox_add(job("d1:g", 1, 5000, "send_text"));  // not due, other priority: still listed
  auto a3 = store_->outbox_add(job("d1:g"));
  auto a4 = store_->outbox_add(job("d1:g"));
  auto ids = [&](std::int64_t after, int limit) {
    std::vector<std::int64_t> out;
    for (const auto& j : store_->outbox_queue_next("d1:g", after, limit)) out.push_back(j.id);
    return out;
  };
  EXPECT_THAT(ids(a1, 10), ElementsAre(a2, a3, a4));
  EXPECT_THAT(ids(a1, 2), ElementsAre(a2, a3));
  EXPECT_THAT(ids(a3, 10), ElementsAre(a4));
  EXPECT_THAT(ids(a1, 0), ElementsAre());
  auto full = store_->outbox_queue_next("d1:g", a1, 1);
  ASSERT_EQ(full.size(), 1u);
  EXPECT_EQ(full[0].kind, "send_text");
  EXPECT_EQ(full[0].payload, R"({"q":"d1:g"})");
  EXPECT_EQ(full[0].not_before, 5000);
  store_->outbox_done(a3);  // finished jobs are left out (a merged send finishes them together)
  store_->outbox_fail(a4, "refused");
  EXPECT_THAT(ids(a1, 10), ElementsAre(a2));
  EXPECT_THAT(store_->outbox_queue_next("d2:g", 0, 10).size(), 1u);
  EXPECT_EQ(store_->outbox_queue_next("d2:g", 0, 10)[0].id, b1);
}

TEST_P(OutboxStoreContract, TheBacklogOfGroupQueuesPerConnection) {
  EXPECT_TRUE(store_->outbox_backlog({":g", ":general"}).empty());
  auto other = store_->ensure_connection("other", 222, kOtherGroup);
  auto early = job("d1:g");
  early.created_at = 100;
  store_->outbox_add(early);
  auto later = job("c1:general");
  later.created_at = 300;
  store_->outbox_add(later);
  auto user = job("d1:u");  // to the user: not the group's
  user.created_at = 50;
  store_->outbox_add(user);
  auto theirs = job("d9:g");
  theirs.connection_id = other;
  theirs.created_at = 200;
  auto done = store_->outbox_add(theirs);
  auto theirs2 = job("d9:g");
  theirs2.connection_id = other;
  theirs2.created_at = 250;
  store_->outbox_add(theirs2);

  auto backlog = store_->outbox_backlog({":g", ":general"});
  ASSERT_EQ(backlog.size(), 2u);
  std::map<ConnectionId, OutboxBacklog> by;
  for (const auto& b : backlog) by[b.connection_id] = b;
  EXPECT_EQ(by[conn_].jobs, 2);
  EXPECT_EQ(by[conn_].oldest_created_at, 100);
  EXPECT_EQ(by[other].jobs, 2);
  EXPECT_EQ(by[other].oldest_created_at, 200);
  store_->outbox_done(done);
  backlog = store_->outbox_backlog({":g"});
  by.clear();
  for (const auto& b : backlog) by[b.connection_id] = b;
  EXPECT_EQ(by[conn_].jobs, 1);
  EXPECT_EQ(by[other].jobs, 1);
  EXPECT_EQ(by[other].oldest_created_at, 250);
}

TEST_P(OutboxStoreContract, OutboxReadySkipsInFlightQueuesAndFutureJobs) {
  auto a1 = store_->outbox_add(job("chat:a"));
  store_->outbox_add(job("chat:a"));
  auto b1 = store_->outbox_add(job("chat:b", 5, 1000));
  auto c1 = store_->outbox_add(job("chat:c"));
  EXPECT_THAT(ready_ids(999, 100, {a1}), ElementsAre(c1)) << "a busy, b not due";
  EXPECT_THAT(ready_ids(1000, 1, {a1}), ElementsAre(b1)) << "limit counts only returned jobs";
  EXPECT_THAT(ready_ids(1000, 100, {a1, b1, c1}), ElementsAre());
  EXPECT_THAT(ready_ids(1000, 0), ElementsAre());
}

TEST_P(OutboxStoreContract, OutboxFutureHeadBlocksItsWholeQueue) {
  auto a1 = store_->outbox_add(job("chat:a", 5, 500));
  store_->outbox_add(job("chat:a", 5, 0));
  EXPECT_THAT(ready_ids(100), ElementsAre()) << "order per destination is kept";
  EXPECT_THAT(ready_ids(500), ElementsAre(a1));
}

TEST_P(OutboxStoreContract, OutboxRetryDelaysAndCountsAttempts) {
  auto a1 = store_->outbox_add(job("chat:a"));
  auto a2 = store_->outbox_add(job("chat:a"));
  store_->outbox_retry(a1, 2000, "429 retry after 2");
  EXPECT_THAT(ready_ids(1999), ElementsAre());
  auto again = store_->outbox_ready(2000, 10, {});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, a1);
  EXPECT_EQ(again[0].attempts, 1);
  EXPECT_EQ(again[0].not_before, 2000);
  EXPECT_EQ(again[0].last_error, "429 retry after 2");
  store_->outbox_retry(a1, 3000, "502");
  EXPECT_EQ(store_->outbox_job(a1)->attempts, 2);
  store_->outbox_done(a1);
  EXPECT_THAT(ready_ids(0), ElementsAre(a2));
}

TEST_P(OutboxStoreContract, OutboxFailKeepsTheJobAndMovesTheQueueOn) {
  auto a1 = store_->outbox_add(job("chat:a"));
  auto a2 = store_->outbox_add(job("chat:a"));
  store_->outbox_fail(a1, "400 Bad Request: chat not found");
  EXPECT_THAT(ready_ids(0), ElementsAre(a2));
  auto failed = store_->outbox_job(a1);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->last_error, "400 Bad Request: chat not found");
  store_->outbox_done(a1);  // late result for a failed job: ignored
  store_->outbox_done(a2);
  store_->outbox_done(a2);  // twice: ignored
  EXPECT_THAT(ready_ids(0), ElementsAre());
  EXPECT_FALSE(store_->outbox_job(a2 + 100));

  auto stats = store_->outbox_stats();
  EXPECT_EQ(stats.pending, 0);
  EXPECT_EQ(stats.failed, 1);
  EXPECT_EQ(stats.oldest_pending_created_at, 0);
}

TEST_P(OutboxStoreContract, OutboxStatsCountPendingAndOldest) {
  auto early = job("chat:a");
  early.created_at = 100;
  store_->outbox_add(early);
  auto late = job("chat:b");
  late.created_at = 200;
  auto late_id = store_->outbox_add(late);
  store_->outbox_done(late_id);
  auto stats = store_->outbox_stats();
  EXPECT_EQ(stats.pending, 1);
  EXPECT_EQ(stats.failed, 0);
  EXPECT_EQ(stats.oldest_pending_created_at, 100);
}

TEST_P(OutboxStoreContract, OutboxStartMarkSurvivesARestartUntilAnOutcomeClearsIt) {
  auto a1 = store_->outbox_add(job("chat:a"));
  EXPECT_EQ(store_->outbox_job(a1)->started_at, 0);
  store_->outbox_start(a1, 1234, false);
  if (GetParam().persistent) reopen();  // the process died in the call
  auto started = store_->outbox_ready(0, 10, {});
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0].started_at, 1234);
  EXPECT_EQ(started[0].restarts, 0);
  store_->outbox_start(a1, 2000, true);  // the repeat after the restart
  EXPECT_EQ(store_->outbox_job(a1)->restarts, 1);
  store_->outbox_retry(a1, 0, "502");  // an answer: the outcome is known again
  auto retried = store_->outbox_job(a1);
  EXPECT_EQ(retried->started_at, 0);
  EXPECT_EQ(retried->restarts, 1) << "restarts count across retries";
  store_->outbox_done(a1);
  store_->outbox_start(a1, 3000, false);  // a late mark of a finished job: ignored
  EXPECT_EQ(store_->outbox_job(a1)->started_at, 0);
}

TEST_P(OutboxStoreContract, OutboxContinueReplacesThePayloadAndKeepsTheJobAtTheHead) {
  auto a1 = store_->outbox_add(job("chat:a"));
  auto a2 = store_->outbox_add(job("chat:a"));
  store_->outbox_retry(a1, 5000, "429");
  store_->outbox_start(a1, 5000, true);
  store_->outbox_continue(a1, R"({"next":"step"})");
  auto ready = store_->outbox_ready(0, 10, {});
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].id, a1) << "still its queue's head, ready now";
  EXPECT_EQ(ready[0].payload, R"({"next":"step"})");
  EXPECT_EQ(ready[0].started_at, 0);
  EXPECT_EQ(ready[0].restarts, 0);
  EXPECT_EQ(ready[0].attempts, 1);
  store_->outbox_done(a1);
  EXPECT_THAT(ready_ids(0), ElementsAre(a2));
}

TEST_P(OutboxStoreContract, OutboxReadyCanReadSomeConnectionsOnly) {
  const auto other = store_->ensure_connection("sales", 222, kOtherGroup);
  const auto third = store_->ensure_connection("billing", 333, kOtherGroup);
  auto mine = store_->outbox_add(job("chat:a"));
  auto theirs_job = job("chat:b", 1);
  theirs_job.connection_id = other;
  auto theirs = store_->outbox_add(theirs_job);
  auto third_job = job("chat:c", 9);
  third_job.connection_id = third;
  auto billing = store_->outbox_add(third_job);
  auto ids_of = [&](const std::vector<ConnectionId>& connections,
                    const std::vector<std::int64_t>& in_flight) {
    std::vector<std::int64_t> out;
    for (const auto& j : store_->outbox_ready(0, 10, in_flight, connections)) out.push_back(j.id);
    return out;
  };
  EXPECT_THAT(ids_of({}, {}), ElementsAre(theirs, mine, billing)) << "no filter: every connection";
  EXPECT_THAT(ids_of({conn_}, {}), ElementsAre(mine));
  EXPECT_THAT(ids_of({third, conn_}, {}), ElementsAre(mine, billing));
  EXPECT_THAT(ids_of({third, conn_}, {mine}), ElementsAre(billing)) << "in-flight heads are still skipped";
  EXPECT_THAT(ids_of({987654}, {}), ElementsAre()) << "a connection without jobs";
}

TD_STORE_CONTRACT_SUITE(OutboxStoreContract);

}  // namespace
}  // namespace topicdesk::store
