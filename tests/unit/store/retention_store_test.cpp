// The Store contract, RetentionStore: what is forgotten, and what is kept.
// Every backend must pass it unchanged (store_backends.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::kGroup;
using test_support::kOtherGroup;
using test_support::StoreContract;
using ::testing::ElementsAre;

class RetentionStoreContract : public StoreContract {};

TEST_P(RetentionStoreContract, PurgeRemovesOnlyFinishedWork) {
  store_->inbox_add(conn_, 1, "handled");
  store_->inbox_add(conn_, 2, "pending");
  store_->inbox_done(store_->inbox_pending(conn_, 1)[0].id);
  auto done = store_->outbox_add(job("chat:a"));
  auto failed = store_->outbox_add(job("chat:b"));
  auto pending = store_->outbox_add(job("chat:c"));
  store_->outbox_done(done);
  store_->outbox_fail(failed, "gone");

  EXPECT_EQ(store_->purge_finished(1), 0) << "nothing that old";
  EXPECT_EQ(store_->purge_finished(std::numeric_limits<UnixMillis>::max()), 2);
  EXPECT_FALSE(store_->outbox_job(done));
  EXPECT_TRUE(store_->outbox_job(failed));
  EXPECT_TRUE(store_->outbox_job(pending));
  EXPECT_EQ(store_->inbox_pending(conn_, 10).size(), 1u);
}

TD_STORE_CONTRACT_SUITE(RetentionStoreContract);

}  // namespace
}  // namespace topicdesk::store
