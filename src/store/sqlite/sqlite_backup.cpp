#include "store/sqlite/sqlite_backup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include "core/file_lock.h"
#include "store/migrations/migrations.h"
#include "store/sqlite/database_files.h"
#include "store/store.h"

namespace topicdesk::store {
namespace fs = std::filesystem;

namespace {

constexpr mode_t kFileMode = 0600;
constexpr int kBusyTimeoutMs = 5000;
constexpr int kIntegrityRowsShown = 5;
constexpr int kBusyRetries = 500;
constexpr int kBusyPauseMs = 10;

StoreError::Kind kind_of(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StoreError::Kind::kBusy;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_NOMEM:
      return StoreError::Kind::kStorage;
    default:
      return StoreError::Kind::kOther;
  }
}

[[noreturn]] void fail_errno(const std::string& what, int error) {
  throw StoreError(fmt::format("{}: {}", what, std::strerror(error)), StoreError::Kind::kStorage);
}

// One sqlite3 connection on an existing file (never creates one).
class Connection {
 public:
  // `shown` names the file in messages (a copy is checked under its original's name).
  explicit Connection(const std::string& path, std::string shown = {})
      : path_(shown.empty() ? path : std::move(shown)) {
    const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close_v2(db_);
      db_ = nullptr;
      throw StoreError(fmt::format("cannot open {}: {}", path_, message), kind_of(rc));
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  }
  ~Connection() { sqlite3_close_v2(db_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

  [[noreturn]] void fail(const std::string& what, int rc) const {
    throw StoreError(fmt::format("{} {}: {}", what, path_, sqlite3_errmsg(db_)), kind_of(rc));
  }

  void exec(const char* sql, const char* what) const {
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(what, rc);
  }

  // Every row's first column as text.
  std::vector<std::string> rows(const char* sql, const char* what) const {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr);
    if (rc != SQLITE_OK) fail(what, rc);
    std::vector<std::string> out;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      out.emplace_back(text != nullptr ? text : "");
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) fail(what, rc);
    return out;
  }

  std::int64_t number(const char* sql, const char* what) const {
    auto out = rows(sql, what);
    return out.empty() ? 0 : std::stoll(out.front());
  }

  bool has_table(const std::string& name) const {
    const auto sql =
        fmt::format("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = '{}'", name);
    return number(sql.c_str(), "reading the tables of") > 0;
  }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// Removes a temporary database (and what SQLite may have put beside it) unless kept.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::string path) : path_(std::move(path)) {}
  ~TemporaryFile() {
    if (kept_) return;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  const std::string& path() const { return path_; }
  void keep() { kept_ = true; }

  // Creates it empty with mode 0600 (a leftover of the same name is replaced).
  void create() const {
    ::unlink(path_.c_str());
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode);
    if (fd < 0) fail_errno(fmt::format("cannot create {}", path_), errno);
    ::close(fd);
  }

 private:
  std::string path_;
  bool kept_ = false;
};

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) fail_errno(fmt::format("cannot open {} to sync it", path), errno);
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) fail_errno(fmt::format("cannot sync {} to disk", path), error);
}

std::string folder_of(const std::string& path) {
  const auto folder = fs::path(path).parent_path();
  return folder.empty() ? "." : folder.string();
}

// rename(2), then the folder synced so that the new name survives a power loss.
void rename_durably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    fail_errno(fmt::format("cannot rename {} to {}", from, to), errno);
  fsync_path(folder_of(to), O_RDONLY | O_DIRECTORY);
}

std::int64_t size_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::int64_t>(st.st_size) : -1;
}

