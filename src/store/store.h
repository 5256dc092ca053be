// The Store: everything topicdesk keeps. One interface, SQLite now (sqlite/), PostgreSQL
// later (postgres/), one set of migrations and one test suite run against both.
//
// Thread safety: implementations may be called from several threads. transaction()
// runs `body` as one atomic unit; store calls made by `body` (on the same thread) join it.
// Outside a transaction every call is its own unit.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/ids.h"

namespace topicdesk::store {

using core::ChatId;
using core::ConnectionId;
using core::DialogId;
using core::MessageId;
using core::ThreadId;
using core::UnixMillis;
using core::UserId;

// A database failure (not bad input): names the operation and the database's message.
// Implementations throw it; a body passed to transaction() may let it propagate.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ConnectionRecord {
  ConnectionId id = 0;
  std::string name;    // unique, from the config
  UserId bot_id = 0;   // the bot (or account) end users talk to
  ChatId group_id = 0; // backend group
};

enum class DialogStatus { kUserAnswered, kSupportAnswered, kClosed };
const char* to_string(DialogStatus status);  // "user_answered", "support_answered", "closed"
std::optional<DialogStatus> dialog_status_from_string(std::string_view text);

struct Dialog {
  DialogId id = 0;
  ConnectionId connection_id = 0;
  UserId user_id = 0;        // also the private chat id
  ChatId group_id = 0;       // backend group the topic lives in
  ThreadId thread_id = 0;    // 0 until the topic exists
  DialogStatus status = DialogStatus::kUserAnswered;
  bool banned = false;       // /ban: the user's messages are not relayed
  bool user_blocked_bot = false;
  std::string pseudonym;     // HIDE_INFO=name: shown instead of the user's name
  std::string topic_title;   // last title set on the topic (without the status marker)
  UnixMillis created_at = 0;
  UnixMillis last_user_message_at = 0;
  UnixMillis last_operator_reply_at = 0;
  UnixMillis status_changed_at = 0;
};

struct DialogCounts {
  std::int64_t user_answered = 0;
  std::int64_t support_answered = 0;
  std::int64_t closed = 0;
};

// kIntercepted: a copy in the topic of a message the connection sent from elsewhere (issue 4).
enum class LinkDirection { kUserToGroup, kGroupToUser, kIntercepted };

// One message that exists on both sides: the user's private chat and the topic.
struct MessageLink {
  ConnectionId connection_id = 0;
  DialogId dialog_id = 0;
  MessageId user_message_id = 0;   // in the private chat
  MessageId group_message_id = 0;  // in the backend group
  LinkDirection direction = LinkDirection::kUserToGroup;
  ChatId group_id = 0;             // backend group; 0 = take it from the dialog
};

struct InboxEntry {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  std::int64_t update_id = 0;
  std::string payload;  // core::Event as JSON (core/event_json.h)
};

// One Telegram API call to make. Jobs with the same queue_key run one at a time in id order
// (per-destination order); among ready queue heads, lower priority values go first.
struct OutboxJob {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  std::string queue_key;
  int priority = 5;
  std::string kind;     // what to do; the dispatcher has a handler per kind
  std::string payload;  // the kind's arguments as JSON
  int attempts = 0;
  UnixMillis not_before = 0;
  std::string last_error;
  UnixMillis created_at = 0;
  // When the dispatcher started the job's call (outbox_start), until an outcome is recorded;
  // non-zero when the job is read: a restart interrupted the call and its outcome is unknown.
  UnixMillis started_at = 0;
  int restarts = 0;  // calls of this step that repeated one a restart interrupted
};

struct OutboxStats {
  std::int64_t pending = 0;
  std::int64_t failed = 0;
  UnixMillis oldest_pending_created_at = 0;  // 0 when nothing is pending
};

// A durable timer: album gathering, and anything else that must fire after a restart.
struct Timer {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  std::string key;      // unique per connection; setting it again replaces it
  UnixMillis due_at = 0;
  std::string payload;
};

// --- Integrations (issue 5): webhook delivery ---------------------------------------------
// One row of the events table (append_event), read back in id order for webhooks.
struct StoredEvent {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  DialogId dialog_id = 0;
  std::string type;
  std::string payload;  // JSON written by the engine
  UnixMillis created_at = 0;
};

