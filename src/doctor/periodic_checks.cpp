#include "doctor/periodic_checks.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/clock.h"

namespace topicdesk::doctor {
namespace asio = boost::asio;

struct PeriodicChecks::Wake {
  explicit Wake(asio::any_io_executor executor) : timer(std::move(executor)) {}
  asio::steady_timer timer;
  bool stopped = false;
  bool requested = false;
};

PeriodicChecks::PeriodicChecks(asio::any_io_executor executor, FindingsBoard& board,
                               std::vector<CheckedConnection> connections, std::chrono::milliseconds every)
    : board_(board),
      connections_(std::move(connections)),
      every_(every),
      wake_(std::make_shared<Wake>(std::move(executor))) {
  board_.set_on_request([weak = std::weak_ptr<Wake>(wake_)] {
    auto wake = weak.lock();
    if (!wake) return;
    asio::post(wake->timer.get_executor(), [weak] {
      if (auto w = weak.lock()) {
        w->requested = true;
        w->timer.cancel();
      }
    });
  });
}

PeriodicChecks::~PeriodicChecks() { board_.set_on_request({}); }

asio::awaitable<void> PeriodicChecks::run() {
  auto wake = wake_;  // the timer lives as long as this coroutine
  while (!wake->stopped) {
    wake->requested = false;
    for (const auto& c : connections_) {
      if (wake->stopped) co_return;
      Findings findings;
      co_await check_bot(*c.api, c.check, findings);
      board_.publish(c.id, std::move(findings), core::unix_millis_now());
    }
    if (wake->requested) continue;  // asked again while checking
    wake->timer.expires_after(every_);
    co_await wake->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void PeriodicChecks::stop() {
  wake_->stopped = true;
  wake_->timer.cancel();
}

}  // namespace topicdesk::doctor
