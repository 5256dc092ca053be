#include "store/sqlite/sqlite_store.h"

#include <fmt/format.h>

#include <stdexcept>

namespace topicdesk::store {

using Lock = std::lock_guard<std::recursive_mutex>;

constexpr int kCheckpointEveryMs = 200;
// The WAL is checkpointed by a thread of its own (wal_checkpointer.h), PASSIVE, every 200 ms, so
// the event loop never copies it. But the WAL starts over from its beginning only when every
// frame in it was copied before the next write, and under a steady stream of commits the thread
// never catches up with the last one: the WAL grew by 180 MB a second at 5,000 relayed
// messages a second, every write a new page of the file. So the writer checkpoints too, when
// the WAL passes this many pages (16 MB): nearly all of it is copied already, the rest is a short
// copy, and the next write starts the WAL over. In ordinary traffic the thread keeps the WAL
// far below it and the event loop never checkpoints.
constexpr int kWalAutocheckpointPages = 4096;
// A WAL that grew (a long burst) is cut back to this size when it starts over.
constexpr std::int64_t kWalSizeLimitBytes = std::int64_t{64} << 20;
// How long a statement waits for another connection's write lock before failing with a kBusy
// StoreError (store_error.h). A running desk calls the store on its event loop, several times
// in one turn, and is the only writer of its database (the instance lock), so a held lock
// means another process (a tool, an operator's sqlite3): a few milliseconds ride out a tool's
// short write, and a longer hold fails fast; the work stays pending and the caller retries it
// with its backoff, while /healthz keeps answering at once (docs/operations.md).
constexpr int kDeskBusyTimeoutMs = 5;
// Opening and migrating (a desk starting, or a command-line tool beside a running desk) runs
// on no event loop: waiting for the other side's transaction is the right thing to do there.
constexpr int kOpenBusyTimeoutMs = 5000;

namespace {

bool is_file(const std::string& path) { return path != ":memory:" && !path.empty(); }

// Runs before the database is opened: its folder and file exist with private modes, and a
// desk holds the instance lock before it touches the database (migrations included).
std::unique_ptr<InstanceLock> prepare_files(const std::string& path, OpenAs as) {
  if (!is_file(path)) return nullptr;
  prepare_database_files(path);
  if (as == OpenAs::kTool) return nullptr;
  return std::make_unique<InstanceLock>(path);
}

}  // namespace

SqliteStore::SqliteStore(const std::string& path, OpenAs as)
    : SqliteInstanceLock{prepare_files(path, as)}, SqlStore(std::make_unique<SqliteDb>(path)), as_(as) {
  apply_pragmas();
  if (is_file(path)) {
    db().exec_script(fmt::format("PRAGMA wal_autocheckpoint = {}; PRAGMA journal_size_limit = {};",
                                 kWalAutocheckpointPages, kWalSizeLimitBytes),
                     "pragmas");
    restrict_database_files(path);
    checkpointer_ = std::make_unique<WalCheckpointer>(path, kCheckpointEveryMs);
  }
}

SqliteStore& sqlite_store(Store& store) {
  auto* sqlite = dynamic_cast<SqliteStore*>(&store);
  if (sqlite == nullptr) throw std::invalid_argument("sqlite_store: this store is not an SQLite store");
  return *sqlite;
}

void SqliteStore::apply_pragmas() {
  // Durability: WAL with synchronous=NORMAL commits without an fsync per transaction. A commit
  // survives the process being killed (SIGKILL, crash) because it is in the WAL file the OS
  // already holds; only a power loss or kernel crash may drop the last transactions. That is
  // the failure our crash tests exercise, and it keeps 5,000 relayed messages/s affordable.
  // Pages of 1 KB (a new database; an existing one keeps its size): a commit writes every page
  // it changed whole, to the WAL and again at the checkpoint, and a message's commits change a
  // few rows in each of many tables and indexes, so the page is what a message costs in bytes
  // written: 1 KB pages write 38% less than 4 KB ones at everyday load (docs/performance.md).
  db().exec_script(
      "PRAGMA page_size = 1024;"
      "PRAGMA journal_mode = WAL;"
      "PRAGMA synchronous = NORMAL;"
      "PRAGMA foreign_keys = ON;"
      "PRAGMA temp_store = MEMORY;",
      "pragmas");
  set_busy_timeout(kOpenBusyTimeoutMs);
}

void SqliteStore::set_busy_timeout(int milliseconds) {
  db().exec_script(fmt::format("PRAGMA busy_timeout = {};", milliseconds), "pragmas");
}

void SqliteStore::migrate() {
  Lock lock(mutex_);
  SqlStore::migrate();
  // Ready for the desk's event loop from here on; a tool keeps waiting for the lock.
  if (as_ == OpenAs::kDesk) set_busy_timeout(kDeskBusyTimeoutMs);
}

Upkeep SqliteStore::upkeep() { return checkpointer_ ? checkpointer_->upkeep() : Upkeep{}; }

std::unique_ptr<Store> open_sqlite(const std::string& path, OpenAs as) {
  auto store = std::make_unique<SqliteStore>(path, as);
  store->migrate();
  return store;
}

}  // namespace topicdesk::store
