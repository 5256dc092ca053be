// The inbox: incoming events stored before Telegram is told they arrived, replayed after a
// restart until handled. Handled entries stay a while so a redelivered update is recognised
// (RetentionStore purges them).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;

struct InboxEntry {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  std::int64_t update_id = 0;
  std::string payload;  // core::Event as JSON (core/event_json.h)
};

class InboxStore {
 public:
  virtual ~InboxStore() = default;
  // False for a duplicate (connection, update_id), handled or not.
  virtual bool inbox_add(ConnectionId id, std::int64_t update_id, const std::string& payload) = 0;
  // Unhandled entries of a connection in arrival order.
  virtual std::vector<InboxEntry> inbox_pending(ConnectionId id, int limit) = 0;
  // The connections that have unhandled entries, in id order (one read for all of them, for an
  // instance that looks for entries other instances wrote).
  virtual std::vector<ConnectionId> inbox_pending_connections() = 0;
  // The entry of `update_id` while it is unhandled (an entry that cannot wait its turn: a
  // pre-checkout query, relay/inbox.h); nullopt when handled or absent.
  virtual std::optional<InboxEntry> inbox_pending_update(ConnectionId id, std::int64_t update_id) = 0;
  virtual void inbox_done(std::int64_t entry_id) = 0;
};

}  // namespace topicdesk::store
