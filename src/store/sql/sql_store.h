// The store logic shared by the SQL backends: every concern interface of store.h written once
// against a Connection (connection.h), one connection guarded by a recursive mutex, every
// statement named (sql_core.h, sql_*.h) and prepared once. The sources are split by concern
// (sql_store_*.cpp). A backend (sqlite/sqlite_store.h, postgres/postgres_store.h) opens the
// connection, adds what only it has (files, locks, a checkpointer) and migrates.
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "store/sql/connection.h"
#include "store/store.h"

namespace topicdesk::store {

using sql::FaultPlan;
using sql::Query;

class SqlStore : public Store {
 public:
  // Test-only fault injection (FaultPlan in connection.h): makes chosen commits fail as a
  // failing disk would; commits() counts the commits so a test can fail each step in turn.
  void fail_commits(const FaultPlan& plan);
  std::int64_t commits();
  std::int64_t commits_failed();
  // Test-only: runs `sql` (statements without parameters) on the store's connection.
  void exec_for_tests(const std::string& sql);
  // For tools that work on the tables themselves (store/copy/store_copy.h): runs `body` with
  // the store's connection, under the store's mutex; inside transaction() it is part of the
  // unit. Statements `body` runs must outlive the store (the connection caches them by address).
  void with_connection(const std::function<void(sql::Connection&)>& body);

  // UnitOfWork, SchemaStore (sql_store.cpp). migrate() applies the pending migrations in the
  // connection's dialect and refuses a schema newer than this binary knows.
  void migrate() override;
  int schema_version() override;
  void transaction(const std::function<void()>& body) override;
  Upkeep upkeep() override;  // none here; a backend with background work overrides it

  // ConnectionStore, UserStore, DialogStore, MessageLinkStore (sql_store.cpp)
  ConnectionId ensure_connection(const std::string& name, UserId bot_id, ChatId group_id) override;
  std::optional<ConnectionRecord> connection(ConnectionId id) override;
  std::vector<ConnectionRecord> connections() override;
  std::optional<std::string> state_get(ConnectionId id, const std::string& key) override;
  void state_set(ConnectionId id, const std::string& key, const std::string& value) override;
  std::vector<std::pair<std::string, std::string>> state_with_prefix(ConnectionId id,
                                                                     const std::string& prefix) override;

  void upsert_user(ConnectionId id, const core::Person& person, UnixMillis now) override;
  std::optional<core::Person> user(ConnectionId id, UserId user_id) override;

  Dialog create_dialog(ConnectionId id, UserId user_id, ChatId group_id, UnixMillis now) override;
  std::optional<Dialog> dialog(DialogId id) override;
  std::optional<Dialog> dialog_by_user(ConnectionId id, UserId user_id) override;
  std::optional<Dialog> dialog_by_thread(ChatId group_id, ThreadId thread_id) override;
  void update_dialog(const Dialog& dialog) override;
  std::vector<Dialog> dialogs_with_status(ConnectionId id, DialogStatus status, int limit) override;
  std::vector<Dialog> dialogs_waiting_since(ConnectionId id, UnixMillis before, int limit) override;
  DialogCounts count_dialogs(ChatId group_id) override;

  void add_link(const MessageLink& link) override;
  std::optional<MessageLink> link_by_user_message(DialogId dialog, MessageId user_message_id) override;
  std::optional<MessageLink> link_by_group_message(ChatId group_id, MessageId group_message_id) override;

  // InboxStore, OutboxStore, TimerStore (sql_store.cpp)
  bool inbox_add(ConnectionId id, std::int64_t update_id, const std::string& payload) override;
  std::vector<InboxEntry> inbox_pending(ConnectionId id, int limit) override;
  std::vector<ConnectionId> inbox_pending_connections() override;
  std::optional<InboxEntry> inbox_pending_update(ConnectionId id, std::int64_t update_id) override;
  void inbox_done(std::int64_t entry_id) override;

