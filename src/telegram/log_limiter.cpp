#include "telegram/log_limiter.h"

namespace topicdesk::telegram {

bool LogLimiter::should_log(const std::string& key, Clock::time_point now) {
  if (auto it = last_logged_.find(key); it != last_logged_.end()) {
    if (now - it->second < interval_) return false;
    it->second = now;
    return true;
  }
  if (last_logged_.size() >= kMaxKeys) {
    std::erase_if(last_logged_, [&](const auto& entry) { return now - entry.second >= interval_; });
    if (last_logged_.size() >= kMaxKeys) return false;  // a storm of distinct errors: stay quiet
  }
  last_logged_.emplace(key, now);
  return true;
}

}  // namespace topicdesk::telegram
