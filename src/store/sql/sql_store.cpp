#include "store/sql/sql_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <unordered_set>

#include "core/clock.h"
#include "store/migrations/migrations.h"
#include "store/sql/sql_core.h"

namespace topicdesk::store {

namespace {

using Lock = std::lock_guard<std::recursive_mutex>;

const char* to_string(LinkDirection direction) {
  switch (direction) {
    case LinkDirection::kGroupToUser:
      return "group_to_user";
    case LinkDirection::kIntercepted:
      return "intercepted";
    case LinkDirection::kUserToGroup:
      break;
  }
  return "user_to_group";
}

LinkDirection link_direction_from(const std::string& text) {
  if (text == "group_to_user") return LinkDirection::kGroupToUser;
  if (text == "intercepted") return LinkDirection::kIntercepted;
  return LinkDirection::kUserToGroup;
}

Dialog read_dialog(const Query& q) {
  Dialog d;
  d.id = q.int64(0);
  d.connection_id = q.int64(1);
  d.user_id = q.int64(2);
  d.group_id = q.int64(3);
  d.thread_id = q.int64(4);
  d.status = dialog_status_from_string(q.text(5)).value_or(DialogStatus::kUserAnswered);
  d.banned = q.boolean(6);
  d.user_blocked_bot = q.boolean(7);
  d.pseudonym = q.text(8);
  d.topic_title = q.text(9);
  d.created_at = q.int64(10);
  d.last_user_message_at = q.int64(11);
  d.last_operator_reply_at = q.int64(12);
  d.status_changed_at = q.int64(13);
  d.owner_id = q.int64(14);
  d.last_operator_id = q.int64(15);
  d.unanswered_alerted_at = q.int64(16);
  return d;
}

OutboxJob read_job(const Query& q) {
  OutboxJob job;
  job.id = q.int64(0);
  job.connection_id = q.int64(1);
  job.queue_key = q.text(2);
  job.priority = static_cast<int>(q.int64(3));
  job.kind = q.text(4);
  job.payload = q.text(5);
  job.attempts = static_cast<int>(q.int64(6));
  job.not_before = q.int64(7);
  job.last_error = q.text(8);
  job.created_at = q.int64(9);
  job.started_at = q.int64(10);
  job.restarts = static_cast<int>(q.int64(11));
  return job;
}

MessageLink read_link(const Query& q) {
  MessageLink link;
  link.connection_id = q.int64(0);
  link.dialog_id = q.int64(1);
  link.group_id = q.int64(2);
  link.user_message_id = q.int64(3);
  link.group_message_id = q.int64(4);
  link.direction = link_direction_from(q.text(5));
  link.poster_id = q.int64(6);
  return link;
}

Timer read_timer(const Query& q) { return Timer{q.int64(0), q.int64(1), q.text(2), q.int64(3), q.text(4)}; }

ConnectionRecord read_connection(const Query& q) {
  return ConnectionRecord{q.int64(0), q.text(1), q.int64(2), q.int64(3)};
}

}  // namespace

SqlStore::SqlStore(std::unique_ptr<sql::Connection> connection)
    : connection_(std::move(connection)), db_(*connection_) {}

void SqlStore::fail_commits(const FaultPlan& plan) {
  Lock lock(mutex_);
  db_.set_fault_plan(plan);
}

std::int64_t SqlStore::commits() {
  Lock lock(mutex_);
  return db_.commits();
}

std::int64_t SqlStore::commits_failed() {
  Lock lock(mutex_);
  return db_.commits_failed();
}

void SqlStore::exec_for_tests(const std::string& sql) {
  Lock lock(mutex_);
  db_.exec_script(sql, "exec_for_tests");
}

void SqlStore::with_connection(const std::function<void(sql::Connection&)>& body) {
  Lock lock(mutex_);
  body(db_);
}

SqlStore& sql_store(Store& store) {
  auto* found = dynamic_cast<SqlStore*>(&store);
  if (found == nullptr) throw std::invalid_argument("sql_store: this store is not an SQL store");
  return *found;
}

void SqlStore::migrate() {
  Lock lock(mutex_);
  db_.query(sql::kMigrationsLock).run();
  try {
    migrate_locked();
  } catch (...) {
    try {
      db_.query(sql::kMigrationsUnlock).run();
    } catch (const StoreError&) {
      // A lost connection took the lock with it; the first error is the one to report.
    }
    throw;
  }
  db_.query(sql::kMigrationsUnlock).run();
}

void SqlStore::migrate_locked() {
  const bool postgres = db_.dialect() == sql::Dialect::kPostgres;
  const int known = migrations::newest_version();
  const int found = schema_version();
  if (found > known) {
    throw StoreError(
        fmt::format("the database {} has schema version {}, newer than this topicdesk knows ({}): "
                    "open it with the topicdesk version that wrote it, or a newer one",
                    db_.location(), found, known));
  }
  for (const auto& migration : migrations::all()) {
    if (migration.version <= found) continue;
    transaction([&] {
      // Checked inside the write transaction: another process may have applied it meanwhile.
      if (db_.query(sql::kMigrationApplied).bind(migration.version).step()) return;
      db_.exec_script(
          postgres ? migrations::render_postgres(migration) : migrations::render_sqlite(migration),
          migration.name);
      db_.run(sql::kRecordMigration, migration.version, migration.name, core::unix_millis_now());
    });
  }
}

Upkeep SqlStore::upkeep() { return {}; }

int SqlStore::schema_version() {
  Lock lock(mutex_);
  db_.exec_script(db_.dialect() == sql::Dialect::kPostgres
                      ? migrations::render_postgres(migrations::kCreateSchemaMigrations)
                      : std::string(migrations::kCreateSchemaMigrations),
                  "create schema_migrations");
  auto q = db_.query(sql::kSchemaVersion);
  return q.step() ? static_cast<int>(q.int64(0)) : 0;
}

// The id of the row `insert` adds: its RETURNING row (PostgreSQL), or the connection's last
// insert (SQLite, whose statements leave RETURNING out: sql_core.h, kLastInsertId).
std::int64_t SqlStore::inserted_id(Query& insert, const char* what) {
  if (insert.step()) {
    std::int64_t id = insert.int64(0);
    insert.run();
    return id;
  }
  auto last = db_.query(sql::kLastInsertId);
  if (!last.step()) throw StoreError(fmt::format("store {}: no id for the inserted row", what));
  return last.int64(0);
}

void SqlStore::transaction(const std::function<void()>& body) {
  Lock lock(mutex_);
  if (transaction_depth_ > 0) {  // joined: the outermost call commits or rolls back
    body();
    return;
  }
  db_.run(sql::kBegin);
  transaction_depth_ = 1;
  try {
    body();
    db_.run(sql::kCommit);
    transaction_depth_ = 0;
  } catch (...) {
    transaction_depth_ = 0;
    try {
      db_.run(sql::kRollback);
    } catch (const StoreError&) {
      // SQLite may already have rolled back (e.g. after SQLITE_FULL); the original error matters.
    }
    throw;
  }
}

// Connections -------------------------------------------------------------------------------

ConnectionId SqlStore::ensure_connection(const std::string& name, UserId bot_id, ChatId group_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kEnsureConnection);
  q.bind_all(name, bot_id, group_id);
  if (!q.step()) throw StoreError("store ensure_connection: no id returned");
  ConnectionId id = q.int64(0);
  q.run();
  return id;
}