  std::int64_t outbox_add(const OutboxJob& job) override;
  std::vector<OutboxJob> outbox_ready(UnixMillis now, int limit, const std::vector<std::int64_t>& in_flight,
                                      const std::vector<ConnectionId>& connections = {}) override;
  std::optional<OutboxJob> outbox_job(std::int64_t job_id) override;
  bool outbox_queue_pending(const std::string& queue_key) override;
  std::vector<OutboxJob> outbox_queue_next(const std::string& queue_key, std::int64_t after_id,
                                           int limit) override;
  void outbox_done(std::int64_t job_id) override;
  void outbox_retry(std::int64_t job_id, UnixMillis not_before, const std::string& error) override;
  void outbox_fail(std::int64_t job_id, const std::string& error) override;
  void outbox_start(std::int64_t job_id, UnixMillis at, bool repeat) override;
  void outbox_continue(std::int64_t job_id, const std::string& payload) override;
  OutboxStats outbox_stats() override;
  std::vector<OutboxBacklog> outbox_backlog(const std::vector<std::string>& queue_suffixes) override;

  void timer_set(ConnectionId id, const std::string& key, UnixMillis due_at,
                 const std::string& payload) override;
  std::optional<Timer> timer_get(ConnectionId id, const std::string& key) override;
  std::vector<Timer> timers_due(UnixMillis now, int limit) override;
  void timer_delete(std::int64_t timer_id) override;

  // EventStore (appending here, reading in sqlite_store_integrations.cpp)
  std::int64_t append_event(ConnectionId id, DialogId dialog, const std::string& type,
                            const std::string& payload, UnixMillis now) override;

  // RetentionStore (sql_store_retention.cpp)
  std::int64_t purge_finished(UnixMillis before) override;
  std::int64_t purge_finished_batch(UnixMillis before, int max_rows) override;
  std::int64_t purge_events_batch(UnixMillis before, int max_rows) override;
  std::int64_t proxy_expire_batch(UnixMillis before, int max_rows) override;
  std::int64_t forget_rating_comments_batch(UnixMillis before, int max_rows) override;

  // OperatorStore (sql_store_ownership.cpp)
  void upsert_operator(ChatId group, const core::Person& person, UnixMillis now) override;
  std::optional<Operator> operator_by_id(ChatId group, UserId id) override;
  std::optional<Operator> operator_by_username(ChatId group, std::string_view username) override;
  bool set_on_shift(ChatId group, UserId id, bool on_shift) override;
  std::vector<Operator> operators_on_shift(ChatId group) override;
  std::vector<Dialog> open_dialogs_owned_by(ChatId group, UserId owner, int limit) override;
  std::vector<std::pair<UserId, std::int64_t>> open_owned_counts(ChatId group) override;
  std::vector<Dialog> dialogs_unannounced_waiting(ConnectionId id, UnixMillis before, int limit) override;
  UserId rotation_last(ConnectionId id) override;
  void set_rotation_last(ConnectionId id, UserId owner) override;

  // DeskMetaStore (sql_store_meta.cpp)
  std::string install_secret() override;

  // ApiKeyStore and DialogStore's pages (sql_store_api.cpp)
  void set_api_key_hash(ConnectionId id, const std::string& key_hash, UnixMillis now) override;
  std::vector<ApiKeyRecord> api_keys() override;
  std::vector<DialogWithUser> dialogs_page(ConnectionId id, std::optional<DialogStatus> status,
                                           DialogId after_id, int limit) override;

