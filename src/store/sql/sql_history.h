// SQL of the message history (HistoryStore).
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// How many search terms the statements match; sql_store_history.cpp checks any further terms
// itself. An unused term is bound as '%', which every text matches.
inline constexpr int kHistorySearchTerms = 6;

// clang-format off
#define TD_HISTORY_COLUMNS                                                                         \
  "SELECT id, connection_id, dialog_id, author, sender_id, sender_name, message_id, content, text," \
  " entities, file_id, media_group_id, reply_to, at, edited_at, edits FROM history "
inline constexpr Sql kHistoryAdd{"add_history",
    "INSERT INTO history(connection_id, dialog_id, author, sender_id, sender_name, message_id, content, text,"
    " folded, entities, file_id, media_group_id, reply_to, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
    " ?11, ?12, ?13, ?14) RETURNING id"};
// The newest row of the dialog with that message id, written by one of two authors (one side).
// `message_id <> 0` lets the planner use the partial index.
inline constexpr Sql kHistoryEdit{"edit_history",
    "UPDATE history SET text = ?5, folded = ?6, entities = ?7, edited_at = ?8, edits = edits + 1"
    " WHERE id = (SELECT id FROM history WHERE dialog_id = ?1 AND message_id = ?2 AND message_id <> 0"
    " AND author IN (?3, ?4) ORDER BY id DESC LIMIT 1)"};
inline constexpr Sql kHistoryOfDialog{"dialog_history",
    TD_HISTORY_COLUMNS "WHERE dialog_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"};
inline constexpr Sql kHistoryOfConnection{"connection_history",
    TD_HISTORY_COLUMNS "WHERE connection_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"};

// Search, newest first: ?1 ids below, ?2/?3 the time range [from, to), ?4..?9 the terms as
// LIKE patterns on the folded text ('\' escapes), ?10 the limit; ?11 the dialog or connection.
#define TD_HISTORY_TERMS                                                                           \
  " folded LIKE ?4 ESCAPE '\\' AND folded LIKE ?5 ESCAPE '\\' AND folded LIKE ?6 ESCAPE '\\'"     \
  " AND folded LIKE ?7 ESCAPE '\\' AND folded LIKE ?8 ESCAPE '\\' AND folded LIKE ?9 ESCAPE '\\'"
#define TD_HISTORY_SEARCH TD_HISTORY_COLUMNS "WHERE id < ?1 AND at >= ?2 AND at < ?3 AND" TD_HISTORY_TERMS
inline constexpr Sql kHistorySearch{"search_history",
    TD_HISTORY_SEARCH " ORDER BY id DESC LIMIT ?10"};
inline constexpr Sql kHistorySearchDialog{"search_history_dialog",
    TD_HISTORY_SEARCH " AND dialog_id = ?11 ORDER BY id DESC LIMIT ?10"};
inline constexpr Sql kHistorySearchConnection{"search_history_connection",
    TD_HISTORY_SEARCH " AND connection_id = ?11 ORDER BY id DESC LIMIT ?10"};
#undef TD_HISTORY_SEARCH
#undef TD_HISTORY_TERMS

// Retention: of the oldest `?2` rows (by id), those written before ?1; the newest row is kept
// so ids are never reused. Rows are taken by id, not by time, so a batch never scans the table
// for old rows it does not have.
inline constexpr Sql kPurgeHistoryBatch{"purge_history_batch",
    "DELETE FROM history WHERE id IN (SELECT id FROM history ORDER BY id LIMIT ?2) AND at < ?1"
    " AND id < (SELECT MAX(id) FROM history)"};
#undef TD_HISTORY_COLUMNS
// clang-format on

}  // namespace topicdesk::store::sql
