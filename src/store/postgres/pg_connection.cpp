#include "store/postgres/pg_connection.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include "store/sql/sql_core.h"

namespace topicdesk::store {
namespace {

StoreError::Kind kind_of_sqlstate(std::string_view state) {
  if (state.size() != 5) return StoreError::Kind::kOther;
  if (state.starts_with("08")) return StoreError::Kind::kBusy;
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014")
    return StoreError::Kind::kBusy;
  if (state.starts_with("53")) return StoreError::Kind::kStorage;
  return StoreError::Kind::kOther;
}

void ignore_notice(void*, const char*) {}  // IF NOT EXISTS and the like tell what they skipped

}  // namespace

std::string postgres_message(const char* message, const std::string& password) {
  std::string out = message != nullptr ? message : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  for (auto& c : out) {
    if (c == '\n') c = ' ';
  }
  if (out.empty()) return "unknown error";
  if (password.empty()) return out;
  for (auto at = out.find(password); at != std::string::npos; at = out.find(password, at))
    out.replace(at, password.size(), "<redacted>");
  return out;
}

std::string describe_postgres_server(const std::string& uri, std::string& password) {
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &message);
  if (options == nullptr) {
    // libpq's reason may quote the text, password and all: it is not shown.
    PQfreemem(message);
    throw StoreError(
        "postgres: the store's URI is not one libpq reads (postgresql://user@host:port/database?...); "
        "it is not shown here, as it may hold a password");
  }
  std::string host;
  std::string port;
  std::string db;
  for (auto* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    std::string_view keyword = option->keyword;
    if (keyword == "host" || (keyword == "hostaddr" && host.empty())) host = option->val;
    if (keyword == "port") port = option->val;
    if (keyword == "dbname") db = option->val;
    if (keyword == "password") password = option->val;
  }
  PQconninfoFree(options);
  if (host.empty()) host = "localhost";
  return fmt::format("{}{}{}/{}", host, port.empty() ? "" : ":", port, db);
}

std::string postgres_placeholders(std::string_view sql, int& parameters) {
  std::string out;
  out.reserve(sql.size());
  parameters = 0;
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      out.push_back(c);
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
      continue;
    }
    if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      int n = 0;
      std::size_t j = i + 1;
      for (; j < sql.size() && sql[j] >= '0' && sql[j] <= '9'; ++j) n = n * 10 + (sql[j] - '0');
      parameters = std::max(parameters, n);
      out.push_back('$');
      out.append(sql.substr(i + 1, j - i - 1));
      i = j - 1;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// Statements ----------------------------------------------------------------------------------

PgStatement::PgStatement(PgConnection& owner, const sql::Sql& sql, std::string server_name)
    : owner_(owner), sql_(sql), server_name_(std::move(server_name)) {
  int parameters = 0;
  text_ = postgres_placeholders(sql.postgres != nullptr ? sql.postgres : sql.text, parameters);
  values_.resize(static_cast<std::size_t>(parameters));
  bound_.assign(static_cast<std::size_t>(parameters), 0);
  pointers_.assign(static_cast<std::size_t>(parameters), nullptr);
}

PgStatement::~PgStatement() { PQclear(result_); }

std::string& PgStatement::slot(int index) {
  if (index < 1 || index > static_cast<int>(values_.size())) {
    throw StoreError(fmt::format("postgres {}: parameter {} bound, the statement has {}", sql_.name, index,
                                 values_.size()));
  }
  bound_[static_cast<std::size_t>(index - 1)] = 1;
  return values_[static_cast<std::size_t>(index - 1)];
}

void PgStatement::bind(int index, std::int64_t value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  slot(index).assign(digits, end);
}

void PgStatement::bind(int index, std::string_view value) { slot(index).assign(value); }

void PgStatement::bind_null(int index) {
  slot(index);
  bound_[static_cast<std::size_t>(index - 1)] = 0;  // sent as NULL
}

bool PgStatement::is_null(int column) const {
  return result_ == nullptr || row_ < 0 || row_ >= rows_ || PQgetisnull(result_, row_, column) != 0;
}

bool PgStatement::step() {
  if (result_ == nullptr) {
    for (std::size_t i = 0; i < values_.size(); ++i)
      pointers_[i] = bound_[i] != 0 ? values_[i].c_str() : nullptr;
    result_ = owner_.execute(*this, pointers_.data(), static_cast<int>(pointers_.size()));
    rows_ = PQntuples(result_);
    row_ = -1;
    const char* affected = PQcmdTuples(result_);
    changes_ = 0;
    std::from_chars(affected, affected + std::strlen(affected), changes_);
  }
  if (row_ + 1 >= rows_) {
    row_ = rows_;
    return false;
  }
  ++row_;
  return true;
}

std::int64_t PgStatement::int64(int column) const {
  if (result_ == nullptr || row_ < 0 || row_ >= rows_ || PQgetisnull(result_, row_, column) != 0) return 0;
  const char* value = PQgetvalue(result_, row_, column);
  const int length = PQgetlength(result_, row_, column);
  if (length == 1 && (value[0] == 't' || value[0] == 'f')) return value[0] == 't' ? 1 : 0;  // a boolean
  std::int64_t out = 0;
  std::from_chars(value, value + length, out);  // numeric sums ("12") read too; a fraction is cut
  return out;
}

