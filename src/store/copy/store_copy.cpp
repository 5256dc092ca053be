#include "store/copy/store_copy.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>

#include "store/migrations/migrations.h"
#include "store/postgres/pg_connection.h"
#include "store/sql/sql_store.h"
#include "store/sqlite/sqlite_db.h"

namespace topicdesk::store {
namespace {

constexpr std::string_view kSchemaMigrations = "schema_migrations";
// Runtime state of several desk instances on one database (lease_store.h): who runs and who
// owns which connection now. It means nothing in another database, so it is not copied.
constexpr std::string_view kRuntimeTables[] = {"desk_instances", "connection_leases"};
constexpr int kSourceBusyTimeoutMs = 5000;
constexpr std::size_t kMaxParameters = 30000;

enum class ColumnKind { kInteger, kText };

struct Column {
  std::string name;
  ColumnKind kind = ColumnKind::kText;
  bool identity = false;  // PostgreSQL: an identity column, whose sequence follows the copied ids
};

struct Table {
  std::string name;
  std::vector<Column> columns;       // by name
  std::vector<std::size_t> key;      // the primary key's columns (indexes into columns), in key order
  std::set<std::string> references;  // tables its foreign keys point at
};

using Value = std::optional<std::string>;  // nullopt: NULL
using Row = std::vector<Value>;

// Statements made at run time, per table. A connection caches its statements by the Sql's
// address, so they are kept for the life of the process (a few per table).
class Statements {
 public:
  static const sql::Sql& get(const std::string& name, const std::string& text) {
    static auto* statements = new Statements;
    std::lock_guard lock(statements->mutex_);
    auto& slot = statements->by_text_[text];
    if (!slot) {
      slot = std::make_unique<Owned>();
      slot->name = name;
      slot->text = text;
      slot->sql = sql::Sql{slot->name.c_str(), slot->text.c_str()};
    }
    return slot->sql;
  }

