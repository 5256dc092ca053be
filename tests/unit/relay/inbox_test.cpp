#include "relay/inbox.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <set>
#include <stdexcept>

#include "core/event_json.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {

using namespace std::chrono_literals;
using testing::kT0;
using testing::user_message;

class InboxTest : public ::testing::Test {
 protected:
  InboxTest() : store_(testing::make_store()) {
    a_ = store_->ensure_connection("a", 501, -1001);
    b_ = store_->ensure_connection("b", 502, -1002);
  }

  void fill(core::ConnectionId id, int count, std::int64_t first_update = 1) {
    store_->transaction([&] {
      for (int i = 0; i < count; ++i) {
        auto e = user_message(1000 + i % 7, first_update + i, "hello");
        ASSERT_TRUE(store_->inbox_add(id, e.update_id, core::event_to_json(e)));
      }
    });
  }

  // A handler that marks entries done, as the engine does, and records whose batch ran.
  Inbox::BatchHandler recorder(core::ConnectionId id) {
    return [this, id](const std::vector<store::InboxEntry>& entries, core::UnixMillis) {
      store_->transaction([&] {
        for (const auto& entry : entries) store_->inbox_done(entry.id);
      });
      turns_.push_back({id, entries.size()});
    };
  }

  // Runs the loop until `done` holds; fails after a deadline.
  template <typename Predicate>
  void run_until(Predicate done, std::chrono::seconds deadline = 10s) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!done()) {
      ASSERT_LT(std::chrono::steady_clock::now(), until) << "timed out";
      if (io_.stopped()) io_.restart();
      io_.run_for(5ms);
    }
  }

  struct Turn {
    core::ConnectionId connection;
    std::size_t entries;
  };

  boost::asio::io_context io_;
  std::unique_ptr<store::Store> store_;
  core::ConnectionId a_ = 0;
  core::ConnectionId b_ = 0;
  std::vector<Turn> turns_;
};

TEST_F(InboxTest, TwoBackloggedConnectionsTakeTurnsBatchByBatch) {
  fill(a_, 1000);
  fill(b_, 1000);
  Inbox inbox(io_.get_executor(), *store_, {}, {.batch = 100});
  inbox.add_connection(a_, "a", recorder(a_));
  inbox.add_connection(b_, "b", recorder(b_));
  run_until([&] { return store_->inbox_pending(a_, 1).empty() && store_->inbox_pending(b_, 1).empty(); });
  // Neither connection waits for the other's backlog: at every point their progress differs
  // by at most one batch.
  std::size_t done_a = 0, done_b = 0;
  for (const auto& turn : turns_) {
    (turn.connection == a_ ? done_a : done_b) += turn.entries;
    EXPECT_LE(done_a > done_b ? done_a - done_b : done_b - done_a, 100u);
  }
  EXPECT_EQ(done_a, 1000u);
  EXPECT_EQ(done_b, 1000u);
  EXPECT_EQ(inbox.handled_entries(), 2000);
}

TEST_F(InboxTest, TheDrainLetsOtherWorkRunBetweenBatches) {
  fill(a_, 2000);
  Inbox inbox(io_.get_executor(), *store_, {}, {.batch = 100});
  inbox.add_connection(a_, "a", recorder(a_));
  // Something else the event loop has to do (an HTTP request) arrives while the backlog drains.
  std::size_t turns_before_other_work = 0;
  bool other_work_done = false;
  boost::asio::post(io_, [&] {
    boost::asio::post(io_, [&] {
      turns_before_other_work = turns_.size();
      other_work_done = true;
    });
  });
  run_until([&] { return store_->inbox_pending(a_, 1).empty() && other_work_done; });
  EXPECT_LE(turns_before_other_work, 2u) << "it ran after at most a batch or two, not after all 20";
}

TEST_F(InboxTest, WhenTheStoreFailsEntriesStayPendingAndAreHandledOnceItWorks) {
  fill(a_, 10);
  int failures_left = 3;
  std::vector<std::string> failed;
  int recovered = 0;
  InboxHooks hooks;
  hooks.store_failed = [&](const std::string& what) { failed.push_back(what); };
  hooks.store_ok = [&] { ++recovered; };
  Inbox inbox(io_.get_executor(), *store_, std::move(hooks),
              {.batch = 100, .min_batch = 100, .retry_min = 1ms, .retry_max = 4ms});
  auto record = recorder(a_);
  inbox.add_connection(a_, "a", [&](const std::vector<store::InboxEntry>& entries, core::UnixMillis now) {
    if (failures_left > 0) {
      --failures_left;
      throw store::StoreError("sqlite: database or disk is full");
    }
    record(entries, now);
  });
  run_until([&] { return store_->inbox_pending(a_, 1).empty(); });
  EXPECT_EQ(failed.size(), 3u);
  EXPECT_EQ(failed.front(), "sqlite: database or disk is full");
  EXPECT_EQ(recovered, 1);
  ASSERT_EQ(turns_.size(), 1u);
  EXPECT_EQ(turns_[0].entries, 10u) << "nothing was lost or handled twice";
}

