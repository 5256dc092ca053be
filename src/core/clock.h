// The desk's one wall clock: Unix time in milliseconds, the unit of every stored timestamp.
// Code that decides (the engine, timers) takes `now` as an argument; only the edges read this.
#pragma once
#include <chrono>

#include "core/ids.h"

namespace topicdesk::core {

inline UnixMillis unix_millis_now() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  using std::chrono::system_clock;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace topicdesk::core
