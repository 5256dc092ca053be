#include "store/postgres/postgres_store.h"

#include <fmt/format.h>

#include "store/postgres/pg_connection.h"

namespace topicdesk::store {

PostgresStore::PostgresStore(const std::string& uri) : SqlStore(std::make_unique<PgConnection>(uri)) {}

std::unique_ptr<Store> open_postgres(const std::string& uri, OpenAs) {
  auto store = std::make_unique<PostgresStore>(uri);
  store->migrate();  // may wait for another instance's migrations (an advisory lock)
  // From now on nothing waits long: a desk instance paused or cut off inside a transaction
  // would otherwise hold its row locks (a lease, a claim) and stall every other instance with
  // it. The server ends such a transaction after kIdleInTransaction; a wait for a lock ends
  // after kLockTimeout as busy, and the caller retries (several-instances.md).
  store->with_connection([](sql::Connection& connection) {
    static_cast<PgConnection&>(connection)
        .set_session(fmt::format("SET lock_timeout = {}; SET idle_in_transaction_session_timeout = {}",
                                 kLockTimeout.count(), kIdleInTransaction.count()));
  });
  return store;
}

}  // namespace topicdesk::store