 private:
  struct Owned {
    std::string name;
    std::string text;
    sql::Sql sql;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<Owned>> by_text_;
};

std::string quoted(std::string_view identifier) {
  std::string out = "\"";
  for (char c : identifier) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

ColumnKind kind_of_type(const std::string& table, const std::string& column, std::string type) {
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::toupper(c); });
  if (type.find("INT") != std::string::npos) return ColumnKind::kInteger;
  if (type.find("TEXT") != std::string::npos || type.find("CHAR") != std::string::npos)
    return ColumnKind::kText;
  throw StoreError(fmt::format("the copy knows integer and text columns; {}.{} is {}", table, column, type));
}

std::vector<std::string> strings(sql::Connection& db, const sql::Sql& statement,
                                 const std::string& arg = {}) {
  auto q = db.query(statement);
  if (!arg.empty()) q.bind(arg);
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.text(0));
  return out;
}

// SQLite's schema. Virtual tables (a full-text index) and their shadow tables are not copied: they
// are indexes of ordinary tables, filled again by their triggers as those rows are copied.
const sql::Sql kSqliteTables{
    "copy_tables",
    "SELECT s.name FROM sqlite_schema s WHERE s.type = 'table' AND s.name NOT LIKE 'sqlite%' "
    "AND s.sql NOT LIKE 'CREATE VIRTUAL TABLE%' AND NOT EXISTS (SELECT 1 FROM sqlite_schema v "
    "WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%' AND s.name LIKE v.name || '\\_%' ESCAPE "
    "'\\')"};
const sql::Sql kSqliteColumns{"copy_columns",
                              "SELECT name, type, pk FROM pragma_table_info(?1) ORDER BY cid"};
const sql::Sql kSqliteReferences{"copy_references",
                                 "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)"};

// PostgreSQL's schema: the tables of the connection's schema (search_path).
const sql::Sql kPostgresTables{"copy_tables",
                               "SELECT table_name::TEXT FROM information_schema.tables "
                               "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"};
const sql::Sql kPostgresColumns{"copy_columns",
                                "SELECT column_name::TEXT, data_type::TEXT, is_identity::TEXT "
                                "FROM information_schema.columns "
                                "WHERE table_schema = current_schema() AND table_name = ?1::TEXT"};
const sql::Sql kPostgresKey{"copy_key",
                            "SELECT kcu.column_name::TEXT FROM information_schema.table_constraints tc "
                            "JOIN information_schema.key_column_usage kcu "
                            "ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = "
                            "tc.constraint_name AND kcu.table_name = tc.table_name "
                            "WHERE tc.table_schema = current_schema() AND tc.table_name = ?1::TEXT "
                            "AND tc.constraint_type = 'PRIMARY KEY' ORDER BY kcu.ordinal_position"};
const sql::Sql kPostgresReferences{
    "copy_references",
    "SELECT DISTINCT ccu.table_name::TEXT FROM information_schema.table_constraints tc "
    "JOIN information_schema.constraint_column_usage ccu "
    "ON ccu.constraint_schema = tc.constraint_schema AND ccu.constraint_name = "
    "tc.constraint_name "
    "WHERE tc.table_schema = current_schema() AND tc.table_name = ?1::TEXT "
    "AND tc.constraint_type = 'FOREIGN KEY'"};

// Every table but schema_migrations and the runtime tables, in foreign-key order (a table
// after those it refers to), ties by name.
std::vector<Table> read_schema(sql::Connection& db) {
  const bool postgres = db.dialect() == sql::Dialect::kPostgres;
  auto names = strings(db, postgres ? kPostgresTables : kSqliteTables);
  std::sort(names.begin(), names.end());
  std::vector<Table> tables;
  for (const auto& name : names) {
    if (name == kSchemaMigrations) continue;
    if (std::find(std::begin(kRuntimeTables), std::end(kRuntimeTables), name) != std::end(kRuntimeTables))
      continue;
    Table table;
    table.name = name;
    std::vector<std::pair<int, std::string>> key;  // (position, column)
    {
      auto q = db.query(postgres ? kPostgresColumns : kSqliteColumns);
      q.bind(name);
      while (q.step()) {
        Column column{q.text(0), kind_of_type(name, q.text(0), q.text(1))};
        if (postgres) {
          column.identity = q.text(2) == "YES";
        } else if (q.int64(2) > 0) {
          key.emplace_back(static_cast<int>(q.int64(2)), column.name);
        }
        table.columns.push_back(std::move(column));
      }
    }
    if (postgres) {
      int position = 0;
      for (auto& column : strings(db, kPostgresKey, name)) key.emplace_back(++position, std::move(column));
    }
    std::sort(table.columns.begin(), table.columns.end(),
              [](const Column& a, const Column& b) { return a.name < b.name; });
    std::sort(key.begin(), key.end());
    for (const auto& entry : key) {
      const std::string& column = entry.second;
      auto at = std::find_if(table.columns.begin(), table.columns.end(),
                             [&column](const Column& c) { return c.name == column; });
      table.key.push_back(static_cast<std::size_t>(at - table.columns.begin()));
    }
    if (table.key.empty()) {
      throw StoreError(fmt::format("{}: table {} has no primary key; the copy reads tables in key order",
                                   db.location(), name));
    }
    for (auto& referenced : strings(db, postgres ? kPostgresReferences : kSqliteReferences, name)) {
      if (referenced != name) table.references.insert(std::move(referenced));
    }
    tables.push_back(std::move(table));
  }
  // Foreign-key order: repeatedly take the first table (by name) whose references are placed.
  std::vector<Table> ordered;
  std::set<std::string> placed;
  while (!tables.empty()) {
    auto next = std::find_if(tables.begin(), tables.end(), [&](const Table& t) {
      return std::all_of(t.references.begin(), t.references.end(), [&](const std::string& r) {
        return placed.count(r) > 0 ||
               std::none_of(tables.begin(), tables.end(), [&](const Table& u) { return u.name == r; });
      });
    });
    if (next == tables.end()) next = tables.begin();  // a cycle: by name
    placed.insert(next->name);
    ordered.push_back(std::move(*next));
    tables.erase(next);
  }
  return ordered;
}

std::string column_list(const Table& table) {
  std::string out;
  for (const auto& column : table.columns) out += (out.empty() ? "" : ", ") + quoted(column.name);
  return out;
}

std::string key_list(const Table& table) {
  std::string out;
  for (auto index : table.key) out += (out.empty() ? "" : ", ") + quoted(table.columns[index].name);
  return out;
}

// "(id=17)", "(connection_id=1, user_id=42)": a row, for messages.
std::string describe_key(const Table& table, const Row& row) {
  std::string out;
  for (auto index : table.key) {
    out += fmt::format("{}{}={}", out.empty() ? "(" : ", ", table.columns[index].name,
                       row[index].value_or("NULL"));
  }
  return out + ")";
}

void bind_value(sql::Query& q, const Table& table, const Row& row, std::size_t index) {
  const auto& value = row[index];
  if (!value) {
    q.bind_null();
    return;
  }
  if (table.columns[index].kind == ColumnKind::kText) {
    q.bind(*value);
    return;
  }
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), number);
  if (error != std::errc() || end != value->data() + value->size()) {
    throw StoreError(fmt::format("table {} row {}: column {} holds '{}', not an integer", table.name,
                                 describe_key(table, row), table.columns[index].name, *value));
  }
  q.bind(number);
}

