// The SQLite connection of the store (sql/connection.h): one sqlite3 connection, a cache of
// prepared statements and their Statement implementation. Not thread-safe by itself;
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
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/sql/connection.h"
#include "store/store_error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace topicdesk::store {

class SqliteDb;

// A statement prepared on the SQLite connection (see sql::Statement).
class SqliteStatement final : public sql::Statement {
 public:
  SqliteStatement(SqliteDb& owner, sqlite3_stmt* stmt, const char* name)
      : owner_(owner), stmt_(stmt), name_(name) {}
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement() override;

  void bind(int index, std::int64_t value) override;
  void bind(int index, std::string_view value) override;
  bool step() override;
  int changes() const override;
  std::int64_t int64(int column) const override;
  std::string text(int column) const override;
  void reset() override;

 private:
  [[noreturn]] void fail(int rc) const;

  SqliteDb& owner_;
  sqlite3_stmt* stmt_;
  const char* name_;
};

class SqliteDb final : public sql::Connection {
 public:
  explicit SqliteDb(const std::string& path);
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb() override;

  sql::Dialect dialect() const override { return sql::Dialect::kSqlite; }
  const std::string& location() const override { return path_; }
  // The cached prepared statement for `sql`, prepared on first use.
  sql::Query query(const sql::Sql& sql) override;
  // Runs a script of several statements (migrations, PRAGMAs); not cached.
  void exec_script(const std::string& sql, const char* name) override;

  // The error for result code `rc` of `operation`, with the database's message and the kind.
  StoreError error(const char* operation, int rc);

  void set_fault_plan(const sql::FaultPlan& plan) override;  // counting restarts
  std::int64_t commits() const override { return commits_; }
  std::int64_t commits_failed() const override { return commits_failed_; }

 private:
  friend class SqliteStatement;
  static int on_commit(void* self);

  std::string path_;
  sqlite3* db_ = nullptr;
  sql::FaultPlan plan_;
  std::int64_t commits_ = 0;
  std::int64_t commits_in_plan_ = 0;
  std::int64_t commits_failed_ = 0;
  bool fault_pending_ = false;  // the hook failed a commit; its error is not reported yet
  std::unordered_map<const sql::Sql*, std::unique_ptr<SqliteStatement>> statements_;
};

}  // namespace topicdesk::store