std::optional<ConnectionRecord> SqlStore::connection(ConnectionId id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kConnectionById);
  q.bind(id);
  if (!q.step()) return std::nullopt;
  return read_connection(q);
}

std::vector<ConnectionRecord> SqlStore::connections() {
  Lock lock(mutex_);
  auto q = db_.query(sql::kAllConnections);
  std::vector<ConnectionRecord> out;
  while (q.step()) out.push_back(read_connection(q));
  return out;
}

std::optional<std::string> SqlStore::state_get(ConnectionId id, const std::string& key) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kStateGet);
  q.bind_all(id, key);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

std::vector<std::pair<std::string, std::string>> SqlStore::state_with_prefix(ConnectionId id,
                                                                             const std::string& prefix) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kStateWithPrefix);
  q.bind_all(id, prefix);
  std::vector<std::pair<std::string, std::string>> out;
  while (q.step()) out.emplace_back(q.text(0), q.text(1));
  return out;
}

void SqlStore::state_set(ConnectionId id, const std::string& key, const std::string& value) {
  Lock lock(mutex_);
  db_.run(sql::kStateSet, id, key, value);
}

// Users -------------------------------------------------------------------------------------

void SqlStore::upsert_user(ConnectionId id, const core::Person& p, UnixMillis now) {
  Lock lock(mutex_);
  db_.run(sql::kUpsertUser, id, p.id, p.is_bot, p.first_name, p.last_name, p.username, p.language_code,
          p.phone, now);
}

