// SqlStore: analytics' reads of the event log (AnalyticsStore).
#include "store/sql/sql_analytics.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {
using Lock = std::lock_guard<std::recursive_mutex>;
}  // namespace

std::vector<StoredEvent> SqlStore::events_in_range(const EventRange& range) {
  Lock lock(mutex_);
  std::vector<StoredEvent> out;
  if (range.limit <= 0 || range.to <= range.from) return out;
  auto q = range.connection ? db_.query(sql::kConnectionEventsInRange) : db_.query(sql::kDeskEventsInRange);
  if (range.connection) {
    q.bind_all(*range.connection, range.after_id, range.from, range.to, range.limit);
  } else {
    q.bind_all(range.after_id, range.from, range.to, range.limit);
  }
  while (q.step()) {
    StoredEvent e;
    e.id = q.int64(0);
    e.connection_id = q.int64(1);
    e.dialog_id = q.int64(2);
    e.type = q.text(3);
    e.payload = q.text(4);
    e.created_at = q.int64(5);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace topicdesk::store