// One event to deliver to one URL. Deliveries with the same queue_key (connection, URL,
// dialog, lane) go out one at a time in id order: that is what keeps order per dialog.
struct WebhookDelivery {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  std::string url;
  std::string queue_key;
  std::int64_t event_id = 0;
  DialogId dialog_id = 0;
  bool retry = true;            // false for command hooks: one attempt, then a notice
  int attempts = 0;
  UnixMillis not_before = 0;
  UnixMillis failing_since = 0;  // first failed attempt; 0 while none failed
  std::string last_error;
  UnixMillis created_at = 0;
};

// One HTTP attempt of a delivery, kept for `topicdesk webhooks status`.
struct WebhookAttempt {
  std::int64_t delivery_id = 0;
  UnixMillis at = 0;
  int http_status = 0;     // 0 when no answer (connect error, timeout)
  std::string error;       // empty on success
  std::int64_t duration_ms = 0;
};

// Per connection and URL, for `topicdesk webhooks status`.
struct WebhookUrlStatus {
  ConnectionId connection_id = 0;
  std::string url;
  std::int64_t delivered = 0;
  std::int64_t pending = 0;
  std::int64_t failed = 0;        // given up (command hooks only)
  UnixMillis failing_since = 0;   // oldest pending delivery's first failure; 0 = healthy
  std::string last_error;         // of the newest failed attempt
  UnixMillis last_error_at = 0;
};
// --- end Integrations (issue 5) -----------------------------------------------------------

// --- Topics API (issue 5) ----------------------------------------------------------------
// A connection's API key as stored: the SHA-256 (hex) of the key; the key itself never is.
struct ApiKeyRecord {
  ConnectionId connection_id = 0;
  std::string key_hash;
  UnixMillis created_at = 0;
};

// A dialog with its user's profile as last seen (nullopt when the store has no profile).
struct DialogWithUser {
  Dialog dialog;
  std::optional<core::Person> user;
};
// --- end Topics API (issue 5) ------------------------------------------------------------

// --- Bot API proxy (issue 4) -------------------------------------------------------------
// One update as the bot's program gets it: Telegram's raw JSON, kept until the program confirms
// it (getUpdates offset, or its webhook answered 2xx).
struct ProxyUpdate {
  std::int64_t update_id = 0;
  std::string kind;     // "message", "callback_query" … (for allowed_updates)
  std::string payload;  // the update as Telegram sent it
};

// What waits for the program: how many updates, and since when (0 when none).
struct ProxyBacklog {
  std::int64_t count = 0;
  UnixMillis oldest = 0;
};

// The program's webhook (its setWebhook), answered and served by the proxy.
struct ProxyWebhook {
  std::string url;
  std::string secret_token;
  std::string allowed_updates_json;  // JSON array; empty: every kind
  int max_connections = 40;
  UnixMillis last_error_at = 0;
  std::string last_error;
};
// --- end Bot API proxy (issue 4) ---------------------------------------------------------

class Store {
 public:
  virtual ~Store() = default;

  virtual void migrate() = 0;             // applies pending numbered migrations; idempotent
  virtual int schema_version() = 0;
  virtual void transaction(const std::function<void()>& body) = 0;  // rollback if body throws

  // Connections and per-connection key/value state (polling offsets and the like).
  virtual ConnectionId ensure_connection(const std::string& name, UserId bot_id, ChatId group_id) = 0;
  virtual std::optional<ConnectionRecord> connection(ConnectionId id) = 0;
  virtual std::vector<ConnectionRecord> connections() = 0;
  virtual std::optional<std::string> state_get(ConnectionId id, const std::string& key) = 0;
  virtual void state_set(ConnectionId id, const std::string& key, const std::string& value) = 0;

  // End users' Telegram profiles as last seen.
  virtual void upsert_user(ConnectionId id, const core::Person& person, UnixMillis now) = 0;
  virtual std::optional<core::Person> user(ConnectionId id, UserId user_id) = 0;