std::optional<core::Person> SqlStore::user(ConnectionId id, UserId user_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kUserById);
  q.bind_all(id, user_id);
  if (!q.step()) return std::nullopt;
  core::Person p;
  p.id = q.int64(0);
  p.is_bot = q.boolean(1);
  p.first_name = q.text(2);
  p.last_name = q.text(3);
  p.username = q.text(4);
  p.language_code = q.text(5);
  p.phone = q.text(6);
  return p;
}

// Dialogs -----------------------------------------------------------------------------------

std::optional<Dialog> SqlStore::one_dialog(Query& q) {
  if (!q.step()) return std::nullopt;
  return read_dialog(q);
}

std::vector<Dialog> SqlStore::all_dialogs(Query& q) {
  std::vector<Dialog> out;
  while (q.step()) out.push_back(read_dialog(q));
  return out;
}

std::vector<DialogWithUser> SqlStore::all_dialogs_with_users(Query& q) {
  std::vector<DialogWithUser> out;
  while (q.step()) {
    DialogWithUser entry{read_dialog(q), std::nullopt};
    if (q.int64(17) != 0) {
      entry.user = core::Person{.id = q.int64(17),
                                .is_bot = q.boolean(18),
                                .first_name = q.text(19),
                                .last_name = q.text(20),
                                .username = q.text(21),
                                .language_code = q.text(22),
                                .phone = q.text(23)};
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Dialog SqlStore::create_dialog(ConnectionId id, UserId user_id, ChatId group_id, UnixMillis now) {
  Lock lock(mutex_);
  Dialog created;
  transaction([&] {
    db_.run(sql::kInsertDialog, id, user_id, group_id, now);
    auto found = dialog_by_user(id, user_id);
    if (!found) throw StoreError("store create_dialog: dialog missing after insert");
    created = *found;
  });
  return created;
}

std::optional<Dialog> SqlStore::dialog(DialogId id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kDialogById);
  q.bind(id);
  return one_dialog(q);
}

std::optional<Dialog> SqlStore::dialog_by_user(ConnectionId id, UserId user_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kDialogByUser);
  q.bind_all(id, user_id);
  return one_dialog(q);
}

std::optional<Dialog> SqlStore::dialog_by_thread(ChatId group_id, ThreadId thread_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kDialogByThread);
  q.bind_all(group_id, thread_id);
  return one_dialog(q);
}