std::string PgStatement::text(int column) const {
  if (result_ == nullptr || row_ < 0 || row_ >= rows_) return {};
  return std::string(PQgetvalue(result_, row_, column),
                     static_cast<std::size_t>(PQgetlength(result_, row_, column)));
}

void PgStatement::reset() {
  PQclear(result_);
  result_ = nullptr;
  rows_ = 0;
  row_ = -1;
  changes_ = 0;
  std::fill(bound_.begin(), bound_.end(), 0);
}

// The connection ----------------------------------------------------------------------------

PgConnection::PgConnection(const std::string& uri) {
  location_ = describe_postgres_server(uri, password_);
  conn_ = PQconnectdb(uri.c_str());
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
    std::string message =
        postgres_message(conn_ != nullptr ? PQerrorMessage(conn_) : "out of memory", password_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw StoreError(fmt::format("postgres connect to {}: {}", location_, message), StoreError::Kind::kBusy);
  }
  PQsetNoticeProcessor(conn_, &ignore_notice, nullptr);
}

PgConnection::~PgConnection() {
  statements_.clear();  // results cleared before the connection closes
  PQfinish(conn_);
}

StoreError PgConnection::error(const char* operation, const PGresult* result) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message =
      postgres_message(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_), password_);
  if (message == "unknown error") message = postgres_message(PQerrorMessage(conn_), password_);
  StoreError::Kind kind = kind_of_sqlstate(state != nullptr ? state : "");
  if (PQstatus(conn_) != CONNECTION_OK) {
    // The server is gone (restart, network, idle kill). Reconnect now so the caller's retry
    // finds a working connection; whatever this call was part of is lost, so it fails.
    PQreset(conn_);
    if (PQstatus(conn_) == CONNECTION_OK && !session_.empty()) PQclear(PQexec(conn_, session_.c_str()));
    for (auto& [sql, statement] : statements_) statement->prepared = false;
    transaction_lost_ = in_transaction_;
    in_transaction_ = false;
    kind = StoreError::Kind::kBusy;
    message += PQstatus(conn_) == CONNECTION_OK ? " (connection lost; reconnected)" : " (connection lost)";
  }
  return StoreError(fmt::format("postgres {} on {}: {}{}", operation, location_, message,
                                state != nullptr ? fmt::format(" (SQLSTATE {})", state) : std::string()),
                    kind);
}

void PgConnection::set_session(std::string sql) {
  session_ = std::move(sql);
  exec_script(session_, "session settings");
}

sql::Query PgConnection::query(const sql::Sql& sql) {
  auto found = statements_.find(&sql);
  if (found == statements_.end()) {
    auto statement = std::make_unique<PgStatement>(*this, sql, fmt::format("td{}", statements_.size() + 1));
    found = statements_.emplace(&sql, std::move(statement)).first;
  }
  return sql::Query(*found->second);
}

PGresult* PgConnection::execute(PgStatement& statement, const char* const* values, int count) {
  const sql::Sql* which = &statement.sql();
  if (which == &sql::kRollback) transaction_lost_ = false;
  if (transaction_lost_) {
    // Until the store ends the unit, nothing of it may run on the new session as if it were
    // whole: its first half is gone.
    throw StoreError(fmt::format("postgres {} on {}: the transaction was lost with the connection",
                                 which->name, location_),
                     StoreError::Kind::kBusy);
  }
  if (which == &sql::kCommit) {
    ++commits_;
    ++commits_in_plan_;
    if (plan_.fail_every_commit || (plan_.fail_commit > 0 && commits_in_plan_ == plan_.fail_commit)) {
      ++commits_failed_;
      PQclear(PQexec(conn_, "ROLLBACK"));
      in_transaction_ = false;
      throw StoreError(
          fmt::format("postgres commit on {}: commit failed as the fault plan says (injected {} failure)",
                      location_, to_string(plan_.kind)),
          plan_.kind);
    }
  }
  if (!statement.prepared) {
    PGresult* prepared =
        PQprepare(conn_, statement.server_name().c_str(), statement.text_sent().c_str(), 0, nullptr);
    if (PQresultStatus(prepared) != PGRES_COMMAND_OK) {
      StoreError failure = error(statement.sql().name, prepared);
      PQclear(prepared);
      throw failure;
    }
    PQclear(prepared);
    statement.prepared = true;
  }
  PGresult* result =
      PQexecPrepared(conn_, statement.server_name().c_str(), count, values, nullptr, nullptr, 0);
  auto status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    StoreError failure = error(statement.sql().name, result);
    PQclear(result);
    throw failure;
  }
  if (which == &sql::kBegin) in_transaction_ = true;
  if (which == &sql::kCommit || which == &sql::kRollback) in_transaction_ = false;
  return result;
}

void PgConnection::exec_script(const std::string& sql, const char* name) {
  PGresult* result = PQexec(conn_, sql.c_str());
  auto status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    StoreError failure = error(name, result);
    PQclear(result);
    throw failure;
  }
  PQclear(result);
}

void PgConnection::set_fault_plan(const sql::FaultPlan& plan) {
  plan_ = plan;
  commits_in_plan_ = 0;
}

}  // namespace topicdesk::store
