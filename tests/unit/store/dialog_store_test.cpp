// The Store contract, UserStore and DialogStore: profiles, dialogs, AUTOCLOSE candidates, pages.
// Every backend must pass it unchanged (store_backends.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::kGroup;
using test_support::kOtherGroup;
using test_support::StoreContract;
using ::testing::ElementsAre;

class UserStoreContract : public StoreContract {};

TEST_P(UserStoreContract, UpsertUserKeepsLatestProfileButNotAnEmptyPhone) {
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

// A profile as stored is not written again; a change of any one field, the phone alone
// included, is.
TEST_P(UserStoreContract, EachFieldAloneChangesTheProfile) {
  core::Person ann{500, false, "Ann", "Lee", "ann", "en", ""};
  store_->upsert_user(conn_, ann, 1);
  store_->upsert_user(conn_, ann, 2);
  ann.phone = "+100";
  store_->upsert_user(conn_, ann, 3);
  EXPECT_EQ(store_->user(conn_, 500)->phone, "+100");
  ann.language_code = "de";
  store_->upsert_user(conn_, ann, 4);
  EXPECT_EQ(store_->user(conn_, 500)->language_code, "de");
  ann.is_bot = true;
  store_->upsert_user(conn_, ann, 5);
  EXPECT_TRUE(store_->user(conn_, 500)->is_bot);
  ann.username = "";
  store_->upsert_user(conn_, ann, 6);
  EXPECT_EQ(store_->user(conn_, 500)->username, "");
  EXPECT_EQ(store_->user(conn_, 500)->phone, "+100");
}

TD_STORE_CONTRACT_SUITE(UserStoreContract);

class DialogStoreContract : public StoreContract {};

TEST_P(DialogStoreContract, CreateDialogStartsUserAnsweredAndIsOnePerUser) {
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

TEST_P(DialogStoreContract, UpdateDialogWritesEveryField) {
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
  d.owner_id = 9001;
  d.last_operator_id = 9002;
  d.unanswered_alerted_at = 1400;
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
  EXPECT_EQ(back->owner_id, 9001);
  EXPECT_EQ(back->last_operator_id, 9002);
  EXPECT_EQ(back->unanswered_alerted_at, 1400);
  EXPECT_EQ(back->created_at, 1000);
  if (!GetParam().persistent) return;
  reopen();
  auto reopened = store_->dialog(d.id);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->owner_id, 9001) << "ownership survives a restart";
  EXPECT_EQ(reopened->last_operator_id, 9002);
}

// update_dialog writes only what changed (facts alone, keys and facts, or nothing): every kind
// of change reads back, and the lookups by thread and by status follow the keys.
TEST_P(DialogStoreContract, UpdatesOfSomeFieldsKeepTheOthersAndTheLookups) {
  auto d = store_->create_dialog(conn_, 500, kGroup, 1000);
  d.thread_id = 77;
  d.status = DialogStatus::kSupportAnswered;
  d.status_changed_at = 1100;
  store_->update_dialog(d);

  d.last_user_message_at = 1200;  // facts only
  d.topic_title = "Ann";
  store_->update_dialog(d);
  auto back = store_->dialog(d.id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->last_user_message_at, 1200);
  EXPECT_EQ(back->topic_title, "Ann");
  EXPECT_EQ(back->thread_id, 77);
  EXPECT_EQ(back->status, DialogStatus::kSupportAnswered);
  ASSERT_TRUE(store_->dialog_by_thread(kGroup, 77));
  EXPECT_EQ(store_->dialog_by_thread(kGroup, 77)->last_user_message_at, 1200);
  EXPECT_EQ(store_->dialogs_with_status(conn_, DialogStatus::kSupportAnswered, 10).size(), 1u);

  store_->update_dialog(d);  // nothing changed
  EXPECT_EQ(store_->dialog(d.id)->topic_title, "Ann");

  d.status = DialogStatus::kUserAnswered;  // a key and a fact together
  d.status_changed_at = 1300;
  d.last_user_message_at = 1300;
  store_->update_dialog(d);
  EXPECT_TRUE(store_->dialogs_with_status(conn_, DialogStatus::kSupportAnswered, 10).empty());
  auto now_open = store_->dialogs_with_status(conn_, DialogStatus::kUserAnswered, 10);
  ASSERT_EQ(now_open.size(), 1u);
  EXPECT_EQ(now_open[0].last_user_message_at, 1300);
  EXPECT_EQ(now_open[0].topic_title, "Ann");

  d.thread_id = 0;  // the topic is forgotten
  store_->update_dialog(d);
  EXPECT_FALSE(store_->dialog_by_thread(kGroup, 77));
}

TEST_P(DialogStoreContract, ANewDialogHasNoOwnerAndNoOperatorYet) {
  auto d = store_->create_dialog(conn_, 500, kGroup, 1000);
  EXPECT_EQ(d.owner_id, 0);
  EXPECT_EQ(d.last_operator_id, 0);
  EXPECT_EQ(d.unanswered_alerted_at, 0);
  d.owner_id = 9001;
  store_->update_dialog(d);
  auto page = store_->dialogs_page(conn_, std::nullopt, 0, 10);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].dialog.owner_id, 9001) << "the Topics API's pages carry the owner";
}

