// The Store on SQLite: the shared store logic (sql/sql_store.h) on one SQLite file in WAL mode,
// plus what only SQLite has: the database's folder and file modes, a desk's instance lock, the
// pragmas and busy timeouts, and the background WAL checkpoint (upkeep()).
#pragma once
#include <memory>
#include <string>

#include "store/sql/sql_store.h"
#include "store/sqlite/database_files.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/wal_checkpointer.h"
#include "store/store.h"

namespace topicdesk::store {

// Holds a desk's instance lock; a base of SqliteStore so that it is taken before the database
// is opened (migrations included) and released after it is closed.
struct SqliteInstanceLock {
  std::unique_ptr<InstanceLock> instance_lock;  // a desk's file only
};

class SqliteStore final : private SqliteInstanceLock, public SqlStore {
 public:
  // See open_sqlite (store.h): files, modes, the instance lock. Does not migrate.
  explicit SqliteStore(const std::string& path, OpenAs as = OpenAs::kDesk);

  void migrate() override;   // then the desk's short busy timeout
  Upkeep upkeep() override;  // the background WAL checkpoint

 private:
  void apply_pragmas();
  void set_busy_timeout(int milliseconds);

  OpenAs as_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // files only; ":memory:" has no WAL
};

// The SQLite store behind `store`; std::invalid_argument if it is another backend.
SqliteStore& sqlite_store(Store& store);

}  // namespace topicdesk::store