// Byte copy of `from` into the (new, 0600) file `to`, synced.
void copy_file(const std::string& from, const std::string& to) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) fail_errno(fmt::format("cannot read {}", from), errno);
  const int out = ::open(to.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (out < 0) {
    const int error = errno;
    ::close(in);
    fail_errno(fmt::format("cannot write {}", to), error);
  }
  std::vector<char> buffer(1 << 20);
  std::string problem;
  int error = 0;
  for (;;) {
    const ssize_t got = ::read(in, buffer.data(), buffer.size());
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      error = errno, problem = fmt::format("cannot read {}", from);
      break;
    }
    for (ssize_t done = 0; done < got;) {
      const ssize_t put = ::write(out, buffer.data() + done, static_cast<std::size_t>(got - done));
      if (put < 0) {
        if (errno == EINTR) continue;
        error = errno, problem = fmt::format("cannot write {}", to);
        break;
      }
      done += put;
    }
    if (error != 0) break;
  }
  if (error == 0 && ::fsync(out) != 0) error = errno, problem = fmt::format("cannot sync {} to disk", to);
  ::close(in);
  ::close(out);
  if (error != 0) fail_errno(problem, error);
}

std::string utc_stamp(core::UnixMillis now) {
  const std::time_t seconds = static_cast<std::time_t>(now / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &tm);
  return text;
}

// The database's files that hold data: the file itself and its WAL (a -shm is an index only).
bool holds_data(const std::string& path) { return size_of(path) > 0 || size_of(path + "-wal") > 0; }

constexpr const char* kTakenFromKey = "backup.taken_from";

