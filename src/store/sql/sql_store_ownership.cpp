// SqlStore: dialog ownership (OperatorStore).
#include "store/sql/sql_ownership.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {

using Lock = std::lock_guard<std::recursive_mutex>;

Operator read_operator(const Query& q) {
  Operator o;
  o.group_id = q.int64(0);
  o.id = q.int64(1);
  o.username = q.text(2);
  o.first_name = q.text(3);
  o.last_name = q.text(4);
  o.last_seen_at = q.int64(5);
  o.on_shift = q.boolean(6);
  return o;
}

}  // namespace

void SqlStore::upsert_operator(ChatId group, const core::Person& person, UnixMillis now) {
  Lock lock(mutex_);
  db_.run(sql::kUpsertOperator, group, person.id, person.username, person.first_name, person.last_name, now);
}

std::optional<Operator> SqlStore::operator_by_id(ChatId group, UserId id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kOperatorById);
  q.bind_all(group, id);
  if (!q.step()) return std::nullopt;
  return read_operator(q);
}

std::optional<Operator> SqlStore::operator_by_username(ChatId group, std::string_view username) {
  if (username.empty()) return std::nullopt;
  Lock lock(mutex_);
  auto q = db_.query(sql::kOperatorByUsername);
  q.bind_all(group, std::string(username));
  if (!q.step()) return std::nullopt;
  return read_operator(q);
}

bool SqlStore::set_on_shift(ChatId group, UserId id, bool on_shift) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kSetOnShift);
  q.bind_all(group, id, on_shift);
  q.run();
  return q.changes() > 0;
}

std::vector<Operator> SqlStore::operators_on_shift(ChatId group) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kOperatorsOnShift);
  q.bind(group);
  std::vector<Operator> out;
  while (q.step()) out.push_back(read_operator(q));
  return out;
}

std::vector<Dialog> SqlStore::open_dialogs_owned_by(ChatId group, UserId owner, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kOpenDialogsOwnedBy);
  q.bind_all(group, owner, limit);
  return all_dialogs(q);
}

std::vector<std::pair<UserId, std::int64_t>> SqlStore::open_owned_counts(ChatId group) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kOpenOwnedCounts);
  q.bind(group);
  std::vector<std::pair<UserId, std::int64_t>> out;
  while (q.step()) out.emplace_back(q.int64(0), q.int64(1));
  return out;
}

std::vector<Dialog> SqlStore::dialogs_unannounced_waiting(ConnectionId id, UnixMillis before, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kDialogsUnannouncedWaiting);
  q.bind_all(id, before, limit);
  return all_dialogs(q);
}

UserId SqlStore::rotation_last(ConnectionId id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kRotationLast);
  q.bind(id);
  return q.step() ? q.int64(0) : 0;
}

void SqlStore::set_rotation_last(ConnectionId id, UserId owner) {
  Lock lock(mutex_);
  db_.run(sql::kSetRotationLast, id, owner);
}

}  // namespace topicdesk::store
