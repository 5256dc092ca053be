// The Store contract, EventStore: events appended in order and read back.
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

class EventStoreContract : public StoreContract {};

TEST_P(EventStoreContract, EventsGetIncreasingIds) {
  auto d = store_->create_dialog(conn_, 500, kGroup, 1);
  auto e1 = store_->append_event(conn_, d.id, "dialog_created", "{}", 10);
  auto e2 = store_->append_event(conn_, 0, "message_received", "{}", 11);
  EXPECT_GT(e1, 0);
  EXPECT_GT(e2, e1);
}

TD_STORE_CONTRACT_SUITE(EventStoreContract);

}  // namespace
}  // namespace topicdesk::store
