// Connections (one per configured bot or account) and their key/value state (polling
// offsets and the like).
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ChatId;
using core::ConnectionId;
using core::UserId;

struct ConnectionRecord {
  ConnectionId id = 0;
  std::string name;     // unique, from the config
  UserId bot_id = 0;    // the bot (or account) end users talk to
  ChatId group_id = 0;  // backend group
};

class ConnectionStore {
 public:
  virtual ~ConnectionStore() = default;
  // The connection named `name`, created or updated with these ids; the id never changes.
  virtual ConnectionId ensure_connection(const std::string& name, UserId bot_id, ChatId group_id) = 0;
  virtual std::optional<ConnectionRecord> connection(ConnectionId id) = 0;
  virtual std::vector<ConnectionRecord> connections() = 0;  // in id order
  virtual std::optional<std::string> state_get(ConnectionId id, const std::string& key) = 0;
  virtual void state_set(ConnectionId id, const std::string& key, const std::string& value) = 0;
  // Every (key, value) of the connection whose key starts with `prefix`, in key order: one read
  // for what is kept per dialog (the /start parameters under "start:<dialog>").
  virtual std::vector<std::pair<std::string, std::string>> state_with_prefix(ConnectionId id,
                                                                             const std::string& prefix) = 0;
};

}  // namespace topicdesk::store
