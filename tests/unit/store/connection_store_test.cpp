// The Store contract, ConnectionStore: connections and their key/value state.
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

class ConnectionStoreContract : public StoreContract {};

TEST_P(ConnectionStoreContract, EnsureConnectionIsIdempotentByNameAndUpdatesIds) {
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

TEST_P(ConnectionStoreContract, StateIsPerConnectionAndOverwritten) {
  auto other = store_->ensure_connection("other", 1, kGroup);
  EXPECT_FALSE(store_->state_get(conn_, "offset"));
  store_->state_set(conn_, "offset", "10");
  store_->state_set(conn_, "offset", "11");
  store_->state_set(other, "offset", "99");
  EXPECT_EQ(store_->state_get(conn_, "offset"), "11");
  EXPECT_EQ(store_->state_get(other, "offset"), "99");
}

TEST_P(ConnectionStoreContract, StateWithPrefixReadsOnlyThatPrefixOfOneConnectionInKeyOrder) {
  auto other = store_->ensure_connection("other", 1, kGroup);
  store_->state_set(conn_, "start:12", "promo");
  store_->state_set(conn_, "start:3", "ad_ru");
  store_->state_set(conn_, "starting", "not this");
  store_->state_set(conn_, "offset", "10");
  store_->state_set(other, "start:4", "other's");
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(store_->state_with_prefix(conn_, "start:"), (Pairs{{"start:12", "promo"}, {"start:3", "ad_ru"}}));
  EXPECT_EQ(store_->state_with_prefix(other, "start:"), (Pairs{{"start:4", "other's"}}));
  EXPECT_TRUE(store_->state_with_prefix(conn_, "none:").empty());
  EXPECT_TRUE(store_->state_with_prefix(conn_, "start%").empty()) << "the prefix is text, not a pattern";
}

TD_STORE_CONTRACT_SUITE(ConnectionStoreContract);

}  // namespace
}  // namespace topicdesk::store
