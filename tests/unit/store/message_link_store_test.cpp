// The Store contract, MessageLinkStore: a message on both sides, found either way.
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

class MessageLinkStoreContract : public StoreContract {};

TEST_P(MessageLinkStoreContract, LinksAreFoundBothWays) {
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

TEST_P(MessageLinkStoreContract, ACopyInARecreatedTopicSupersedesTheOldLink) {
  auto d = store_->create_dialog(conn_, 500, kGroup, 1);
  store_->add_link({conn_, d.id, 10, 1000, LinkDirection::kUserToGroup, kGroup});
  store_->add_link({conn_, d.id, 10, 2000, LinkDirection::kUserToGroup, kGroup});
  EXPECT_EQ(store_->link_by_user_message(d.id, 10)->group_message_id, 2000);
  EXPECT_EQ(store_->link_by_group_message(kGroup, 1000)->user_message_id, 10);
}

TEST_P(MessageLinkStoreContract, ALinkRemembersTheBotThatPostedTheCopy) {
  auto d = store_->create_dialog(conn_, 500, kGroup, 1);
  constexpr core::UserId kHelper = 7'770'001;
  store_->add_link({conn_, d.id, 10, 1000, LinkDirection::kUserToGroup, kGroup, kHelper});
  store_->add_link({conn_, d.id, 11, 1001, LinkDirection::kUserToGroup, kGroup});  // the connection's bot
  EXPECT_EQ(store_->link_by_user_message(d.id, 10)->poster_id, kHelper);
  EXPECT_EQ(store_->link_by_group_message(kGroup, 1000)->poster_id, kHelper);
  EXPECT_EQ(store_->link_by_user_message(d.id, 11)->poster_id, 0);
  // Posted again by another bot (a retry after the helper left): the newest link's poster counts.
  store_->add_link({conn_, d.id, 10, 2000, LinkDirection::kUserToGroup, kGroup, 0});
  EXPECT_EQ(store_->link_by_user_message(d.id, 10)->poster_id, 0);
  EXPECT_EQ(store_->link_by_group_message(kGroup, 1000)->poster_id, kHelper);
}

TD_STORE_CONTRACT_SUITE(MessageLinkStoreContract);

}  // namespace
}  // namespace topicdesk::store