  // UserLinkStore, EventStore's reading, WebhookStore (sql_store_integrations.cpp)
  std::optional<std::string> user_link(ConnectionId id, UserId user_id) override;
  void set_user_link(ConnectionId id, UserId user_id, const std::string& account) override;
  std::vector<std::pair<std::string, std::string>> user_fields(ConnectionId id, UserId user_id) override;
  void set_user_field(ConnectionId id, UserId user_id, const std::string& key,
                      const std::string& value) override;
  std::vector<UserField> connection_user_fields(ConnectionId id) override;
  std::vector<StoredEvent> events_after(std::int64_t after_id, int limit) override;
  std::optional<StoredEvent> event_by_id(std::int64_t event_id) override;
  std::int64_t webhook_cursor() override;
  bool webhook_enqueue(const std::vector<WebhookDelivery>& deliveries, std::int64_t from,
                       std::int64_t to) override;
  std::vector<WebhookDelivery> webhook_ready(UnixMillis now, int limit,
                                             const std::vector<std::string>& busy_queues) override;
  std::vector<WebhookDelivery> webhook_claim(UnixMillis now, int limit,
                                             const std::vector<std::string>& busy_queues,
                                             std::int64_t claim_ms) override;
  void webhook_delivered(const WebhookAttempt& attempt) override;
  void webhook_retry(const WebhookAttempt& attempt, UnixMillis not_before) override;
  void webhook_give_up(const WebhookAttempt& attempt) override;
  std::vector<WebhookUrlStatus> webhook_status() override;
  std::vector<WebhookAttempt> webhook_attempts(std::int64_t delivery_id) override;

  // ProxyStore (sql_store_proxy.cpp)
  bool proxy_update_add(ConnectionId id, const ProxyUpdate& update, UnixMillis now) override;
  std::vector<ProxyUpdate> proxy_updates(ConnectionId id, std::int64_t from_id, int limit) override;
  void proxy_confirm(ConnectionId id, std::int64_t below_id) override;
  std::int64_t proxy_expire(UnixMillis before) override;
  ProxyBacklog proxy_backlog(ConnectionId id) override;
  std::vector<std::int64_t> proxy_backlog_older(ConnectionId id,
                                                const std::vector<UnixMillis>& before) override;
  std::vector<ProxyDialogBacklog> proxy_backlog_dialogs(ConnectionId id, int limit) override;
  ProxyDialogTotals proxy_backlog_totals(ConnectionId id) override;
  std::int64_t proxy_drop_answered(ConnectionId id) override;
  std::optional<ProxyWebhook> proxy_webhook(ConnectionId id) override;
  void proxy_set_webhook(ConnectionId id, const std::optional<ProxyWebhook>& webhook) override;

  // RatingStore (sql_store_ratings.cpp)
  std::int64_t add_rating(const Rating& rating) override;
  std::optional<Rating> rating(std::int64_t id) override;
  std::optional<Rating> latest_rating(DialogId dialog) override;
  void update_rating(const Rating& rating) override;

  // PaymentStore (sql_store_payments.cpp)
  std::int64_t add_invoice(const Invoice& invoice) override;
  std::optional<Invoice> invoice(std::int64_t id) override;
  void set_invoice_status(std::int64_t id, InvoiceStatus status, UnixMillis at) override;
  std::vector<Invoice> dialog_invoices(DialogId dialog, int limit) override;
  std::optional<std::int64_t> add_payment(const Payment& payment) override;
  std::optional<Payment> payment_by_charge(const std::string& telegram_charge_id) override;
  void set_payment_refunded(std::int64_t id, UnixMillis at) override;
  std::vector<Payment> dialog_payments(DialogId dialog, int limit) override;
  std::vector<Payment> user_payments(ConnectionId connection, UserId user) override;

  // TableStore (sql_store_tables.cpp)
  std::vector<TableSummary> data_tables(ConnectionId id) override;
  std::optional<DataTable> data_table(ConnectionId id, std::string_view name) override;
  std::optional<DataTable> data_table_row(ConnectionId id, std::string_view name,
                                          std::string_view key) override;
  std::int64_t replace_data_table(const DataTable& table) override;
  bool drop_data_table(ConnectionId id, std::string_view name) override;
  // AiStore (sql_store_ai.cpp)
  void replace_knowledge(ConnectionId connection, const std::vector<KnowledgePassage>& passages) override;
  std::vector<KnowledgePassage> search_knowledge(ConnectionId connection, const std::string& query,
                                                 int limit) override;
  std::int64_t knowledge_count(ConnectionId connection) override;
  std::vector<HistoryEntry> recent_dialog_history(DialogId dialog, int limit) override;
  void add_ai_usage(ConnectionId connection, std::int64_t day, std::int64_t tokens) override;
  std::int64_t ai_usage(ConnectionId connection, std::int64_t day) override;
  AiDialogState ai_dialog_state(DialogId dialog) override;
  void set_ai_dialog_state(DialogId dialog, const AiDialogState& state) override;
  std::int64_t add_ai_request(const AiRequest& request) override;
  std::optional<AiRequest> ai_request(std::int64_t id) override;
  void update_ai_request(const AiRequest& request) override;
  std::vector<AiRequest> claim_ai_requests(const std::vector<ConnectionId>& connections, UnixMillis now,
                                           UnixMillis until, int limit) override;
  int cancel_ai_requests(DialogId dialog, AiRequestKind kind, UnixMillis now) override;

