// The desk's one retry policy: capped exponential backoff. Every loop that retries something
// that failed (a Telegram call, a store commit, a webhook delivery, a connection) asks it how
// long to wait before attempt `n` (0 = the first retry) instead of doubling its own delay.
#pragma once
#include <algorithm>
#include <chrono>

namespace topicdesk::core {

struct Backoff {
  std::chrono::milliseconds first{1000};
  std::chrono::milliseconds max{60000};

  // first × 2^attempt, at most max; never negative, never overflows.
  std::chrono::milliseconds delay(int attempt) const {
    auto delay = first;
    for (int i = 0; i < attempt && delay < max; ++i) delay *= 2;
    return std::clamp(delay, std::chrono::milliseconds(0), max);
  }
};

}  // namespace topicdesk::core
