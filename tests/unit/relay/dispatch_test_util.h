// Shared helpers of the tests that run a real Dispatcher on the test's own event loop.
#pragma once
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>

#include "core/clock.h"
#include "fake_bot_api.h"
#include "relay/dispatcher.h"
#include "relay/engine.h"
#include "relay/inbox.h"
#include "relay_test_util.h"

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

// One connection's engine and dispatcher on an in-memory store, with FakeBotApis for the group
// and for an account's session, wired as the runtime wires them. A derived fixture may change `context_`
// before the first handle() or start(): the engine is made from it then.
class DispatchFixture : public ::testing::Test {
 protected:
  // These tests count the calls one message makes: WELCOME (on by default) is set OFF; the
  // engine tests cover it.
  DispatchFixture() : store_(make_store()), context_(make_context(*store_)) {
    context_.params.welcome.reset();
  }
  ~DispatchFixture() override {
    if (dispatcher_) {
      dispatcher_->stop();
      io_.run_for(std::chrono::milliseconds(50));
    }
  }

  // `with_session`: an account connection, whose calls into users' chats go to `session_`.
  void start(telegram::FloodLimits limits = {.enabled = false}, DispatcherOptions options = {},
             bool with_session = false) {
    dispatcher_ = std::make_unique<Dispatcher>(io_.get_executor(), *store_, fast_retry_options(options));
    dispatcher_->add_connection(context_, api_, limits, with_session ? &session_ : nullptr);
    inbox_ = drain_inbox_on_report(io_, *dispatcher_, *store_, engine());
    boost::asio::co_spawn(io_, dispatcher_->run(), boost::asio::detached);
  }

  Engine& engine() {
    if (!engine_) engine_ = std::make_unique<Engine>(*store_, context_);
    return *engine_;
  }

  // Runs the event loop until `done` holds; fails the test after the deadline.
  template <class Pred>
  bool run_until(Pred done, std::chrono::milliseconds deadline = std::chrono::milliseconds(5000)) {
    return run_io_until(io_, done, deadline);
  }

  // Nothing to send, nothing in flight, and no report waiting in the inbox for the engine (the
  // notice a report leads to would be a new job).
  bool idle() {
    return dispatch_idle(*store_, *dispatcher_) && store_->inbox_pending(context_.id, 1).empty();
  }

  void handle(const core::Event& e) {
    engine().handle(e, core::unix_millis_now());
    if (dispatcher_) dispatcher_->notify();
  }

  void handle_and_settle(const core::Event& e) {
    handle(e);
    ASSERT_TRUE(run_until([&] { return idle(); })) << "outbox not drained in time";
  }

  store::Dialog ann() { return *store_->dialog_by_user(context_.id, kAnn); }

  boost::asio::io_context io_;
  FakeBotApi api_;      // the bot that drives the backend group
  FakeBotApi session_;  // an account connection's TDLib session
  std::unique_ptr<store::Store> store_;
  ConnectionContext context_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Inbox> inbox_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

}  // namespace topicdesk::relay::testing
