// The Store contract, ApiKeyStore: one key hash per connection.
// Every backend must pass it unchanged (store_backends.h).
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::StoreContract;

class ApiKeyStoreContract : public StoreContract {};

TEST_P(ApiKeyStoreContract, SettingAHashReplacesTheConnectionsKey) {
  EXPECT_TRUE(store_->api_keys().empty());
  auto other = store_->ensure_connection("other", 1, test_support::kGroup);
  store_->set_api_key_hash(conn_, "aaa", 10);
  store_->set_api_key_hash(other, "bbb", 11);
  store_->set_api_key_hash(conn_, "ccc", 12);
  auto keys = store_->api_keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].connection_id, conn_);
  EXPECT_EQ(keys[0].key_hash, "ccc");
  EXPECT_EQ(keys[0].created_at, 12);
  EXPECT_EQ(keys[1].key_hash, "bbb");
}

TD_STORE_CONTRACT_SUITE(ApiKeyStoreContract);

}  // namespace
}  // namespace topicdesk::store
