// SQL of labels and funnels (LabelStore).
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
#define TD_LABEL_COLUMNS "SELECT id, connection_id, name, key, ticker, sends, after_ids, created_at FROM labels "
inline constexpr Sql kLabelAdd{"label_add",
    "INSERT INTO labels(connection_id, name, key, ticker, sends, after_ids, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id"};
inline constexpr Sql kLabelUpdate{"label_update",
    "UPDATE labels SET name = ?2, key = ?3, ticker = ?4, sends = ?5, after_ids = ?6 WHERE id = ?1"};
inline constexpr Sql kLabelById{"label", TD_LABEL_COLUMNS "WHERE id = ?1"};
inline constexpr Sql kLabelByKey{"label_by_key", TD_LABEL_COLUMNS "WHERE connection_id = ?1 AND key = ?2"};
inline constexpr Sql kLabels{"labels", TD_LABEL_COLUMNS "WHERE connection_id = ?1 ORDER BY id"};
inline constexpr Sql kDialogLabelSet{"dialog_label_set",
    "INSERT INTO dialog_labels(connection_id, dialog_id, label_id, since) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT(dialog_id, label_id) DO NOTHING"};
inline constexpr Sql kDialogLabelRemove{"dialog_label_remove",
    "DELETE FROM dialog_labels WHERE dialog_id = ?1 AND label_id = ?2"};
inline constexpr Sql kDialogLabels{"dialog_labels",
    "SELECT l.id, l.connection_id, l.name, l.key, l.ticker, l.sends, l.after_ids, l.created_at"
    " FROM dialog_labels d JOIN labels l ON l.id = d.label_id WHERE d.dialog_id = ?1 ORDER BY l.id"};
inline constexpr Sql kLabelCarriers{"label_carriers",
    "SELECT d.dialog_id, g.user_id, d.since FROM dialog_labels d JOIN dialogs g ON g.id = d.dialog_id"
    " WHERE d.label_id = ?1 ORDER BY d.dialog_id LIMIT ?2"};
inline constexpr Sql kLabelChangeAdd{"label_change_add",
    "INSERT INTO label_history(connection_id, dialog_id, label_id, label_name, added, operator_id, at, by)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"};
inline constexpr Sql kLabelHistory{"label_history",
    "SELECT id, connection_id, dialog_id, label_id, label_name, added, operator_id, at, by FROM ("
    "SELECT * FROM label_history WHERE dialog_id = ?1 ORDER BY id DESC LIMIT ?2) h ORDER BY id"};
#undef TD_LABEL_COLUMNS
// clang-format on

}  // namespace topicdesk::store::sql
