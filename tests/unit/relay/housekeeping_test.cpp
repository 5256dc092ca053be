// Housekeeping: old rows go in small batches with the event loop running between them, newer
// rows stay, and a failing store neither stops the loop nor loses the next turn.
#include "relay/housekeeping.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <optional>
#include <vector>

#include "dispatch_test_util.h"
#include "relay_test_util.h"
#include "store/sqlite/sqlite_store.h"

namespace topicdesk::relay {
namespace {

namespace asio = boost::asio;
using testing::kT0;
using testing::make_context;
using testing::make_store;
using testing::run_io_until;

constexpr core::UnixMillis kDay = 24LL * 60 * 60 * 1000;

class HousekeepingTest : public ::testing::Test {
 protected:
  void SetUp() override { conn_ = make_context(*store_).id; }

  // `old` events 40 days before kT0, `recent` ones an hour before; the fan-out has seen them.
  void add_events(int old, int recent) {
    std::int64_t last = 0;
    store_->transaction([&] {
      for (int i = 0; i < old; ++i)
        last = store_->append_event(conn_, 0, "message_received", "{}", kT0 - 40 * kDay + i);
      for (int i = 0; i < recent; ++i)
        last = store_->append_event(conn_, 0, "message_received", "{}", kT0 - 3'600'000);
    });
    store_->webhook_enqueue({}, store_->webhook_cursor(), last);
  }
  std::size_t events_left() { return store_->events_after(0, 1'000'000).size(); }

  // Runs one turn as of kT0 on the test's event loop.
  HousekeepingTurn run_turn(Housekeeping& housekeeping) {
    io_.restart();  // the loop stopped when the previous turn left it without work
    std::optional<HousekeepingTurn> result;
    asio::co_spawn(io_, housekeeping.turn(kT0), [&](std::exception_ptr e, HousekeepingTurn turn) {
      if (e) std::rethrow_exception(e);
      result = turn;
    });
    run_io_until(io_, [&] { return result.has_value(); });
    return result.value_or(HousekeepingTurn{});
  }

