// Per-key token buckets (core::TokenBucket) for the Topics API: `per_second` requests on
// average, `burst` at once.
#pragma once
#include <cstdint>
#include <unordered_map>

#include "core/token_bucket.h"

namespace topicdesk::integrations {

struct RateLimit {
  double per_second = 50;  // <= 0: no limit
  double burst = 100;      // bucket size; at least 1
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}

  // Takes a token of `key`'s bucket and returns 0, or returns how many milliseconds to wait
  // until one is there (nothing taken). `monotonic_ms`: a steady clock in milliseconds.
  std::int64_t acquire(std::int64_t key, std::int64_t monotonic_ms);

 private:
  RateLimit limit_;
  std::unordered_map<std::int64_t, core::TokenBucket> buckets_;
};

}  // namespace topicdesk::integrations
