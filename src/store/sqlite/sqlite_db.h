// A thin, exception-throwing wrapper over one sqlite3 connection: a cache of prepared
// statements and a Query that binds, steps and reads columns. Not thread-safe by itself;
// SqliteStore serialises access.
//
// Errors are StoreErrors whose kind follows SQLite's primary result code: BUSY, LOCKED and
// PROTOCOL are kBusy; FULL, IOERR, NOMEM, CANTOPEN and READONLY are kStorage; the rest kOther.
//
// Fault plan (tests only): every commit, explicit (COMMIT) or implicit (a write outside a
// transaction), passes a commit hook. The plan makes chosen commits fail there; SQLite then
// rolls the transaction back and the statement fails, exactly as a commit that hits a full
// disk, and the StoreError carries the plan's kind.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/sql/sql_core.h"
#include "store/store_error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace topicdesk::store {

class SqliteDb;

// Which commits fail (see above). The default plan fails none.
struct FaultPlan {
  std::int64_t fail_commit = 0;    // the Nth commit from now fails (1 = the next one); 0: none
  bool fail_every_commit = false;  // every commit fails while set
  StoreError::Kind kind = StoreError::Kind::kStorage;  // how the failure is reported
};

// One use of a cached statement. Bind parameters in order, then step(); the statement is
// reset (and its bindings cleared) when the Query goes away, ready for the next use.
class Query {
 public:
  Query(SqliteDb& owner, sqlite3_stmt* stmt, const char* name);
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query();

  Query& bind(std::int64_t value);
  Query& bind(int value) { return bind(static_cast<std::int64_t>(value)); }
  Query& bind(bool value) { return bind(static_cast<std::int64_t>(value ? 1 : 0)); }
  Query& bind(std::string_view value);
  Query& bind(const std::string& value) { return bind(std::string_view(value)); }
  Query& bind(const char* value) { return bind(std::string_view(value)); }

  template <class... Args>
  Query& bind_all(const Args&... args) {
    (bind(args), ...);
    return *this;
  }

  bool step();  // true while a row is available
  void run();   // steps to the end, discarding rows
  int changes() const;

  std::int64_t int64(int column) const;
  bool boolean(int column) const { return int64(column) != 0; }
  std::string text(int column) const;

 private:
  [[noreturn]] void fail(int rc) const;

  SqliteDb& owner_;
  sqlite3_stmt* stmt_;
  const char* name_;
  int next_index_ = 1;
};

class SqliteDb {
 public:
  explicit SqliteDb(const std::string& path);
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  // The cached prepared statement for `sql`, prepared on first use.
  Query query(const sqlite_sql::Sql& sql);
  template <class... Args>
  void run(const sqlite_sql::Sql& sql, const Args&... args) {
    query(sql).bind_all(args...).run();
  }
  // Runs a script of several statements (migrations, PRAGMAs); not cached.
  void exec_script(const std::string& sql, const char* name);

  // The error for result code `rc` of `operation`, with the database's message and the kind.
  StoreError error(const char* operation, int rc);

  void set_fault_plan(const FaultPlan& plan);        // replaces the previous plan; counting restarts
  std::int64_t commits() const { return commits_; }  // since open, failed ones included
  std::int64_t commits_failed() const { return commits_failed_; }  // by the fault plan

 private:
  friend class Query;
  static int on_commit(void* self);

  sqlite3* db_ = nullptr;
  FaultPlan plan_;
  std::int64_t commits_ = 0;
  std::int64_t commits_in_plan_ = 0;
  std::int64_t commits_failed_ = 0;
  bool fault_pending_ = false;  // the hook failed a commit; its error is not reported yet
  std::unordered_map<const sqlite_sql::Sql*, sqlite3_stmt*> statements_;
};

}  // namespace topicdesk::store
