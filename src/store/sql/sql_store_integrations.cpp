// SqlStore, integrations: user links, custom fields (UserLinkStore), event reading
// and webhook delivery state.
#include <algorithm>
#include <chrono>

#include "core/clock.h"
#include "store/sql/sql_integrations.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {

using Lock = std::lock_guard<std::recursive_mutex>;

StoredEvent read_event(const Query& q) {
  return StoredEvent{q.int64(0), q.int64(1), q.int64(2), q.text(3), q.text(4), q.int64(5)};
}

WebhookDelivery read_delivery(const Query& q) {
  WebhookDelivery d;
  d.id = q.int64(0);
  d.connection_id = q.int64(1);
  d.url = q.text(2);
  d.queue_key = q.text(3);
  d.event_id = q.int64(4);
  d.dialog_id = q.int64(5);
  d.retry = q.boolean(6);
  d.attempts = static_cast<int>(q.int64(7));
  d.not_before = q.int64(8);
  d.failing_since = q.int64(9);
  d.last_error = q.text(10);
  d.created_at = q.int64(11);
  return d;
}

}  // namespace

// User links and custom fields --------------------------------------------------------------

std::optional<std::string> SqlStore::user_link(ConnectionId id, UserId user_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kUserLinkGet);
  q.bind_all(id, user_id);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

void SqlStore::set_user_link(ConnectionId id, UserId user_id, const std::string& account) {
  Lock lock(mutex_);
  if (account.empty()) {
    db_.run(sql::kUserLinkDelete, id, user_id);
  } else {
    db_.run(sql::kUserLinkSet, id, user_id, account, core::unix_millis_now());
  }
}

std::vector<std::pair<std::string, std::string>> SqlStore::user_fields(ConnectionId id, UserId user_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kUserFieldsGet);
  q.bind_all(id, user_id);
  std::vector<std::pair<std::string, std::string>> out;
  while (q.step()) out.emplace_back(q.text(0), q.text(1));
  return out;
}

void SqlStore::set_user_field(ConnectionId id, UserId user_id, const std::string& key,
                              const std::string& value) {
  Lock lock(mutex_);
  if (value.empty()) {
    db_.run(sql::kUserFieldDelete, id, user_id, key);
  } else {
    db_.run(sql::kUserFieldSet, id, user_id, key, value, core::unix_millis_now());
  }
}

std::vector<UserField> SqlStore::connection_user_fields(ConnectionId id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kConnectionUserFields);
  q.bind_all(id);
  std::vector<UserField> out;
  while (q.step()) out.push_back(UserField{q.int64(0), q.text(1), q.text(2)});
  return out;
}

// Events ------------------------------------------------------------------------------------

std::vector<StoredEvent> SqlStore::events_after(std::int64_t after_id, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kEventsAfter);
  q.bind_all(after_id, limit);
  std::vector<StoredEvent> out;
  while (q.step()) out.push_back(read_event(q));
  return out;
}

std::optional<StoredEvent> SqlStore::event_by_id(std::int64_t event_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kEventById);
  q.bind(event_id);
  if (!q.step()) return std::nullopt;
  return read_event(q);
}

// Webhook delivery --------------------------------------------------------------------------

std::int64_t SqlStore::webhook_cursor() {
  Lock lock(mutex_);
  auto q = db_.query(sql::kWebhookCursorGet);
  return q.step() ? q.int64(0) : 0;
}

bool SqlStore::webhook_enqueue(const std::vector<WebhookDelivery>& deliveries, std::int64_t from,
                               std::int64_t to) {
  Lock lock(mutex_);
  bool moved = false;
  transaction([&] {
    // The cursor first: its row lock keeps a second worker out until this one commits.
    auto move = db_.query(sql::kWebhookCursorMove);
    move.bind_all(from, to).run();
    if (move.changes() != 1) return;
    moved = true;
    for (const auto& d : deliveries) {
      db_.run(sql::kWebhookAdd, d.connection_id, d.url, d.queue_key, d.event_id, d.dialog_id, d.retry,
              d.created_at);
    }
  });
  return moved;
}

