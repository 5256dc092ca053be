// SQL of dialog ownership: the groups' operators, owned dialogs, UNANSWERED_ALERT's
// waiting dialogs and ASSIGN's rotation.
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
// A refresh keeps the shift.
inline constexpr Sql kUpsertOperator{"upsert_operator",
    "INSERT INTO operators(group_id, user_id, username, first_name, last_name, last_seen_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(group_id, user_id) DO UPDATE SET "
    "username = excluded.username, first_name = excluded.first_name, last_name = excluded.last_name, "
    "last_seen_at = excluded.last_seen_at"};
#define TD_OPERATOR_COLUMNS \
  "SELECT group_id, user_id, username, first_name, last_name, last_seen_at, on_shift FROM operators "
inline constexpr Sql kOperatorById{"operator_by_id", TD_OPERATOR_COLUMNS "WHERE group_id = ?1 AND user_id = ?2"};
// The most recently seen first: a username that moved to another account names its new holder.
inline constexpr Sql kOperatorByUsername{"operator_by_username",
    TD_OPERATOR_COLUMNS "WHERE group_id = ?1 AND username <> '' AND lower(username) = lower(?2) "
    "ORDER BY last_seen_at DESC LIMIT 1"};
inline constexpr Sql kOperatorsOnShift{"operators_on_shift",
    TD_OPERATOR_COLUMNS "WHERE group_id = ?1 AND on_shift <> 0 ORDER BY user_id"};
#undef TD_OPERATOR_COLUMNS
inline constexpr Sql kSetOnShift{"set_on_shift",
    "UPDATE operators SET on_shift = ?3 WHERE group_id = ?1 AND user_id = ?2"};
inline constexpr Sql kOpenDialogsOwnedBy{"open_dialogs_owned_by",
    TD_DIALOG_COLUMNS "WHERE group_id = ?1 AND owner_id = ?2 AND owner_id <> 0 AND status <> 'closed' "
    "ORDER BY status_changed_at, id LIMIT ?3"};
inline constexpr Sql kOpenOwnedCounts{"open_owned_counts",
    "SELECT owner_id, COUNT(*) FROM dialogs WHERE group_id = ?1 AND owner_id <> 0 AND status <> 'closed' "
    "GROUP BY owner_id"};
inline constexpr Sql kDialogsUnannouncedWaiting{"dialogs_unannounced_waiting",
    TD_DIALOG_COLUMNS "WHERE connection_id = ?1 AND status = 'user_answered' AND status_changed_at < ?2 "
    "AND unanswered_alerted_at < status_changed_at ORDER BY status_changed_at, id LIMIT ?3"};
inline constexpr Sql kRotationLast{"rotation_last",
    "SELECT last_owner_id FROM assign_rotation WHERE connection_id = ?1"};
inline constexpr Sql kSetRotationLast{"set_rotation_last",
    "INSERT INTO assign_rotation(connection_id, last_owner_id) VALUES (?1, ?2) "
    "ON CONFLICT(connection_id) DO UPDATE SET last_owner_id = excluded.last_owner_id"};
// clang-format on

}  // namespace topicdesk::store::sql
