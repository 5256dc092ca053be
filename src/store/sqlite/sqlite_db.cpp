#include "store/sqlite/sqlite_db.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include "store/store.h"

namespace topicdesk::store {
namespace {

[[noreturn]] void throw_error(sqlite3* db, const char* operation, int rc) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw StoreError(fmt::format("sqlite {}: {} (code {})", operation, message, rc));
}

}  // namespace

Query::Query(sqlite3* db, sqlite3_stmt* stmt, const char* name) : db_(db), stmt_(stmt), name_(name) {}

Query::~Query() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Query& Query::bind(std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, next_index_++, value);
  if (rc != SQLITE_OK) fail(rc);
  return *this;
}

Query& Query::bind(std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies the text, so temporaries are safe to pass.
  int rc = sqlite3_bind_text64(stmt_, next_index_++, value.data(), value.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(rc);
  return *this;
}

bool Query::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(rc);
}

void Query::run() {
  while (step()) {
  }
}

int Query::changes() const { return sqlite3_changes(db_); }

std::int64_t Query::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Query::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

void Query::fail(int rc) const { throw_error(db_, name_, rc); }

SqliteDb::SqliteDb(const std::string& path) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    throw StoreError(fmt::format("sqlite open {}: {}", path, message));
  }
  sqlite3_extended_result_codes(db_, 1);
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Query SqliteDb::query(const sqlite_sql::Sql& sql) {
  auto found = statements_.find(&sql);
  if (found == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.text, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) throw_error(db_, sql.name, rc);
    found = statements_.emplace(&sql, stmt).first;
  }
  return Query(db_, found->second, sql.name);
}

void SqliteDb::exec_script(const std::string& sql, const char* name) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw StoreError(fmt::format("sqlite {}: {} (code {})", name, text, rc));
  }
}

}  // namespace topicdesk::store
