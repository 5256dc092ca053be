// The Store contract, UserLinkStore: linked accounts and custom fields.
// Every backend must pass it unchanged (store_backends.h).
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::StoreContract;

class UserLinkStoreContract : public StoreContract {};

TEST_P(UserLinkStoreContract, ALinkIsSetSharedReplacedAndCleared) {
  EXPECT_FALSE(store_->user_link(conn_, 7));
  store_->set_user_link(conn_, 7, "N005");
  store_->set_user_link(conn_, 8, "N005");  // several users may share an account
  store_->set_user_link(conn_, 7, "N006");
  EXPECT_EQ(store_->user_link(conn_, 7), "N006");
  EXPECT_EQ(store_->user_link(conn_, 8), "N005");
  store_->set_user_link(conn_, 7, "");
  EXPECT_FALSE(store_->user_link(conn_, 7));
  auto other = store_->ensure_connection("other", 1, test_support::kGroup);
  EXPECT_FALSE(store_->user_link(other, 8)) << "links are per connection";
}

TEST_P(UserLinkStoreContract, FieldsAreOrderedByKeyAndAnEmptyValueDeletes) {
  store_->set_user_field(conn_, 7, "plan", "pro");
  store_->set_user_field(conn_, 7, "city", "Oslo");
  store_->set_user_field(conn_, 7, "plan", "team");
  using Fields = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(store_->user_fields(conn_, 7), (Fields{{"city", "Oslo"}, {"plan", "team"}}));
  store_->set_user_field(conn_, 7, "city", "");
  EXPECT_EQ(store_->user_fields(conn_, 7), (Fields{{"plan", "team"}}));
  EXPECT_TRUE(store_->user_fields(conn_, 8).empty());
}

TEST_P(UserLinkStoreContract, ConnectionUserFieldsReadEveryUsersFieldsOfOneConnectionInOrder) {
  auto other = store_->ensure_connection("other", 1, test_support::kGroup);
  store_->set_user_field(conn_, 9, "plan", "pro");
  store_->set_user_field(conn_, 7, "plan", "team");
  store_->set_user_field(conn_, 7, "city", "Oslo");
  store_->set_user_field(conn_, 8, "gone", "x");
  store_->set_user_field(conn_, 8, "gone", "");
  store_->set_user_field(other, 7, "plan", "other's");
  auto fields = store_->connection_user_fields(conn_);
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].user_id, 7);
  EXPECT_EQ(fields[0].key, "city");
  EXPECT_EQ(fields[0].value, "Oslo");
  EXPECT_EQ(fields[1].user_id, 7);
  EXPECT_EQ(fields[1].key, "plan");
  EXPECT_EQ(fields[2].user_id, 9);
  EXPECT_EQ(fields[2].value, "pro");
  EXPECT_EQ(store_->connection_user_fields(other).size(), 1u);
}

TD_STORE_CONTRACT_SUITE(UserLinkStoreContract);

}  // namespace
}  // namespace topicdesk::store
