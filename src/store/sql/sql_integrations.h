// Statements of the integrations: user links, custom fields, event
// reading and webhook delivery. Same conventions as sql_core.h.
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
// User links and custom fields.
inline constexpr Sql kUserLinkGet{"user_link",
    "SELECT account FROM user_links WHERE connection_id = ?1 AND user_id = ?2"};
inline constexpr Sql kUserLinkSet{"set_user_link",
    "INSERT INTO user_links(connection_id, user_id, account, updated_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT(connection_id, user_id) DO UPDATE SET account = excluded.account, "
    "updated_at = excluded.updated_at"};
inline constexpr Sql kUserLinkDelete{"clear_user_link",
    "DELETE FROM user_links WHERE connection_id = ?1 AND user_id = ?2"};
inline constexpr Sql kUserFieldsGet{"user_fields",
    "SELECT field_key, value FROM user_fields WHERE connection_id = ?1 AND user_id = ?2 ORDER BY field_key"};
inline constexpr Sql kConnectionUserFields{"connection_user_fields",
    "SELECT user_id, field_key, value FROM user_fields WHERE connection_id = ?1 ORDER BY user_id, field_key"};
inline constexpr Sql kUserFieldSet{"set_user_field",
    "INSERT INTO user_fields(connection_id, user_id, field_key, value, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(connection_id, user_id, field_key) DO UPDATE SET value = excluded.value, "
    "updated_at = excluded.updated_at"};
inline constexpr Sql kUserFieldDelete{"delete_user_field",
    "DELETE FROM user_fields WHERE connection_id = ?1 AND user_id = ?2 AND field_key = ?3"};

// Events.
inline constexpr Sql kEventsAfter{"events_after",
    "SELECT id, connection_id, dialog_id, event_type, payload, created_at FROM events "
    "WHERE id > ?1 ORDER BY id LIMIT ?2"};
inline constexpr Sql kEventById{"event_by_id",
    "SELECT id, connection_id, dialog_id, event_type, payload, created_at FROM events WHERE id = ?1"};

// Webhook delivery.
inline constexpr Sql kWebhookCursorGet{"webhook_cursor",
    "SELECT event_id FROM webhook_cursor WHERE id = 1"};
// Compare-and-set: on PostgreSQL the row lock makes a second worker wait for the first one's
// commit, then re-check `event_id = ?1` against it and change nothing.
inline constexpr Sql kWebhookCursorMove{"move_webhook_cursor",
    "UPDATE webhook_cursor SET event_id = ?2 WHERE id = 1 AND event_id = ?1"};
inline constexpr Sql kWebhookAdd{"webhook_add",
    "INSERT INTO webhook_deliveries(connection_id, url, queue_key, event_id, dialog_id, retry, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"};
// The head (lowest pending id) of every queue, ready and unclaimed ones oldest first.
#define TD_WEBHOOK_HEADS                                                                           \
  "SELECT d.id, d.connection_id, d.url, d.queue_key, d.event_id, d.dialog_id, d.retry, d.attempts, " \
  "d.not_before, d.failing_since, d.last_error, d.created_at "                                     \
  "FROM (SELECT MIN(id) AS head FROM webhook_deliveries WHERE state = 'pending' GROUP BY queue_key) h " \
  "JOIN webhook_deliveries d ON d.id = h.head WHERE d.state = 'pending' AND d.not_before <= ?1 "
inline constexpr Sql kWebhookReady{"webhook_ready",
    TD_WEBHOOK_HEADS "AND d.claimed_until <= " TD_NOW_SQLITE " ORDER BY d.id LIMIT ?2",
    TD_WEBHOOK_HEADS "AND d.claimed_until <= " TD_NOW_POSTGRES " ORDER BY d.id LIMIT ?2"};
// The same, locked for the claim on PostgreSQL. Heads another worker is claiming right now are
// skipped; a head claimed or finished since this statement's snapshot is locked in its new
// version and re-checked (state, claimed_until), so it drops out. The grouping sits in a
// subquery, where FOR UPDATE allows it.
inline constexpr Sql kWebhookClaimable{"webhook_claimable",
    TD_WEBHOOK_HEADS "AND d.claimed_until <= " TD_NOW_SQLITE " ORDER BY d.id LIMIT ?2",
    TD_WEBHOOK_HEADS "AND d.claimed_until <= " TD_NOW_POSTGRES " ORDER BY d.id LIMIT ?2 FOR UPDATE OF d SKIP LOCKED"};
#undef TD_WEBHOOK_HEADS
inline constexpr Sql kWebhookClaim{"webhook_claim",
    "UPDATE webhook_deliveries SET claimed_until = " TD_NOW_SQLITE " + ?2 WHERE id = ?1",
    "UPDATE webhook_deliveries SET claimed_until = " TD_NOW_POSTGRES " + ?2 WHERE id = ?1"};
inline constexpr Sql kWebhookAttemptAdd{"webhook_attempt_add",
    "INSERT INTO webhook_attempts(delivery_id, attempted_at, http_status, error, duration_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5)"};
inline constexpr Sql kWebhookDone{"webhook_done",
    "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, last_error = '', "
    "finished_at = ?2, claimed_until = 0 WHERE id = ?1"};
inline constexpr Sql kWebhookRetry{"webhook_retry",
    "UPDATE webhook_deliveries SET attempts = attempts + 1, not_before = ?2, last_error = ?3, claimed_until = 0, "
    "failing_since = CASE WHEN failing_since = 0 THEN ?4 ELSE failing_since END WHERE id = ?1"};
inline constexpr Sql kWebhookGiveUp{"webhook_give_up",
    "UPDATE webhook_deliveries SET state = 'failed', attempts = attempts + 1, last_error = ?2, claimed_until = 0, "
    "failing_since = CASE WHEN failing_since = 0 THEN ?3 ELSE failing_since END, finished_at = ?3 "
    "WHERE id = ?1"};
inline constexpr Sql kWebhookCounts{"webhook_counts",
    "SELECT connection_id, url, "
    "SUM(CASE WHEN state = 'delivered' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), "
    "COALESCE(MIN(CASE WHEN state = 'pending' AND failing_since > 0 THEN failing_since END), 0) "
    "FROM webhook_deliveries GROUP BY connection_id, url ORDER BY connection_id, url"};
inline constexpr Sql kWebhookLastError{"webhook_last_error",
    "SELECT a.error, a.attempted_at FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id "
    "WHERE d.connection_id = ?1 AND d.url = ?2 AND a.error <> '' ORDER BY a.id DESC LIMIT 1"};
inline constexpr Sql kWebhookAttempts{"webhook_attempts",
    "SELECT delivery_id, attempted_at, http_status, error, duration_ms FROM webhook_attempts "
    "WHERE delivery_id = ?1 ORDER BY id DESC"};
// clang-format on

}  // namespace topicdesk::store::sql
