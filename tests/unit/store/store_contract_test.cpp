// The Store contract: every backend must pass this suite unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using ::testing::ElementsAre;
using test_support::Backend;

constexpr ChatId kGroup = -1001000000001;
constexpr ChatId kOtherGroup = -1001000000002;

class StoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    location_ = GetParam().new_location();
    store_ = GetParam().open(location_);
    conn_ = store_->ensure_connection("support", 111, kGroup);
  }
  void TearDown() override {
    store_.reset();
    GetParam().remove(location_);
  }

  void reopen() {
    store_.reset();
    store_ = GetParam().open(location_);
  }

  OutboxJob job(const std::string& queue, int priority = 5, UnixMillis not_before = 0,
                const std::string& kind = "copy") {
    OutboxJob j;
    j.connection_id = conn_;
    j.queue_key = queue;
    j.priority = priority;
    j.kind = kind;
    j.payload = R"({"q":")" + queue + R"("})";
    j.not_before = not_before;
    return j;
  }

  std::vector<std::int64_t> ready_ids(UnixMillis now, int limit = 100,
                                      const std::vector<std::int64_t>& in_flight = {}) {
    std::vector<std::int64_t> ids;
    for (const auto& j : store_->outbox_ready(now, limit, in_flight)) ids.push_back(j.id);
    return ids;
  }

  std::string location_;
  std::unique_ptr<Store> store_;
  ConnectionId conn_ = 0;
};

// Schema ------------------------------------------------------------------------------------

TEST_P(StoreContract, OpenAppliesMigrationsAndMigrateAgainIsANoOp) {
  int version = store_->schema_version();
  EXPECT_GE(version, 1);
  store_->state_set(conn_, "offset", "42");
  store_->migrate();
  store_->migrate();
  EXPECT_EQ(store_->schema_version(), version);
  EXPECT_EQ(store_->state_get(conn_, "offset"), "42");
}

TEST_P(StoreContract, ReopeningKeepsData) {
  if (!GetParam().persistent) GTEST_SKIP() << "in-memory database";
  auto dialog = store_->create_dialog(conn_, 500, kGroup, 1000);
  ASSERT_TRUE(store_->inbox_add(conn_, 7, "{}"));
  auto job_id = store_->outbox_add(job("chat:500"));
  store_->timer_set(conn_, "album:1", 5000, "p");
  reopen();
  EXPECT_EQ(store_->dialog(dialog.id)->user_id, 500);
  EXPECT_FALSE(store_->inbox_add(conn_, 7, "{}")) << "dedupe survives a restart";
  EXPECT_THAT(ready_ids(0), ElementsAre(job_id));
  EXPECT_TRUE(store_->timer_get(conn_, "album:1").has_value());
  EXPECT_EQ(store_->ensure_connection("support", 111, kGroup), conn_);
}

// Connections and state ---------------------------------------------------------------------

TEST_P(StoreContract, EnsureConnectionIsIdempotentByNameAndUpdatesIds) {
  EXPECT_EQ(store_->ensure_connection("support", 222, kOtherGroup), conn_);
  auto record = store_->connection(conn_);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->name, "support");
  EXPECT_EQ(record->bot_id, 222);
  EXPECT_EQ(record->group_id, kOtherGroup);

  auto sales = store_->ensure_connection("sales", 333, kGroup);
  EXPECT_NE(sales, conn_);
  auto all = store_->connections();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "support");
  EXPECT_EQ(all[1].name, "sales");
  EXPECT_FALSE(store_->connection(sales + 100));
}

TEST_P(StoreContract, StateIsPerConnectionAndOverwritten) {
  auto other = store_->ensure_connection("other", 1, kGroup);
  EXPECT_FALSE(store_->state_get(conn_, "offset"));
  store_->state_set(conn_, "offset", "10");
  store_->state_set(conn_, "offset", "11");
  store_->state_set(other, "offset", "99");
  EXPECT_EQ(store_->state_get(conn_, "offset"), "11");
  EXPECT_EQ(store_->state_get(other, "offset"), "99");
}

// Users -------------------------------------------------------------------------------------

TEST_P(StoreContract, UpsertUserKeepsLatestProfileButNotAnEmptyPhone) {
  core::Person ann{500, false, "Ann", "Lee", "ann", "en", "+100"};
  store_->upsert_user(conn_, ann, 1);
  ann.first_name = "Anna";
  ann.phone.clear();
  store_->upsert_user(conn_, ann, 2);
  auto seen = store_->user(conn_, 500);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->first_name, "Anna");
  EXPECT_EQ(seen->last_name, "Lee");
  EXPECT_EQ(seen->username, "ann");
  EXPECT_EQ(seen->language_code, "en");
  EXPECT_EQ(seen->phone, "+100");
  EXPECT_FALSE(store_->user(conn_, 501));
  auto other = store_->ensure_connection("other", 1, kGroup);
  EXPECT_FALSE(store_->user(other, 500)) << "users are per connection";
}

