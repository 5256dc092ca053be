#include "app/open_store.h"

#include <filesystem>

namespace topicdesk::app {

std::unique_ptr<store::Store> open_store(const StorageConfig& storage, store::OpenAs as) {
  if (storage.uses_postgres()) return store::open_postgres(storage.postgres_uri, as);
  return store::open_sqlite(storage.sqlite_path, as);
}

}  // namespace topicdesk::app
