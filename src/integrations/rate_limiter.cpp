#include "integrations/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace topicdesk::integrations {

std::int64_t RateLimiter::acquire(std::int64_t key, std::int64_t monotonic_ms) {
  if (limit_.per_second <= 0) return 0;
  const double capacity = std::max(1.0, limit_.burst);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{capacity, monotonic_ms});
  Bucket& bucket = it->second;
  double elapsed_s = std::max<std::int64_t>(0, monotonic_ms - bucket.updated_ms) / 1000.0;
  bucket.tokens = std::min(capacity, bucket.tokens + elapsed_s * limit_.per_second);
  bucket.updated_ms = monotonic_ms;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return 0;
  }
  return static_cast<std::int64_t>(std::ceil((1.0 - bucket.tokens) / limit_.per_second * 1000.0));
}

}  // namespace topicdesk::integrations
