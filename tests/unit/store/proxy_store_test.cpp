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

TEST_P(ProxyStoreContract, DuplicatesAreRefusedAndReadsStartAtAnId) {
  EXPECT_TRUE(store_->proxy_update_add(conn_, ProxyUpdate{10, "message", "a"}, 1));
  EXPECT_FALSE(store_->proxy_update_add(conn_, ProxyUpdate{10, "message", "again"}, 2));
  store_->proxy_update_add(conn_, ProxyUpdate{11, "callback_query", "b"}, 3);
  auto from11 = store_->proxy_updates(conn_, 11, 10);
  ASSERT_EQ(from11.size(), 1u);
  EXPECT_EQ(from11[0].kind, "callback_query");
  EXPECT_EQ(from11[0].payload, "b");
  EXPECT_EQ(store_->proxy_updates(conn_, 0, 10)[0].payload, "a");
}

TEST_P(ProxyStoreContract, TheProgramsWebhookIsSetReplacedAndDeleted) {
  EXPECT_FALSE(store_->proxy_webhook(conn_));
  store_->proxy_set_webhook(conn_, ProxyWebhook{"https://bot/hook", "s3cret", R"(["message"])", 10, 0, ""});
  store_->proxy_set_webhook(conn_, ProxyWebhook{"https://bot/hook2", "s3cret", "", 40, 50, "HTTP 500"});
  auto hook = store_->proxy_webhook(conn_);
  ASSERT_TRUE(hook);
  EXPECT_EQ(hook->url, "https://bot/hook2");
  EXPECT_EQ(hook->max_connections, 40);
  EXPECT_EQ(hook->last_error_at, 50);
  EXPECT_EQ(hook->last_error, "HTTP 500");
  store_->proxy_set_webhook(conn_, std::nullopt);
  EXPECT_FALSE(store_->proxy_webhook(conn_));
}

TD_STORE_CONTRACT_SUITE(ProxyStoreContract);

}  // namespace
}  // namespace topicdesk::store
