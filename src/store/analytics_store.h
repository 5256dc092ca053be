// Analytics' reads of the event log (event_store.h): the events of one connection or of the
// whole desk written in a time range, in id order, a page at a time. Read-only; analytics/
// replays them into its report. Events are purged by the events retention
// ([retention] events_days): what is purged is no longer counted.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "core/ids.h"
#include "store/event_store.h"

namespace topicdesk::store {

struct EventRange {
  std::optional<ConnectionId> connection;  // nullopt: every connection
  UnixMillis from = 0;                     // created_at in [from, to)
  UnixMillis to = 0;
  std::int64_t after_id = 0;  // paging: events with id > after_id
  int limit = 1000;
};

class AnalyticsStore {
 public:
  virtual ~AnalyticsStore() = default;
  // Events (of every type, dialog or not) matching `range`, in id order, at most `limit`.
  virtual std::vector<StoredEvent> events_in_range(const EventRange& range) = 0;
};

}  // namespace topicdesk::store
