#include "relay/scheduler.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/clock.h"

namespace topicdesk::relay {
namespace asio = boost::asio;

namespace {
constexpr int kTimersPerTick = 500;
}

Scheduler::Scheduler(asio::any_io_executor executor, store::Store& store, std::function<void()> on_new_jobs,
                     SchedulerOptions options)
    : store_(store), on_new_jobs_(std::move(on_new_jobs)), options_(options), timer_(std::move(executor)) {}

// A connection brought up gets AUTOCLOSE at the next tick: what became due while the desk was
// down (or the connection unreachable) closes right away, not a whole period later.
void Scheduler::add_engine(Engine& engine) {
  engines_[engine.context().id] = &engine;
  last_autoclose_ = 0;
}

int Scheduler::tick(core::UnixMillis now) {
  int fired = 0;
  for (const auto& timer : store_.timers_due(now, kTimersPerTick)) {
    auto engine = engines_.find(timer.connection_id);
    if (engine == engines_.end()) continue;  // another process's connection
    engine->second->on_timer(timer, now);
    ++fired;
  }
  int changed = 0;  // dialogs closed or announced: jobs to send
  if (now - last_autoclose_ >= options_.autoclose_every) {
    last_autoclose_ = now;
    for (auto& [id, engine] : engines_)
      changed += engine->autoclose(now) + engine->unanswered_alerts(now) + engine->daily_digest(now);
  }
  if ((fired > 0 || changed > 0) && on_new_jobs_) on_new_jobs_();
  return fired;
}

asio::awaitable<void> Scheduler::run() {
  while (!stopped_) {
    try {
      tick(core::unix_millis_now());
    } catch (const std::exception& error) {
      spdlog::error("scheduler tick failed: {}", error.what());
    }
    timer_.expires_after(std::chrono::milliseconds(options_.timer_poll));
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void Scheduler::stop() {
  asio::post(timer_.get_executor(), [this] {
    stopped_ = true;
    timer_.cancel();
  });
}

}  // namespace topicdesk::relay