const char* to_text(TakenFrom from) {
  switch (from) {
    case TakenFrom::kRunningDesk:
      return "running desk";
    case TakenFrom::kStoppedDesk:
      return "stopped desk";
    case TakenFrom::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace

// Whether some process holds a flock on `path` (the instance lock: a desk runs), read from
// /proc/locks by the file's inode, so that looking never takes the lock from a desk starting
// at this moment. Unknown when the file or /proc/locks cannot be read.
TakenFrom desk_state(const std::string& database_path) {
  struct stat st {};
  if (::stat(lock_file_path(database_path).c_str(), &st) != 0) return TakenFrom::kStoppedDesk;  // never ran
  std::ifstream locks("/proc/locks");
  if (!locks) return TakenFrom::kUnknown;
  const std::string inode = fmt::format(":{}", st.st_ino);
  for (std::string line; std::getline(locks, line);) {
    // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
    std::istringstream fields(line);
    std::string number, type, advisory, mode, pid, device;
    if (!(fields >> number >> type >> advisory >> mode >> pid >> device) || type != "FLOCK") continue;
    if (device.size() > inode.size() && device.ends_with(inode)) return TakenFrom::kRunningDesk;
  }
  return TakenFrom::kStoppedDesk;
}

SnapshotFacts inspect_snapshot(const std::string& path, const std::string& shown_as) {
  SnapshotFacts facts;
  {
    Connection db(path, shown_as);
    const std::string& name = db.path();
    std::vector<std::string> problems;
    try {
      problems = db.rows(fmt::format("PRAGMA integrity_check({})", kIntegrityRowsShown).c_str(), "checking");
    } catch (const StoreError& e) {
      throw StoreError(
          fmt::format("{} is not a readable SQLite database ({})", name, sqlite3_errmsg(db.get())), e.kind());
    }
    if (problems != std::vector<std::string>{"ok"}) {
      std::string shown;
      for (const auto& p : problems) shown += (shown.empty() ? "" : "; ") + p;
      std::replace(shown.begin(), shown.end(), '\n', ' ');
      throw StoreError(fmt::format("{} is damaged: integrity_check says: {}", name, shown));
    }
    if (!db.has_table("schema_migrations")) {
      throw StoreError(
          fmt::format("{} is not a topicdesk database (it has no schema_migrations table)", name));
    }
    facts.schema_version = static_cast<int>(db.number(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", "reading the schema version of"));
    if (db.has_table("dialogs"))
      facts.dialogs = db.number("SELECT COUNT(*) FROM dialogs", "counting dialogs in");
    if (db.has_table("outbox")) {
      facts.pending_jobs =
          db.number("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", "counting outbox jobs in");
    }
    if (db.has_table("desk_meta")) {
      const auto from = db.rows(
          fmt::format("SELECT value FROM desk_meta WHERE meta_key = '{}'", kTakenFromKey).c_str(), "reading");
      if (!from.empty() && from.front() == to_text(TakenFrom::kRunningDesk))
        facts.taken_from = TakenFrom::kRunningDesk;
      if (!from.empty() && from.front() == to_text(TakenFrom::kStoppedDesk))
        facts.taken_from = TakenFrom::kStoppedDesk;
    }
    if (db.has_table("inbox")) {
      facts.pending_updates =
          db.number("SELECT COUNT(*) FROM inbox WHERE done = 0", "counting inbox updates in");
    }
  }  // closed: SQLite folds a WAL it made back into the file and removes it
  facts.bytes = size_of(path);
  return facts;
}

SnapshotFacts backup_sqlite(const std::string& database_path, const std::string& out_path,
                            const BackupOptions& options) {
  if (size_of(database_path) < 0) {
    throw StoreError(
        fmt::format("the database {} does not exist (is [storage] sqlite right?)", database_path));
  }
  if (fs::is_directory(out_path)) {
    throw StoreError(
        fmt::format("{} is a folder; give the backup a file name, e.g. {}/topicdesk.db", out_path, out_path));
  }
  if (size_of(out_path) >= 0 && !options.force) {
    throw StoreError(fmt::format("{} exists; pass --force to replace it", out_path));
  }
  const std::string folder = folder_of(out_path);
  if (!fs::is_directory(folder)) throw StoreError(fmt::format("the folder {} does not exist", folder));

  const TakenFrom taken_from = desk_state(database_path);
  TemporaryFile partial(
      fmt::format("{}/.{}.partial-{}", folder, fs::path(out_path).filename().string(), ::getpid()));
  partial.create();
  {
    Connection source(database_path);
    // One read transaction for the whole copy: every step reads the same snapshot, and the
    // desk's commits meanwhile neither restart the copy nor wait for it (WAL).
    source.exec("BEGIN", "starting a read transaction on");
    source.number("SELECT COUNT(*) FROM sqlite_schema", "reading");
    Connection target(partial.path());
    sqlite3_backup* backup = sqlite3_backup_init(target.get(), "main", source.get(), "main");
    if (backup == nullptr) target.fail("cannot start the backup into", sqlite3_errcode(target.get()));
    int rc = SQLITE_OK;
    for (int busy = 0;
         rc == SQLITE_OK || ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && busy < kBusyRetries);) {
      if (rc != SQLITE_OK) ++busy, sqlite3_sleep(kBusyPauseMs);  // another writer of the target file
      rc = sqlite3_backup_step(backup, options.pages_per_step);
    }
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) {
      throw StoreError(fmt::format("writing the backup {} failed: {}; the partial file was removed",
                                   partial.path(), sqlite3_errstr(rc)),
                       kind_of(rc));
    }
    source.exec("COMMIT", "ending the read transaction on");
    // Whether the work pending in the copy was in flight (a desk ran on) or waiting (stopped).
    if (target.has_table("desk_meta")) {
      target.exec(
          fmt::format("INSERT INTO desk_meta(meta_key, value) VALUES ('{}', '{}') ON CONFLICT(meta_key) DO "
                      "UPDATE SET value = excluded.value",
                      kTakenFromKey, to_text(taken_from))
              .c_str(),
          "writing the backup");
    }
  }
  SnapshotFacts facts;
  try {
    facts = inspect_snapshot(partial.path(), fmt::format("the copy {}", partial.path()));
  } catch (const StoreError& e) {
    throw StoreError(fmt::format("the copy of {} did not pass its check: {}", database_path, e.what()),
                     e.kind());
  }
  ::chmod(partial.path().c_str(), kFileMode);
  fsync_path(partial.path(), O_RDONLY);
  rename_durably(partial.path(), out_path);
  partial.keep();
  facts.bytes = size_of(out_path);
  return facts;
}

RestoreOutcome restore_sqlite(const std::string& snapshot_path, const std::string& database_path,
                              core::UnixMillis now, const RestoreOptions& options) {
  if (size_of(snapshot_path) < 0 || fs::is_directory(snapshot_path)) {
    throw StoreError(fmt::format("the snapshot {} does not exist or is not a file", snapshot_path));
  }
  prepare_database_folder(database_path);
  // Held to the end: a desk on this database refuses to start while the restore runs.
  auto lock = core::FileLock::acquire(lock_file_path(database_path));
  if (!lock) {
    if (lock.error().code == core::ErrorCode::kConflict) {
      throw StoreError(fmt::format("a desk is running on {} (it holds the lock {}); stop it, then restore",
                                   database_path, lock_file_path(database_path)));
    }
    throw StoreError(lock.error().message, StoreError::Kind::kStorage);
  }

  RestoreOutcome outcome;
  TemporaryFile copy(fmt::format("{}.restore-partial-{}", database_path, ::getpid()));
  copy.create();
  copy_file(snapshot_path, copy.path());
  try {
    outcome.snapshot = inspect_snapshot(copy.path(), snapshot_path);
  } catch (const StoreError& e) {
    throw StoreError(fmt::format("{}; nothing was restored", e.what()), e.kind());
  }
  outcome.snapshot.bytes = size_of(snapshot_path);
  if (outcome.snapshot.schema_version > migrations::newest_version()) {
    throw StoreError(fmt::format(
        "the snapshot {} has schema version {}, newer than this topicdesk knows ({}): restore it with the "
        "topicdesk version that made it, or a newer one",
        snapshot_path, outcome.snapshot.schema_version, migrations::newest_version()));
  }

  if (holds_data(database_path)) {
    if (!options.force) {
      throw StoreError(fmt::format(
          "{} already holds a database; pass --force to restore over it (the current files are kept as "
          "{}.before-restore-<time>, not deleted)",
          database_path, database_path));
    }
    std::string aside = fmt::format("{}.before-restore-{}", database_path, utc_stamp(now));
    for (int n = 2; size_of(aside) >= 0 || size_of(aside + "-wal") >= 0; ++n) {
      aside = fmt::format("{}.before-restore-{}-{}", database_path, utc_stamp(now), n);
    }
    if (size_of(database_path + "-wal") >= 0) rename_durably(database_path + "-wal", aside + "-wal");
    if (size_of(database_path) >= 0) rename_durably(database_path, aside);
    outcome.kept_aside = aside;
  }
  for (const char* stale : {"-wal", "-shm", "-journal"}) ::unlink((database_path + stale).c_str());
  ::chmod(copy.path().c_str(), kFileMode);
  rename_durably(copy.path(), database_path);
  copy.keep();

  // The lock stays ours; a tool's open takes none and applies the pending migrations.
  auto store = open_sqlite(database_path, OpenAs::kTool);
  outcome.schema_version = store->schema_version();
  {
    Connection restored(database_path);  // the mark belongs to the snapshot, not to the desk from now on
    restored.exec(fmt::format("DELETE FROM desk_meta WHERE meta_key = '{}'", kTakenFromKey).c_str(),
                  "restoring");
  }
  const bool settle = options.pending == RestoreOptions::Pending::kSettle ||
                      (options.pending == RestoreOptions::Pending::kAuto &&
                       outcome.snapshot.taken_from != TakenFrom::kStoppedDesk);
  if (settle) {
    const auto in_flight =
        fmt::format("not done: in flight when the backup was taken (restored {})", utc_stamp(now));
    store->transaction([&] {
      for (const auto& connection : store->connections()) {
        for (auto entries = store->inbox_pending(connection.id, 1000); !entries.empty();
             entries = store->inbox_pending(connection.id, 1000)) {
          for (const auto& entry : entries) store->inbox_done(entry.id);
          outcome.settled_updates += static_cast<std::int64_t>(entries.size());
        }
      }
      const auto never = std::numeric_limits<core::UnixMillis>::max();
      for (auto jobs = store->outbox_ready(never, 1000, {}); !jobs.empty();
           jobs = store->outbox_ready(never, 1000, {})) {
        for (const auto& job : jobs) store->outbox_fail(job.id, in_flight);
        outcome.settled_jobs += static_cast<std::int64_t>(jobs.size());
      }
    });
  }
  return outcome;
}

}  // namespace topicdesk::store
