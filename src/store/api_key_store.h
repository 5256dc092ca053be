// The Topics API's keys: per connection, the SHA-256 (hex) of the key; the key itself is
// never stored.
#pragma once
#include <string>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::UnixMillis;

struct ApiKeyRecord {
  ConnectionId connection_id = 0;
  std::string key_hash;
  UnixMillis created_at = 0;
};

class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;
  // One API key per connection; setting a hash replaces the connection's previous key.
  virtual void set_api_key_hash(ConnectionId id, const std::string& key_hash, UnixMillis now) = 0;
  // Every connection's key hash, in connection id order (few rows: the API caches them).
  virtual std::vector<ApiKeyRecord> api_keys() = 0;
};

}  // namespace topicdesk::store
