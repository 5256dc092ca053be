// The PostgreSQL connection of the store (sql/connection.h) over libpq: one server connection,
// every named statement prepared once on it (PQprepare, with ?N rewritten to $N) and run with
// text parameters (PQexecPrepared). Not thread-safe by itself; PostgresStore serialises access.
//
// Errors are StoreErrors by SQLSTATE: connection loss (class 08, or a connection found broken),
// serialization failures, deadlocks, lock and statement timeouts (40001, 40P01, 55P03, 57014)
// are kBusy; insufficient resources (class 53: disk full, out of memory) kStorage; the rest
// kOther. A message names the statement and the server ("postgres inbox_add on
// host:port/db: ..."), never the password. A lost connection is reset at once and the call
// fails with kBusy: the transaction it was part of is gone, and so every statement of it fails
// as kBusy too until the store rolls it back; the caller retries the unit.
//
// Fault plan (tests only): the store's explicit COMMITs are counted; a planned failure rolls
// the transaction back instead and throws the plan's kind. Writes outside a transaction
// (autocommit) are neither counted nor failed.
#pragma once
#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/sql/connection.h"
#include "store/store_error.h"

namespace topicdesk::store {

class PgConnection;

// host:port/db of a libpq URI, without the password (kept in `password`, to scrub messages);
// the URI itself is never shown, as it may carry one. Throws StoreError (kOther), without
// libpq's reason (it may quote the URI), if libpq cannot read it.
std::string describe_postgres_server(const std::string& uri, std::string& password);
// A libpq message on one line ("unknown error" when empty), with `password` redacted should
// libpq ever echo it.
std::string postgres_message(const char* message, const std::string& password);

// ?N → $N outside quoted text; the PostgreSQL text of a statement written for SQLite.
// `parameters` receives the highest N.
std::string postgres_placeholders(std::string_view sql, int& parameters);

// A statement prepared on the PostgreSQL connection (see sql::Statement). The first step()
// executes it and holds all its rows; the next steps walk them.
class PgStatement final : public sql::Statement {
 public:
  PgStatement(PgConnection& owner, const sql::Sql& sql, std::string server_name);
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;
  ~PgStatement() override;

  void bind(int index, std::int64_t value) override;
  void bind(int index, std::string_view value) override;
  void bind_null(int index) override;
  bool step() override;
  int changes() const override { return changes_; }
  std::int64_t int64(int column) const override;
  std::string text(int column) const override;
  bool is_null(int column) const override;
  void reset() override;

  const sql::Sql& sql() const { return sql_; }
  const std::string& text_sent() const { return text_; }
  const std::string& server_name() const { return server_name_; }
  bool prepared = false;  // on the current server connection (a reset loses it)

 private:
  std::string& slot(int index);

  PgConnection& owner_;
  const sql::Sql& sql_;
  std::string text_;         // the PostgreSQL text, $N placeholders
  std::string server_name_;  // the prepared statement's name on the server
  std::vector<std::string> values_;
  std::vector<char> bound_;  // unbound parameters are NULL, as in SQLite
  std::vector<const char*> pointers_;
  PGresult* result_ = nullptr;
  int rows_ = 0;
  int row_ = -1;
  int changes_ = 0;
};

class PgConnection final : public sql::Connection {
 public:
  // Connects to the libpq URI (or key=value string); throws StoreError naming the server.
  explicit PgConnection(const std::string& uri);
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() override;

  sql::Dialect dialect() const override { return sql::Dialect::kPostgres; }
  const std::string& location() const override { return location_; }
  sql::Query query(const sql::Sql& sql) override;
  void exec_script(const std::string& sql, const char* name) override;

  void set_fault_plan(const sql::FaultPlan& plan) override;
  std::int64_t commits() const override { return commits_; }
  std::int64_t commits_failed() const override { return commits_failed_; }

  // Session settings (SET statements) run now and again after every reconnect.
  void set_session(std::string sql);

  // Runs `statement` with `values` (NULL where null); the result is the caller's to PQclear.
  PGresult* execute(PgStatement& statement, const char* const* values, int count);

 private:
  // The error of `result` (or of the connection, when there is none) for `operation`; resets
  // a connection found broken.
  StoreError error(const char* operation, const PGresult* result);

  PGconn* conn_ = nullptr;
  std::string location_;  // host:port/db, for messages
  std::string password_;  // only to keep it out of messages
  std::unordered_map<const sql::Sql*, std::unique_ptr<PgStatement>> statements_;
  std::string session_;            // set_session
  bool in_transaction_ = false;    // between the store's BEGIN and its COMMIT or ROLLBACK
  bool transaction_lost_ = false;  // the connection was reset inside one: fail until ROLLBACK
  sql::FaultPlan plan_;
  std::int64_t commits_ = 0;
  std::int64_t commits_in_plan_ = 0;
  std::int64_t commits_failed_ = 0;
};

}  // namespace topicdesk::store
