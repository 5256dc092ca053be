// The Store contract, InboxStore: incoming events deduplicated and replayed until handled.
// Every backend must pass it unchanged (store_backends.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::kGroup;
using test_support::kOtherGroup;
using test_support::StoreContract;
using ::testing::ElementsAre;

class InboxStoreContract : public StoreContract {};

TEST_P(InboxStoreContract, InboxDropsDuplicatesAndReplaysUnhandledInOrder) {
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

TEST_P(InboxStoreContract, ConnectionsWithUnhandledEntriesAreListedOnce) {
  auto other = store_->ensure_connection("other", 1, kGroup);
  auto quiet = store_->ensure_connection("quiet", 2, kOtherGroup);
  EXPECT_THAT(store_->inbox_pending_connections(), ElementsAre());
  store_->inbox_add(other, 1, "a");
  store_->inbox_add(other, 2, "b");
  store_->inbox_add(conn_, 1, "c");
  store_->inbox_add(quiet, 1, "d");
  store_->inbox_done(store_->inbox_pending(quiet, 1)[0].id);
  EXPECT_THAT(store_->inbox_pending_connections(),
              ElementsAre(std::min(conn_, other), std::max(conn_, other)))
      << "each connection with unhandled entries once, in id order; handled ones are not";
}

TD_STORE_CONTRACT_SUITE(InboxStoreContract);

}  // namespace
}  // namespace topicdesk::store
