// The Store contract, TimerStore: durable timers.
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

class TimerStoreContract : public StoreContract {};

TEST_P(TimerStoreContract, TimersReplaceFireWhenDueAndDelete) {
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

TD_STORE_CONTRACT_SUITE(TimerStoreContract);

}  // namespace
}  // namespace topicdesk::store
