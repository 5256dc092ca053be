// The statements of the store's core concerns, as named constants (the other concerns' are in
// sql_*.h). Each is prepared once per connection and reused (see connection.h). Parameters are
// numbered (?1, ?2, ...); a PostgreSQL text stands beside the SQLite one where the two differ.
#pragma once
#include "store/sql/connection.h"

namespace topicdesk::store::sql {

// clang-format off
// The database's clock in milliseconds since the epoch, for decisions several instances share
// (leases, webhook claims): their own clocks may disagree. PostgreSQL's clock_timestamp()
// moves during a transaction (now() would not); SQLite 3.40 has no 'subsec', so the
// milliseconds come from julianday('now'), which is fixed for one statement.
#define TD_NOW_SQLITE "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
#define TD_NOW_POSTGRES "(extract(epoch from clock_timestamp()) * 1000)::BIGINT"

// SQLite takes the write lock at BEGIN, so a transaction never fails half-way for want of it.
inline constexpr Sql kBegin{"begin", "BEGIN IMMEDIATE", "BEGIN"};
inline constexpr Sql kCommit{"commit", "COMMIT"};
inline constexpr Sql kRollback{"rollback", "ROLLBACK"};

inline constexpr Sql kSchemaVersion{"schema_version",
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"};
inline constexpr Sql kMigrationApplied{"migration_applied",
    "SELECT 1 FROM schema_migrations WHERE version = ?1"};
inline constexpr Sql kRecordMigration{"record_migration",
    "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?1, ?2, ?3)"};
// Two processes opening one PostgreSQL schema at once migrate one after the other (SQLite's
// write lock does that already). The lock is the session's, so it spans every migration.
inline constexpr Sql kMigrationsLock{"migrations_lock", "SELECT 1",
    "SELECT pg_advisory_lock(hashtext('topicdesk migrations ' || current_schema()))"};
inline constexpr Sql kMigrationsUnlock{"migrations_unlock", "SELECT 1",
    "SELECT pg_advisory_unlock(hashtext('topicdesk migrations ' || current_schema()))"};

// Connections.
inline constexpr Sql kEnsureConnection{"ensure_connection",
    "INSERT INTO connections(name, bot_id, group_id) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(name) DO UPDATE SET bot_id = excluded.bot_id, group_id = excluded.group_id "
    "RETURNING id"};
inline constexpr Sql kConnectionById{"connection",
    "SELECT id, name, bot_id, group_id FROM connections WHERE id = ?1"};
inline constexpr Sql kAllConnections{"connections",
    "SELECT id, name, bot_id, group_id FROM connections ORDER BY id"};
inline constexpr Sql kStateGet{"state_get",
    "SELECT value FROM connection_state WHERE connection_id = ?1 AND state_key = ?2"};
inline constexpr Sql kStateWithPrefix{"state_with_prefix",
    "SELECT state_key, value FROM connection_state WHERE connection_id = ?1 "
    "AND substr(state_key, 1, length(?2)) = ?2 ORDER BY state_key"};
inline constexpr Sql kStateSet{"state_set",
    "INSERT INTO connection_state(connection_id, state_key, value) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(connection_id, state_key) DO UPDATE SET value = excluded.value"};

// Users. A phone, once known, is not forgotten when a later update does not carry it.
inline constexpr Sql kUpsertUser{"upsert_user",
    "INSERT INTO users(connection_id, user_id, is_bot, first_name, last_name, username, language_code,"
    " phone, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT(connection_id, user_id) DO UPDATE SET is_bot = excluded.is_bot,"
    " first_name = excluded.first_name, last_name = excluded.last_name, username = excluded.username,"
    " language_code = excluded.language_code,"
    " phone = CASE WHEN excluded.phone <> '' THEN excluded.phone ELSE users.phone END,"
    " updated_at = excluded.updated_at"
    // A profile as it is stored already is not written again (each message carries it).
    " WHERE users.is_bot <> excluded.is_bot OR users.first_name <> excluded.first_name"
    " OR users.last_name <> excluded.last_name OR users.username <> excluded.username"
    " OR users.language_code <> excluded.language_code"
    " OR (excluded.phone <> '' AND users.phone <> excluded.phone)"};
inline constexpr Sql kUserById{"user",
    "SELECT user_id, is_bot, first_name, last_name, username, language_code, phone FROM users "
    "WHERE connection_id = ?1 AND user_id = ?2"};

// Dialogs. TD_DIALOG_COLUMNS selects what read_dialog reads; the sql_*.h headers use it too.
#define TD_DIALOG_COLUMNS                                                                          \
  "SELECT id, connection_id, user_id, group_id, thread_id, status, banned, user_blocked_bot,"      \
  " pseudonym, topic_title, created_at, last_user_message_at, last_operator_reply_at,"             \
  " status_changed_at, owner_id, last_operator_id, unanswered_alerted_at FROM dialogs "
inline constexpr Sql kInsertDialog{"create_dialog",
    "INSERT INTO dialogs(connection_id, user_id, group_id, status, created_at, status_changed_at) "
    "VALUES (?1, ?2, ?3, 'user_answered', ?4, ?4) ON CONFLICT(connection_id, user_id) DO NOTHING"};
inline constexpr Sql kDialogById{"dialog", TD_DIALOG_COLUMNS "WHERE id = ?1"};
inline constexpr Sql kDialogByUser{"dialog_by_user",
    TD_DIALOG_COLUMNS "WHERE connection_id = ?1 AND user_id = ?2"};
// `thread_id <> 0` lets the planner use the partial unique index.
inline constexpr Sql kDialogByThread{"dialog_by_thread",
    TD_DIALOG_COLUMNS "WHERE group_id = ?1 AND thread_id = ?2 AND thread_id <> 0"};
inline constexpr Sql kDialogsWithStatus{"dialogs_with_status",
    TD_DIALOG_COLUMNS "WHERE connection_id = ?1 AND status = ?2 ORDER BY status_changed_at, id LIMIT ?3"};
// AUTOCLOSE's whole rule, so the limit counts only dialogs that are due: rows whose operator
// replied recently are skipped here, never filling the batch ahead of due ones.
inline constexpr Sql kDialogsWaitingSince{"dialogs_waiting_since",
    TD_DIALOG_COLUMNS "WHERE connection_id = ?1 AND status = 'support_answered' AND status_changed_at < ?2 "
    "AND last_operator_reply_at < ?2 ORDER BY status_changed_at, id LIMIT ?3"};
inline constexpr Sql kUpdateDialog{"update_dialog",
    "UPDATE dialogs SET connection_id = ?2, user_id = ?3, group_id = ?4, thread_id = ?5, status = ?6,"
    " banned = ?7, user_blocked_bot = ?8, pseudonym = ?9, topic_title = ?10, created_at = ?11,"
    " last_user_message_at = ?12, last_operator_reply_at = ?13, status_changed_at = ?14, owner_id = ?15,"
    " last_operator_id = ?16, unanswered_alerted_at = ?17 WHERE id = ?1"};
// The columns no index holds: a change of these alone leaves the dialogs' indexes as they are
// (an UPDATE that names an indexed column rewrites that index's entry, changed or not).
inline constexpr Sql kUpdateDialogFacts{"update_dialog_facts",
    "UPDATE dialogs SET banned = ?2, user_blocked_bot = ?3, pseudonym = ?4, topic_title = ?5,"
    " created_at = ?6, last_user_message_at = ?7, last_operator_reply_at = ?8, last_operator_id = ?9,"
    " unanswered_alerted_at = ?10 WHERE id = ?1"};
inline constexpr Sql kCountDialogs{"count_dialogs",
    "SELECT status, COUNT(*) FROM dialogs WHERE group_id = ?1 GROUP BY status"};

// Message links. group_id falls back to the dialog's group when the caller leaves it 0.
inline constexpr Sql kInsertLink{"add_link",
    "INSERT INTO message_links(connection_id, dialog_id, group_id, user_message_id, group_message_id,"
    " direction, poster_id) VALUES (?1, ?2, COALESCE(NULLIF(?3, 0), (SELECT group_id FROM dialogs WHERE id = ?2), 0),"
    " ?4, ?5, ?6, ?7)",
    // PostgreSQL would take ?3 for an INTEGER from the 0 beside it.
    "INSERT INTO message_links(connection_id, dialog_id, group_id, user_message_id, group_message_id,"
    " direction, poster_id) VALUES (?1, ?2, COALESCE(NULLIF(?3::BIGINT, 0), (SELECT group_id FROM dialogs WHERE id = ?2), 0),"
    " ?4, ?5, ?6, ?7)"};
inline constexpr Sql kLinkByUser{"link_by_user_message",
    "SELECT connection_id, dialog_id, group_id, user_message_id, group_message_id, direction, poster_id "
    "FROM message_links WHERE dialog_id = ?1 AND user_message_id = ?2 ORDER BY id DESC LIMIT 1"};
inline constexpr Sql kLinkByGroup{"link_by_group_message",
    "SELECT connection_id, dialog_id, group_id, user_message_id, group_message_id, direction, poster_id "
    "FROM message_links WHERE group_id = ?1 AND group_message_id = ?2 ORDER BY id DESC LIMIT 1"};

// Inbox.
inline constexpr Sql kInboxAdd{"inbox_add",
    "INSERT INTO inbox(connection_id, update_id, payload, received_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT(connection_id, update_id) DO NOTHING"};
inline constexpr Sql kInboxPending{"inbox_pending",
    "SELECT id, connection_id, update_id, payload FROM inbox WHERE connection_id = ?1 AND done = 0 "
    "ORDER BY id LIMIT ?2"};
inline constexpr Sql kInboxPendingUpdate{"inbox_pending_update",
    "SELECT id, connection_id, update_id, payload FROM inbox WHERE connection_id = ?1 AND update_id = ?2 "
    "AND done = 0"};
inline constexpr Sql kInboxPendingConnections{"inbox_pending_connections",
    "SELECT DISTINCT connection_id FROM inbox WHERE done = 0 ORDER BY connection_id"};
inline constexpr Sql kInboxDone{"inbox_done",
    "UPDATE inbox SET done = 1, handled_at = ?2 WHERE id = ?1"};

// Outbox.
#define TD_JOB_COLUMNS                                                                             \
  "o.id, o.connection_id, o.queue_key, o.priority, o.kind, o.payload, o.attempts, o.not_before,"   \
  " o.last_error, o.created_at, o.started_at, o.restarts"
// Inserts made for every relayed message read their id as add_history does (sql_history.h): on
// SQLite from last_insert_rowid (kLastInsertId), RETURNING costing more than the insert itself;
// PostgreSQL returns it in the same round trip.
inline constexpr Sql kLastInsertId{"last_insert_id", "SELECT last_insert_rowid()", "SELECT lastval()"};
#define TD_OUTBOX_INSERT                                                                           \
  "INSERT INTO outbox(connection_id, queue_key, priority, kind, payload, attempts, not_before,"   \
  " last_error, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
inline constexpr Sql kOutboxAdd{"outbox_add", TD_OUTBOX_INSERT, TD_OUTBOX_INSERT " RETURNING id"};
#undef TD_OUTBOX_INSERT
inline constexpr Sql kOutboxJob{"outbox_job",
    "SELECT " TD_JOB_COLUMNS " FROM outbox o WHERE o.id = ?1"};
// Walks outbox_heads_ready in (priority, job_id) order and stops at the limit.
inline constexpr Sql kOutboxReady{"outbox_ready",
    "SELECT " TD_JOB_COLUMNS " FROM outbox_heads h JOIN outbox o ON o.id = h.job_id "
    "WHERE h.not_before <= ?1 ORDER BY h.priority, h.job_id LIMIT ?2"};
// The same for some connections only, whose ids ?3 lists as a JSON array ("[1,4]"): those an
// instance runs. No row locks: a connection's jobs are its runner's alone (its lease), and the
// started marks are written in a fenced transaction (docs/several-instances.md).
inline constexpr Sql kOutboxReadyOf{"outbox_ready_of",
    "SELECT " TD_JOB_COLUMNS " FROM outbox_heads h JOIN outbox o ON o.id = h.job_id "
    "WHERE h.not_before <= ?1 AND h.connection_id IN (SELECT value FROM json_each(?3)) "
    "ORDER BY h.priority, h.job_id LIMIT ?2",
    "SELECT " TD_JOB_COLUMNS " FROM outbox_heads h JOIN outbox o ON o.id = h.job_id "
    "WHERE h.not_before <= ?1 AND h.connection_id = ANY (translate(?3, '[]', '{}')::BIGINT[]) "
    "ORDER BY h.priority, h.job_id LIMIT ?2"};
// The jobs behind a queue's head, from the pending-by-queue index.
inline constexpr Sql kOutboxQueueNext{"outbox_queue_next",
    "SELECT " TD_JOB_COLUMNS " FROM outbox o WHERE o.queue_key = ?1 AND o.state = 'pending' AND o.id > ?2 "
    "ORDER BY o.id LIMIT ?3"};
#undef TD_JOB_COLUMNS
// Done keeps the last error of a job that succeeded after retries: useful when investigating.
inline constexpr Sql kOutboxDone{"outbox_done",
    "UPDATE outbox SET state = 'done', finished_at = ?2 "
    "WHERE id = ?1 AND state = 'pending' RETURNING queue_key"};
inline constexpr Sql kOutboxFail{"outbox_fail",
    "UPDATE outbox SET state = 'failed', finished_at = ?2, last_error = ?3 "
    "WHERE id = ?1 AND state = 'pending' RETURNING queue_key"};
inline constexpr Sql kOutboxRetry{"outbox_retry",
    "UPDATE outbox SET attempts = attempts + 1, not_before = ?2, last_error = ?3, started_at = 0 "
    "WHERE id = ?1 AND state = 'pending'"};
inline constexpr Sql kOutboxStart{"outbox_start",
    "UPDATE outbox SET started_at = ?2, restarts = restarts + ?3 WHERE id = ?1 AND state = 'pending'"};
inline constexpr Sql kOutboxContinue{"outbox_continue",
    "UPDATE outbox SET payload = ?2, not_before = 0, started_at = 0, restarts = 0, last_error = '' "
    "WHERE id = ?1 AND state = 'pending'"};
inline constexpr Sql kOutboxHeadRetry{"outbox_head_retry",
    "UPDATE outbox_heads SET not_before = ?2 "
    "WHERE queue_key = (SELECT queue_key FROM outbox WHERE id = ?1) AND job_id = ?1"};
inline constexpr Sql kOutboxHeadAdd{"outbox_head_add",
    "INSERT INTO outbox_heads(queue_key, job_id, priority, not_before, connection_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(queue_key) DO NOTHING"};
inline constexpr Sql kOutboxQueueHead{"outbox_queue_head",
    "SELECT id, priority, not_before, connection_id FROM outbox WHERE queue_key = ?1 AND state = 'pending' "
    "ORDER BY id LIMIT 1"};
inline constexpr Sql kOutboxHeadSet{"outbox_head_set",
    "INSERT INTO outbox_heads(queue_key, job_id, priority, not_before, connection_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(queue_key) DO UPDATE SET job_id = excluded.job_id, priority = excluded.priority,"
    " not_before = excluded.not_before, connection_id = excluded.connection_id"};
inline constexpr Sql kOutboxHeadDelete{"outbox_head_delete",
    "DELETE FROM outbox_heads WHERE queue_key = ?1"};
// Counted from the partial indexes. The oldest pending job is the one with the lowest id,
// which is always the head of its queue.
inline constexpr Sql kOutboxPendingCount{"outbox_pending_count",
    "SELECT COUNT(*) FROM outbox WHERE state = 'pending'"};
inline constexpr Sql kOutboxOldestPending{"outbox_oldest_pending",
    "SELECT created_at FROM outbox WHERE id = (SELECT MIN(job_id) FROM outbox_heads)"};
// Pending jobs of the queues whose key ends with ?1, per connection (a group's backlog).
inline constexpr Sql kOutboxBacklog{"outbox_backlog",
    "SELECT connection_id, COUNT(*), MIN(created_at) FROM outbox "
    "WHERE state = 'pending' AND queue_key LIKE '%' || ?1 GROUP BY connection_id",
    "SELECT connection_id, COUNT(*), MIN(created_at) FROM outbox "
    "WHERE state = 'pending' AND queue_key LIKE '%' || ?1::TEXT GROUP BY connection_id"};
inline constexpr Sql kOutboxFailedCount{"outbox_failed_count",
    "SELECT COUNT(*) FROM outbox WHERE state = 'failed'"};

// Timers. Setting a key again replaces due time and payload (the id stays).
inline constexpr Sql kTimerSet{"timer_set",
    "INSERT INTO timers(connection_id, timer_key, due_at, payload) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT(connection_id, timer_key) DO UPDATE SET due_at = excluded.due_at,"
    " payload = excluded.payload"};
inline constexpr Sql kTimerGet{"timer_get",
    "SELECT id, connection_id, timer_key, due_at, payload FROM timers "
    "WHERE connection_id = ?1 AND timer_key = ?2"};
inline constexpr Sql kTimersDue{"timers_due",
    "SELECT id, connection_id, timer_key, due_at, payload FROM timers WHERE due_at <= ?1 "
    "ORDER BY due_at, id LIMIT ?2"};
inline constexpr Sql kTimerDelete{"timer_delete", "DELETE FROM timers WHERE id = ?1"};

// Events.
#define TD_EVENT_INSERT                                                                            \
  "INSERT INTO events(connection_id, dialog_id, event_type, payload, created_at) "                 \
  "VALUES (?1, ?2, ?3, ?4, ?5)"
// The id as kOutboxAdd's (kLastInsertId on SQLite).
inline constexpr Sql kAppendEvent{"append_event", TD_EVENT_INSERT, TD_EVENT_INSERT " RETURNING id"};
#undef TD_EVENT_INSERT

// Retention in batches, oldest first. The newest row of each table stays, so rowids keep
// growing (see migrations.h) and delivery ids (sent to receivers) are never reused.
// Inbox and outbox rows are read in id order, which is their time order, and only up to the
// first row too new to go (found at the front of the table, once the older ones are gone):
// a batch costs the old rows it looks at, never a scan of the whole table. Should the clock
// have stepped back, the time condition still keeps every newer row.
// PostgreSQL writes SQLite's two-argument MIN as LEAST, and its rowid as ctid.
inline constexpr Sql kPurgeInboxBatch{"purge_inbox_batch",
    "DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE done = 1 AND received_at < ?1"
    " AND id < MIN((SELECT MAX(id) FROM inbox),"
    " COALESCE((SELECT id FROM inbox WHERE received_at >= ?1 ORDER BY id LIMIT 1), (SELECT MAX(id) FROM inbox)))"
    " ORDER BY id LIMIT ?2)",
    "DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE done = 1 AND received_at < ?1"
    " AND id < LEAST((SELECT MAX(id) FROM inbox),"
    " COALESCE((SELECT id FROM inbox WHERE received_at >= ?1 ORDER BY id LIMIT 1), (SELECT MAX(id) FROM inbox)))"
    " ORDER BY id LIMIT ?2)"};
inline constexpr Sql kPurgeOutboxBatch{"purge_outbox_batch",
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state = 'done' AND created_at < ?1"
    " AND id < MIN((SELECT MAX(id) FROM outbox),"
    " COALESCE((SELECT id FROM outbox WHERE created_at >= ?1 ORDER BY id LIMIT 1), (SELECT MAX(id) FROM outbox)))"
    " ORDER BY id LIMIT ?2)",
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state = 'done' AND created_at < ?1"
    " AND id < LEAST((SELECT MAX(id) FROM outbox),"
    " COALESCE((SELECT id FROM outbox WHERE created_at >= ?1 ORDER BY id LIMIT 1), (SELECT MAX(id) FROM outbox)))"
    " ORDER BY id LIMIT ?2)"};
// Finished deliveries by the age index of migration 5; events and proxy updates by those of 7.
inline constexpr Sql kFinishedDeliveries{"finished_webhook_deliveries",
    "SELECT id FROM webhook_deliveries WHERE state <> 'pending' AND finished_at < ?1"
    " AND id < (SELECT MAX(id) FROM webhook_deliveries) ORDER BY finished_at LIMIT ?2"};
inline constexpr Sql kDeleteDeliveryAttempts{"delete_webhook_attempts",
    "DELETE FROM webhook_attempts WHERE delivery_id = ?1"};
inline constexpr Sql kDeleteDelivery{"delete_webhook_delivery", "DELETE FROM webhook_deliveries WHERE id = ?1"};
// Events the fan-out has not reached, or a pending delivery needs, stay.
inline constexpr Sql kPurgeEventsBatch{"purge_events_batch",
    "DELETE FROM events WHERE id IN (SELECT e.id FROM events e WHERE e.created_at < ?1"
    " AND e.id < (SELECT MAX(id) FROM events)"
    " AND e.id <= (SELECT event_id FROM webhook_cursor WHERE id = 1)"
    " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.state = 'pending' AND d.event_id = e.id)"
    " ORDER BY e.created_at LIMIT ?2)"};
inline constexpr Sql kProxyExpireBatch{"proxy_expire_batch",
    "DELETE FROM proxy_updates WHERE rowid IN (SELECT rowid FROM proxy_updates WHERE created_at < ?1"
    " ORDER BY created_at LIMIT ?2)",
    "DELETE FROM proxy_updates WHERE ctid = ANY(ARRAY(SELECT ctid FROM proxy_updates WHERE created_at < ?1"
    " ORDER BY created_at LIMIT ?2))"};

// Desk meta. Inserting keeps a value another connection stored first.
inline constexpr Sql kMetaGet{"desk_meta_get", "SELECT value FROM desk_meta WHERE meta_key = ?1"};
inline constexpr Sql kMetaInsert{"desk_meta_insert",
    "INSERT INTO desk_meta(meta_key, value) VALUES (?1, ?2) ON CONFLICT(meta_key) DO NOTHING"};
// clang-format on

}  // namespace topicdesk::store::sql
