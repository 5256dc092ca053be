// The desk's one token bucket: tokens refill at `per_second` up to `capacity`; a caller takes
// tokens and asks how long until enough are there. Used per API key by the Topics API's rate
// limiter and per private chat by the dispatcher's flood control. Pure: the caller passes the
// time (milliseconds of any clock that does not step back much) and the rate, so a map of
// buckets stores two numbers per entry.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace topicdesk::core {

struct TokenRate {
  double per_second = 0;  // refill; <= 0: no limit (wait_ms() is always 0)
  double capacity = 1;    // most tokens held: the burst
};

class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(double tokens, std::int64_t now_ms) : tokens_(tokens), updated_ms_(now_ms) {}
  static TokenBucket full(const TokenRate& rate, std::int64_t now_ms) { return {rate.capacity, now_ms}; }

  // The tokens at now_ms: refilled since the last take, at most the capacity.
  double tokens_at(const TokenRate& rate, std::int64_t now_ms) const {
    double elapsed_s = static_cast<double>(std::max<std::int64_t>(0, now_ms - updated_ms_)) / 1000.0;
    return std::min(rate.capacity, tokens_ + elapsed_s * rate.per_second);
  }

  // Milliseconds from now_ms until `needed` tokens are there; 0 when they are.
  std::int64_t wait_ms(const TokenRate& rate, double needed, std::int64_t now_ms) const {
    double tokens = tokens_at(rate, now_ms);
    if (tokens >= needed || rate.per_second <= 0) return 0;
    return static_cast<std::int64_t>(std::ceil((needed - tokens) / rate.per_second * 1000.0));
  }

  // Takes `count` tokens at now_ms. The bucket may go below zero: taking beyond it (a burst
  // that was admitted anyway) pushes the next wait later.
  void take(const TokenRate& rate, double count, std::int64_t now_ms) {
    tokens_ = tokens_at(rate, now_ms) - count;
    updated_ms_ = std::max(now_ms, updated_ms_);
  }

 private:
  double tokens_ = 0;
  std::int64_t updated_ms_ = 0;
};

}  // namespace topicdesk::core