// Reads `table` in key order, `batch` rows a statement, and hands every batch to `on_batch`.
void scan(sql::Connection& db, const Table& table, int batch,
          const std::function<void(const std::vector<Row>&)>& on_batch) {
  const std::string select = fmt::format("SELECT {} FROM {}", column_list(table), quoted(table.name));
  std::string after;
  for (std::size_t i = 0; i < table.key.size(); ++i) after += fmt::format("{}?{}", i == 0 ? "" : ", ", i + 1);
  const auto& first = Statements::get("copy_read " + table.name,
                                      fmt::format("{} ORDER BY {} LIMIT {}", select, key_list(table), batch));
  const auto& next = Statements::get("copy_read " + table.name,
                                     fmt::format("{} WHERE ({}) > ({}) ORDER BY {} LIMIT {}", select,
                                                 key_list(table), after, key_list(table), batch));
  std::vector<Row> rows;
  for (bool more = true; more;) {
    {
      auto q = db.query(rows.empty() ? first : next);
      if (!rows.empty()) {
        const Row last = rows.back();
        for (auto index : table.key) bind_value(q, table, last, index);
      }
      rows.clear();
      while (q.step()) {
        Row row(table.columns.size());
        for (std::size_t c = 0; c < table.columns.size(); ++c) {
          const int column = static_cast<int>(c);
          if (!q.is_null(column)) row[c] = q.text(column);
        }
        rows.push_back(std::move(row));
      }
    }
    more = static_cast<int>(rows.size()) == batch;
    if (!rows.empty()) on_batch(rows);
  }
}

class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) {
    if (context_ == nullptr || EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1)
      throw StoreError("the copy cannot start a SHA-256 (OpenSSL)");
  }
  ~Sha256() { EVP_MD_CTX_free(context_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void add(std::string_view bytes) { EVP_DigestUpdate(context_, bytes.data(), bytes.size()); }
  void add(const Row& row) {
    for (const auto& value : row) {
      if (!value) {
        add("n");
        continue;
      }
      add(fmt::format("v{}:", value->size()));
      add(*value);
    }
    add("\n");
  }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_, digest, &length);
    std::string out;
    for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
    return out;
  }

 private:
  EVP_MD_CTX* context_;
};

TableDigest digest_table(sql::Connection& db, const Table& table, int batch) {
  TableDigest digest;
  digest.table = table.name;
  Sha256 sha;
  scan(db, table, batch, [&](const std::vector<Row>& rows) {
    for (const auto& row : rows) sha.add(row);
    digest.rows += static_cast<std::int64_t>(rows.size());
  });
  digest.sha256 = sha.hex();
  return digest;
}

std::vector<TableDigest> digest_tables(sql::Connection& db, const std::vector<Table>& tables, int batch) {
  std::vector<TableDigest> out;
  for (const auto& table : tables) out.push_back(digest_table(db, table, batch));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.table < b.table; });
  return out;
}

