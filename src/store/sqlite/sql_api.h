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

#define TD_API_DIALOG_COLUMNS                                                                      \
  "SELECT id, connection_id, user_id, group_id, thread_id, status, banned, user_blocked_bot,"      \
  " pseudonym, topic_title, created_at, last_user_message_at, last_operator_reply_at,"             \
  " status_changed_at, owner_id, last_operator_id, unanswered_alerted_at FROM dialogs "
// Keyset paging by id: stable while dialogs are added or change status.
inline constexpr Sql kDialogsPage{"dialogs_page",
    TD_API_DIALOG_COLUMNS "WHERE connection_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"};
inline constexpr Sql kDialogsPageWithStatus{"dialogs_page_with_status",
    TD_API_DIALOG_COLUMNS "WHERE connection_id = ?1 AND id > ?2 AND status = ?4 ORDER BY id LIMIT ?3"};
#undef TD_API_DIALOG_COLUMNS
// clang-format on

}  // namespace topicdesk::store::sqlite_sql
