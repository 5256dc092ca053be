// SqlStore: labels and funnels (LabelStore).
#include <charconv>

#include "store/sql/sql_labels.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {
using Lock = std::lock_guard<std::recursive_mutex>;

// The after-list as "3,7,12": plain text, so every backend stores it the same way.
std::string ids_text(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (auto id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

std::vector<std::int64_t> ids_from(std::string_view text) {
  std::vector<std::int64_t> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto part = text.substr(0, comma);
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), id);
    if (ec == std::errc() && end == part.data() + part.size() && id > 0) out.push_back(id);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

Label read_label(Query& q) {
  Label l;
  l.id = q.int64(0);
  l.connection_id = q.int64(1);
  l.name = q.text(2);
  l.key = q.text(3);
  l.ticker = q.text(4);
  l.sends = q.text(5);
  l.after = ids_from(q.text(6));
  l.created_at = q.int64(7);
  return l;
}

std::vector<Label> all_labels(Query& q) {
  std::vector<Label> out;
  while (q.step()) out.push_back(read_label(q));
  return out;
}

}  // namespace

std::int64_t SqlStore::add_label(const Label& l) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kLabelAdd);
  q.bind_all(l.connection_id, l.name, l.key, l.ticker, l.sends, ids_text(l.after), l.created_at);
  if (!q.step()) throw StoreError("add_label: the insert returned no id");
  return q.int64(0);
}

void SqlStore::update_label(const Label& l) {
  Lock lock(mutex_);
  db_.run(sql::kLabelUpdate, l.id, l.name, l.key, l.ticker, l.sends, ids_text(l.after));
}

std::optional<Label> SqlStore::label(std::int64_t id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kLabelById);
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  return read_label(q);
}

std::optional<Label> SqlStore::label_by_key(ConnectionId connection, std::string_view key) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kLabelByKey);
  q.bind_all(connection, std::string(key));
  if (!q.step()) return std::nullopt;
  return read_label(q);
}

std::vector<Label> SqlStore::labels(ConnectionId connection) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kLabels);
  q.bind_all(connection);
  return all_labels(q);
}

bool SqlStore::set_dialog_label(ConnectionId connection, DialogId dialog, std::int64_t label_id,
                                UnixMillis at) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kDialogLabelSet);
  q.bind_all(connection, dialog, label_id, at);
  q.run();
  return q.changes() > 0;
}

bool SqlStore::remove_dialog_label(DialogId dialog, std::int64_t label_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kDialogLabelRemove);
  q.bind_all(dialog, label_id);
  q.run();
  return q.changes() > 0;
}

std::vector<Label> SqlStore::dialog_labels(DialogId dialog) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kDialogLabels);
  q.bind_all(dialog);
  return all_labels(q);
}

std::vector<LabelCarrier> SqlStore::label_carriers(std::int64_t label_id, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kLabelCarriers);
  q.bind_all(label_id, static_cast<std::int64_t>(limit));
  std::vector<LabelCarrier> out;
  while (q.step()) out.push_back(LabelCarrier{q.int64(0), q.int64(1), q.int64(2)});
  return out;
}

void SqlStore::add_label_change(const LabelChange& c) {
  Lock lock(mutex_);
  db_.run(sql::kLabelChangeAdd, c.connection_id, c.dialog_id, c.label_id, c.label_name, c.added ? 1 : 0,
          c.operator_id, c.at, to_string(c.by));
}

std::vector<LabelChange> SqlStore::label_history(DialogId dialog, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kLabelHistory);
  q.bind_all(dialog, static_cast<std::int64_t>(limit));
  std::vector<LabelChange> out;
  while (q.step()) {
    LabelChange c;
    c.id = q.int64(0);
    c.connection_id = q.int64(1);
    c.dialog_id = q.int64(2);
    c.label_id = q.int64(3);
    c.label_name = q.text(4);
    c.added = q.int64(5) != 0;
    c.operator_id = q.int64(6);
    c.at = q.int64(7);
    c.by = label_change_by_from(q.text(8));
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace topicdesk::store
