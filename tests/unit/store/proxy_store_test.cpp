// The Store contract, ProxyStore: the bot's program's update queue and webhook.
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

class ProxyStoreContract : public StoreContract {};

TEST_P(ProxyStoreContract, ProxyUpdatesTheProgramNeverFetchedExpire) {
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

TD_STORE_CONTRACT_SUITE(ProxyStoreContract);

}  // namespace
}  // namespace topicdesk::store
