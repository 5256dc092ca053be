// Telegram's flood limits as tgsim enforces them (see sim/README.md, "Flood limits"):
//   per private chat  token bucket, 1 message/s, burst 3
//   per group         sliding 60 s window, at most 20 messages
//   per bot           sliding 1 s window, at most 30 requests of message-creating methods
// A request that needs n messages is admitted when every window has room for min(n, cap);
// the answer to one that is not is the number of whole seconds until it would be.
#pragma once
#include <chrono>
#include <deque>
#include <map>
#include <utility>

#include "sim/model/result.h"

namespace tgsim::model {

class FloodLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  static constexpr int kPrivateBurst = 3;
  static constexpr double kPrivatePerSecond = 1.0;
  static constexpr int kGroupPerMinute = 20;
  static constexpr int kBotPerSecond = 30;

  explicit FloodLimiter(int group_per_minute = kGroupPerMinute) : group_per_minute_(group_per_minute) {}

  int group_per_minute() const { return static_cast<int>(group_per_minute_); }
  void set_group_per_minute(int per_minute) { group_per_minute_ = static_cast<std::size_t>(per_minute); }

  // 0 when admitted (and recorded); otherwise retry_after in seconds (>= 1), nothing recorded.
  int admit(Id bot_id, Id chat_id, int messages, Clock::time_point now);

 private:
  struct Bucket {
    double tokens = kPrivateBurst;
    Clock::time_point updated{};
  };
  static double seconds_until_window_room(std::deque<Clock::time_point>& window, Clock::duration span,
                                          std::size_t capacity, std::size_t needed, Clock::time_point now);

  std::size_t group_per_minute_;
  std::map<std::pair<Id, Id>, Bucket> private_buckets_;
  std::map<std::pair<Id, Id>, std::deque<Clock::time_point>> group_windows_;
  std::map<Id, std::deque<Clock::time_point>> bot_windows_;
};

}  // namespace tgsim::model
