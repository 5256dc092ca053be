// Events: what happened in dialogs (created, message received, closed ...), appended by the
// engine and read back in id order by webhooks, analytics and the Topics API. Payloads hold
// message texts: RetentionStore::purge_events_batch removes old ones when a retention is set.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::DialogId;
using core::UnixMillis;

struct StoredEvent {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  DialogId dialog_id = 0;
  std::string type;
  std::string payload;  // JSON written by the engine
  UnixMillis created_at = 0;
};

class EventStore {
 public:
  virtual ~EventStore() = default;
  // Returns the new event's id; ids only grow.
  virtual std::int64_t append_event(ConnectionId id, DialogId dialog, const std::string& type,
                                    const std::string& payload, UnixMillis now) = 0;
  // Events with id > after_id in id order (all connections), at most `limit`.
  virtual std::vector<StoredEvent> events_after(std::int64_t after_id, int limit) = 0;
  virtual std::optional<StoredEvent> event_by_id(std::int64_t event_id) = 0;
};

}  // namespace topicdesk::store