// Writes only what changed: nothing when the row is as stored (the page is not rewritten), and
// the unindexed columns alone when no indexed one changed (its indexes' pages are not either).
void SqlStore::update_dialog(const Dialog& d) {
  Lock lock(mutex_);
  std::optional<Dialog> stored;
  bool same_status = false;
  {
    auto q = db_.query(sql::kDialogById);
    q.bind(d.id);
    if (q.step()) {
      stored = read_dialog(q);
      same_status = q.text(5) == to_string(d.status);
    }
  }
  const bool same_keys = stored && same_status && stored->connection_id == d.connection_id &&
                         stored->user_id == d.user_id && stored->group_id == d.group_id &&
                         stored->thread_id == d.thread_id &&
                         stored->status_changed_at == d.status_changed_at && stored->owner_id == d.owner_id;
  if (same_keys) {
    if (stored->banned == d.banned && stored->user_blocked_bot == d.user_blocked_bot &&
        stored->pseudonym == d.pseudonym && stored->topic_title == d.topic_title &&
        stored->created_at == d.created_at && stored->last_user_message_at == d.last_user_message_at &&
        stored->last_operator_reply_at == d.last_operator_reply_at &&
        stored->last_operator_id == d.last_operator_id &&
        stored->unanswered_alerted_at == d.unanswered_alerted_at)
      return;
    db_.run(sql::kUpdateDialogFacts, d.id, d.banned, d.user_blocked_bot, d.pseudonym, d.topic_title,
            d.created_at, d.last_user_message_at, d.last_operator_reply_at, d.last_operator_id,
            d.unanswered_alerted_at);
    return;
  }
  db_.run(sql::kUpdateDialog, d.id, d.connection_id, d.user_id, d.group_id, d.thread_id, to_string(d.status),
          d.banned, d.user_blocked_bot, d.pseudonym, d.topic_title, d.created_at, d.last_user_message_at,
          d.last_operator_reply_at, d.status_changed_at, d.owner_id, d.last_operator_id,
          d.unanswered_alerted_at);
}

std::vector<Dialog> SqlStore::dialogs_with_status(ConnectionId id, DialogStatus status, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kDialogsWithStatus);
  q.bind_all(id, to_string(status), limit);
  return all_dialogs(q);
}

std::vector<Dialog> SqlStore::dialogs_waiting_since(ConnectionId id, UnixMillis before, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kDialogsWaitingSince);
  q.bind_all(id, before, limit);
  return all_dialogs(q);
}

DialogCounts SqlStore::count_dialogs(ChatId group_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kCountDialogs);
  q.bind(group_id);
  DialogCounts counts;
  while (q.step()) {
    auto status = dialog_status_from_string(q.text(0));
    if (!status) continue;
    std::int64_t n = q.int64(1);
    switch (*status) {
      case DialogStatus::kUserAnswered:
        counts.user_answered = n;
        break;
      case DialogStatus::kSupportAnswered:
        counts.support_answered = n;
        break;
      case DialogStatus::kClosed:
        counts.closed = n;
        break;
    }
  }
  return counts;
}

// Message links -----------------------------------------------------------------------------

void SqlStore::add_link(const MessageLink& link) {
  Lock lock(mutex_);
  db_.run(sql::kInsertLink, link.connection_id, link.dialog_id, link.group_id, link.user_message_id,
          link.group_message_id, to_string(link.direction), link.poster_id);
}

std::optional<MessageLink> SqlStore::link_by_user_message(DialogId dialog, MessageId user_message_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kLinkByUser);
  q.bind_all(dialog, user_message_id);
  if (!q.step()) return std::nullopt;
  return read_link(q);
}

std::optional<MessageLink> SqlStore::link_by_group_message(ChatId group_id, MessageId group_message_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kLinkByGroup);
  q.bind_all(group_id, group_message_id);
  if (!q.step()) return std::nullopt;
  return read_link(q);
}

// Inbox -------------------------------------------------------------------------------------

bool SqlStore::inbox_add(ConnectionId id, std::int64_t update_id, const std::string& payload) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kInboxAdd);
  q.bind_all(id, update_id, payload, core::unix_millis_now());
  q.run();
  return q.changes() == 1;
}

std::vector<InboxEntry> SqlStore::inbox_pending(ConnectionId id, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kInboxPending);
  q.bind_all(id, limit);
  std::vector<InboxEntry> out;
  while (q.step()) out.push_back(InboxEntry{q.int64(0), q.int64(1), q.int64(2), q.text(3)});
  return out;
}

