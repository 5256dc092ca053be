// SQL of the AI consultant (AiStore): knowledge passages and their full-text search, usage,
// dialogs' /ai state, AI requests.
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
#define TD_AI_REQUEST_COLUMNS                                                                       \
  "SELECT id, connection_id, dialog_id, kind, question, asked_by, language, status, due_at,"       \
  " claimed_until, answer, created_at, updated_at FROM ai_requests "
inline constexpr Sql kKnowledgeDelete{"knowledge_delete", "DELETE FROM knowledge_passages WHERE connection_id = ?1"};
inline constexpr Sql kKnowledgeAdd{"knowledge_add",
    "INSERT INTO knowledge_passages(connection_id, source, heading, text, folded) VALUES (?1, ?2, ?3, ?4, ?5)"};
inline constexpr Sql kKnowledgeCount{"knowledge_count",
    "SELECT count(*) FROM knowledge_passages WHERE connection_id = ?1"};
// ?2: the query in the dialect's syntax (ai_search_query in sql_store_ai.cpp); best first.
inline constexpr Sql kKnowledgeSearch{"knowledge_search",
    "SELECT p.id, p.connection_id, p.source, p.heading, p.text FROM knowledge_fts "
    "JOIN knowledge_passages p ON p.id = knowledge_fts.rowid "
    "WHERE knowledge_fts MATCH ?2 AND p.connection_id = ?1 ORDER BY bm25(knowledge_fts), p.id LIMIT ?3",
    "SELECT id, connection_id, source, heading, text FROM knowledge_passages "
    "WHERE connection_id = ?1 AND to_tsvector('simple', folded) @@ websearch_to_tsquery('simple', ?2) "
    "ORDER BY ts_rank(to_tsvector('simple', folded), websearch_to_tsquery('simple', ?2)) DESC, id LIMIT ?3"};
inline constexpr Sql kAiUsageAdd{"ai_usage_add",
    "INSERT INTO ai_usage(connection_id, day, tokens) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(connection_id, day) DO UPDATE SET tokens = ai_usage.tokens + excluded.tokens"};
inline constexpr Sql kAiUsage{"ai_usage", "SELECT tokens FROM ai_usage WHERE connection_id = ?1 AND day = ?2"};
inline constexpr Sql kAiDialogState{"ai_dialog_state",
    "SELECT override_mode, quiet FROM ai_dialogs WHERE dialog_id = ?1"};
inline constexpr Sql kAiDialogSet{"ai_dialog_set",
    "INSERT INTO ai_dialogs(dialog_id, override_mode, quiet) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(dialog_id) DO UPDATE SET override_mode = excluded.override_mode, quiet = excluded.quiet"};
inline constexpr Sql kAiRequestAdd{"ai_request_add",
    "INSERT INTO ai_requests(connection_id, dialog_id, kind, question, asked_by, language, status, due_at,"
    " claimed_until, answer, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    "INSERT INTO ai_requests(connection_id, dialog_id, kind, question, asked_by, language, status, due_at,"
    " claimed_until, answer, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    " RETURNING id"};
inline constexpr Sql kAiRequestById{"ai_request", TD_AI_REQUEST_COLUMNS "WHERE id = ?1"};
inline constexpr Sql kAiRequestUpdate{"ai_request_update",
    "UPDATE ai_requests SET connection_id = ?2, dialog_id = ?3, kind = ?4, question = ?5, asked_by = ?6,"
    " language = ?7, status = ?8, due_at = ?9, claimed_until = ?10, answer = ?11, created_at = ?12,"
    " updated_at = ?13 WHERE id = ?1"};
// One connection's due requests, oldest due first (the claim then marks each one). Per connection:
// the requests left by a connection the worker no longer answers never hide the others'.
inline constexpr Sql kAiRequestsDue{"ai_requests_due",
    TD_AI_REQUEST_COLUMNS "WHERE connection_id = ?3 AND ((status = 'pending' AND due_at <= ?1) OR "
    "(status = 'running' AND claimed_until <= ?1)) ORDER BY due_at, id LIMIT ?2"};
inline constexpr Sql kAiRequestClaim{"ai_request_claim",
    "UPDATE ai_requests SET status = 'running', claimed_until = ?2, updated_at = ?3 WHERE id = ?1 "
    "AND ((status = 'pending' AND due_at <= ?3) OR (status = 'running' AND claimed_until <= ?3))"};
inline constexpr Sql kAiRequestsCancel{"ai_requests_cancel",
    "UPDATE ai_requests SET status = 'cancelled', updated_at = ?3 WHERE dialog_id = ?1 AND kind = ?2 "
    "AND status IN ('pending', 'running')"};
// The dialog's newest history entries (the prompt's conversation), newest first.
inline constexpr Sql kAiRecentHistory{"ai_recent_history",
    "SELECT author, sender_name, text, at FROM history WHERE dialog_id = ?1 AND text <> '' "
    "ORDER BY id DESC LIMIT ?2"};
#undef TD_AI_REQUEST_COLUMNS
// clang-format on

}  // namespace topicdesk::store::sql