  // WebSessionStore (sql_store_web_sessions.cpp)
  void add_web_login_link(const WebLoginLink& link) override;
  std::optional<WebLoginLink> use_web_login_link(const std::string& token_hash, UnixMillis now) override;
  std::int64_t add_web_session(const WebSession& session) override;
  std::optional<WebSession> web_session(const std::string& token_hash, UnixMillis now) override;
  bool revoke_web_session(const std::string& token_hash) override;
  std::int64_t revoke_web_sessions(ChatId group, UserId user) override;
  std::int64_t purge_web_sessions(UnixMillis before) override;

  // StoredConnectionStore (sql_store_stored_connections.cpp)
  bool add_stored_connection(const StoredConnection& connection) override;
  std::optional<StoredConnection> stored_connection(const std::string& name) override;
  std::vector<StoredConnection> stored_connections() override;
  bool set_stored_connection_group(const std::string& name, ChatId group_id, UnixMillis now) override;
  bool set_stored_connection_running(const std::string& name, bool running, UnixMillis now) override;
  bool set_stored_connection_parameter(const std::string& name, const std::string& parameter,
                                       const std::optional<std::string>& value, UnixMillis now) override;
  bool remove_stored_connection(const std::string& name) override;
  std::int64_t stored_connections_serial() override;

  // SetupStore (sql_store_setup.cpp)
  void set_setup_claim_code(const std::string& code_hash, UnixMillis expires_at) override;
  std::optional<SetupClaimCode> setup_claim_code() override;
  bool claim_setup_admin(const std::string& code_hash, UserId user, UnixMillis now) override;
  bool is_claimed_setup_admin(UserId user) override;
  std::vector<UserId> claimed_setup_admins() override;
  std::optional<std::string> setup_language(UserId user) override;
  void set_setup_language(UserId user, const std::string& language) override;

  // AnalyticsStore (sql_store_analytics.cpp)
  std::vector<StoredEvent> events_in_range(const EventRange& range) override;

  // TemplateStore (sql_store_templates.cpp)
  std::vector<Template> templates(ConnectionId id) override;
  std::optional<Template> template_by_name(ConnectionId id, std::string_view name) override;
  Template save_template(const Template& t) override;
  bool delete_template(ConnectionId id, std::string_view name) override;
  void add_album_item(const AlbumItem& item) override;
  std::vector<AlbumItem> album_items(ConnectionId id, std::string_view media_group_id) override;
  std::int64_t expire_album_items(UnixMillis before, int max_rows) override;

