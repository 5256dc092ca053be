// SQL of the Topics API on SQLite: API key hashes and paged dialog lists.
#pragma once
#include "store/sqlite/sqlite_sql.h"

namespace topicdesk::store::sqlite_sql {

// clang-format off
// One key per connection: a reset replaces the hash.
inline constexpr Sql kSetApiKeyHash{"set_api_key_hash",
    "INSERT INTO api_keys(connection_id, key_hash, created_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(connection_id) DO UPDATE SET key_hash = excluded.key_hash, created_at = excluded.created_at"};
inline constexpr Sql kApiKeys{"api_keys",
    "SELECT connection_id, key_hash, created_at FROM api_keys ORDER BY connection_id"};

// Keyset paging by id: stable while dialogs are added or change status.
inline constexpr Sql kDialogsPage{"dialogs_page",
    TD_DIALOG_COLUMNS "WHERE connection_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"};
inline constexpr Sql kDialogsPageWithStatus{"dialogs_page_with_status",
    TD_DIALOG_COLUMNS "WHERE connection_id = ?1 AND id > ?2 AND status = ?4 ORDER BY id LIMIT ?3"};
// clang-format on

}  // namespace topicdesk::store::sqlite_sql