std::vector<WebhookDelivery> SqlStore::ready_deliveries(const sql::Sql& statement, UnixMillis now, int limit,
                                                        const std::vector<std::string>& busy_queues) {
  auto q = db_.query(statement);
  // Busy heads are skipped here, so ask for enough rows to still fill `limit`.
  q.bind_all(now, limit + static_cast<int>(busy_queues.size()));
  std::vector<WebhookDelivery> out;
  while (static_cast<int>(out.size()) < limit && q.step()) {
    auto delivery = read_delivery(q);
    if (std::find(busy_queues.begin(), busy_queues.end(), delivery.queue_key) != busy_queues.end()) continue;
    out.push_back(std::move(delivery));
  }
  return out;
}

std::vector<WebhookDelivery> SqlStore::webhook_ready(UnixMillis now, int limit,
                                                     const std::vector<std::string>& busy_queues) {
  Lock lock(mutex_);
  if (limit <= 0) return {};
  return ready_deliveries(sql::kWebhookReady, now, limit, busy_queues);
}

std::vector<WebhookDelivery> SqlStore::webhook_claim(UnixMillis now, int limit,
                                                     const std::vector<std::string>& busy_queues,
                                                     std::int64_t claim_ms) {
  Lock lock(mutex_);
  std::vector<WebhookDelivery> claimed;
  if (limit <= 0) return claimed;
  // A worker polls often and mostly finds nothing: that look costs no transaction (and no
  // commit, which SQLite's fault plan would count).
  if (ready_deliveries(sql::kWebhookReady, now, 1, busy_queues).empty()) return claimed;
  transaction([&] {
    claimed = ready_deliveries(sql::kWebhookClaimable, now, limit, busy_queues);
    for (const auto& d : claimed) db_.run(sql::kWebhookClaim, d.id, claim_ms);
  });
  return claimed;
}

void SqlStore::webhook_delivered(const WebhookAttempt& attempt) {
  Lock lock(mutex_);
  transaction([&] {
    db_.run(sql::kWebhookAttemptAdd, attempt.delivery_id, attempt.at, attempt.http_status, attempt.error,
            attempt.duration_ms);
    db_.run(sql::kWebhookDone, attempt.delivery_id, attempt.at);
  });
}

void SqlStore::webhook_retry(const WebhookAttempt& attempt, UnixMillis not_before) {
  Lock lock(mutex_);
  transaction([&] {
    db_.run(sql::kWebhookAttemptAdd, attempt.delivery_id, attempt.at, attempt.http_status, attempt.error,
            attempt.duration_ms);
    db_.run(sql::kWebhookRetry, attempt.delivery_id, not_before, attempt.error, attempt.at);
  });
}

void SqlStore::webhook_give_up(const WebhookAttempt& attempt) {
  Lock lock(mutex_);
  transaction([&] {
    db_.run(sql::kWebhookAttemptAdd, attempt.delivery_id, attempt.at, attempt.http_status, attempt.error,
            attempt.duration_ms);
    db_.run(sql::kWebhookGiveUp, attempt.delivery_id, attempt.error, attempt.at);
  });
}

std::vector<WebhookUrlStatus> SqlStore::webhook_status() {
  Lock lock(mutex_);
  std::vector<WebhookUrlStatus> out;
  {
    auto q = db_.query(sql::kWebhookCounts);
    while (q.step()) {
      WebhookUrlStatus status;
      status.connection_id = q.int64(0);
      status.url = q.text(1);
      status.delivered = q.int64(2);
      status.pending = q.int64(3);
      status.failed = q.int64(4);
      status.failing_since = q.int64(5);
      out.push_back(std::move(status));
    }
  }
  for (auto& status : out) {
    auto q = db_.query(sql::kWebhookLastError);
    q.bind_all(status.connection_id, status.url);
    if (!q.step()) continue;
    status.last_error = q.text(0);
    status.last_error_at = q.int64(1);
  }
  return out;
}

std::vector<WebhookAttempt> SqlStore::webhook_attempts(std::int64_t delivery_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kWebhookAttempts);
  q.bind(delivery_id);
  std::vector<WebhookAttempt> out;
  while (q.step()) {
    out.push_back(
        WebhookAttempt{q.int64(0), q.int64(1), static_cast<int>(q.int64(2)), q.text(3), q.int64(4)});
  }
  return out;
}

}  // namespace topicdesk::store
