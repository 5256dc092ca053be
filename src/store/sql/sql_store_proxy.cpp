// SqlStore: the Bot API proxy's state (ProxyStore), the program's update queue and webhook.
#include "store/sql/sql_proxy.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {
using Lock = std::lock_guard<std::recursive_mutex>;
}  // namespace

bool SqlStore::proxy_update_add(ConnectionId id, const ProxyUpdate& update, UnixMillis now) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kProxyUpdateAdd);
  q.bind_all(id, update.update_id, update.kind, update.payload, now, update.dialog_chat);
  q.run();
  return q.changes() > 0;
}

std::vector<ProxyUpdate> SqlStore::proxy_updates(ConnectionId id, std::int64_t from_id, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kProxyUpdates);
  q.bind_all(id, from_id, limit);
  std::vector<ProxyUpdate> out;
  while (q.step()) out.push_back(ProxyUpdate{q.int64(0), q.text(1), q.text(2), q.int64(3)});
  return out;
}

void SqlStore::proxy_confirm(ConnectionId id, std::int64_t below_id) {
  Lock lock(mutex_);
  db_.run(sql::kProxyConfirm, id, below_id);
}

std::int64_t SqlStore::proxy_expire(UnixMillis before) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kProxyExpire);
  q.bind_all(before);
  q.run();
  return q.changes();
}

ProxyBacklog SqlStore::proxy_backlog(ConnectionId id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kProxyBacklog);
  q.bind_all(id);
  q.step();
  return ProxyBacklog{q.int64(0), q.int64(1)};
}

std::vector<std::int64_t> SqlStore::proxy_backlog_older(ConnectionId id,
                                                        const std::vector<UnixMillis>& before) {
  Lock lock(mutex_);
  std::vector<std::int64_t> out;
  for (UnixMillis cutoff : before) {
    auto q = db_.query(sql::kProxyBacklogOlder);
    q.bind_all(id, cutoff);
    out.push_back(q.step() ? q.int64(0) : 0);
  }
  return out;
}

std::vector<ProxyDialogBacklog> SqlStore::proxy_backlog_dialogs(ConnectionId id, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kProxyBacklogDialogs);
  q.bind_all(id, limit);
  std::vector<ProxyDialogBacklog> out;
  while (q.step()) {
    out.push_back(ProxyDialogBacklog{.chat_id = q.int64(0),
                                     .count = q.int64(1),
                                     .oldest = q.int64(2),
                                     .answered = q.int64(3),
                                     .dialog_id = q.int64(4),
                                     .answered_at = q.int64(5)});
  }
  return out;
}

ProxyDialogTotals SqlStore::proxy_backlog_totals(ConnectionId id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kProxyBacklogTotals);
  q.bind_all(id);
  if (!q.step()) return {};
  return ProxyDialogTotals{q.int64(0), q.int64(1), q.int64(2), q.int64(3)};
}

std::int64_t SqlStore::proxy_drop_answered(ConnectionId id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kProxyDropAnswered);
  q.bind_all(id);
  q.run();
  return q.changes();
}

std::optional<ProxyWebhook> SqlStore::proxy_webhook(ConnectionId id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kProxyWebhookGet);
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  return ProxyWebhook{q.text(0), q.text(1), q.text(2), static_cast<int>(q.int64(3)), q.int64(4), q.text(5)};
}

void SqlStore::proxy_set_webhook(ConnectionId id, const std::optional<ProxyWebhook>& webhook) {
  Lock lock(mutex_);
  if (!webhook) {
    db_.run(sql::kProxyWebhookDelete, id);
    return;
  }
  db_.run(sql::kProxyWebhookSet, id, webhook->url, webhook->secret_token, webhook->allowed_updates_json,
          webhook->max_connections, webhook->last_error_at, webhook->last_error);
}

}  // namespace topicdesk::store
