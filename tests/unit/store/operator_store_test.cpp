// The Store contract, OperatorStore: the backend groups' operators, owned dialogs, the waiting
// dialogs UNANSWERED_ALERT announces and ASSIGN's rotation.
// Every backend must pass it unchanged (store_backends.h).
#include <gtest/gtest.h>

#include <algorithm>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::kGroup;
using test_support::kOtherGroup;
using test_support::StoreContract;

class OperatorStoreContract : public StoreContract {};

core::Person person(UserId id, std::string username, std::string first = "Olga") {
  core::Person p;
  p.id = id;
  p.first_name = std::move(first);
  p.username = std::move(username);
  return p;
}

TEST_P(OperatorStoreContract, OperatorsAreKeptPerGroupAndRefreshedKeepingTheirShift) {
  store_->upsert_operator(kGroup, person(7, "Olga_Op"), 100);
  EXPECT_FALSE(store_->operator_by_id(kOtherGroup, 7)) << "another group has not seen her";
  EXPECT_TRUE(store_->set_on_shift(kGroup, 7, true));
  EXPECT_FALSE(store_->set_on_shift(kGroup, 8, true)) << "an operator the group never saw";
  store_->upsert_operator(kGroup, person(7, "olga_new", "Olga B."), 200);
  auto olga = store_->operator_by_id(kGroup, 7);
  ASSERT_TRUE(olga);
  EXPECT_EQ(olga->username, "olga_new");
  EXPECT_EQ(olga->first_name, "Olga B.");
  EXPECT_EQ(olga->last_seen_at, 200);
  EXPECT_TRUE(olga->on_shift) << "a message does not end the shift";
}

TEST_P(OperatorStoreContract, UsernamesMatchWhateverTheCase) {
  store_->upsert_operator(kGroup, person(7, "Olga_Op"), 100);
  store_->upsert_operator(kGroup, person(8, ""), 100);
  EXPECT_EQ(store_->operator_by_username(kGroup, "olga_op")->id, 7);
  EXPECT_EQ(store_->operator_by_username(kGroup, "OLGA_OP")->id, 7);
  EXPECT_FALSE(store_->operator_by_username(kGroup, "")) << "no username never matches";
  EXPECT_FALSE(store_->operator_by_username(kOtherGroup, "olga_op"));
}

TEST_P(OperatorStoreContract, OnShiftListsOnlyThoseOnShiftInIdOrder) {
  for (UserId id : {9, 7, 8}) store_->upsert_operator(kGroup, person(id, "op" + std::to_string(id)), 100);
  store_->set_on_shift(kGroup, 9, true);
  store_->set_on_shift(kGroup, 7, true);
  store_->set_on_shift(kGroup, 8, true);
  store_->set_on_shift(kGroup, 8, false);
  auto on = store_->operators_on_shift(kGroup);
  ASSERT_EQ(on.size(), 2u);
  EXPECT_EQ(on[0].id, 7);
  EXPECT_EQ(on[1].id, 9);
  EXPECT_TRUE(store_->operators_on_shift(kOtherGroup).empty());
}

TEST_P(OperatorStoreContract, OwnedDialogsCountOnlyOpenOnesAcrossTheGroupsConnections) {
  auto sales = store_->ensure_connection("sales", 222, kGroup);
  auto own = [&](ConnectionId conn, UserId user, UserId owner, DialogStatus status, UnixMillis changed) {
    auto d = store_->create_dialog(conn, user, kGroup, 10);
    d.owner_id = owner;
    d.status = status;
    d.status_changed_at = changed;
    store_->update_dialog(d);
    return d;
  };
  auto a = own(conn_, 1, 7, DialogStatus::kUserAnswered, 30);
  auto b = own(sales, 2, 7, DialogStatus::kSupportAnswered, 20);
  own(conn_, 3, 7, DialogStatus::kClosed, 10);
  own(conn_, 4, 8, DialogStatus::kUserAnswered, 10);
  own(conn_, 5, 0, DialogStatus::kUserAnswered, 10);
  auto mine = store_->open_dialogs_owned_by(kGroup, 7, 10);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].id, b.id) << "oldest status change first";
  EXPECT_EQ(mine[1].id, a.id);
  EXPECT_TRUE(store_->open_dialogs_owned_by(kGroup, 0, 10).empty()) << "nobody owns no dialogs";
  auto counts = store_->open_owned_counts(kGroup);
  std::sort(counts.begin(), counts.end());
  EXPECT_EQ(counts, (std::vector<std::pair<UserId, std::int64_t>>{{7, 2}, {8, 1}}));
}

TEST_P(OperatorStoreContract, WaitingDialogsAreAnnouncedOncePerWait) {
  auto d = store_->create_dialog(conn_, 1, kGroup, 100);  // user_answered since 100
  EXPECT_TRUE(store_->dialogs_unannounced_waiting(conn_, 100, 10).empty()) << "not waiting long enough";
  ASSERT_EQ(store_->dialogs_unannounced_waiting(conn_, 101, 10).size(), 1u);
  d.unanswered_alerted_at = 500;
  store_->update_dialog(d);
  EXPECT_TRUE(store_->dialogs_unannounced_waiting(conn_, 1000, 10).empty()) << "announced";
  d.status = DialogStatus::kUserAnswered;
  d.status_changed_at = 600;  // answered, then the user wrote again: a new wait
  store_->update_dialog(d);
  EXPECT_EQ(store_->dialogs_unannounced_waiting(conn_, 1000, 10).size(), 1u);
  d.status = DialogStatus::kSupportAnswered;
  store_->update_dialog(d);
  EXPECT_TRUE(store_->dialogs_unannounced_waiting(conn_, 1000, 10).empty()) << "nobody waits for operators";
}

TEST_P(OperatorStoreContract, TheRotationIsKeptPerConnection) {
  auto sales = store_->ensure_connection("sales", 222, kGroup);
  EXPECT_EQ(store_->rotation_last(conn_), 0);
  store_->set_rotation_last(conn_, 7);
  store_->set_rotation_last(conn_, 9);
  store_->set_rotation_last(sales, 8);
  EXPECT_EQ(store_->rotation_last(conn_), 9);
  EXPECT_EQ(store_->rotation_last(sales), 8);
  if (!GetParam().persistent) return;
  reopen();
  EXPECT_EQ(store_->rotation_last(conn_), 9) << "the rotation survives a restart";
}

TD_STORE_CONTRACT_SUITE(OperatorStoreContract);

}  // namespace
}  // namespace topicdesk::store
