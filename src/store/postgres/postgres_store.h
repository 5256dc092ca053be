// The Store on PostgreSQL: the shared store logic (sql/sql_store.h) on one libpq connection
// (pg_connection.h), guarded by the store's mutex and called synchronously, as the SQLite
// store is. Migrations are the shared ones, rendered for PostgreSQL (migrations.h).
//
// Not yet: store work off the event loop (a call waits for the server's round trip). Several
// desk instances share one database through leases (lease_store.h).
#pragma once
#include <chrono>
#include <memory>
#include <string>

#include "store/sql/sql_store.h"
#include "store/store.h"

namespace topicdesk::store {

// The longest a desk's session waits for a row lock, and keeps a transaction open without a
// statement, before the server gives up on it (open_postgres sets both).
inline constexpr std::chrono::milliseconds kLockTimeout{2000};
inline constexpr std::chrono::milliseconds kIdleInTransaction{3000};

class PostgresStore final : public SqlStore {
 public:
  // Connects (see open_postgres in store.h). Does not migrate.
  explicit PostgresStore(const std::string& uri);
};

}  // namespace topicdesk::store
