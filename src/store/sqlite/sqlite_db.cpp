#include "store/sqlite/sqlite_db.h"

#include <fmt/format.h>
#include <sqlite3.h>

namespace topicdesk::store {
namespace {

StoreError::Kind kind_of(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
      return StoreError::Kind::kBusy;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_NOMEM:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return StoreError::Kind::kStorage;
    default:
      return StoreError::Kind::kOther;
  }
}

}  // namespace

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void SqliteStatement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) fail(rc);
}

void SqliteStatement::bind(int index, std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies the text, so temporaries are safe to pass.
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(rc);
}

bool SqliteStatement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(rc);
}

int SqliteStatement::changes() const { return sqlite3_changes(owner_.db_); }

std::int64_t SqliteStatement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string SqliteStatement::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

void SqliteStatement::fail(int rc) const { throw owner_.error(name_, rc); }

SqliteDb::SqliteDb(const std::string& path) : path_(path) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    throw StoreError(fmt::format("sqlite open {}: {}", path, message), kind_of(rc));
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_commit_hook(db_, &SqliteDb::on_commit, this);
}

StoreError SqliteDb::error(const char* operation, int rc) {
  if (rc == SQLITE_CONSTRAINT_COMMITHOOK && fault_pending_) {
    fault_pending_ = false;
    return StoreError(fmt::format("sqlite {}: commit failed as the fault plan says (injected {} failure)",
                                  operation, to_string(plan_.kind)),
                      plan_.kind);
  }
  const char* message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  return StoreError(fmt::format("sqlite {}: {} (code {})", operation, message, rc), kind_of(rc));
}

void SqliteDb::set_fault_plan(const sql::FaultPlan& plan) {
  plan_ = plan;
  commits_in_plan_ = 0;
}

int SqliteDb::on_commit(void* self) {
  auto& db = *static_cast<SqliteDb*>(self);
  ++db.commits_;
  ++db.commits_in_plan_;
  const bool fail =
      db.plan_.fail_every_commit || (db.plan_.fail_commit > 0 && db.commits_in_plan_ == db.plan_.fail_commit);
  if (!fail) return 0;
  ++db.commits_failed_;
  db.fault_pending_ = true;
  return 1;  // SQLite turns the COMMIT into a ROLLBACK
}

SqliteDb::~SqliteDb() {
  statements_.clear();  // finalized before the connection closes
  sqlite3_close(db_);
}

sql::Query SqliteDb::query(const sql::Sql& sql) {
  auto found = statements_.find(&sql);
  if (found == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.text, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) throw error(sql.name, rc);
    found = statements_.emplace(&sql, std::make_unique<SqliteStatement>(*this, stmt, sql.name)).first;
  }
  return sql::Query(*found->second);
}

void SqliteDb::exec_script(const std::string& sql, const char* name) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    if (rc == SQLITE_CONSTRAINT_COMMITHOOK && fault_pending_) {
      sqlite3_free(message);
      throw error(name, rc);
    }
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw StoreError(fmt::format("sqlite {}: {} (code {})", name, text, rc), kind_of(rc));
  }
}

}  // namespace topicdesk::store