  asio::io_context io_;
  std::unique_ptr<store::Store> store_ = make_store();
  core::ConnectionId conn_ = 0;
};

TEST_F(HousekeepingTest, OldEventsGoInBatchesWhileTheEventLoopKeepsRunning) {
  add_events(1300, 20);
  Housekeeping housekeeping(io_.get_executor(), *store_, {.event_retention_days = 30, .batch_rows = 500});
  // Another task on the same loop: it records how many events it sees each time it runs.
  std::vector<std::size_t> seen;
  bool turn_done = false;
  std::function<void()> watch = [&] {
    seen.push_back(events_left());
    if (!turn_done) asio::post(io_, watch);
  };
  asio::post(io_, watch);
  auto turn = run_turn(housekeeping);
  turn_done = true;

  EXPECT_FALSE(turn.failed);
  EXPECT_EQ(turn.events, 1300);
  EXPECT_GE(turn.batches, 3) << "1300 events in batches of 500";
  EXPECT_EQ(events_left(), 20u) << "recent events stay";
  bool saw_partial = false;
  for (auto n : seen) saw_partial = saw_partial || (n > 20 && n < 1320);
  EXPECT_TRUE(saw_partial) << "other work ran between two batches of the same turn";
}

// Rating comments are the users' own words too: they go with the events, the scores stay.
TEST_F(HousekeepingTest, RatingCommentsGoWithTheEvents) {
  auto dialog = store_->create_dialog(conn_, 42, -100, kT0 - 50 * kDay);
  auto rating_at = [&](core::UnixMillis rated_at) {
    store::Rating r{.connection_id = conn_, .dialog_id = dialog.id, .user_id = 42, .closed_at = rated_at};
    r.id = store_->add_rating(r);
    r.score = 2;
    r.comment = "too slow";
    r.rated_at = rated_at;
    store_->update_rating(r);
    return r.id;
  };
  auto old = rating_at(kT0 - 40 * kDay);
  auto recent = rating_at(kT0 - kDay);
  Housekeeping keep_forever(io_.get_executor(), *store_);
  EXPECT_EQ(run_turn(keep_forever).rating_comments, 0);
  Housekeeping housekeeping(io_.get_executor(), *store_, {.event_retention_days = 30});
  EXPECT_EQ(run_turn(housekeeping).rating_comments, 1);
  EXPECT_EQ(store_->rating(old)->comment, "");
  EXPECT_EQ(store_->rating(old)->score, 2);
  EXPECT_EQ(store_->rating(recent)->comment, "too slow");
}

// The message history has its own retention ([retention] history_days): kept forever unless
// set, then purged in batches, the newer entries kept.
TEST_F(HousekeepingTest, HistoryOlderThanItsRetentionGoesInBatches) {
  auto dialog = store_->create_dialog(conn_, 42, -100, kT0 - 50 * kDay);
  store_->transaction([&] {
    for (int i = 0; i < 230; ++i) {
      store::HistoryEntry entry{.connection_id = conn_, .dialog_id = dialog.id, .text = "old"};
      entry.at = kT0 - 40 * kDay + i;
      store_->add_history(entry);
    }
    for (int i = 0; i < 5; ++i) {
      store::HistoryEntry entry{.connection_id = conn_, .dialog_id = dialog.id, .text = "recent"};
      entry.at = kT0 - kDay;
      store_->add_history(entry);
    }
  });
  Housekeeping keep_forever(io_.get_executor(), *store_, {.event_retention_days = 10});
  EXPECT_EQ(run_turn(keep_forever).history, 0) << "events' retention is not the history's";
  EXPECT_EQ(store_->dialog_history(dialog.id, 0, 1000).size(), 235u);

  Housekeeping housekeeping(io_.get_executor(), *store_, {.history_retention_days = 30, .batch_rows = 100});
  auto turn = run_turn(housekeeping);
  EXPECT_FALSE(turn.failed);
  EXPECT_EQ(turn.history, 230);
  EXPECT_GE(turn.batches, 3) << "230 entries in batches of 100";
  const auto left = store_->dialog_history(dialog.id, 0, 1000);
  ASSERT_EQ(left.size(), 5u);
  for (const auto& entry : left) EXPECT_EQ(entry.text, "recent");
}

TEST_F(HousekeepingTest, EventsAreKeptForeverByDefault) {
  add_events(100, 0);
  Housekeeping housekeeping(io_.get_executor(), *store_);
  auto turn = run_turn(housekeeping);
  EXPECT_EQ(turn.events, 0);
  EXPECT_EQ(events_left(), 100u);
}

TEST_F(HousekeepingTest, EachTurnPurgesWhatHasGrownOldSince) {
  Housekeeping housekeeping(io_.get_executor(), *store_, {.event_retention_days = 30, .batch_rows = 100});
  // Finished work from three days ago and proxy updates from two days ago, then newer ones.
  store_->transaction([&] {
    for (int i = 0; i < 250; ++i) store_->inbox_add(conn_, i, "{}");
    for (const auto& entry : store_->inbox_pending(conn_, 1000)) store_->inbox_done(entry.id);
    for (int i = 0; i < 150; ++i) store_->proxy_update_add(conn_, {i, "message", "{}"}, kT0 - 2 * kDay);
    store_->proxy_update_add(conn_, {1000, "message", "{}"}, kT0);
  });
  add_events(250, 1);
  // Inbox rows carry the wall clock's time: a turn "three days later" finds them old.
  std::optional<HousekeepingTurn> later;
  const auto three_days_later = core::unix_millis_now() + 3 * kDay;
  asio::co_spawn(io_, housekeeping.turn(three_days_later),
                 [&](std::exception_ptr, HousekeepingTurn t) { later = t; });
  run_io_until(io_, [&] { return later.has_value(); });
  ASSERT_TRUE(later);
  EXPECT_EQ(later->finished, 249) << "the newest inbox row stays so ids keep growing";
  EXPECT_EQ(later->proxy_updates, 151) << "all are older than 24 hours three days later";
  EXPECT_EQ(later->events, 250) << "the newest event stays so ids keep growing";

  auto turn = run_turn(housekeeping);  // as of kT0: nothing more is old
  EXPECT_EQ(turn.finished + turn.proxy_updates + turn.events, 0);
  add_events(120, 1);
  turn = run_turn(housekeeping);
  EXPECT_EQ(turn.events, 120) << "the next turn takes what came since";
}

TEST_F(HousekeepingTest, AFailingStoreEndsTheTurnAndTheNextTurnRetries) {
  add_events(300, 1);
  Housekeeping housekeeping(io_.get_executor(), *store_, {.event_retention_days = 30, .batch_rows = 100});
  store::sqlite_store(*store_).fail_commits({.fail_every_commit = true});
  auto failed = run_turn(housekeeping);
  EXPECT_TRUE(failed.failed);
  EXPECT_EQ(events_left(), 301u);
  store::sqlite_store(*store_).fail_commits({});
  auto next = run_turn(housekeeping);
  EXPECT_FALSE(next.failed);
  EXPECT_EQ(next.events, 300);
}

TEST_F(HousekeepingTest, RunWaitsTheIntervalAndStops) {
  add_events(50, 1);
  Housekeeping housekeeping(
      io_.get_executor(), *store_,
      {.every = std::chrono::milliseconds(10), .event_retention_days = 1, .batch_rows = 20});
  bool stopped = false;
  asio::co_spawn(io_, housekeeping.run(), [&](std::exception_ptr) { stopped = true; });
  // run() uses the wall clock, by which all these events are old; the newest one always stays.
  run_io_until(io_, [&] { return events_left() == 1; });
  housekeeping.stop();
  run_io_until(io_, [&] { return stopped; });
}

}  // namespace
}  // namespace topicdesk::relay
