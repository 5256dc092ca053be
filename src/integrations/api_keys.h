// API keys of the Topics API: one per connection, shown once when reset, stored only as the
// SHA-256 of the key. The cache answers "whose key is this" without a database read per request.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "core/secret.h"
#include "store/store.h"

namespace topicdesk::integrations {

using core::kApiKeyPrefix;

// "tdk_" + base64url (no padding) of 32 random bytes from OpenSSL's RAND_bytes.
core::Result<std::string> generate_api_key();
// Lowercase hex SHA-256 of the key: what the store keeps.
std::string api_key_hash(std::string_view key);
// Makes a new key for the connection (the old one stops working) and returns it.
core::Result<std::string> reset_api_key(store::Store& store, core::ConnectionId connection,
                                        core::UnixMillis now);

// key hash → connection, read from the store at most every `max_age` (a key reset by the CLI
// in another process works within that time) and again on a miss, at most every `miss_reload`.
class ApiKeyCache {
 public:
  explicit ApiKeyCache(store::Store& store, std::chrono::milliseconds max_age = std::chrono::seconds(2),
                       std::chrono::milliseconds miss_reload = std::chrono::milliseconds(250));

  // `monotonic_ms`: a steady clock in milliseconds (tests pass their own).
  std::optional<core::ConnectionId> connection_for(std::string_view key, std::int64_t monotonic_ms);

 private:
  std::optional<core::ConnectionId> lookup(const std::string& hash) const;
  void reload(std::int64_t monotonic_ms);

  store::Store& store_;
  std::int64_t max_age_ms_;
  std::int64_t miss_reload_ms_;
  std::vector<store::ApiKeyRecord> keys_;
  std::optional<std::int64_t> loaded_at_;
};

}  // namespace topicdesk::integrations