// Dialogs -----------------------------------------------------------------------------------

TEST_P(StoreContract, CreateDialogStartsUserAnsweredAndIsOnePerUser) {
  auto d = store_->create_dialog(conn_, 500, kGroup, 1000);
  EXPECT_GT(d.id, 0);
  EXPECT_EQ(d.connection_id, conn_);
  EXPECT_EQ(d.user_id, 500);
  EXPECT_EQ(d.group_id, kGroup);
  EXPECT_EQ(d.thread_id, 0);
  EXPECT_EQ(d.status, DialogStatus::kUserAnswered);
  EXPECT_EQ(d.created_at, 1000);
  EXPECT_EQ(d.status_changed_at, 1000);
  EXPECT_FALSE(d.banned);

  auto again = store_->create_dialog(conn_, 500, kGroup, 2000);
  EXPECT_EQ(again.id, d.id);
  EXPECT_EQ(again.created_at, 1000);
  EXPECT_EQ(store_->dialog_by_user(conn_, 500)->id, d.id);
  EXPECT_FALSE(store_->dialog_by_user(conn_, 501));
  EXPECT_FALSE(store_->dialog(d.id + 100));
}

TEST_P(StoreContract, UpdateDialogWritesEveryField) {
  auto d = store_->create_dialog(conn_, 500, kGroup, 1000);
  d.thread_id = 77;
  d.status = DialogStatus::kSupportAnswered;
  d.banned = true;
  d.user_blocked_bot = true;
  d.pseudonym = "Blue Fox";
  d.topic_title = "Ann Lee #500";
  d.last_user_message_at = 1100;
  d.last_operator_reply_at = 1200;
  d.status_changed_at = 1300;
  store_->update_dialog(d);
  auto back = store_->dialog(d.id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->thread_id, 77);
  EXPECT_EQ(back->status, DialogStatus::kSupportAnswered);
  EXPECT_TRUE(back->banned);
  EXPECT_TRUE(back->user_blocked_bot);
  EXPECT_EQ(back->pseudonym, "Blue Fox");
  EXPECT_EQ(back->topic_title, "Ann Lee #500");
  EXPECT_EQ(back->last_user_message_at, 1100);
  EXPECT_EQ(back->last_operator_reply_at, 1200);
  EXPECT_EQ(back->status_changed_at, 1300);
  EXPECT_EQ(back->created_at, 1000);
}

TEST_P(StoreContract, DialogByThreadFindsTheTopicInItsGroupOnly) {
  auto d = store_->create_dialog(conn_, 500, kGroup, 1000);
  EXPECT_FALSE(store_->dialog_by_thread(kGroup, 0)) << "no topic yet";
  d.thread_id = 77;
  store_->update_dialog(d);
  EXPECT_EQ(store_->dialog_by_thread(kGroup, 77)->id, d.id);
  EXPECT_FALSE(store_->dialog_by_thread(kOtherGroup, 77));
  EXPECT_FALSE(store_->dialog_by_thread(kGroup, 78));
}

TEST_P(StoreContract, TwoConnectionsSharingAGroupHaveSeparateDialogsAndTopics) {
  auto sales = store_->ensure_connection("sales", 222, kGroup);
  auto a = store_->create_dialog(conn_, 500, kGroup, 1);
  auto b = store_->create_dialog(sales, 500, kGroup, 1);
  EXPECT_NE(a.id, b.id);
  a.thread_id = 10;
  b.thread_id = 11;
  store_->update_dialog(a);
  store_->update_dialog(b);
  EXPECT_EQ(store_->dialog_by_thread(kGroup, 10)->connection_id, conn_);
  EXPECT_EQ(store_->dialog_by_thread(kGroup, 11)->connection_id, sales);
  b.thread_id = 10;
  EXPECT_THROW(store_->update_dialog(b), StoreError) << "one dialog per topic";
}

TEST_P(StoreContract, DialogForUnknownConnectionIsRejected) {
  EXPECT_THROW(store_->create_dialog(conn_ + 100, 500, kGroup, 1), StoreError);
}

