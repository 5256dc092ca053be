// Durable timers: album gathering, and anything else that must fire after a restart.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::UnixMillis;

struct Timer {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  std::string key;  // unique per connection; setting it again replaces it
  UnixMillis due_at = 0;
  std::string payload;
};

class TimerStore {
 public:
  virtual ~TimerStore() = default;
  // Setting a key again replaces due time and payload; the id stays.
  virtual void timer_set(ConnectionId id, const std::string& key, UnixMillis due_at,
                         const std::string& payload) = 0;
  virtual std::optional<Timer> timer_get(ConnectionId id, const std::string& key) = 0;
  // Timers with due_at <= now, earliest first (all connections).
  virtual std::vector<Timer> timers_due(UnixMillis now, int limit) = 0;
  virtual void timer_delete(std::int64_t timer_id) = 0;
};

}  // namespace topicdesk::store
