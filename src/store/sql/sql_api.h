// SQL of the Topics API: API key hashes and paged dialog lists.
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
// One key per connection: a reset replaces the hash.
inline constexpr Sql kSetApiKeyHash{"set_api_key_hash",
    "INSERT INTO api_keys(connection_id, key_hash, created_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(connection_id) DO UPDATE SET key_hash = excluded.key_hash, created_at = excluded.created_at"};
inline constexpr Sql kApiKeys{"api_keys",
    "SELECT connection_id, key_hash, created_at FROM api_keys ORDER BY connection_id"};

// Keyset paging by id: stable while dialogs are added or change status. Each dialog comes with
// its user's profile (user id 0: none stored) in the same statement.
#define TD_DIALOG_WITH_USER_COLUMNS                                                                \
  "SELECT d.id, d.connection_id, d.user_id, d.group_id, d.thread_id, d.status, d.banned,"          \
  " d.user_blocked_bot, d.pseudonym, d.topic_title, d.created_at, d.last_user_message_at,"         \
  " d.last_operator_reply_at, d.status_changed_at, d.owner_id, d.last_operator_id,"                \
  " d.unanswered_alerted_at, COALESCE(u.user_id, 0), COALESCE(u.is_bot, 0),"                      \
  " COALESCE(u.first_name, ''), COALESCE(u.last_name, ''), COALESCE(u.username, ''),"             \
  " COALESCE(u.language_code, ''), COALESCE(u.phone, '') FROM dialogs d"                           \
  " LEFT JOIN users u ON u.connection_id = d.connection_id AND u.user_id = d.user_id "
inline constexpr Sql kDialogsPage{"dialogs_page",
    TD_DIALOG_WITH_USER_COLUMNS "WHERE d.connection_id = ?1 AND d.id > ?2 ORDER BY d.id LIMIT ?3"};
inline constexpr Sql kDialogsPageWithStatus{"dialogs_page_with_status",
    TD_DIALOG_WITH_USER_COLUMNS "WHERE d.connection_id = ?1 AND d.id > ?2 AND d.status = ?4 ORDER BY d.id LIMIT ?3"};
// clang-format on

}  // namespace topicdesk::store::sql
