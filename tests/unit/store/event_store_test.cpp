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

TEST_P(EventStoreContract, EventsAreReadBackInIdOrder) {
  auto a = store_->append_event(conn_, 1, "dialog_created", "{}", 10);
  auto b = store_->append_event(conn_, 1, "message_received", R"({"text":"hi"})", 11);
  auto events = store_->events_after(0, 10);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, a);
  EXPECT_EQ(events[1].type, "message_received");
  EXPECT_EQ(events[1].payload, R"({"text":"hi"})");
  EXPECT_EQ(events[1].created_at, 11);
  EXPECT_EQ(events[1].connection_id, conn_);
  EXPECT_EQ(store_->events_after(a, 10).size(), 1u);
  EXPECT_EQ(store_->events_after(0, 1).size(), 1u);
  EXPECT_EQ(store_->event_by_id(b)->dialog_id, 1);
  EXPECT_FALSE(store_->event_by_id(b + 100));
}

TD_STORE_CONTRACT_SUITE(EventStoreContract);

}  // namespace
}  // namespace topicdesk::store