std::optional<InboxEntry> SqlStore::inbox_pending_update(ConnectionId id, std::int64_t update_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kInboxPendingUpdate);
  q.bind_all(id, update_id);
  if (!q.step()) return std::nullopt;
  return InboxEntry{q.int64(0), q.int64(1), q.int64(2), q.text(3)};
}

std::vector<ConnectionId> SqlStore::inbox_pending_connections() {
  Lock lock(mutex_);
  auto q = db_.query(sql::kInboxPendingConnections);
  std::vector<ConnectionId> out;
  while (q.step()) out.push_back(q.int64(0));
  return out;
}

void SqlStore::inbox_done(std::int64_t entry_id) {
  Lock lock(mutex_);
  db_.run(sql::kInboxDone, entry_id, core::unix_millis_now());
}

// Outbox ------------------------------------------------------------------------------------

std::int64_t SqlStore::outbox_add(const OutboxJob& job) {
  Lock lock(mutex_);
  std::int64_t id = 0;
  transaction([&] {
    auto q = db_.query(sql::kOutboxAdd);
    q.bind_all(job.connection_id, job.queue_key, job.priority, job.kind, job.payload, job.attempts,
               job.not_before, job.last_error,
               job.created_at != 0 ? job.created_at : core::unix_millis_now());
    id = inserted_id(q, "outbox_add");
    // Becomes the head only if its queue had no pending job.
    db_.run(sql::kOutboxHeadAdd, job.queue_key, id, job.priority, job.not_before, job.connection_id);
  });
  return id;
}

std::vector<OutboxJob> SqlStore::outbox_ready(UnixMillis now, int limit,
                                              const std::vector<std::int64_t>& in_flight,
                                              const std::vector<ConnectionId>& connections) {
  Lock lock(mutex_);
  std::vector<OutboxJob> out;
  if (limit <= 0) return out;
  // In-flight jobs are heads of their queues; fetch enough extra rows to skip them here.
  std::unordered_set<std::int64_t> busy(in_flight.begin(), in_flight.end());
  auto q = db_.query(connections.empty() ? sql::kOutboxReady : sql::kOutboxReadyOf);
  q.bind_all(now, static_cast<std::int64_t>(limit) + static_cast<std::int64_t>(busy.size()));
  if (!connections.empty()) {
    std::string ids = "[";
    for (auto id : connections) ids += (ids.size() > 1 ? "," : "") + std::to_string(id);
    q.bind(ids + "]");
  }
  while (static_cast<int>(out.size()) < limit && q.step()) {
    if (busy.count(q.int64(0)) != 0) continue;
    out.push_back(read_job(q));
  }
  return out;
}

std::optional<OutboxJob> SqlStore::outbox_job(std::int64_t job_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kOutboxJob);
  q.bind(job_id);
  if (!q.step()) return std::nullopt;
  return read_job(q);
}

bool SqlStore::outbox_queue_pending(const std::string& queue_key) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kOutboxQueueHead);
  q.bind(queue_key);
  return q.step();
}

std::vector<OutboxJob> SqlStore::outbox_queue_next(const std::string& queue_key, std::int64_t after_id,
                                                   int limit) {
  Lock lock(mutex_);
  std::vector<OutboxJob> out;
  if (limit <= 0) return out;
  auto q = db_.query(sql::kOutboxQueueNext);
  q.bind_all(queue_key, after_id, static_cast<std::int64_t>(limit));
  while (q.step()) out.push_back(read_job(q));
  return out;
}

void SqlStore::refresh_queue_head(const std::string& queue_key) {
  auto head = db_.query(sql::kOutboxQueueHead);
  head.bind(queue_key);
  if (head.step()) {
    db_.run(sql::kOutboxHeadSet, queue_key, head.int64(0), head.int64(1), head.int64(2), head.int64(3));
  } else {
    db_.run(sql::kOutboxHeadDelete, queue_key);
  }
}

void SqlStore::finish_job(Query& finish) {
  if (!finish.step()) return;  // unknown or already finished: nothing to do
  std::string queue_key = finish.text(0);
  finish.run();
  refresh_queue_head(queue_key);
}

