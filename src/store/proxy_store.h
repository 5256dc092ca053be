// The Bot API proxy's state: the bot's program's update queue (Telegram's raw updates until
// the program confirms them) and the program's own webhook.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::UnixMillis;

// One update as the bot's program gets it, kept until the program confirms it (getUpdates
// offset, or its webhook answered 2xx).
struct ProxyUpdate {
  std::int64_t update_id = 0;
  std::string kind;     // "message", "callback_query" … (for allowed_updates)
  std::string payload;  // the update as Telegram sent it
};

// What waits for the program: how many updates, and since when (0 when none).
struct ProxyBacklog {
  std::int64_t count = 0;
  UnixMillis oldest = 0;
};

// The program's webhook (its setWebhook), answered and served by the proxy.
struct ProxyWebhook {
  std::string url;
  std::string secret_token;
  std::string allowed_updates_json;  // JSON array; empty: every kind
  int max_connections = 40;
  UnixMillis last_error_at = 0;
  std::string last_error;
};

class ProxyStore {
 public:
  virtual ~ProxyStore() = default;
  // Returns false for a duplicate update_id.
  virtual bool proxy_update_add(ConnectionId id, const ProxyUpdate& update, UnixMillis now) = 0;
  // Unconfirmed updates with update_id >= from_id, in update_id order.
  virtual std::vector<ProxyUpdate> proxy_updates(ConnectionId id, std::int64_t from_id, int limit) = 0;
  // The program confirmed everything below `below_id`: deleted.
  virtual void proxy_confirm(ConnectionId id, std::int64_t below_id) = 0;
  // Deletes updates stored before `before` that the program never confirmed, all at once;
  // returns how many. RetentionStore::proxy_expire_batch does the same in small steps.
  virtual std::int64_t proxy_expire(UnixMillis before) = 0;
  virtual ProxyBacklog proxy_backlog(ConnectionId id) = 0;
  virtual std::optional<ProxyWebhook> proxy_webhook(ConnectionId id) = 0;
  // nullopt: deleteWebhook (the program polls again).
  virtual void proxy_set_webhook(ConnectionId id, const std::optional<ProxyWebhook>& webhook) = 0;
};

}  // namespace topicdesk::store