TEST_P(DialogStoreContract, DialogByThreadFindsTheTopicInItsGroupOnly) {
  auto d = store_->create_dialog(conn_, 500, kGroup, 1000);
  EXPECT_FALSE(store_->dialog_by_thread(kGroup, 0)) << "no topic yet";
  d.thread_id = 77;
  store_->update_dialog(d);
  EXPECT_EQ(store_->dialog_by_thread(kGroup, 77)->id, d.id);
  EXPECT_FALSE(store_->dialog_by_thread(kOtherGroup, 77));
  EXPECT_FALSE(store_->dialog_by_thread(kGroup, 78));
}

TEST_P(DialogStoreContract, TwoConnectionsSharingAGroupHaveSeparateDialogsAndTopics) {
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

TEST_P(DialogStoreContract, DialogForUnknownConnectionIsRejected) {
  EXPECT_THROW(store_->create_dialog(conn_ + 100, 500, kGroup, 1), StoreError);
}

TEST_P(DialogStoreContract, DialogsByStatusWaitingSinceAndCounts) {
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

TEST_P(DialogStoreContract, WaitingSinceCountsFromTheLastOperatorReply) {
  auto waiting = [&](UserId user, UnixMillis changed, UnixMillis replied) {
    auto d = store_->create_dialog(conn_, user, kGroup, 1);
    d.status = DialogStatus::kSupportAnswered;
    d.status_changed_at = changed;
    d.last_operator_reply_at = replied;
    store_->update_dialog(d);
    return d.id;
  };
  auto due = waiting(1, 100, 150);
  waiting(2, 100, 1000);  // answered again recently
  waiting(3, 100, 999);   // replied exactly at the cut-off: not before it
  auto due_no_reply = waiting(4, 200, 0);
  EXPECT_THAT(ids(store_->dialogs_waiting_since(conn_, 999, 10)), ElementsAre(due, due_no_reply));
}

// AUTOCLOSE asks for batches of 500: dialogs answered again recently must not fill the batch
// ahead of the ones that are due behind them.
TEST_P(DialogStoreContract, WaitingSinceLimitCountsOnlyDueDialogs) {
  constexpr int kRecentlyAnswered = 520;
  constexpr int kDue = 30;
  std::vector<DialogId> due;
  store_->transaction([&] {
    for (int i = 0; i < kRecentlyAnswered + kDue; ++i) {
      auto d = store_->create_dialog(conn_, 1000 + i, kGroup, 1);
      d.status = DialogStatus::kSupportAnswered;
      d.status_changed_at = 100 + i;  // the recently answered ones are the oldest by status
      d.last_operator_reply_at = i < kRecentlyAnswered ? 50'000 : 200 + i;
      store_->update_dialog(d);
      if (i >= kRecentlyAnswered) due.push_back(d.id);
    }
  });
  auto batch = ids(store_->dialogs_waiting_since(conn_, 10'000, 500));
  EXPECT_EQ(batch, due);
}

TEST_P(DialogStoreContract, PagesGoByIdWithTheUsersProfile) {
  std::vector<DialogId> all;
  for (UserId user = 1; user <= 5; ++user) all.push_back(store_->create_dialog(conn_, user, kGroup, 1).id);
  store_->upsert_user(conn_, core::Person{2, false, "Bo", "", "bo", "en", ""}, 1);
  auto closed = *store_->dialog(all[3]);
  closed.status = DialogStatus::kClosed;
  store_->update_dialog(closed);

  auto first = store_->dialogs_page(conn_, std::nullopt, 0, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].dialog.id, all[0]);
  EXPECT_FALSE(first[0].user) << "no profile stored";
  EXPECT_EQ(first[1].user->first_name, "Bo");
  auto rest = store_->dialogs_page(conn_, std::nullopt, first[1].dialog.id, 10);
  EXPECT_EQ(rest.size(), 3u);
  auto only_closed = store_->dialogs_page(conn_, DialogStatus::kClosed, 0, 10);
  ASSERT_EQ(only_closed.size(), 1u);
  EXPECT_EQ(only_closed[0].dialog.id, all[3]);
  auto other = store_->ensure_connection("other", 1, kGroup);
  EXPECT_TRUE(store_->dialogs_page(other, std::nullopt, 0, 10).empty());
}

TD_STORE_CONTRACT_SUITE(DialogStoreContract);

}  // namespace
}  // namespace topicdesk::store
