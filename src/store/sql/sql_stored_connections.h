// SQL of the connections made at run time (StoredConnectionStore).
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
inline constexpr Sql kStoredConnectionAdd{"stored_connection_add",
    "INSERT INTO stored_connections(name, mode, token, group_id, transport, wanted_running, created_by,"
    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) ON CONFLICT(name) DO NOTHING"};
#define TD_STORED_CONNECTION_COLUMNS \
  "SELECT name, mode, token, group_id, transport, wanted_running, created_by, created_at, updated_at" \
  " FROM stored_connections "
inline constexpr Sql kStoredConnectionByName{"stored_connection",
    TD_STORED_CONNECTION_COLUMNS "WHERE name = ?1"};
inline constexpr Sql kStoredConnections{"stored_connections",
    TD_STORED_CONNECTION_COLUMNS "ORDER BY name"};
inline constexpr Sql kStoredParameters{"stored_connection_parameters",
    "SELECT parameter, value FROM stored_connection_parameters WHERE connection_name = ?1 ORDER BY parameter"};
inline constexpr Sql kAllStoredParameters{"all_stored_connection_parameters",
    "SELECT connection_name, parameter, value FROM stored_connection_parameters"
    " ORDER BY connection_name, parameter"};
inline constexpr Sql kStoredConnectionSetGroup{"stored_connection_set_group",
    "UPDATE stored_connections SET group_id = ?2, updated_at = ?3 WHERE name = ?1"};
inline constexpr Sql kStoredConnectionSetRunning{"stored_connection_set_running",
    "UPDATE stored_connections SET wanted_running = ?2, updated_at = ?3 WHERE name = ?1"};
inline constexpr Sql kStoredConnectionTouch{"stored_connection_touch",
    "UPDATE stored_connections SET updated_at = ?2 WHERE name = ?1"};
inline constexpr Sql kStoredParameterSet{"stored_parameter_set",
    "INSERT INTO stored_connection_parameters(connection_name, parameter, value) VALUES (?1, ?2, ?3)"
    " ON CONFLICT(connection_name, parameter) DO UPDATE SET value = excluded.value"};
inline constexpr Sql kStoredParameterClear{"stored_parameter_clear",
    "DELETE FROM stored_connection_parameters WHERE connection_name = ?1 AND parameter = ?2"};
inline constexpr Sql kStoredParametersClearAll{"stored_parameters_clear_all",
    "DELETE FROM stored_connection_parameters WHERE connection_name = ?1"};
inline constexpr Sql kStoredConnectionRemove{"stored_connection_remove",
    "DELETE FROM stored_connections WHERE name = ?1"};
inline constexpr Sql kStoredConnectionsBump{"stored_connections_bump",
    "UPDATE stored_connection_changes SET serial = serial + 1 WHERE id = 1"};
inline constexpr Sql kStoredConnectionsSerial{"stored_connections_serial",
    "SELECT serial FROM stored_connection_changes WHERE id = 1"};
// clang-format on

}  // namespace topicdesk::store::sql
