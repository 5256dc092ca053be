// A thin, exception-throwing wrapper over one sqlite3 connection: a cache of prepared
// statements and a Query that binds, steps and reads columns. Not thread-safe by itself;
// SqliteStore serialises access.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/sqlite/sqlite_sql.h"

struct sqlite3;
struct sqlite3_stmt;

namespace topicdesk::store {

// One use of a cached statement. Bind parameters in order, then step(); the statement is
// reset (and its bindings cleared) when the Query goes away, ready for the next use.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt, const char* name);
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

  sqlite3* db_;
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

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const sqlite_sql::Sql*, sqlite3_stmt*> statements_;
};

}  // namespace topicdesk::store
