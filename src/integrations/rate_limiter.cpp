#include "integrations/rate_limiter.h"

#include <algorithm>

namespace topicdesk::integrations {

std::int64_t RateLimiter::acquire(std::int64_t key, std::int64_t monotonic_ms) {
  if (limit_.per_second <= 0) return 0;
  const core::TokenRate rate{limit_.per_second, std::max(1.0, limit_.burst)};
  auto [it, fresh] = buckets_.try_emplace(key, core::TokenBucket::full(rate, monotonic_ms));
  core::TokenBucket& bucket = it->second;
  if (auto wait = bucket.wait_ms(rate, 1, monotonic_ms); wait > 0) return wait;
  bucket.take(rate, 1, monotonic_ms);
  return 0;
}

}  // namespace topicdesk::integrations
