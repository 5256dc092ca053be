#include "store/postgres/postgres_store.h"

#include "store/postgres/pg_connection.h"

namespace topicdesk::store {

PostgresStore::PostgresStore(const std::string& uri) : SqlStore(std::make_unique<PgConnection>(uri)) {}

std::unique_ptr<Store> open_postgres(const std::string& uri, OpenAs) {
  auto store = std::make_unique<PostgresStore>(uri);
  store->migrate();
  return store;
}

}  // namespace topicdesk::store
