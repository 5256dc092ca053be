#include "telegram/log_limiter.h"

#include <spdlog/spdlog.h>

namespace topicdesk::telegram {

bool LogLimiter::admit(const std::string& key, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= kMaxKeys) {
      std::erase_if(entries_, [&](const auto& entry) {
        return now - entry.second.window_start >= interval_ && entry.second.held_back == 0;
      });
      if (entries_.size() >= kMaxKeys) return false;  // a storm of distinct errors: stay quiet
    }
    it = entries_.emplace(key, Entry{now, 0, 0}).first;
  }
  Entry& entry = it->second;
  if (now - entry.window_start >= interval_) {
    entry.window_start = now;
    entry.written = 0;
  }
  if (entry.written < max_per_interval_) {
    ++entry.written;
    return true;
  }
  ++entry.held_back;
  return false;
}

bool LogLimiter::should_log(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return admit(key, now);
}

void LogLimiter::log(spdlog::level::level_enum level, const std::string& key, std::string_view text,
                     Clock::time_point now) {
  std::uint64_t held = 0;
  {
    std::lock_guard lock(mutex_);
    if (!admit(key, now)) return;
    auto it = entries_.find(key);
    if (it != entries_.end()) held = std::exchange(it->second.held_back, 0);
  }
  if (held == 0) {
    spdlog::log(level, "{}", text);
  } else {
    spdlog::log(level, "{} ({} more like this held back)", text, held);
  }
}

std::uint64_t LogLimiter::held_back(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  return it == entries_.end() ? 0 : it->second.held_back;
}

}  // namespace topicdesk::telegram