TEST_P(StoreContract, DialogsByStatusWaitingSinceAndCounts) {
  auto set_status = [&](UserId user, DialogStatus status, UnixMillis changed) {
    auto d = store_->create_dialog(conn_, user, kGroup, 1);
    d.status = status;
    d.status_changed_at = changed;
    store_->update_dialog(d);
    return d.id;
  };
  auto open1 = set_status(1, DialogStatus::kUserAnswered, 50);
  auto wait_old = set_status(2, DialogStatus::kSupportAnswered, 100);
  auto wait_new = set_status(3, DialogStatus::kSupportAnswered, 300);
  set_status(4, DialogStatus::kClosed, 10);
  set_status(5, DialogStatus::kClosed, 20);
  auto other = store_->ensure_connection("other", 1, kOtherGroup);
  auto foreign = store_->create_dialog(other, 9, kOtherGroup, 1);
  foreign.status = DialogStatus::kSupportAnswered;
  store_->update_dialog(foreign);

  auto ids = [](const std::vector<Dialog>& dialogs) {
    std::vector<DialogId> out;
    for (const auto& d : dialogs) out.push_back(d.id);
    return out;
  };
  EXPECT_THAT(ids(store_->dialogs_with_status(conn_, DialogStatus::kUserAnswered, 10)), ElementsAre(open1));
  EXPECT_THAT(ids(store_->dialogs_with_status(conn_, DialogStatus::kSupportAnswered, 10)),
              ElementsAre(wait_old, wait_new));
  EXPECT_EQ(store_->dialogs_with_status(conn_, DialogStatus::kClosed, 1).size(), 1u);
  EXPECT_THAT(ids(store_->dialogs_waiting_since(conn_, 200, 10)), ElementsAre(wait_old));
  EXPECT_THAT(ids(store_->dialogs_waiting_since(conn_, 301, 10)), ElementsAre(wait_old, wait_new));
  EXPECT_THAT(ids(store_->dialogs_waiting_since(conn_, 100, 10)), ElementsAre()) << "strictly before";

  auto counts = store_->count_dialogs(kGroup);
  EXPECT_EQ(counts.user_answered, 1);
  EXPECT_EQ(counts.support_answered, 2);
  EXPECT_EQ(counts.closed, 2);
  EXPECT_EQ(store_->count_dialogs(kOtherGroup).support_answered, 1);
  EXPECT_EQ(store_->count_dialogs(-5).user_answered, 0);
}

// Message links -----------------------------------------------------------------------------

TEST_P(StoreContract, LinksAreFoundBothWays) {
  auto d = store_->create_dialog(conn_, 500, kGroup, 1);
  store_->add_link({conn_, d.id, 10, 1000, LinkDirection::kUserToGroup, kGroup});
  store_->add_link({conn_, d.id, 11, 1001, LinkDirection::kGroupToUser, 0});  // group from the dialog

  auto by_user = store_->link_by_user_message(d.id, 10);
  ASSERT_TRUE(by_user);
  EXPECT_EQ(by_user->group_message_id, 1000);
  EXPECT_EQ(by_user->direction, LinkDirection::kUserToGroup);
  EXPECT_EQ(by_user->connection_id, conn_);

  auto by_group = store_->link_by_group_message(kGroup, 1001);
  ASSERT_TRUE(by_group);
  EXPECT_EQ(by_group->user_message_id, 11);
  EXPECT_EQ(by_group->dialog_id, d.id);
  EXPECT_EQ(by_group->group_id, kGroup);
  EXPECT_EQ(by_group->direction, LinkDirection::kGroupToUser);

  store_->add_link({conn_, d.id, 12, 1002, LinkDirection::kIntercepted, kGroup});
  EXPECT_EQ(store_->link_by_user_message(d.id, 12)->direction, LinkDirection::kIntercepted);

  EXPECT_FALSE(store_->link_by_user_message(d.id, 13));
  EXPECT_FALSE(store_->link_by_group_message(kOtherGroup, 1000));
}

TEST_P(StoreContract, ACopyInARecreatedTopicSupersedesTheOldLink) {
  auto d = store_->create_dialog(conn_, 500, kGroup, 1);
  store_->add_link({conn_, d.id, 10, 1000, LinkDirection::kUserToGroup, kGroup});
  store_->add_link({conn_, d.id, 10, 2000, LinkDirection::kUserToGroup, kGroup});
  EXPECT_EQ(store_->link_by_user_message(d.id, 10)->group_message_id, 2000);
  EXPECT_EQ(store_->link_by_group_message(kGroup, 1000)->user_message_id, 10);
}

// Inbox -------------------------------------------------------------------------------------

