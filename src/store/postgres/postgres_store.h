// The Store on PostgreSQL: the shared store logic (sql/sql_store.h) on one libpq connection
// (pg_connection.h), guarded by the store's mutex and called synchronously, as the SQLite
// store is. Migrations are the shared ones, rendered for PostgreSQL (migrations.h).
//
// Not yet: store work off the event loop (a call waits for the server's round trip), and
// several desk instances on one database (no leases; a desk assumes it is the only writer).
#pragma once
#include <memory>
#include <string>

#include "store/sql/sql_store.h"
#include "store/store.h"

namespace topicdesk::store {

class PostgresStore final : public SqlStore {
 public:
  // Connects (see open_postgres in store.h). Does not migrate.
  explicit PostgresStore(const std::string& uri);
};

}  // namespace topicdesk::store
