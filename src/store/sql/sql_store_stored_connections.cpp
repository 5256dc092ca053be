// SqlStore: connections made at run time (StoredConnectionStore). Every change and the bump of
// the serial are one transaction.
#include <map>

#include "store/sql/sql_store.h"
#include "store/sql/sql_stored_connections.h"

namespace topicdesk::store {

namespace {
using Lock = std::lock_guard<std::recursive_mutex>;

StoredConnection read_stored_connection(const Query& q) {
  StoredConnection c;
  c.name = q.text(0);
  c.mode = q.text(1);
  c.token = q.text(2);
  c.group_id = q.int64(3);
  c.transport = q.text(4);
  c.wanted_running = q.boolean(5);
  c.created_by = q.int64(6);
  c.created_at = q.int64(7);
  c.updated_at = q.int64(8);
  return c;
}
}  // namespace

bool SqlStore::add_stored_connection(const StoredConnection& c) {
  Lock lock(mutex_);
  bool added = false;
  transaction([&] {
    auto q = db_.query(sql::kStoredConnectionAdd);
    q.bind_all(c.name, c.mode, c.token, c.group_id, c.transport, c.wanted_running, c.created_by,
               c.created_at);
    q.run();
    added = q.changes() > 0;
    if (!added) return;
    for (const auto& [parameter, value] : c.parameters)
      db_.run(sql::kStoredParameterSet, c.name, parameter, value);
    db_.run(sql::kStoredConnectionsBump);
  });
  return added;
}

std::optional<StoredConnection> SqlStore::stored_connection(const std::string& name) {
  Lock lock(mutex_);
  std::optional<StoredConnection> out;
  transaction([&] {  // the row and its parameters as of one moment
    {
      auto q = db_.query(sql::kStoredConnectionByName);
      q.bind(name);
      if (!q.step()) return;
      out = read_stored_connection(q);
    }
    auto q = db_.query(sql::kStoredParameters);
    q.bind(name);
    while (q.step()) out->parameters.emplace_back(q.text(0), q.text(1));
  });
  return out;
}

std::vector<StoredConnection> SqlStore::stored_connections() {
  Lock lock(mutex_);
  std::vector<StoredConnection> out;
  transaction([&] {
    {
      auto q = db_.query(sql::kStoredConnections);
      while (q.step()) out.push_back(read_stored_connection(q));
    }
    std::map<std::string, StoredConnection*> by_name;
    for (auto& c : out) by_name[c.name] = &c;
    auto q = db_.query(sql::kAllStoredParameters);
    while (q.step()) {
      auto it = by_name.find(q.text(0));
      if (it != by_name.end()) it->second->parameters.emplace_back(q.text(1), q.text(2));
    }
  });
  return out;
}

bool SqlStore::set_stored_connection_group(const std::string& name, ChatId group_id, UnixMillis now) {
  Lock lock(mutex_);
  bool changed = false;
  transaction([&] {
    auto q = db_.query(sql::kStoredConnectionSetGroup);
    q.bind_all(name, group_id, now);
    q.run();
    changed = q.changes() > 0;
    if (changed) db_.run(sql::kStoredConnectionsBump);
  });
  return changed;
}

bool SqlStore::set_stored_connection_running(const std::string& name, bool running, UnixMillis now) {
  Lock lock(mutex_);
  bool changed = false;
  transaction([&] {
    auto q = db_.query(sql::kStoredConnectionSetRunning);
    q.bind_all(name, running, now);
    q.run();
    changed = q.changes() > 0;
    if (changed) db_.run(sql::kStoredConnectionsBump);
  });
  return changed;
}

bool SqlStore::set_stored_connection_parameter(const std::string& name, const std::string& parameter,
                                               const std::optional<std::string>& value, UnixMillis now) {
  Lock lock(mutex_);
  bool changed = false;
  transaction([&] {
    {
      auto q = db_.query(sql::kStoredConnectionTouch);
      q.bind_all(name, now);
      q.run();
      changed = q.changes() > 0;
    }
    if (!changed) return;
    if (value)
      db_.run(sql::kStoredParameterSet, name, parameter, *value);
    else
      db_.run(sql::kStoredParameterClear, name, parameter);
    db_.run(sql::kStoredConnectionsBump);
  });
  return changed;
}

bool SqlStore::remove_stored_connection(const std::string& name) {
  Lock lock(mutex_);
  bool removed = false;
  transaction([&] {
    auto q = db_.query(sql::kStoredConnectionRemove);
    q.bind(name);
    q.run();
    removed = q.changes() > 0;
    if (!removed) return;
    db_.run(sql::kStoredParametersClearAll, name);
    db_.run(sql::kStoredConnectionsBump);
  });
  return removed;
}

std::int64_t SqlStore::stored_connections_serial() {
  Lock lock(mutex_);
  auto q = db_.query(sql::kStoredConnectionsSerial);
  return q.step() ? q.int64(0) : 0;
}

}  // namespace topicdesk::store
