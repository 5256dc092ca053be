// The scheduler fires durable timers (album gathering), AUTOCLOSE and UNANSWERED_ALERT's scan
// through the engines.
// Timers live in the store, so whatever was pending before a restart fires after it.
// Runs on the same executor as the dispatcher (a strand or a single-threaded io_context).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>

#include "relay/engine.h"
#include "store/store.h"

namespace topicdesk::relay {

struct SchedulerOptions {
  core::UnixMillis timer_poll = 250;          // how often due timers are looked up
  core::UnixMillis autoclose_every = 60'000;  // how often AUTOCLOSE and UNANSWERED_ALERT run
};

class Scheduler {
 public:
  // `on_new_jobs` is called after a tick that may have added outbox jobs (Dispatcher::notify).
  Scheduler(boost::asio::any_io_executor executor, store::Store& store, std::function<void()> on_new_jobs,
            SchedulerOptions options = {});

  // The engine must outlive the scheduler; its AUTOCLOSE runs at the next tick.
  void add_engine(Engine& engine);
  // This instance stops running the connection (its lease moved): its timers are left to the
  // instance that runs it.
  void remove_engine(core::ConnectionId connection) { engines_.erase(connection); }
  // One pass: fires due timers and, when its time has come, AUTOCLOSE and UNANSWERED_ALERT.
  // Returns timers fired.
  int tick(core::UnixMillis now);
  boost::asio::awaitable<void> run();
  void stop();

 private:
  store::Store& store_;
  std::function<void()> on_new_jobs_;
  SchedulerOptions options_;
  std::map<core::ConnectionId, Engine*> engines_;
  boost::asio::steady_timer timer_;
  core::UnixMillis last_autoclose_ = 0;
  bool stopped_ = false;
};

}  // namespace topicdesk::relay
