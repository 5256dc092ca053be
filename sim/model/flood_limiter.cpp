#include "sim/model/flood_limiter.h"

#include <algorithm>
#include <cmath>

namespace tgsim::model {

double FloodLimiter::seconds_until_window_room(std::deque<Clock::time_point>& window, Clock::duration span,
                                               std::size_t capacity, std::size_t needed,
                                               Clock::time_point now) {
  while (!window.empty() && window.front() + span <= now) window.pop_front();
  needed = std::min(needed, capacity);
  if (window.size() + needed <= capacity) return 0;
  // The entry whose expiry makes enough room.
  const std::size_t must_expire = window.size() + needed - capacity;
  const auto frees_at = window[must_expire - 1] + span;
  return std::chrono::duration<double>(frees_at - now).count();
}

int FloodLimiter::admit(Id bot_id, Id chat_id, int messages, Clock::time_point now) {
  using std::chrono::seconds;
  const auto n = static_cast<std::size_t>(std::max(messages, 1));
  double wait = 0;

  auto& bot_window = bot_windows_[bot_id];
  wait = std::max(wait, seconds_until_window_room(bot_window, seconds(1), kBotPerSecond, 1, now));

  Bucket* bucket = nullptr;
  std::deque<Clock::time_point>* group_window = nullptr;
  if (chat_id < 0) {
    group_window = &group_windows_[{bot_id, chat_id}];
    wait = std::max(wait, seconds_until_window_room(*group_window, seconds(60), group_per_minute_, n, now));
  } else {
    auto [it, created] = private_buckets_.try_emplace({bot_id, chat_id});
    bucket = &it->second;
    if (created) bucket->updated = now;
    const double elapsed = std::chrono::duration<double>(now - bucket->updated).count();
    bucket->tokens = std::min<double>(kPrivateBurst, bucket->tokens + elapsed * kPrivatePerSecond);
    bucket->updated = now;
    const double needed = std::min<double>(static_cast<double>(n), kPrivateBurst);
    if (bucket->tokens < needed) wait = std::max(wait, (needed - bucket->tokens) / kPrivatePerSecond);
  }
  if (wait > 0) return std::max(1, static_cast<int>(std::ceil(wait - 1e-9)));

  bot_window.push_back(now);
  if (group_window) group_window->insert(group_window->end(), n, now);
  if (bucket) bucket->tokens -= static_cast<double>(n);  // may go below zero: a debt paid by waiting
  return 0;
}

}  // namespace tgsim::model