  // Dialogs: one per (connection, user). create_dialog returns the existing dialog if there is one.
  virtual Dialog create_dialog(ConnectionId id, UserId user_id, ChatId group_id, UnixMillis now) = 0;
  virtual std::optional<Dialog> dialog(DialogId id) = 0;
  virtual std::optional<Dialog> dialog_by_user(ConnectionId id, UserId user_id) = 0;
  virtual std::optional<Dialog> dialog_by_thread(ChatId group_id, ThreadId thread_id) = 0;
  virtual void update_dialog(const Dialog& dialog) = 0;  // writes every field by id
  virtual std::vector<Dialog> dialogs_with_status(ConnectionId id, DialogStatus status, int limit) = 0;
  // support_answered dialogs whose status changed before `before` (AUTOCLOSE).
  virtual std::vector<Dialog> dialogs_waiting_since(ConnectionId id, UnixMillis before, int limit) = 0;
  virtual DialogCounts count_dialogs(ChatId group_id) = 0;

  // Message links, both directions.
  virtual void add_link(const MessageLink& link) = 0;
  // A message copied again (e.g. into a recreated topic) gets a new link; lookups return the newest.
  virtual std::optional<MessageLink> link_by_user_message(DialogId dialog, MessageId user_message_id) = 0;
  virtual std::optional<MessageLink> link_by_group_message(ChatId group_id, MessageId group_message_id) = 0;

  // Inbox: events stored before Telegram is told they arrived. inbox_add returns false for a
  // duplicate (connection, update_id).
  virtual bool inbox_add(ConnectionId id, std::int64_t update_id, const std::string& payload) = 0;
  virtual std::vector<InboxEntry> inbox_pending(ConnectionId id, int limit) = 0;
  virtual void inbox_done(std::int64_t entry_id) = 0;

  // Outbox.
  virtual std::int64_t outbox_add(const OutboxJob& job) = 0;
  // Heads of queues that are ready (not_before <= now), at most one per queue_key,
  // excluding queues whose head is listed in `in_flight`, ordered by priority then id.
  virtual std::vector<OutboxJob> outbox_ready(UnixMillis now, int limit,
                                              const std::vector<std::int64_t>& in_flight) = 0;
  virtual std::optional<OutboxJob> outbox_job(std::int64_t job_id) = 0;
  virtual void outbox_done(std::int64_t job_id) = 0;
  virtual void outbox_retry(std::int64_t job_id, UnixMillis not_before, const std::string& error) = 0;
  virtual void outbox_fail(std::int64_t job_id, const std::string& error) = 0;  // kept, not retried
  // The dispatcher is about to make the job's call: committed BEFORE the call, so a restart
  // finds the job started (started_at = at) and knows the outcome is unknown. `repeat`: this
  // call repeats one a restart interrupted (restarts + 1). outbox_retry clears the mark.
  virtual void outbox_start(std::int64_t job_id, UnixMillis at, bool repeat) = 0;
  // The job's call succeeded and the job goes on with its next call (a topic, then its card,
  // then the copy): the payload is replaced; the job stays its queue's head, ready now, with no
  // started mark and no restarts. Attempts are kept.
  virtual void outbox_continue(std::int64_t job_id, const std::string& payload) = 0;
  virtual OutboxStats outbox_stats() = 0;

  // Durable timers.
  virtual void timer_set(ConnectionId id, const std::string& key, UnixMillis due_at,
                         const std::string& payload) = 0;
  virtual std::optional<Timer> timer_get(ConnectionId id, const std::string& key) = 0;
  virtual std::vector<Timer> timers_due(UnixMillis now, int limit) = 0;
  virtual void timer_delete(std::int64_t timer_id) = 0;

  // Events for webhooks, analytics and the Topics API.
  virtual std::int64_t append_event(ConnectionId id, DialogId dialog, const std::string& type,
                                    const std::string& payload, UnixMillis now) = 0;

  // Housekeeping: deletes handled inbox entries and done outbox jobs created before `before`
  // (failed jobs are kept for operators), and webhook deliveries (with their attempts) that
  // finished before `before`, delivered or given up. Returns the number of rows removed.
  virtual std::int64_t purge_finished(UnixMillis before) { return 0; }

