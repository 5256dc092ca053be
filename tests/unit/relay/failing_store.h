// A Store decorator whose chosen commits fail, as when the disk is full or another process
// holds the write lock: the transaction's body runs, then it is rolled back with a StoreError.
// Every other call goes to the wrapped store unchanged.
#pragma once
#include <functional>
#include <string>

#include "store/store.h"

namespace topicdesk::store::testing {

class FailingStore : public Store {
 public:
  explicit FailingStore(Store& inner) : inner_(inner) {}

  // Decides, for the nth outermost transaction (from 1), whether its commit fails.
  std::function<bool(int nth)> fail;
  int commits = 0;  // outermost transactions begun
  int failed = 0;   // of which failed

  void transaction(const std::function<void()>& body) override {
    if (depth_ > 0) return inner_.transaction(body);  // joins the outer one
    const int nth = ++commits;
    ++depth_;
    try {
      inner_.transaction([&] {
        body();
        if (fail && fail(nth)) {
          ++failed;
          throw StoreError("sqlite commit: database or disk is full (injected, commit " +
                           std::to_string(nth) + ")");
        }
      });
    } catch (...) {
      --depth_;
      throw;
    }
    --depth_;
  }

  void migrate() override { inner_.migrate(); }
  int schema_version() override { return inner_.schema_version(); }
  ConnectionId ensure_connection(const std::string& name, UserId bot_id, ChatId group_id) override {
    return inner_.ensure_connection(name, bot_id, group_id);
  }
  std::optional<ConnectionRecord> connection(ConnectionId id) override { return inner_.connection(id); }
  std::vector<ConnectionRecord> connections() override { return inner_.connections(); }
  std::optional<std::string> state_get(ConnectionId id, const std::string& key) override {
    return inner_.state_get(id, key);
  }
  void state_set(ConnectionId id, const std::string& key, const std::string& value) override {
    inner_.state_set(id, key, value);
  }
  void upsert_user(ConnectionId id, const core::Person& person, UnixMillis now) override {
    inner_.upsert_user(id, person, now);
  }
  std::optional<core::Person> user(ConnectionId id, UserId user_id) override {
    return inner_.user(id, user_id);
  }
  Dialog create_dialog(ConnectionId id, UserId user_id, ChatId group_id, UnixMillis now) override {
    return inner_.create_dialog(id, user_id, group_id, now);
  }
  std::optional<Dialog> dialog(DialogId id) override { return inner_.dialog(id); }
  std::optional<Dialog> dialog_by_user(ConnectionId id, UserId user_id) override {
    return inner_.dialog_by_user(id, user_id);
  }
  std::optional<Dialog> dialog_by_thread(ChatId group_id, ThreadId thread_id) override {
    return inner_.dialog_by_thread(group_id, thread_id);
  }
  void update_dialog(const Dialog& dialog) override { inner_.update_dialog(dialog); }
  std::vector<Dialog> dialogs_with_status(ConnectionId id, DialogStatus status, int limit) override {
    return inner_.dialogs_with_status(id, status, limit);
  }
  std::vector<Dialog> dialogs_waiting_since(ConnectionId id, UnixMillis before, int limit) override {
    return inner_.dialogs_waiting_since(id, before, limit);
  }
  DialogCounts count_dialogs(ChatId group_id) override { return inner_.count_dialogs(group_id); }
  void add_link(const MessageLink& link) override { inner_.add_link(link); }
  std::optional<MessageLink> link_by_user_message(DialogId dialog, MessageId user_message_id) override {
    return inner_.link_by_user_message(dialog, user_message_id);
  }
  std::optional<MessageLink> link_by_group_message(ChatId group_id, MessageId group_message_id) override {
    return inner_.link_by_group_message(group_id, group_message_id);
  }
  bool inbox_add(ConnectionId id, std::int64_t update_id, const std::string& payload) override {
    return inner_.inbox_add(id, update_id, payload);
  }
  std::vector<InboxEntry> inbox_pending(ConnectionId id, int limit) override {
    return inner_.inbox_pending(id, limit);
  }
  void inbox_done(std::int64_t entry_id) override { inner_.inbox_done(entry_id); }
  std::int64_t outbox_add(const OutboxJob& job) override { return inner_.outbox_add(job); }
  std::vector<OutboxJob> outbox_ready(UnixMillis now, int limit,
                                      const std::vector<std::int64_t>& in_flight) override {
    return inner_.outbox_ready(now, limit, in_flight);
  }
  std::optional<OutboxJob> outbox_job(std::int64_t job_id) override { return inner_.outbox_job(job_id); }
  void outbox_done(std::int64_t job_id) override { inner_.outbox_done(job_id); }
  void outbox_retry(std::int64_t job_id, UnixMillis not_before, const std::string& error) override {
    inner_.outbox_retry(job_id, not_before, error);
  }
  void outbox_fail(std::int64_t job_id, const std::string& error) override {
    inner_.outbox_fail(job_id, error);
  }
  void outbox_start(std::int64_t job_id, UnixMillis at, bool repeat) override {
    inner_.outbox_start(job_id, at, repeat);
  }
  void outbox_continue(std::int64_t job_id, const std::string& payload) override {
    inner_.outbox_continue(job_id, payload);
  }
  OutboxStats outbox_stats() override { return inner_.outbox_stats(); }
  void timer_set(ConnectionId id, const std::string& key, UnixMillis due_at,
                 const std::string& payload) override {
    inner_.timer_set(id, key, due_at, payload);
  }
  std::optional<Timer> timer_get(ConnectionId id, const std::string& key) override {
    return inner_.timer_get(id, key);
  }
  std::vector<Timer> timers_due(UnixMillis now, int limit) override { return inner_.timers_due(now, limit); }
  void timer_delete(std::int64_t timer_id) override { inner_.timer_delete(timer_id); }
  std::int64_t append_event(ConnectionId id, DialogId dialog, const std::string& type,
                            const std::string& payload, UnixMillis now) override {
    return inner_.append_event(id, dialog, type, payload, now);
  }
  std::int64_t purge_finished(UnixMillis before) override { return inner_.purge_finished(before); }
  std::optional<std::string> user_link(ConnectionId id, UserId user_id) override {
    return inner_.user_link(id, user_id);
  }
  void set_user_link(ConnectionId id, UserId user_id, const std::string& account) override {
    inner_.set_user_link(id, user_id, account);
  }
  std::vector<std::pair<std::string, std::string>> user_fields(ConnectionId id, UserId user_id) override {
    return inner_.user_fields(id, user_id);
  }
  void set_user_field(ConnectionId id, UserId user_id, const std::string& key,
                      const std::string& value) override {
    inner_.set_user_field(id, user_id, key, value);
  }
  std::vector<StoredEvent> events_after(std::int64_t after_id, int limit) override {
    return inner_.events_after(after_id, limit);
  }
  std::optional<StoredEvent> event_by_id(std::int64_t event_id) override {
    return inner_.event_by_id(event_id);
  }
  std::int64_t webhook_cursor() override { return inner_.webhook_cursor(); }
  void webhook_enqueue(const std::vector<WebhookDelivery>& deliveries, std::int64_t cursor) override {
    inner_.webhook_enqueue(deliveries, cursor);
  }
  std::vector<WebhookDelivery> webhook_ready(UnixMillis now, int limit,
                                             const std::vector<std::string>& busy_queues) override {
    return inner_.webhook_ready(now, limit, busy_queues);
  }
  void webhook_delivered(const WebhookAttempt& attempt) override { inner_.webhook_delivered(attempt); }
  void webhook_retry(const WebhookAttempt& attempt, UnixMillis not_before) override {
    inner_.webhook_retry(attempt, not_before);
  }
  void webhook_give_up(const WebhookAttempt& attempt) override { inner_.webhook_give_up(attempt); }
  std::vector<WebhookUrlStatus> webhook_status() override { return inner_.webhook_status(); }
  std::vector<WebhookAttempt> webhook_attempts(std::int64_t delivery_id) override {
    return inner_.webhook_attempts(delivery_id);
  }
  void set_api_key_hash(ConnectionId id, const std::string& key_hash, UnixMillis now) override {
    inner_.set_api_key_hash(id, key_hash, now);
  }
  std::vector<ApiKeyRecord> api_keys() override { return inner_.api_keys(); }
  std::vector<DialogWithUser> dialogs_page(ConnectionId id, std::optional<DialogStatus> status,
                                           DialogId after_id, int limit) override {
    return inner_.dialogs_page(id, status, after_id, limit);
  }
  bool proxy_update_add(ConnectionId id, const ProxyUpdate& update, UnixMillis now) override {
    return inner_.proxy_update_add(id, update, now);
  }
  std::vector<ProxyUpdate> proxy_updates(ConnectionId id, std::int64_t from_id, int limit) override {
    return inner_.proxy_updates(id, from_id, limit);
  }
  void proxy_confirm(ConnectionId id, std::int64_t below_id) override { inner_.proxy_confirm(id, below_id); }
  std::int64_t proxy_expire(UnixMillis before) override { return inner_.proxy_expire(before); }
  ProxyBacklog proxy_backlog(ConnectionId id) override { return inner_.proxy_backlog(id); }
  std::optional<ProxyWebhook> proxy_webhook(ConnectionId id) override { return inner_.proxy_webhook(id); }
  void proxy_set_webhook(ConnectionId id, const std::optional<ProxyWebhook>& webhook) override {
    inner_.proxy_set_webhook(id, webhook);
  }

 private:
  Store& inner_;
  int depth_ = 0;
};

}  // namespace topicdesk::store::testing

namespace topicdesk::relay::testing {
using store::testing::FailingStore;
}  // namespace topicdesk::relay::testing
