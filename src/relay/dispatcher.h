// The dispatcher: sends outbox jobs to Telegram, in order per queue (one dialog and direction),
// within each bot's flood limits, and records results (links, thread ids) in the store.
//
// Threading: run() and notify()'s effects execute on `executor`, which must be a strand or a
// single-threaded io_context; the store is called inline there. notify() is safe anywhere.
//
// Failures: 429 blocks the chat until retry_after and retries (never drops); network errors
// and 5xx retry with capped exponential backoff, without limit; a deleted topic is created
// again with its card before the job is retried; TOPIC_CLOSED reopens the topic and retries;
// 403 from a user marks the dialog user_blocked_bot and tells the operators; other 400s fail
// the job (kept in the outbox) and, for an operator's message, tell the operators.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/metrics.h"
#include "relay/engine.h"
#include "relay/jobs.h"
#include "store/store.h"
#include "telegram/bot_api.h"
#include "telegram/flood_control.h"

namespace topicdesk::relay {

struct DispatcherOptions {
  int max_in_flight = 64;           // Bot API calls at once, all connections together
  int fetch_batch = 256;            // jobs read per outbox_ready call
  core::UnixMillis backoff_min = 1000;
  core::UnixMillis backoff_max = 60000;
  // Safety net for jobs whose not_before was set by an earlier run: the loop also wakes this
  // often when nothing else wakes it. notify() is the normal wake-up.
  core::UnixMillis idle_poll = 1000;
};

class Dispatcher {
 public:
  Dispatcher(boost::asio::any_io_executor executor, store::Store& store, DispatcherOptions options = {});
  ~Dispatcher();

  // Before or while run() runs (connections connect in parallel). `api` must outlive the
  // dispatcher. One FloodControl per connection (bot).
  // accounts (issue 4): `frontend`, when given, is the connection's TDLib session (account or
  // mtproto): every call that touches the user's chat, or a copy the frontend made, goes
  // through it (accounts.h, Dispatcher::api_for); the group's own calls stay on `api`.
  void add_connection(const ConnectionContext& context, telegram::BotApi& api, telegram::FloodLimits limits,
                      telegram::BotApi* frontend = nullptr);
  void set_parameters(core::ConnectionId connection, core::Parameters params);

  // New jobs were committed (or time moved): look at the outbox again. Thread-safe.
  void notify();
  // The loop. After stop() it starts nothing new, lets the calls in flight finish, records
  // their outcomes and returns.
  boost::asio::awaitable<void> run();
  void stop();

  std::size_t in_flight() const { return in_flight_.size(); }

  // --- accounts (issue 4) ---
  // Called (on the executor, after the commit) when the dispatcher put an event into a
  // connection's inbox (the answer to /new), so the runtime drains that inbox.
  void set_inbox_listener(std::function<void(core::ConnectionId)> listener) { inbox_listener_ = std::move(listener); }

 private:
  struct Connection {
    ConnectionContext context;
    telegram::BotApi* api = nullptr;
    telegram::BotApi* frontend = nullptr;  // accounts (issue 4): the TDLib session, if any
    std::unique_ptr<telegram::FloodControl> flood;
  };
  struct Prepared;  // a job with its parsed payload, dialog and destination
  // A Bot API call a job makes; `record` writes its result in the commit of the job's outcome.
  struct Call {
    std::string method;
    boost::json::object params;
    std::function<void(const boost::json::value& result)> record;
  };

  void dispatch_ready(core::UnixMillis now);
  bool start_job(store::OutboxJob job, core::UnixMillis now);
  boost::asio::awaitable<void> execute(Prepared prepared);
  boost::asio::awaitable<void> perform(Prepared& prepared);
  boost::asio::awaitable<telegram::ApiResult> ensure_topic(Connection& connection, store::Dialog& dialog);
  boost::asio::awaitable<void> post_card(Connection& connection, const store::Dialog& dialog, core::ThreadId thread,
                                         std::string text);
  boost::asio::awaitable<void> sleep_until(core::UnixMillis when);
  static constexpr int kCardAttempts = 3;
  boost::asio::awaitable<bool> create_topic_for(Prepared& prepared);  // false: the job is finished
  std::optional<Call> build_call(Prepared& prepared);                 // nullopt: finished without a call
  boost::json::object target_of(const Prepared& prepared) const;     // chat_id (+ topic) of the destination
  Call copy_call(const Prepared& prepared);
  std::optional<Call> edit_call(Prepared& prepared);                  // nullopt: no linked copy, done
  Call intercept_call(const Prepared& prepared);  // --- intercepted messages (issue 4) ---
  std::string topic_title_for(const Prepared& prepared);
  core::MessageId linked_message(const Prepared& prepared, core::MessageId source);
  boost::asio::awaitable<void> on_failure(Prepared& prepared, const telegram::ApiResult& result);

  // Outcomes are committed in batches, one transaction per loop turn (flush_commits): the
  // commit is what costs at thousands of jobs per second.
  void finish_done(const Prepared& prepared, std::function<void()> record = {});
  void finish_retry(const Prepared& prepared, core::UnixMillis not_before, const std::string& error);
  void finish_fail(const Prepared& prepared, const std::string& error, bool tell_operators);
  void commit_later(std::int64_t job_id, std::function<void()> body);
  void flush_commits();
  void count(std::string_view kind, std::string_view result);
  core::UnixMillis next_wake(core::UnixMillis now) const;

  // --- accounts (issue 4), at the end of dispatcher.cpp ---
  telegram::BotApi& api_for(const Prepared& prepared) const;
  bool skipped_on_frontend(const Prepared& prepared);  // true: finished without a call
  boost::asio::awaitable<void> resolve_user(Prepared& prepared);
  Call announce_call(const Prepared& prepared);
  std::function<void(core::ConnectionId)> inbox_listener_;

  void wake();
  void publish_gauges(core::UnixMillis now);

  boost::asio::any_io_executor executor_;
  store::Store& store_;
  DispatcherOptions options_;
  std::map<core::ConnectionId, Connection> connections_;
  std::set<std::int64_t> in_flight_;
  std::map<std::int64_t, core::UnixMillis> deferred_;  // job id → when its flood slot opens
  std::set<std::int64_t> foreign_;                     // jobs of connections this process lacks
  std::multiset<core::UnixMillis> retry_times_;        // not_before of retries we scheduled
  boost::asio::steady_timer wake_timer_;
  int executing_ = 0;  // execute() coroutines running
  bool dirty_ = true;
  bool stopped_ = false;
  core::UnixMillis gauges_published_at_ = 0;
  struct PendingCommit {
    std::int64_t job_id = 0;
    std::function<void()> body;
  };
  std::vector<PendingCommit> pending_commits_;
  std::unordered_map<std::string, core::Metric*> counters_;
  core::Metric* wait_sum_ = nullptr;
};

core::UnixMillis unix_millis_now();

}  // namespace topicdesk::relay
