// SqlStore: API key hashes (ApiKeyStore) and dialog pages (DialogStore) for the Topics API.
#include "store/sql/sql_api.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {
using Lock = std::lock_guard<std::recursive_mutex>;
}  // namespace

void SqlStore::set_api_key_hash(ConnectionId id, const std::string& key_hash, UnixMillis now) {
  Lock lock(mutex_);
  db_.run(sql::kSetApiKeyHash, id, key_hash, now);
}

std::vector<ApiKeyRecord> SqlStore::api_keys() {
  Lock lock(mutex_);
  auto q = db_.query(sql::kApiKeys);
  std::vector<ApiKeyRecord> out;
  while (q.step()) out.push_back(ApiKeyRecord{q.int64(0), q.text(1), q.int64(2)});
  return out;
}

std::vector<DialogWithUser> SqlStore::dialogs_page(ConnectionId id, std::optional<DialogStatus> status,
                                                   DialogId after_id, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(status ? sql::kDialogsPageWithStatus : sql::kDialogsPage);
  if (status)
    q.bind_all(id, after_id, limit, to_string(*status));
  else
    q.bind_all(id, after_id, limit);
  return all_dialogs_with_users(q);
}

}  // namespace topicdesk::store
