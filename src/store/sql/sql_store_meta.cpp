// SqlStore: facts about the installation (DeskMetaStore).
#include <openssl/rand.h>

#include <vector>

#include "core/secret.h"
#include "store/sql/sql_core.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {

using Lock = std::lock_guard<std::recursive_mutex>;

constexpr const char* kInstallSecretKey = "install_secret";

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    throw StoreError("install_secret: the system's random generator failed (OpenSSL RAND_bytes)",
                     StoreError::Kind::kOther);
  }
  return core::to_hex(raw.data(), raw.size());
}

}  // namespace

std::string SqlStore::install_secret() {
  Lock lock(mutex_);
  if (!install_secret_.empty()) return install_secret_;
  const bool own_unit = transaction_depth_ == 0;
  std::string secret;
  bool stored_before = false;
  transaction([&] {
    {
      auto found = db_.query(sql::kMetaGet);
      found.bind(kInstallSecretKey);
      if (found.step()) {
        secret = found.text(0);
        stored_before = true;
        return;
      }
    }
    db_.run(sql::kMetaInsert, kInstallSecretKey, random_hex(32));
    auto stored = db_.query(sql::kMetaGet);
    stored.bind(kInstallSecretKey);
    if (!stored.step()) throw StoreError("store install_secret: missing after insert");
    secret = stored.text(0);
  });
  // A secret created inside a caller's transaction may still roll back: cache it only once committed.
  if (stored_before || own_unit) install_secret_ = secret;
  return secret;
}

}  // namespace topicdesk::store
