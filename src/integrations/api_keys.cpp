#include "integrations/api_keys.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>

#include "core/secret.h"

namespace topicdesk::integrations {

namespace {

constexpr std::size_t kKeyBytes = 32;

}  // namespace

core::Result<std::string> generate_api_key() {
  std::array<unsigned char, kKeyBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return core::make_error("cannot make an API key: OpenSSL's random generator failed");
  }
  return std::string(kApiKeyPrefix) + core::base64url(bytes.data(), bytes.size());
}

std::string api_key_hash(std::string_view key) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(key.data(), key.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return core::to_hex(digest.data(), length);
}

core::Result<std::string> reset_api_key(store::Store& store, core::ConnectionId connection,
                                        core::UnixMillis now) {
  auto key = generate_api_key();
  if (!key) return key;
  store.set_api_key_hash(connection, api_key_hash(*key), now);
  return key;
}

ApiKeyCache::ApiKeyCache(store::Store& store, std::chrono::milliseconds max_age,
                         std::chrono::milliseconds miss_reload)
    : store_(store), max_age_ms_(max_age.count()), miss_reload_ms_(miss_reload.count()) {}

std::optional<core::ConnectionId> ApiKeyCache::connection_for(std::string_view key,
                                                              std::int64_t monotonic_ms) {
  if (!key.starts_with(kApiKeyPrefix)) return std::nullopt;  // not a key of ours: no reload
  if (!loaded_at_ || monotonic_ms - *loaded_at_ >= max_age_ms_) reload(monotonic_ms);
  std::string hash = api_key_hash(key);
  auto found = lookup(hash);
  if (!found && monotonic_ms - *loaded_at_ >= miss_reload_ms_) {
    reload(monotonic_ms);  // maybe a key made since the last read
    found = lookup(hash);
  }
  return found;
}

// Every stored hash is compared, so the time taken does not tell which key came close.
std::optional<core::ConnectionId> ApiKeyCache::lookup(const std::string& hash) const {
  std::optional<core::ConnectionId> found;
  for (const auto& record : keys_) {
    if (core::constant_time_equal(record.key_hash, hash)) found = record.connection_id;
  }
  return found;
}

void ApiKeyCache::reload(std::int64_t monotonic_ms) {
  keys_ = store_.api_keys();
  loaded_at_ = monotonic_ms;
}

}  // namespace topicdesk::integrations
