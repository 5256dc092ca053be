// Housekeeping: forgets what the desk no longer needs, hourly, without stalling the event loop.
//
// Each turn deletes, in the RetentionStore's small batches (one short transaction each) and
// yielding to the event loop between batches:
//   - finished work older than keep_finished (48 h): handled inbox entries (kept longer than
//     Telegram keeps unconfirmed updates, 24 h, so a redelivered update is still recognised as
//     a duplicate), done outbox jobs, finished webhook deliveries;
//   - proxy updates the bot's program did not fetch within keep_proxy_updates (24 h, as
//     Telegram keeps a bot's updates);
//   - events older than event_retention_days (0 = keep forever); events hold message texts;
//   - message history older than history_retention_days (0 = keep forever).
// A store failure ends the turn: it is logged once (not again while it keeps failing) and the
// next turn retries.
//
// Threading: run() executes on `executor` (the dispatcher's single-threaded io_context or
// strand); the store is called inline there. stop() is safe anywhere.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>

#include "core/ids.h"
#include "store/store.h"

namespace topicdesk::relay {

struct HousekeepingOptions {
  std::chrono::milliseconds every = std::chrono::hours(1);
  std::chrono::milliseconds keep_finished = std::chrono::hours(48);
  std::chrono::milliseconds keep_proxy_updates = std::chrono::hours(24);
  int event_retention_days = 0;    // events older than this are deleted; 0 = kept forever
  int history_retention_days = 0;  // history entries older than this are deleted; 0 = kept forever
  int batch_rows = 500;            // rows per batch (one transaction, then the loop runs again)
};

// What one turn deleted.
struct HousekeepingTurn {
  std::int64_t finished = 0;  // inbox, outbox and webhook rows
  std::int64_t proxy_updates = 0;
  std::int64_t events = 0;
  std::int64_t rating_comments = 0;  // cleared with the events (event_retention_days)
  std::int64_t history = 0;          // message history entries (history_retention_days)
  int batches = 0;                   // transactions run (each followed by a yield)
  bool failed = false;               // a store error ended the turn early
};

class Housekeeping {
 public:
  Housekeeping(boost::asio::any_io_executor executor, store::Store& store, HousekeepingOptions options = {});

  // Waits `every`, runs a turn, and again, until stop().
  boost::asio::awaitable<void> run();
  // One turn as of `now`; yields to the executor between batches.
  boost::asio::awaitable<HousekeepingTurn> turn(core::UnixMillis now);
  void stop();

 private:
  boost::asio::awaitable<void> yield();
  void report(const HousekeepingTurn& turn);

  store::Store& store_;
  HousekeepingOptions options_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  bool failing_ = false;  // the last turn failed and was logged
};

}  // namespace topicdesk::relay