std::int64_t count_rows(sql::Connection& db, const Table& table) {
  auto q = db.query(Statements::get("copy_count " + table.name,
                                    fmt::format("SELECT COUNT(*) FROM {}", quoted(table.name))));
  return q.step() ? q.int64(0) : 0;
}

int schema_version_of(sql::Connection& db, const std::string& shown) {
  const bool postgres = db.dialect() == sql::Dialect::kPostgres;
  const auto tables = strings(db, postgres ? kPostgresTables : kSqliteTables);
  if (std::find(tables.begin(), tables.end(), kSchemaMigrations) == tables.end()) {
    throw StoreError(fmt::format("{} holds no topicdesk store (it has no schema_migrations table)", shown));
  }
  auto q = db.query(
      Statements::get("copy_schema_version", "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  return q.step() ? static_cast<int>(q.int64(0)) : 0;
}

// The same tables with the same columns, or what differs.
void require_same_schema(const std::vector<Table>& source, const std::vector<Table>& target,
                         const std::string& from, const std::string& to) {
  std::map<std::string, const Table*> by_name;
  for (const auto& t : target) by_name[t.name] = &t;
  std::vector<std::string> problems;
  for (const auto& s : source) {
    auto found = by_name.find(s.name);
    if (found == by_name.end()) {
      problems.push_back(fmt::format("table {} is missing on the target", s.name));
      continue;
    }
    const Table& t = *found->second;
    by_name.erase(found);
    auto columns = [](const Table& table) {
      std::string out;
      for (const auto& c : table.columns)
        out += fmt::format("{}{} {}", out.empty() ? "" : ", ", c.name,
                           c.kind == ColumnKind::kInteger ? "integer" : "text");
      return out;
    };
    if (columns(s) != columns(t)) {
      problems.push_back(fmt::format("table {} has columns ({}) on the source, ({}) on the target", s.name,
                                     columns(s), columns(t)));
    } else if (s.key != t.key) {
      problems.push_back(fmt::format("table {} has another primary key on the target", s.name));
    }
  }
  for (const auto& [name, table] : by_name)
    problems.push_back(fmt::format("table {} is only on the target", name));
  if (problems.empty()) return;
  std::string all;
  for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
  throw StoreError(fmt::format("the schemas of {} and {} differ: {}", from, to, all));
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// The source, read only, inside one read transaction from open to close.
std::unique_ptr<sql::Connection> open_source(const StoreLocation& from) {
  if (from.kind == StoreLocation::Kind::kPostgres) {
    auto db = std::make_unique<PgConnection>(from.where);
    db->exec_script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "copy: start the read transaction");
    return db;
  }
  if (!exists(from.where) || from.where == ":memory:") {
    throw StoreError(
        fmt::format("the source database {} does not exist (is [storage] sqlite right?)", from.where));
  }
  auto db = std::make_unique<SqliteDb>(from.where);
  db->exec_script(
      fmt::format("PRAGMA busy_timeout = {}; PRAGMA query_only = ON; BEGIN", kSourceBusyTimeoutMs),
      "copy: start the read transaction");
  return db;
}

std::unique_ptr<Store> open_target(const StoreLocation& to) {
  if (to.kind == StoreLocation::Kind::kPostgres) return open_postgres(to.where, OpenAs::kDesk);
  return open_sqlite(to.where, OpenAs::kDesk);
}

// What a fresh schema holds, as digests (the rows migrations write, e.g. webhook_cursor's).
std::map<std::string, TableDigest> fresh_schema() {
  auto fresh = open_sqlite(":memory:");
  std::map<std::string, TableDigest> out;
  for (auto& digest : store_digest(*fresh)) out[digest.table] = digest;
  return out;
}

struct Difference {};  // thrown to roll the target back when verification fails

}  // namespace

std::string StoreLocation::describe() const {
  if (kind == Kind::kSqlite) return "SQLite " + where;
  std::string password;
  try {
    return "PostgreSQL " + describe_postgres_server(where, password);
  } catch (const StoreError&) {
    return "PostgreSQL (a URI libpq cannot read)";
  }
}

bool CopyOutcome::verified() const {
  return committed && std::all_of(tables.begin(), tables.end(), [](const auto& t) { return t.same(); });
}

std::int64_t CopyOutcome::rows() const {
  std::int64_t rows = 0;
  for (const auto& t : tables) rows += t.source.rows;
  return rows;
}

std::vector<std::string> store_tables(Store& store) {
  std::vector<std::string> names;
  sql_store(store).with_connection([&](sql::Connection& db) {
    for (const auto& table : read_schema(db)) names.push_back(table.name);
  });
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<TableDigest> store_digest(Store& store) {
  std::vector<TableDigest> out;
  auto& sql = sql_store(store);
  sql.transaction([&] {
    sql.with_connection([&](sql::Connection& db) { out = digest_tables(db, read_schema(db), 500); });
  });
  return out;
}

CopyOutcome copy_store(const StoreLocation& from, const StoreLocation& to, const CopyOptions& options) {
  const int batch = std::max(1, options.batch_rows);
  const std::string from_shown = from.describe();
  const std::string to_shown = to.describe();
  CopyOutcome outcome;
  if (from.kind == StoreLocation::Kind::kSqlite && exists(from.where))
    outcome.source_desk = desk_state(from.where);

  auto source = open_source(from);
  const int version = schema_version_of(*source, from_shown);
  const int newest = migrations::newest_version();
  if (version < newest) {
    throw StoreError(fmt::format(
        "the source {} has schema version {}, older than this topicdesk's ({}): run `topicdesk migrate` "
        "with the source's configuration first (a desk of this version migrates it when it starts)",
        from_shown, version, newest));
  }
  if (version > newest) {
    throw StoreError(fmt::format(
        "the source {} has schema version {}, newer than this topicdesk knows ({}): copy it with the "
        "topicdesk version that wrote it, or a newer one",
        from_shown, version, newest));
  }
  outcome.schema_version = version;
  const auto tables = read_schema(*source);

  auto target = open_target(to);  // migrated
  auto& target_sql = sql_store(*target);
  {
    // Empty: nothing beyond what a fresh schema holds.
    const auto fresh = fresh_schema();
    std::vector<std::string> found;
    for (const auto& digest : store_digest(*target)) {
      auto expected = fresh.find(digest.table);
      if (expected != fresh.end() && expected->second == digest) continue;
      if (expected != fresh.end() && expected->second.rows == digest.rows) {
        found.push_back(fmt::format("{} ({} rows, not those of a fresh schema)", digest.table, digest.rows));
      } else {
        found.push_back(fmt::format("{} ({} rows)", digest.table, digest.rows));
      }
    }
    if (!found.empty()) {
      std::string listed;
      for (const auto& f : found) listed += (listed.empty() ? "" : ", ") + f;
      throw StoreError(fmt::format(
          "the target {} is not empty: {}; copy into an empty database (a new SQLite file, or a new "
          "PostgreSQL database or schema)",
          to_shown, listed));
    }
  }

  std::int64_t total = 0;
  std::map<std::string, std::int64_t> counts;
  for (const auto& table : tables) total += counts[table.name] = count_rows(*source, table);

  std::vector<TableDigest> source_digests;
  try {
    target_sql.transaction([&] {
      target_sql.with_connection([&](sql::Connection& db) {
        const auto target_tables = read_schema(db);
        require_same_schema(tables, target_tables, from_shown, to_shown);
        // Rows a fresh schema holds (webhook_cursor's) make way for the source's.
        for (auto t = target_tables.rbegin(); t != target_tables.rend(); ++t) {
          db.query(Statements::get("copy_clear " + t->name, fmt::format("DELETE FROM {}", quoted(t->name))))
              .run();
        }
        std::int64_t done = 0;
        for (const auto& table : tables) {
          TableDigest digest;
          digest.table = table.name;
          Sha256 sha;
          std::string insert_head =
              fmt::format("INSERT INTO {} ({}) VALUES ", quoted(table.name), column_list(table));
          auto insert = [&](const std::vector<Row>& rows, std::size_t from_row, std::size_t count) {
            std::string text = insert_head;
            int parameter = 0;
            for (std::size_t r = 0; r < count; ++r) {
              text += r == 0 ? "(" : ", (";
              for (std::size_t c = 0; c < table.columns.size(); ++c)
                text += fmt::format("{}?{}", c == 0 ? "" : ", ", ++parameter);
              text += ")";
            }
            auto q = db.query(Statements::get("copy_write " + table.name, text));
            for (std::size_t r = from_row; r < from_row + count; ++r)
              for (std::size_t c = 0; c < table.columns.size(); ++c) bind_value(q, table, rows[r], c);
            q.run();
          };
          scan(*source, table, batch, [&](const std::vector<Row>& rows) {
            for (const auto& row : rows) sha.add(row);
            db.exec_script("SAVEPOINT copy_batch", "copy: savepoint");
            try {
              // Within both dialects' limit of parameters per statement (SQLite: 32766).
              const std::size_t per_insert = std::max<std::size_t>(1, kMaxParameters / table.columns.size());
              for (std::size_t r = 0; r < rows.size(); r += per_insert)
                insert(rows, r, std::min(per_insert, rows.size() - r));
            } catch (const StoreError& e) {
              if (e.kind() != StoreError::Kind::kOther) throw;
              // Which row: again one at a time.
              db.exec_script("ROLLBACK TO SAVEPOINT copy_batch", "copy: savepoint");
              for (std::size_t r = 0; r < rows.size(); ++r) {
                try {
                  insert(rows, r, 1);
                } catch (const StoreError& row_error) {
                  throw StoreError(fmt::format("copying table {} row {} into {} failed: {}", table.name,
                                               describe_key(table, rows[r]), to_shown, row_error.what()),
                                   row_error.kind());
                }
              }
              throw;
            }
            db.exec_script("RELEASE SAVEPOINT copy_batch", "copy: savepoint");
            digest.rows += static_cast<std::int64_t>(rows.size());
            done += static_cast<std::int64_t>(rows.size());
            if (options.progress)
              options.progress({table.name, digest.rows, counts[table.name], done, total});
          });
          if (digest.rows != counts[table.name]) {
            // Key order skipped rows (a NULL in a primary key column compares as nothing).
            throw StoreError(
                fmt::format("{}: table {} holds {} rows, but {} were read in primary-key order; "
                            "nothing was copied",
                            from_shown, table.name, counts[table.name], digest.rows));
          }
          digest.sha256 = sha.hex();
          source_digests.push_back(std::move(digest));
        }
        if (db.dialect() == sql::Dialect::kPostgres) {
          for (const auto& table : target_tables) {
            for (const auto& column : table.columns) {
              if (!column.identity) continue;
              db
                  .query(Statements::get(
                      "copy_sequence " + table.name,
                      fmt::format("SELECT setval(pg_get_serial_sequence(?1, ?2), COALESCE((SELECT MAX({}) "
                                  "FROM {}), 0) + 1, false)",
                                  quoted(column.name), quoted(table.name))))
                  .bind_all(quoted(table.name), column.name)
                  .run();
            }
          }
        }
        // Read back before the commit: a difference rolls the copy back.
        std::sort(source_digests.begin(), source_digests.end(),
                  [](const auto& a, const auto& b) { return a.table < b.table; });
        const auto target_digests = digest_tables(db, target_tables, batch);
        for (std::size_t i = 0; i < source_digests.size(); ++i) {
          outcome.tables.push_back(
              {source_digests[i], i < target_digests.size() ? target_digests[i] : TableDigest{}});
        }
        if (!std::all_of(outcome.tables.begin(), outcome.tables.end(),
                         [](const auto& t) { return t.same(); })) {
          throw Difference{};
        }
      });
    });
  } catch (const Difference&) {
    return outcome;  // rolled back
  }
  outcome.committed = true;
  try {
    source->exec_script("COMMIT", "copy: end the read transaction");
  } catch (const StoreError&) {
    // The copy is committed and verified; the source's connection closes anyway.
  }
  return outcome;
}

}  // namespace topicdesk::store
