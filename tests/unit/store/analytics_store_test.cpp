// The Store contract, AnalyticsStore: the events of a connection or of the whole desk written
// in a time range, in id order, a page at a time. Every backend must pass it unchanged
// (store_backends.h).
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::kOtherGroup;
using test_support::StoreContract;

class AnalyticsStoreContract : public StoreContract {
 protected:
  std::vector<std::int64_t> ids(const std::vector<StoredEvent>& events) {
    std::vector<std::int64_t> out;
    for (const auto& e : events) out.push_back(e.id);
    return out;
  }
};

TEST_P(AnalyticsStoreContract, ReadsAConnectionsEventsOfARangeInIdOrder) {
  auto other = store_->ensure_connection("sales", 222, kOtherGroup);
  auto before = store_->append_event(conn_, 1, "dialog_created", "{}", 999);
  auto a = store_->append_event(conn_, 1, "message_received", R"({"text":"hi"})", 1000);
  auto theirs = store_->append_event(other, 2, "message_received", "{}", 1500);
  auto b = store_->append_event(conn_, 1, "message_sent", R"({"operator_id":7})", 1999);
  auto at_end = store_->append_event(conn_, 1, "dialog_closed", "{}", 2000);

  auto mine = store_->events_in_range({.connection = conn_, .from = 1000, .to = 2000});
  EXPECT_EQ(ids(mine), (std::vector<std::int64_t>{a, b}));
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].type, "message_received");
  EXPECT_EQ(mine[0].payload, R"({"text":"hi"})");
  EXPECT_EQ(mine[0].created_at, 1000);
  EXPECT_EQ(mine[0].connection_id, conn_);
  EXPECT_EQ(mine[0].dialog_id, 1);

  auto desk = store_->events_in_range({.from = 0, .to = 3000});
  EXPECT_EQ(ids(desk), (std::vector<std::int64_t>{before, a, theirs, b, at_end}));
  EXPECT_EQ(ids(store_->events_in_range({.connection = other, .from = 0, .to = 3000})),
            (std::vector<std::int64_t>{theirs}));
}

TEST_P(AnalyticsStoreContract, PagesFollowTheLastId) {
  std::vector<std::int64_t> written;
  for (int i = 0; i < 7; ++i)
    written.push_back(store_->append_event(conn_, 1, "message_received", "{}", 100 + i));
  std::vector<std::int64_t> read;
  EventRange range{.connection = conn_, .from = 0, .to = 1000, .limit = 3};
  for (;;) {
    auto page = store_->events_in_range(range);
    if (page.empty()) break;
    EXPECT_LE(page.size(), 3u);
    for (const auto& e : page) read.push_back(e.id);
    range.after_id = page.back().id;
  }
  EXPECT_EQ(read, written);
}

TEST_P(AnalyticsStoreContract, AnEmptyRangeReadsNothing) {
  store_->append_event(conn_, 1, "message_received", "{}", 100);
  EXPECT_TRUE(store_->events_in_range({.from = 100, .to = 100}).empty());
  EXPECT_TRUE(store_->events_in_range({.from = 200, .to = 100}).empty());
  EXPECT_TRUE(store_->events_in_range({.from = 0, .to = 1000, .limit = 0}).empty());
}

TD_STORE_CONTRACT_SUITE(AnalyticsStoreContract);

}  // namespace
}  // namespace topicdesk::store
