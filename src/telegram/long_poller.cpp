#include "telegram/long_poller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "core/backoff.h"
#include "core/metrics.h"
#include "telegram/redact.h"

namespace topicdesk::telegram {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr int kUnauthorized = 401;
constexpr int kTooManyRequests = 429;

core::Metric& updates_counter(const std::string& connection_name) {
  std::string name = connection_name;
  std::erase_if(name, [](char c) { return c == '"' || c == '\\' || c == '\n'; });
  return core::Metrics::global().counter("topicdesk_updates_received_total",
                                         "Updates committed to the inbox, by connection and transport",
                                         fmt::format("connection=\"{}\",transport=\"poll\"", name));
}

}  // namespace

LongPoller::LongPoller(asio::any_io_executor executor, BotApi& api, ParseContext context,
                       LongPollerOptions options, CommitBatch commit, FatalError on_fatal)
    : strand_(asio::make_strand(std::move(executor))),
      api_(api),
      context_(std::move(context)),
      options_(std::move(options)),
      commit_(std::move(commit)),
      on_fatal_(std::move(on_fatal)),
      offset_(options_.initial_offset) {}

void LongPoller::start(std::function<void()> on_stopped) {
  stop_requested_ = false;
  asio::co_spawn(strand_, run(),
                 asio::bind_cancellation_slot(stop_signal_.slot(), [this, on_stopped = std::move(on_stopped)](
                                                                       std::exception_ptr error) {
                   if (error) {
                     try {
                       std::rethrow_exception(error);
                     } catch (const std::exception& e) {
                       spdlog::error("poller {}: stopped by an unexpected error: {}",
                                     options_.connection_name, redact_tokens(e.what()));
                     }
                   }
                   if (on_stopped) on_stopped();
                 }));
}

void LongPoller::stop() {
  stop_requested_ = true;
  // The signal belongs to the strand the loop runs on.
  asio::dispatch(strand_, [this] { stop_signal_.emit(asio::cancellation_type::terminal); });
}

asio::awaitable<void> LongPoller::run() {
  // Cancellation shows up as error codes and in stopping(), not as exceptions.
  co_await asio::this_coro::throw_if_cancelled(false);
  spdlog::info("poller {}: polling getUpdates from offset {}", options_.connection_name, offset_);
  const core::Backoff backoff{options_.initial_backoff, options_.max_backoff};
  int failures = 0;  // in a row
  while (!co_await stopping()) {
    if (options_.may_poll && !options_.may_poll()) {
      // Another instance may run the connection now (a lease's deadline passed): its poll is
      // theirs. The desk stops this poller once it knows, or polling goes on when it may.
      co_await wait(options_.initial_backoff);
      continue;
    }
    ApiResult answer = co_await api_.call("getUpdates", get_updates_params());
    if (co_await stopping()) break;
    if (answer.ok && commit_answer(answer.result)) {
      failures = 0;
      if (last_batch_ > 0 && last_batch_ < options_.gather_below && options_.gather.count() > 0)
        co_await wait(options_.gather);  // group commit: what comes meanwhile is one batch
      continue;
    }
    if (answer.ok && commit_failed_) {
      // The desk's own store failed, not Telegram: fetch the same updates again soon, so
      // polling resumes within a second of the store working again.
      co_await wait(options_.initial_backoff);
      continue;
    }
    if (!answer.ok && answer.error_code == kUnauthorized) {
      std::string description = redact_tokens(answer.description);
      spdlog::error("poller {}: Telegram rejected the token ({}); polling stopped", options_.connection_name,
                    description);
      if (on_fatal_) on_fatal_(description);
      co_return;
    }
    if (!answer.ok)
      log_failure(fmt::format("getUpdates failed: {} {}", answer.error_code, answer.description));
    std::chrono::milliseconds delay = backoff.delay(failures++);
    if (answer.error_code == kTooManyRequests) {
      delay = std::max<std::chrono::milliseconds>(delay, std::chrono::seconds(answer.retry_after));
    }
    co_await wait(delay);
  }
  spdlog::info("poller {}: stopped at offset {}", options_.connection_name, offset_);
}

json::object LongPoller::get_updates_params() const {
  json::object params;
  if (offset_ != 0) params["offset"] = offset_;
  params["limit"] = options_.limit;
  params["timeout"] = options_.timeout_seconds;
  json::array allowed;
  for (const auto& kind : options_.allowed_updates) allowed.emplace_back(kind);
  params["allowed_updates"] = std::move(allowed);
  return params;
}

bool LongPoller::commit_answer(const json::value& result) {
  commit_failed_ = false;
  last_batch_ = 0;
  const json::array* updates = result.if_array();
  if (updates == nullptr) {
    log_failure("getUpdates answered a result that is not an array");
    return false;
  }
  std::vector<Incoming> batch;
  std::optional<std::int64_t> last_id;
  for (const json::value& update : *updates) {
    if (auto id = peek_update_id(update)) last_id = std::max(last_id.value_or(*id), *id);
    std::optional<Incoming> incoming = make_incoming(update, context_);
    // The Bot API proxy: the program gets every update, also those the desk ignores.
    if (!incoming && options_.keep_raw_updates) {
      incoming.emplace();
      incoming->update_id = peek_update_id(update).value_or(0);
    }
    if (incoming && options_.keep_raw_updates) incoming->raw_json = json::serialize(update);
    if (!incoming) continue;
    if (!incoming->parse_error.empty()) log_failure("malformed update: " + incoming->parse_error);
    batch.push_back(std::move(*incoming));
  }
  if (!updates->empty() && !last_id) {
    log_failure("getUpdates answered updates without update_id");
    return false;
  }
  if (!batch.empty()) {
    std::size_t size = batch.size();
    try {
      commit_(std::move(batch));
    } catch (const std::exception& e) {
      log_failure(fmt::format("inbox commit failed, updates will be fetched again: {}", e.what()));
      commit_failed_ = true;
      return false;
    }
    updates_counter(options_.connection_name).add(static_cast<double>(size));
  }
  // Confirmed to Telegram by the next getUpdates, now that the inbox holds them.
  if (last_id) offset_ = std::max(offset_, *last_id + 1);
  last_batch_ = updates->size();
  return true;
}

void LongPoller::log_failure(const std::string& what) {
  if (log_limiter_.should_log(what)) {
    spdlog::warn("poller {}: {}", options_.connection_name, redact_tokens(what));
  }
}

asio::awaitable<void> LongPoller::wait(std::chrono::milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<bool> LongPoller::stopping() {
  asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
  co_return stop_requested_ || state.cancelled() != asio::cancellation_type::none;
}

}  // namespace topicdesk::telegram