TEST_P(StoreContract, InboxDropsDuplicatesAndReplaysUnhandledInOrder) {
  auto other = store_->ensure_connection("other", 1, kGroup);
  EXPECT_TRUE(store_->inbox_add(conn_, 5, "five"));
  EXPECT_TRUE(store_->inbox_add(conn_, 3, "three"));
  EXPECT_FALSE(store_->inbox_add(conn_, 5, "five again"));
  EXPECT_TRUE(store_->inbox_add(other, 5, "other five")) << "update ids are per connection";

  auto pending = store_->inbox_pending(conn_, 10);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].update_id, 5) << "arrival order";
  EXPECT_EQ(pending[0].payload, "five");
  EXPECT_EQ(pending[0].connection_id, conn_);
  EXPECT_EQ(pending[1].update_id, 3);

  store_->inbox_done(pending[0].id);
  pending = store_->inbox_pending(conn_, 10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].update_id, 3);
  EXPECT_FALSE(store_->inbox_add(conn_, 5, "five")) << "handled entries still dedupe";
  EXPECT_EQ(store_->inbox_pending(other, 1).size(), 1u);
  EXPECT_EQ(store_->inbox_pending(conn_, 0).size(), 0u);
}

// Outbox ------------------------------------------------------------------------------------

TEST_P(StoreContract, OutboxReadyGivesOneHeadPerQueueByPriorityThenId) {
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

TEST_P(StoreContract, OutboxReadySkipsInFlightQueuesAndFutureJobs) {
  auto a1 = store_->outbox_add(job("chat:a"));
  store_->outbox_add(job("chat:a"));
  auto b1 = store_->outbox_add(job("chat:b", 5, 1000));
  auto c1 = store_->outbox_add(job("chat:c"));
  EXPECT_THAT(ready_ids(999, 100, {a1}), ElementsAre(c1)) << "a busy, b not due";
  EXPECT_THAT(ready_ids(1000, 1, {a1}), ElementsAre(b1)) << "limit counts only returned jobs";
  EXPECT_THAT(ready_ids(1000, 100, {a1, b1, c1}), ElementsAre());
  EXPECT_THAT(ready_ids(1000, 0), ElementsAre());
}

TEST_P(StoreContract, OutboxFutureHeadBlocksItsWholeQueue) {
  auto a1 = store_->outbox_add(job("chat:a", 5, 500));
  store_->outbox_add(job("chat:a", 5, 0));
  EXPECT_THAT(ready_ids(100), ElementsAre()) << "order per destination is kept";
  EXPECT_THAT(ready_ids(500), ElementsAre(a1));
}

TEST_P(StoreContract, OutboxRetryDelaysAndCountsAttempts) {
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

TEST_P(StoreContract, OutboxStartMarkSurvivesARestartUntilAnOutcomeClearsIt) {
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

TEST_P(StoreContract, OutboxContinueReplacesThePayloadAndKeepsTheJobAtTheHead) {
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

TEST_P(StoreContract, OutboxFailKeepsTheJobAndMovesTheQueueOn) {
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

TEST_P(StoreContract, OutboxStatsCountPendingAndOldest) {
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

// Transactions ------------------------------------------------------------------------------

TEST_P(StoreContract, TransactionCommitsEverything) {
  store_->transaction([&] {
    store_->inbox_add(conn_, 1, "x");
    store_->outbox_add(job("chat:a"));
    store_->state_set(conn_, "k", "v");
  });
  EXPECT_EQ(store_->inbox_pending(conn_, 10).size(), 1u);
  EXPECT_EQ(ready_ids(0).size(), 1u);
  EXPECT_EQ(store_->state_get(conn_, "k"), "v");
}

TEST_P(StoreContract, TransactionRollsBackAndRethrows) {
  store_->state_set(conn_, "k", "before");
  EXPECT_THROW(store_->transaction([&] {
    store_->state_set(conn_, "k", "during");
    store_->outbox_add(job("chat:a"));
    store_->create_dialog(conn_, 500, kGroup, 1);
    throw std::logic_error("relay bug");
  }),
               std::logic_error);
  EXPECT_EQ(store_->state_get(conn_, "k"), "before");
  EXPECT_THAT(ready_ids(0), ElementsAre()) << "queue heads roll back with the jobs";
  EXPECT_FALSE(store_->dialog_by_user(conn_, 500));
  // The store stays usable and a later job becomes a head normally.
  auto a = store_->outbox_add(job("chat:a"));
  EXPECT_THAT(ready_ids(0), ElementsAre(a));
}

TEST_P(StoreContract, NestedTransactionsJoinTheOuterOne) {
  EXPECT_THROW(store_->transaction([&] {
    store_->transaction([&] { store_->state_set(conn_, "inner", "1"); });
    store_->state_set(conn_, "outer", "1");
    throw std::runtime_error("late failure");
  }),
               std::runtime_error);
  EXPECT_FALSE(store_->state_get(conn_, "inner")) << "inner work rolled back with the outer";
  EXPECT_FALSE(store_->state_get(conn_, "outer"));

  store_->transaction([&] {
    store_->transaction([&] { store_->state_set(conn_, "inner", "2"); });
  });
  EXPECT_EQ(store_->state_get(conn_, "inner"), "2");
}

TEST_P(StoreContract, StoreErrorInsideTransactionRollsBack) {
  EXPECT_THROW(store_->transaction([&] {
    store_->state_set(conn_, "k", "v");
    store_->create_dialog(conn_ + 100, 1, kGroup, 1);  // foreign key violation
  }),
               StoreError);
  EXPECT_FALSE(store_->state_get(conn_, "k"));
}

TEST_P(StoreContract, ConcurrentTransactionsDoNotInterleave) {
  constexpr int kPerThread = 200;
  auto worker = [&](const std::string& queue) {
    for (int i = 0; i < kPerThread; ++i) {
      store_->transaction([&] {
        auto n = std::stoi(store_->state_get(conn_, "n").value_or("0"));
        store_->outbox_add(job(queue));
        store_->state_set(conn_, "n", std::to_string(n + 1));
      });
    }
  };
  std::thread a(worker, "chat:a");
  std::thread b(worker, "chat:b");
  a.join();
  b.join();
  EXPECT_EQ(store_->state_get(conn_, "n"), std::to_string(2 * kPerThread));
  EXPECT_EQ(store_->outbox_stats().pending, 2 * kPerThread);
}

// Timers and events -------------------------------------------------------------------------

TEST_P(StoreContract, TimersReplaceFireWhenDueAndDelete) {
  store_->timer_set(conn_, "album:1", 500, "first");
  store_->timer_set(conn_, "album:2", 100, "second");
  store_->timer_set(conn_, "album:1", 300, "replaced");
  auto t1 = store_->timer_get(conn_, "album:1");
  ASSERT_TRUE(t1);
  EXPECT_EQ(t1->due_at, 300);
  EXPECT_EQ(t1->payload, "replaced");
  EXPECT_EQ(t1->key, "album:1");
  EXPECT_EQ(t1->connection_id, conn_);

  EXPECT_TRUE(store_->timers_due(99, 10).empty());
  auto due = store_->timers_due(300, 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].key, "album:2") << "earliest first";
  EXPECT_EQ(due[1].key, "album:1");
  EXPECT_EQ(store_->timers_due(1000, 1).size(), 1u);

  store_->timer_delete(due[0].id);
  EXPECT_FALSE(store_->timer_get(conn_, "album:2"));
  auto other = store_->ensure_connection("other", 1, kGroup);
  EXPECT_FALSE(store_->timer_get(other, "album:1")) << "keys are per connection";
}

TEST_P(StoreContract, EventsGetIncreasingIds) {
  auto d = store_->create_dialog(conn_, 500, kGroup, 1);
  auto e1 = store_->append_event(conn_, d.id, "dialog_created", "{}", 10);
  auto e2 = store_->append_event(conn_, 0, "message_received", "{}", 11);
  EXPECT_GT(e1, 0);
  EXPECT_GT(e2, e1);
}

TEST_P(StoreContract, PurgeRemovesOnlyFinishedWork) {
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

TEST_P(StoreContract, ProxyUpdatesTheProgramNeverFetchedExpire) {
  store_->proxy_update_add(conn_, ProxyUpdate{10, "message", "{}"}, 1000);
  store_->proxy_update_add(conn_, ProxyUpdate{11, "message", "{}"}, 5000);
  EXPECT_EQ(store_->proxy_backlog(conn_).count, 2);
  EXPECT_EQ(store_->proxy_backlog(conn_).oldest, 1000);
  EXPECT_EQ(store_->proxy_expire(1000), 0);
  EXPECT_EQ(store_->proxy_expire(3000), 1);
  auto left = store_->proxy_updates(conn_, 0, 10);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].update_id, 11);
  store_->proxy_confirm(conn_, 12);
  EXPECT_EQ(store_->proxy_backlog(conn_).count, 0);
  EXPECT_EQ(store_->proxy_backlog(conn_).oldest, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::ValuesIn(test_support::all_backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace topicdesk::store
