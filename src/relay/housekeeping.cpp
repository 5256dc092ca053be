#include "relay/housekeeping.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>

#include "core/clock.h"
#include "relay/dispatcher.h"

namespace topicdesk::relay {
namespace asio = boost::asio;

namespace {
constexpr core::UnixMillis kMillisPerDay = 24LL * 60 * 60 * 1000;
}  // namespace

Housekeeping::Housekeeping(asio::any_io_executor executor, store::Store& store, HousekeepingOptions options)
    : store_(store), options_(options), timer_(std::move(executor)) {}

asio::awaitable<void> Housekeeping::yield() {
  // Lets every handler that became ready meanwhile (updates, dispatcher rounds) run first.
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
}

asio::awaitable<HousekeepingTurn> Housekeeping::turn(core::UnixMillis now) {
  HousekeepingTurn done;
  const int rows = options_.batch_rows > 0 ? options_.batch_rows : 500;
  // Runs `batch` until it finds nothing more (or stop()), yielding after each transaction.
  auto drain = [&](std::int64_t& counter,
                   const std::function<std::int64_t()>& batch) -> asio::awaitable<void> {
    for (;;) {
      if (stopped_) co_return;
      const std::int64_t removed = batch();
      ++done.batches;
      counter += removed;
      co_await yield();
      if (removed == 0) co_return;
    }
  };
  try {
    const auto finished_before = now - options_.keep_finished.count();
    co_await drain(done.finished, [&] { return store_.purge_finished_batch(finished_before, rows); });
    const auto proxy_before = now - options_.keep_proxy_updates.count();
    co_await drain(done.proxy_updates, [&] { return store_.proxy_expire_batch(proxy_before, rows); });
    if (options_.event_retention_days > 0) {
      const auto events_before =
          now - static_cast<core::UnixMillis>(options_.event_retention_days) * kMillisPerDay;
      co_await drain(done.events, [&] { return store_.purge_events_batch(events_before, rows); });
      co_await drain(done.rating_comments,
                     [&] { return store_.forget_rating_comments_batch(events_before, rows); });
    }
    if (options_.history_retention_days > 0) {
      const auto history_before =
          now - static_cast<core::UnixMillis>(options_.history_retention_days) * kMillisPerDay;
      co_await drain(done.history, [&] { return store_.purge_history_batch(history_before, rows); });
    }
  } catch (const std::exception& error) {  // StoreError, or anything else: the loop goes on
    done.failed = true;
    if (!failing_) {
      spdlog::error("housekeeping: {}; it will try again in {} min", error.what(),
                    std::chrono::duration_cast<std::chrono::minutes>(options_.every).count());
    }
    failing_ = true;
  }
  if (!done.failed && failing_) {
    spdlog::info("housekeeping works again");
    failing_ = false;
  }
  report(done);
  co_return done;
}

void Housekeeping::report(const HousekeepingTurn& turn) {
  if (turn.finished > 0) spdlog::info("purged {} finished inbox, outbox and webhook rows", turn.finished);
  if (turn.proxy_updates > 0) {
    spdlog::warn("proxy: dropped {} updates the bot's program did not fetch within {} hours",
                 turn.proxy_updates,
                 std::chrono::duration_cast<std::chrono::hours>(options_.keep_proxy_updates).count());
  }
  if (turn.events > 0) {
    spdlog::info("purged {} events older than {} days", turn.events, options_.event_retention_days);
  }
  if (turn.history > 0) {
    spdlog::info("purged {} history entries older than {} days", turn.history,
                 options_.history_retention_days);
  }
  if (turn.rating_comments > 0) {
    spdlog::info("cleared {} rating comments older than {} days", turn.rating_comments,
                 options_.event_retention_days);
  }
}

asio::awaitable<void> Housekeeping::run() {
  while (!stopped_) {
    timer_.expires_after(options_.every);
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopped_) break;
    co_await turn(core::unix_millis_now());
  }
}

void Housekeeping::stop() {
  asio::post(timer_.get_executor(), [this] {
    stopped_ = true;
    timer_.cancel();
  });
}

}  // namespace topicdesk::relay