  // LabelStore (sql_store_labels.cpp)
  std::int64_t add_label(const Label& label) override;
  void update_label(const Label& label) override;
  std::optional<Label> label(std::int64_t id) override;
  std::optional<Label> label_by_key(ConnectionId connection, std::string_view key) override;
  std::vector<Label> labels(ConnectionId connection) override;
  bool set_dialog_label(ConnectionId connection, DialogId dialog, std::int64_t label_id,
                        UnixMillis at) override;
  bool remove_dialog_label(DialogId dialog, std::int64_t label_id) override;
  std::vector<Label> dialog_labels(DialogId dialog) override;
  std::vector<LabelCarrier> label_carriers(std::int64_t label_id, int limit) override;
  void add_label_change(const LabelChange& change) override;
  std::vector<LabelChange> label_history(DialogId dialog, int limit) override;
  // BroadcastStore (sql_store_broadcasts.cpp)
  std::int64_t add_broadcast(const Broadcast& broadcast) override;
  std::optional<Broadcast> broadcast(std::int64_t id) override;
  void update_broadcast(const Broadcast& broadcast) override;
  std::vector<Broadcast> broadcasts_in_states(const std::vector<BroadcastState>& states) override;
  std::vector<Broadcast> broadcasts_of(ConnectionId connection, int limit) override;
  std::int64_t add_broadcast_recipients(std::int64_t broadcast, const std::vector<UserId>& users,
                                        RecipientState state, const std::string& error) override;
  std::int64_t add_broadcast_recipients_all(std::int64_t broadcast, ConnectionId connection) override;
  std::vector<BroadcastRecipient> claim_broadcast_recipients(std::int64_t broadcast, int limit) override;
  std::vector<BroadcastRecipient> broadcast_recipients(std::int64_t broadcast,
                                                       std::optional<RecipientState> state, UserId after_user,
                                                       int limit) override;
  void finish_broadcast_recipient(const BroadcastRecipient& recipient) override;
  std::int64_t skip_pending_broadcast_recipients(std::int64_t broadcast, const std::string& error) override;
  BroadcastCounts broadcast_counts(std::int64_t broadcast) override;
  std::int64_t broadcast_sends_since(ConnectionId connection, UnixMillis since) override;

  // LeaseStore (sql_store_leases.cpp)
  UnixMillis database_now() override;
  UnixMillis instance_beat(const std::string& instance, const std::string& address,
                           UnixMillis local_now) override;
  std::vector<InstanceRecord> instances() override;
  void instance_leave(const std::string& instance) override;
  void instance_forget_before(UnixMillis before) override;
  std::vector<LeaseRecord> leases() override;
  std::optional<Fence> lease_acquire(const std::string& connection, const std::string& instance,
                                     std::int64_t ttl_ms) override;
  bool lease_renew(const Fence& fence, std::int64_t ttl_ms) override;
  void lease_release(const Fence& fence) override;
  void lease_check(const Fence& fence) override;

  // HistoryStore (sql_store_history.cpp)
  std::int64_t add_history(const HistoryEntry& entry) override;
  bool edit_history(DialogId dialog, bool in_group, MessageId message_id, const std::string& text,
                    const std::string& entities_json, UnixMillis at) override;
  std::vector<HistoryEntry> dialog_history(DialogId dialog, std::int64_t after_id, int limit) override;
  std::vector<HistoryEntry> connection_history(ConnectionId connection, std::int64_t after_id,
                                               int limit) override;
  std::vector<HistoryEntry> search_history(const HistoryQuery& query) override;
  std::int64_t purge_history_batch(UnixMillis before, int max_rows) override;

 protected:
  explicit SqlStore(std::unique_ptr<sql::Connection> connection);
  sql::Connection& db() { return db_; }

  std::recursive_mutex mutex_;

 private:
  void migrate_locked();
  std::int64_t inserted_id(Query& insert, const char* what);
  void finish_job(Query& finish);  // `finish` marks the job and returns its queue_key
  void refresh_queue_head(const std::string& queue_key);
  std::optional<Dialog> one_dialog(Query& query);
  std::vector<Dialog> all_dialogs(Query& query);
  void read_template_parts(Template& t);
  // Ready webhook deliveries by `statement` (kWebhookReady or kWebhookClaimable), busy queues
  // skipped.
  std::vector<WebhookDelivery> ready_deliveries(const sql::Sql& statement, UnixMillis now, int limit,
                                                const std::vector<std::string>& busy_queues);
  // Rows of TD_DIALOG_WITH_USER_COLUMNS (sql_api.h): a dialog, then its user's profile.
  std::vector<DialogWithUser> all_dialogs_with_users(Query& query);

  std::unique_ptr<sql::Connection> connection_;
  sql::Connection& db_;         // *connection_
  int transaction_depth_ = 0;   // >0 while transaction() runs a body; nested calls join it
  std::string install_secret_;  // cached once known to be stored
};

// The SQL store behind `store` (for its test-only fault plan); std::invalid_argument if it is
// another kind of store.
SqlStore& sql_store(Store& store);

}  // namespace topicdesk::store