TEST_F(InboxTest, AnEntryThatCannotBeHandledIsSkippedAndTheOthersGoOn) {
  fill(a_, 5);
  std::set<std::int64_t> handled;
  Inbox inbox(io_.get_executor(), *store_);
  inbox.add_connection(a_, "a", [&](const std::vector<store::InboxEntry>& entries, core::UnixMillis) {
    for (const auto& entry : entries) {
      if (entry.update_id == 3) throw std::runtime_error("bug");
    }
    store_->transaction([&] {
      for (const auto& entry : entries) {
        store_->inbox_done(entry.id);
        handled.insert(entry.update_id);
      }
    });
  });
  run_until([&] { return store_->inbox_pending(a_, 1).empty(); });
  EXPECT_EQ(handled, (std::set<std::int64_t>{1, 2, 4, 5}));
}

TEST_F(InboxTest, CommitStoresEventsAndMalformedUpdatesTogetherWithTheCallersWrites) {
  Inbox inbox(io_.get_executor(), *store_);
  inbox.add_connection(a_, "a", recorder(a_));
  std::vector<telegram::Incoming> batch(2);
  batch[0].update_id = 7;
  batch[0].event = user_message(1000, 7, "hi");
  batch[1].update_id = 8;
  batch[1].parse_error = "message without chat";
  inbox.commit(a_, batch, [&] { store_->state_set(a_, "seen", "yes"); });
  EXPECT_EQ(store_->inbox_pending(a_, 10).size(), 1u);
  EXPECT_EQ(store_->state_get(a_, "seen"), "yes");
  auto events = store_->events_after(0, 10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "malformed_update");
  run_until([&] { return store_->inbox_pending(a_, 1).empty(); });

  // The store fails inside the commit: nothing of it stays, and the transport is told.
  EXPECT_THROW(inbox.commit(b_, batch, [] { throw store::StoreError("sqlite: database is locked"); }),
               store::StoreError);
  EXPECT_TRUE(store_->inbox_pending(b_, 10).empty());
  EXPECT_EQ(store_->events_after(0, 10).size(), 1u);
}

TEST_F(InboxTest, EventsAddedInsideATransactionAreDrainedAfterItsCommit) {
  Inbox inbox(io_.get_executor(), *store_);
  inbox.add_connection(a_, "a", recorder(a_));
  run_until([&] { return true; });
  store_->transaction([&] {
    EXPECT_TRUE(inbox.add_event(a_, user_message(1000, 41, "resolved")));
    EXPECT_FALSE(inbox.add_event(a_, user_message(1000, 41, "resolved"))) << "the same update_id twice";
  });
  run_until([&] { return !turns_.empty(); });
  EXPECT_EQ(turns_[0].entries, 1u);
}

TEST_F(InboxTest, EntriesOfAConnectionNotAddedYetWaitForIt) {
  fill(a_, 3);
  Inbox inbox(io_.get_executor(), *store_);
  inbox.wake(a_);
  io_.poll();  // everything that can run now
  EXPECT_EQ(store_->inbox_pending(a_, 10).size(), 3u);
  inbox.add_connection(a_, "a", recorder(a_));
  run_until([&] { return store_->inbox_pending(a_, 1).empty(); });
}

// A pre-checkout query cannot wait its turn (Telegram cancels the payment after 10 seconds):
// commit() hands it to the engine itself, ahead of the connection's backlog, before the drain.
TEST_F(InboxTest, APreCheckoutIsHandledAtOnceAheadOfTheBacklog) {
  fill(a_, 5000);
  Inbox inbox(io_.get_executor(), *store_, {}, {.batch = 100});
  std::vector<std::int64_t> handled;  // update ids, in the order the handler saw them
  inbox.add_connection(a_, "a", [&](const std::vector<store::InboxEntry>& entries, core::UnixMillis) {
    store_->transaction([&] {
      for (const auto& entry : entries) {
        store_->inbox_done(entry.id);
        handled.push_back(entry.update_id);
      }
    });
  });
  core::Event query;
  query.kind = core::EventKind::kPreCheckout;
  query.update_id = 900001;
  query.callback_id = "q1";
  query.from.id = 1000;
  query.chat_id = 1000;
  std::vector<telegram::Incoming> batch(2);
  batch[0].update_id = 900000;
  batch[0].event = user_message(1000, 900000, "one more message");
  batch[1].update_id = query.update_id;
  batch[1].event = query;
  inbox.commit(a_, batch);
  ASSERT_EQ(handled.size(), 1u) << "handled within commit(), before the loop ran a single drain turn";
  EXPECT_EQ(handled[0], 900001);
  run_until([&] { return store_->inbox_pending(a_, 1).empty(); });
  EXPECT_EQ(handled.size(), 5002u) << "the rest drained in order; the query was not handled twice";
  EXPECT_EQ(handled.back(), 900000);
}

}  // namespace
}  // namespace topicdesk::relay
