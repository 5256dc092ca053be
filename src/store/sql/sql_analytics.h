// SQL of analytics' reads of the event log (AnalyticsStore). A connection's events are read on
// the index events_by_connection(connection_id, id); the desk's on the primary key.
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
inline constexpr Sql kConnectionEventsInRange{"connection_events_in_range",
    "SELECT id, connection_id, dialog_id, event_type, payload, created_at FROM events "
    "WHERE connection_id = ?1 AND id > ?2 AND created_at >= ?3 AND created_at < ?4 ORDER BY id LIMIT ?5"};
inline constexpr Sql kDeskEventsInRange{"desk_events_in_range",
    "SELECT id, connection_id, dialog_id, event_type, payload, created_at FROM events "
    "WHERE id > ?1 AND created_at >= ?2 AND created_at < ?3 ORDER BY id LIMIT ?4"};
// clang-format on

}  // namespace topicdesk::store::sql
