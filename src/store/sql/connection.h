// What the store logic (sql_store.h) needs of a database connection, so that one implementation
// of it serves every SQL backend: SQLite (sqlite/sqlite_db.h) and PostgreSQL
// (postgres/pg_connection.h). A Connection runs named statements (Sql), each prepared once per
// connection and reused; a Query binds its parameters in order, steps through the rows and
// reads columns as int64 or text. Not thread-safe by itself; the store serialises access.
//
// Statements are written once, in SQLite's text with numbered parameters (?1, ?2, ...). Most
// are portable: a PostgreSQL connection prepares them with ?N rewritten to $N. A statement
// whose text must differ carries its PostgreSQL text beside the SQLite one (Sql::postgres).
//
// Failures throw StoreError (store_error.h); each backend maps its own codes to the kinds and
// names the statement in the message.
//
// Fault plan (tests only): chosen commits fail as a failing disk would; the transaction is
// rolled back and the StoreError carries the plan's kind. SQLite counts every commit, explicit
// or implicit (a write outside a transaction); PostgreSQL counts the store's explicit COMMITs.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "store/store_error.h"

namespace topicdesk::store::sql {

enum class Dialect { kSqlite, kPostgres };

// A statement and the name used in error messages; its address is the cache key. `postgres`
// is the PostgreSQL text where it differs from `text` by more than the placeholders.
struct Sql {
  const char* name;
  const char* text;
  const char* postgres = nullptr;
};

// Which commits fail (see above). The default plan fails none.
struct FaultPlan {
  std::int64_t fail_commit = 0;    // the Nth commit from now fails (1 = the next one); 0: none
  bool fail_every_commit = false;  // every commit fails while set
  StoreError::Kind kind = StoreError::Kind::kStorage;  // how the failure is reported
};

// One prepared statement of a connection, owned and cached by it. Parameters and columns
// count as each backend does (parameters from 1, columns from 0); Query hides the counting.
class Statement {
 public:
  virtual ~Statement() = default;
  virtual void bind(int index, std::int64_t value) = 0;
  virtual void bind(int index, std::string_view value) = 0;  // copied: temporaries are fine
  virtual bool step() = 0;                                   // true while a row is available
  virtual int changes() const = 0;                   // rows the statement inserted, updated or deleted
  virtual std::int64_t int64(int column) const = 0;  // NULL reads as 0
  virtual std::string text(int column) const = 0;    // NULL reads as ""
  virtual void reset() = 0;                          // ready for the next use: bindings and rows dropped
};

// One use of a cached statement. Bind parameters in order, then step(); the statement is
// reset when the Query goes away, ready for the next use.
class Query {
 public:
  explicit Query(Statement& statement) : statement_(statement) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query() { statement_.reset(); }

  Query& bind(std::int64_t value) {
    statement_.bind(next_index_++, value);
    return *this;
  }
  Query& bind(int value) { return bind(static_cast<std::int64_t>(value)); }
  Query& bind(bool value) { return bind(static_cast<std::int64_t>(value ? 1 : 0)); }
  Query& bind(std::string_view value) {
    statement_.bind(next_index_++, value);
    return *this;
  }
  Query& bind(const std::string& value) { return bind(std::string_view(value)); }
  Query& bind(const char* value) { return bind(std::string_view(value)); }

  template <class... Args>
  Query& bind_all(const Args&... args) {
    (bind(args), ...);
    return *this;
  }

  bool step() { return statement_.step(); }
  void run() {  // steps to the end, discarding rows
    while (step()) {
    }
  }
  int changes() const { return statement_.changes(); }

  std::int64_t int64(int column) const { return statement_.int64(column); }
  bool boolean(int column) const { return int64(column) != 0; }
  std::string text(int column) const { return statement_.text(column); }

 private:
  Statement& statement_;
  int next_index_ = 1;
};

class Connection {
 public:
  virtual ~Connection() = default;

  virtual Dialect dialect() const = 0;
  // Where the database is, for messages: a file, or a server and database (never a password).
  virtual const std::string& location() const = 0;
  // The cached prepared statement for `sql`, prepared on first use.
  virtual Query query(const Sql& sql) = 0;
  template <class... Args>
  void run(const Sql& sql, const Args&... args) {
    query(sql).bind_all(args...).run();
  }
  // Runs a script of several statements (migrations, settings); not cached.
  virtual void exec_script(const std::string& sql, const char* name) = 0;

  virtual void set_fault_plan(const FaultPlan& plan) = 0;  // replaces the previous plan
  virtual std::int64_t commits() const = 0;                // since open, failed ones included
  virtual std::int64_t commits_failed() const = 0;         // by the fault plan
};

}  // namespace topicdesk::store::sql