void SqlStore::outbox_done(std::int64_t job_id) {
  Lock lock(mutex_);
  transaction([&] {
    auto q = db_.query(sql::kOutboxDone);
    q.bind_all(job_id, core::unix_millis_now());
    finish_job(q);
  });
}

void SqlStore::outbox_retry(std::int64_t job_id, UnixMillis not_before, const std::string& error) {
  Lock lock(mutex_);
  transaction([&] {
    db_.run(sql::kOutboxRetry, job_id, not_before, error);
    db_.run(sql::kOutboxHeadRetry, job_id, not_before);
  });
}

void SqlStore::outbox_start(std::int64_t job_id, UnixMillis at, bool repeat) {
  Lock lock(mutex_);
  db_.run(sql::kOutboxStart, job_id, at, repeat ? 1 : 0);
}

void SqlStore::outbox_continue(std::int64_t job_id, const std::string& payload) {
  Lock lock(mutex_);
  transaction([&] {
    db_.run(sql::kOutboxContinue, job_id, payload);
    db_.run(sql::kOutboxHeadRetry, job_id, 0);
  });
}

void SqlStore::outbox_fail(std::int64_t job_id, const std::string& error) {
  Lock lock(mutex_);
  transaction([&] {
    auto q = db_.query(sql::kOutboxFail);
    q.bind_all(job_id, core::unix_millis_now(), error);
    finish_job(q);
  });
}

OutboxStats SqlStore::outbox_stats() {
  Lock lock(mutex_);
  OutboxStats stats;
  auto read_one = [&](const sql::Sql& statement) {
    auto q = db_.query(statement);
    return q.step() ? q.int64(0) : 0;
  };
  stats.pending = read_one(sql::kOutboxPendingCount);
  stats.failed = read_one(sql::kOutboxFailedCount);
  stats.oldest_pending_created_at = stats.pending > 0 ? read_one(sql::kOutboxOldestPending) : 0;
  return stats;
}

std::vector<OutboxBacklog> SqlStore::outbox_backlog(const std::vector<std::string>& queue_suffixes) {
  Lock lock(mutex_);
  std::map<ConnectionId, OutboxBacklog> by_connection;
  for (const auto& suffix : queue_suffixes) {
    auto q = db_.query(sql::kOutboxBacklog);
    q.bind(suffix);
    while (q.step()) {
      auto& b = by_connection[q.int64(0)];
      b.connection_id = q.int64(0);
      b.jobs += q.int64(1);
      const UnixMillis oldest = q.int64(2);
      if (b.oldest_created_at == 0 || oldest < b.oldest_created_at) b.oldest_created_at = oldest;
    }
  }
  std::vector<OutboxBacklog> out;
  for (auto& [id, b] : by_connection) out.push_back(b);
  return out;
}

// Timers ------------------------------------------------------------------------------------

void SqlStore::timer_set(ConnectionId id, const std::string& key, UnixMillis due_at,
                         const std::string& payload) {
  Lock lock(mutex_);
  db_.run(sql::kTimerSet, id, key, due_at, payload);
}

std::optional<Timer> SqlStore::timer_get(ConnectionId id, const std::string& key) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kTimerGet);
  q.bind_all(id, key);
  if (!q.step()) return std::nullopt;
  return read_timer(q);
}

std::vector<Timer> SqlStore::timers_due(UnixMillis now, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kTimersDue);
  q.bind_all(now, limit);
  std::vector<Timer> out;
  while (q.step()) out.push_back(read_timer(q));
  return out;
}

void SqlStore::timer_delete(std::int64_t timer_id) {
  Lock lock(mutex_);
  db_.run(sql::kTimerDelete, timer_id);
}

// Events ------------------------------------------------------------------------------------

std::int64_t SqlStore::append_event(ConnectionId id, DialogId dialog, const std::string& type,
                                    const std::string& payload, UnixMillis now) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kAppendEvent);
  q.bind_all(id, dialog, type, payload, now);
  return inserted_id(q, "append_event");
}

}  // namespace topicdesk::store
