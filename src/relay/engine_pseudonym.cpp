// Pseudonyms of HIDE_INFO (docs/parameters.md): an HMAC-SHA256 of (connection, user id) under
// the install's secret (store::Store::install_secret), named by core::pseudonym_from_digest.
// Without the secret nobody can compute which user has which pseudonym (an unkeyed function
// let a scan of a million ids find a user in seconds). A dialog keeps the pseudonym it was
// given when it opened: dialogs of earlier versions keep theirs.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/presentation.h"
#include "relay/engine.h"

namespace topicdesk::relay {

std::string user_pseudonym(std::string_view secret, core::ConnectionId connection, core::UserId user) {
  const std::string message = "pseudonym:" + std::to_string(connection) + ":" + std::to_string(user);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
           &length) == nullptr ||
      length < sizeof(std::uint64_t)) {
    throw std::runtime_error("user_pseudonym: HMAC-SHA256 failed");  // OpenSSL broken: a bug, not input
  }
  std::uint64_t h = 0;
  for (std::size_t i = 0; i < sizeof(h); ++i) h = (h << 8) | digest[i];
  return core::pseudonym_from_digest(h);
}

}  // namespace topicdesk::relay