  // --- Integrations (issue 5) -------------------------------------------------------------
  // Linked accounts (/link): an external account id per user; several users may share one.
  // Setting "" clears it.
  virtual std::optional<std::string> user_link(ConnectionId id, UserId user_id) { return std::nullopt; }
  virtual void set_user_link(ConnectionId id, UserId user_id, const std::string& account) {}
  // Custom fields (/set key=value), ordered by key; setting a value "" deletes the field.
  virtual std::vector<std::pair<std::string, std::string>> user_fields(ConnectionId id, UserId user_id) {
    return {};
  }
  virtual void set_user_field(ConnectionId id, UserId user_id, const std::string& key, const std::string& value) {}

  // Events with id > after_id in id order (all connections), at most `limit`.
  virtual std::vector<StoredEvent> events_after(std::int64_t after_id, int limit) { return {}; }
  virtual std::optional<StoredEvent> event_by_id(std::int64_t event_id) { return std::nullopt; }

  // Webhook delivery. The fan-out cursor is the id of the last event turned into deliveries;
  // webhook_enqueue adds deliveries and moves the cursor in one transaction, so a restart
  // neither loses nor repeats an event.
  virtual std::int64_t webhook_cursor() { return 0; }
  virtual void webhook_enqueue(const std::vector<WebhookDelivery>& deliveries, std::int64_t cursor) {}
  // Heads of delivery queues that are ready (not_before <= now), oldest first, skipping
  // queues listed in `busy_queues` (a delivery of theirs is in flight).
  virtual std::vector<WebhookDelivery> webhook_ready(UnixMillis now, int limit,
                                                     const std::vector<std::string>& busy_queues) {
    return {};
  }
  virtual void webhook_delivered(const WebhookAttempt& attempt) {}
  virtual void webhook_retry(const WebhookAttempt& attempt, UnixMillis not_before) {}
  virtual void webhook_give_up(const WebhookAttempt& attempt) {}  // kept as failed, not retried
  virtual std::vector<WebhookUrlStatus> webhook_status() { return {}; }
  // Newest attempts first, for tests and the status CLI.
  virtual std::vector<WebhookAttempt> webhook_attempts(std::int64_t delivery_id) { return {}; }
  // --- end Integrations (issue 5) ---------------------------------------------------------

  // --- Topics API (issue 5) ---------------------------------------------------------------
  // One API key per connection; setting a hash replaces the connection's previous key.
  virtual void set_api_key_hash(ConnectionId id, const std::string& key_hash, UnixMillis now) {}
  // Every connection's key hash (few rows: the API caches them).
  virtual std::vector<ApiKeyRecord> api_keys() { return {}; }
  // A page of a connection's dialogs in id order, after `after_id`, optionally of one status,
  // each with its user's profile.
  virtual std::vector<DialogWithUser> dialogs_page(ConnectionId id, std::optional<DialogStatus> status,
                                                   DialogId after_id, int limit) {
    return {};
  }
  // --- end Topics API (issue 5) -----------------------------------------------------------

  // --- Bot API proxy (issue 4) -----------------------------------------------------------
  // The program's update queue. proxy_update_add returns false for a duplicate update_id.
  virtual bool proxy_update_add(ConnectionId id, const ProxyUpdate& update, UnixMillis now) { return false; }
  // Unconfirmed updates with update_id >= from_id, in update_id order.
  virtual std::vector<ProxyUpdate> proxy_updates(ConnectionId id, std::int64_t from_id, int limit) { return {}; }
  // The program confirmed everything below `below_id`: deleted.
  virtual void proxy_confirm(ConnectionId id, std::int64_t below_id) {}
  // Deletes updates stored before `before` that the program never confirmed; returns how many.
  virtual std::int64_t proxy_expire(UnixMillis before) { return 0; }
  virtual ProxyBacklog proxy_backlog(ConnectionId id) { return {}; }
  virtual std::optional<ProxyWebhook> proxy_webhook(ConnectionId id) { return std::nullopt; }
  // nullopt: deleteWebhook (the program polls again).
  virtual void proxy_set_webhook(ConnectionId id, const std::optional<ProxyWebhook>& webhook) {}
  // --- end Bot API proxy (issue 4) -------------------------------------------------------
};

// Opens (creating if needed) an SQLite database file; ":memory:" for tests. Applies pending
// migrations, so the store is ready to use; throws StoreError if the file cannot be opened.
std::unique_ptr<Store> open_sqlite(const std::string& path);

}  // namespace topicdesk::store
