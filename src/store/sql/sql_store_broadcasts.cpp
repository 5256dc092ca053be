// SqlStore: broadcasts and their recipients (BroadcastStore).
#include <algorithm>
#include <charconv>

#include "store/sql/sql_broadcasts.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {

using Lock = std::lock_guard<std::recursive_mutex>;

// Message ids as "1,2,3".
std::string ids_text(const std::vector<MessageId>& ids) {
  std::string out;
  for (auto id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

std::vector<MessageId> ids_from(const std::string& text) {
  std::vector<MessageId> out;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    MessageId id = 0;
    auto [next, ec] = std::from_chars(p, end, id);
    if (ec != std::errc()) break;
    out.push_back(id);
    p = next;
    if (p < end && *p == ',') ++p;
  }
  return out;
}

Broadcast read_broadcast(const Query& q) {
  Broadcast b;
  b.id = q.int64(0);
  b.connection_id = q.int64(1);
  b.creator_id = q.int64(2);
  b.from_chat_id = q.int64(3);
  b.message_ids = ids_from(q.text(4));
  b.recipients = q.text(5);
  b.state = broadcast_state_from_string(q.text(6)).value_or(BroadcastState::kCancelled);
  b.created_at = q.int64(7);
  b.scheduled_at = q.int64(8);
  b.started_at = q.int64(9);
  b.finished_at = q.int64(10);
  b.progress_message_id = q.int64(11);
  b.progress_at = q.int64(12);
  b.report_message_id = q.int64(13);
  b.report = q.text(14);
  b.template_name = q.text(15);
  return b;
}

BroadcastRecipient read_recipient(const Query& q) {
  BroadcastRecipient r;
  r.broadcast_id = q.int64(0);
  r.user_id = q.int64(1);
  r.state = recipient_state_from_string(q.text(2)).value_or(RecipientState::kFailed);
  r.error = q.text(3);
  r.message_ids = ids_from(q.text(4));
  r.sent_at = q.int64(5);
  r.attempts = static_cast<int>(q.int64(6));
  return r;
}

std::vector<BroadcastRecipient> all_recipients(Query& q) {
  std::vector<BroadcastRecipient> out;
  while (q.step()) out.push_back(read_recipient(q));
  return out;
}

}  // namespace

std::int64_t SqlStore::add_broadcast(const Broadcast& b) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kBroadcastAdd);
  q.bind_all(b.connection_id, b.creator_id, b.from_chat_id, ids_text(b.message_ids), b.recipients,
             to_string(b.state), b.created_at, b.scheduled_at, b.started_at, b.finished_at,
             b.progress_message_id, b.progress_at, b.report_message_id, b.report, b.template_name);
  if (!q.step()) throw StoreError("add_broadcast: the insert returned no id");
  return q.int64(0);
}

std::optional<Broadcast> SqlStore::broadcast(std::int64_t id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kBroadcastById);
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  return read_broadcast(q);
}

void SqlStore::update_broadcast(const Broadcast& b) {
  Lock lock(mutex_);
  db_.run(sql::kBroadcastUpdate, b.id, b.from_chat_id, ids_text(b.message_ids), b.recipients,
          to_string(b.state), b.scheduled_at, b.started_at, b.finished_at, b.progress_message_id,
          b.progress_at, b.report_message_id, b.report, b.template_name);
}

std::vector<Broadcast> SqlStore::broadcasts_in_states(const std::vector<BroadcastState>& states) {
  Lock lock(mutex_);
  std::vector<Broadcast> out;
  for (auto state : states) {
    auto q = db_.query(sql::kBroadcastsInState);
    q.bind_all(to_string(state));
    while (q.step()) out.push_back(read_broadcast(q));
  }
  std::sort(out.begin(), out.end(), [](const Broadcast& a, const Broadcast& b) { return a.id < b.id; });
  return out;
}

std::vector<Broadcast> SqlStore::broadcasts_of(ConnectionId connection, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kBroadcastsOf);
  q.bind_all(connection, limit);
  std::vector<Broadcast> out;
  while (q.step()) out.push_back(read_broadcast(q));
  return out;
}

std::int64_t SqlStore::add_broadcast_recipients(std::int64_t broadcast, const std::vector<UserId>& users,
                                                RecipientState state, const std::string& error) {
  Lock lock(mutex_);
  std::int64_t added = 0;
  for (auto user : users) {
    auto q = db_.query(sql::kRecipientAdd);
    q.bind_all(broadcast, user, to_string(state), error);
    q.run();
    added += q.changes();
  }
  return added;
}

std::int64_t SqlStore::add_broadcast_recipients_all(std::int64_t broadcast, ConnectionId connection) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kRecipientAddAll);
  q.bind_all(broadcast, connection);
  q.run();
  return q.changes();
}

std::vector<BroadcastRecipient> SqlStore::claim_broadcast_recipients(std::int64_t broadcast, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kRecipientClaim);
  q.bind_all(broadcast, limit);
  auto out = all_recipients(q);
  std::sort(out.begin(), out.end(),
            [](const BroadcastRecipient& a, const BroadcastRecipient& b) { return a.user_id < b.user_id; });
  return out;
}

std::vector<BroadcastRecipient> SqlStore::broadcast_recipients(std::int64_t broadcast,
                                                               std::optional<RecipientState> state,
                                                               UserId after_user, int limit) {
  Lock lock(mutex_);
  if (state) {
    auto q = db_.query(sql::kRecipientsInState);
    q.bind_all(broadcast, to_string(*state), after_user, limit);
    return all_recipients(q);
  }
  auto q = db_.query(sql::kRecipientsAll);
  q.bind_all(broadcast, after_user, limit);
  return all_recipients(q);
}

void SqlStore::finish_broadcast_recipient(const BroadcastRecipient& r) {
  Lock lock(mutex_);
  db_.run(sql::kRecipientFinish, r.broadcast_id, r.user_id, to_string(r.state), r.error,
          ids_text(r.message_ids), r.sent_at, r.attempts);
}

std::int64_t SqlStore::skip_pending_broadcast_recipients(std::int64_t broadcast, const std::string& error) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kRecipientsSkipPending);
  q.bind_all(broadcast, error);
  q.run();
  return q.changes();
}

BroadcastCounts SqlStore::broadcast_counts(std::int64_t broadcast) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kRecipientCounts);
  q.bind_all(broadcast);
  BroadcastCounts c;
  while (q.step()) {
    auto state = recipient_state_from_string(q.text(0));
    std::int64_t n = q.int64(1);
    if (!state) continue;
    switch (*state) {
      case RecipientState::kPending:
        c.pending = n;
        break;
      case RecipientState::kSending:
        c.sending = n;
        break;
      case RecipientState::kSent:
        c.sent = n;
        break;
      case RecipientState::kFailed:
        c.failed = n;
        break;
      case RecipientState::kBlocked:
        c.blocked = n;
        break;
      case RecipientState::kSkipped:
        c.skipped = n;
        break;
    }
  }
  return c;
}

std::int64_t SqlStore::broadcast_sends_since(ConnectionId connection, UnixMillis since) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kBroadcastSendsSince);
  q.bind_all(connection, since);
  return q.step() ? q.int64(0) : 0;
}

}  // namespace topicdesk::store
