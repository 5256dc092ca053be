// Repeated failures (a poller retrying every few seconds, a client hammering a refused route, a
// webhook sender failing) must not flood the log: at most `max_per_interval` lines per distinct
// key and interval. The lines held back are counted, and the next line written for that key says
// how many there were. Thread-safe: one limiter may serve handlers on several strands.
//
//   LogLimiter limiter;  // one line per key and minute
//   limiter.log(spdlog::level::warn, "accept", "http: accept failed: " + ec.message());
#pragma once
#include <spdlog/common.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace topicdesk::telegram {

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LogLimiter(Clock::duration interval = std::chrono::minutes(1), int max_per_interval = 1)
      : interval_(interval), max_per_interval_(max_per_interval < 1 ? 1 : max_per_interval) {}

  // True when a line for `key` may be written now (and counts it as written); false counts it as
  // held back.
  bool should_log(const std::string& key, Clock::time_point now = Clock::now());

  // Writes `text` through spdlog at `level` when should_log(key) allows it, followed by
  // " (N more like this held back)" when lines of the key were held back since the last one.
  // `text` is written as given: redact it first when it may hold a secret.
  void log(spdlog::level::level_enum level, const std::string& key, std::string_view text,
           Clock::time_point now = Clock::now());

  // Lines of `key` held back since the last one log() wrote.
  std::uint64_t held_back(const std::string& key) const;

 private:
  struct Entry {
    Clock::time_point window_start;
    int written = 0;              // lines written in the current window
    std::uint64_t held_back = 0;  // since the last line log() wrote
  };
  bool admit(const std::string& key, Clock::time_point now);  // mutex_ held

  static constexpr std::size_t kMaxKeys = 256;
  Clock::duration interval_;
  int max_per_interval_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace topicdesk::telegram
