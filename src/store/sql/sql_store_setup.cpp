// SqlStore: the setup bot's admins, languages and claim code (SetupStore).
#include "store/sql/sql_setup.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {
using Lock = std::lock_guard<std::recursive_mutex>;
}  // namespace

void SqlStore::set_setup_claim_code(const std::string& code_hash, UnixMillis expires_at) {
  Lock lock(mutex_);
  db_.run(sql::kSetupClaimCodeSet, code_hash, expires_at);
}

std::optional<SetupClaimCode> SqlStore::setup_claim_code() {
  Lock lock(mutex_);
  auto q = db_.query(sql::kSetupClaimCode);
  if (!q.step()) return std::nullopt;
  SetupClaimCode code;
  code.code_hash = q.text(0);
  code.expires_at = q.int64(1);
  code.used_by = q.int64(2);
  code.used_at = q.int64(3);
  return code;
}

bool SqlStore::claim_setup_admin(const std::string& code_hash, UserId user, UnixMillis now) {
  Lock lock(mutex_);
  bool claimed = false;
  transaction([&] {
    auto use = db_.query(sql::kSetupClaimCodeUse);
    use.bind_all(code_hash, user, now);
    use.run();
    claimed = use.changes() > 0;
    if (claimed) db_.run(sql::kSetupAdminAdd, user, now);
  });
  return claimed;
}

bool SqlStore::is_claimed_setup_admin(UserId user) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kSetupAdminIs);
  q.bind_all(user);
  return q.step();
}

std::vector<UserId> SqlStore::claimed_setup_admins() {
  Lock lock(mutex_);
  std::vector<UserId> admins;
  auto q = db_.query(sql::kSetupAdmins);
  while (q.step()) admins.push_back(q.int64(0));
  return admins;
}

std::optional<std::string> SqlStore::setup_language(UserId user) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kSetupLanguage);
  q.bind_all(user);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

void SqlStore::set_setup_language(UserId user, const std::string& language) {
  Lock lock(mutex_);
  db_.run(sql::kSetupLanguageSet, user, language);
}

}  // namespace topicdesk::store
