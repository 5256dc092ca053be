// getUpdates long polling for one bot connection. Each batch is parsed and handed to a
// synchronous commit callback; only after it returns is the next offset sent, so Telegram
// forgets an update only once the inbox holds it.
// Group commit at everyday load: after a small batch (fewer than `gather_below` updates) the next
// getUpdates waits `gather` first, so that what arrives meanwhile comes as one batch: one inbox
// commit, one engine transaction and one dispatcher turn for all of it instead of one each. A
// message that comes after a quiet spell is answered by the long poll at once; the wait applies
// only between batches, and never once batches are large (docs/performance.md).
#pragma once
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "telegram/bot_api.h"
#include "telegram/log_limiter.h"
#include "telegram/update_parser.h"

namespace topicdesk::telegram {

struct LongPollerOptions {
  std::string connection_name;      // for log lines
  std::int64_t initial_offset = 0;  // 0: whatever Telegram has unconfirmed
  int limit = 100;
  int timeout_seconds = 25;
  std::vector<std::string> allowed_updates{"message",        "edited_message", "message_reaction",
                                           "my_chat_member", "callback_query", "pre_checkout_query"};
  std::chrono::milliseconds initial_backoff{std::chrono::seconds(1)};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
  std::chrono::milliseconds gather{std::chrono::milliseconds(100)};  // 0: no wait
  std::size_t gather_below = 16;
  // Bot API proxy
  // Every update is handed over with Incoming::raw_json, also those topicdesk ignores.
  bool keep_raw_updates = false;
  // Several instances: asked before every getUpdates; false (this instance's lease of the
  // connection may have moved on) skips the call. Unset: always.
  std::function<bool()> may_poll;
};

class LongPoller {
 public:
  // Commits the batch to the inbox before returning. Throwing means "not committed": the
  // same updates are fetched again after a backoff.
  using CommitBatch = std::function<void(std::vector<Incoming>)>;
  // The poller gave up (401: the token was revoked); it has stopped.
  using FatalError = std::function<void(const std::string& description)>;

  LongPoller(boost::asio::any_io_executor executor, BotApi& api, ParseContext context,
             LongPollerOptions options, CommitBatch commit, FatalError on_fatal);
  LongPoller(const LongPoller&) = delete;
  LongPoller& operator=(const LongPoller&) = delete;

  // Spawns the loop on the poller's strand; on_stopped runs there when the loop has ended
  // (after stop(), a fatal error or an unexpected exception). Keep the poller alive until then.
  void start(std::function<void()> on_stopped = {});
  // Thread-safe. Cancels a getUpdates in flight or a backoff wait; the loop ends promptly.
  void stop();

  // The loop itself, for callers that spawn it with their own cancellation slot.
  boost::asio::awaitable<void> run();

  // The offset the next getUpdates will send (last committed update_id + 1). Strand only.
  std::int64_t next_offset() const { return offset_; }

 private:
  boost::json::object get_updates_params() const;
  // Parses and commits one answer; false when the batch was not committed.
  bool commit_answer(const boost::json::value& result);
  void log_failure(const std::string& what);
  boost::asio::awaitable<void> wait(std::chrono::milliseconds delay);
  boost::asio::awaitable<bool> stopping();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  BotApi& api_;
  ParseContext context_;
  LongPollerOptions options_;
  CommitBatch commit_;
  FatalError on_fatal_;
  std::int64_t offset_;
  std::atomic<bool> stop_requested_{false};
  bool commit_failed_ = false;  // the last answer was fine but could not be committed
  std::size_t last_batch_ = 0;  // updates in the last answer committed
  boost::asio::cancellation_signal stop_signal_;
  LogLimiter log_limiter_;
};

}  // namespace topicdesk::telegram
