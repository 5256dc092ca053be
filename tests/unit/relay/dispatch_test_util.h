// Shared helpers of the tests that run a real Dispatcher on the test's own event loop.
#pragma once
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>

#include "core/clock.h"
#include "relay/dispatcher.h"
#include "relay/inbox.h"

namespace topicdesk::relay::testing {

// Retries within milliseconds, so tests of backoff and failures stay fast.
inline DispatcherOptions fast_retry_options(DispatcherOptions options = {}) {
  options.backoff_min = 20;
  options.backoff_max = 200;
  options.idle_poll = 50;
  return options;
}

// Runs the event loop until `done` holds; fails the test after the deadline.
template <class Pred>
bool run_io_until(boost::asio::io_context& io, Pred done,
                  std::chrono::milliseconds deadline = std::chrono::milliseconds(5000)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) {
      ADD_FAILURE() << "condition not reached in time";
      return false;
    }
    io.run_for(std::chrono::milliseconds(5));
  }
  return true;
}

// What the runtime wires: the dispatcher's reports (a delivery report, the answer to /new) go
// into a real inbox that drains into the engine, and a handled batch wakes the dispatcher. The
// inbox must live as long as the dispatcher runs.
inline std::unique_ptr<Inbox> drain_inbox_on_report(boost::asio::io_context& io, Dispatcher& dispatcher,
                                                    store::Store& store, Engine& engine) {
  InboxHooks hooks;
  hooks.handled = [&dispatcher] { dispatcher.notify(); };
  auto inbox = std::make_unique<Inbox>(io.get_executor(), store, std::move(hooks));
  inbox->add_connection(engine.context().id, engine.context().name, engine);
  dispatcher.set_inbox(*inbox);
  return inbox;
}

// Nothing waits in the outbox and nothing is in flight.
inline bool dispatch_idle(store::Store& store, const Dispatcher& dispatcher) {
  return store.outbox_stats().pending == 0 && dispatcher.in_flight() == 0;
}

}  // namespace topicdesk::relay::testing
