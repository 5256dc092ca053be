// Repeated failures (a poller retrying every few seconds, a webhook sender hammering us)
// must not flood the log: one line per distinct message per interval.
#pragma once
#include <chrono>
#include <string>
#include <unordered_map>

namespace topicdesk::telegram {

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LogLimiter(Clock::duration interval = std::chrono::minutes(1)) : interval_(interval) {}

  // True when `key` was not logged within the interval (and records it as logged now).
  bool should_log(const std::string& key, Clock::time_point now = Clock::now());

 private:
  static constexpr std::size_t kMaxKeys = 256;
  Clock::duration interval_;
  std::unordered_map<std::string, Clock::time_point> last_logged_;
};

}  // namespace topicdesk::telegram
