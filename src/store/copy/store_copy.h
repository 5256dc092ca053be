// Copying a desk's store from one backend to another (SQLite to PostgreSQL and back): every
// table, row for row, verified. `topicdesk store copy` (app/store_copy_cli.h) is its command;
// docs/operations.md, "Moving between SQLite and PostgreSQL", the operators' guide.
//
// The source is read as a tool: its data never changed, nor migrated; ONE read transaction (SQLite's
// WAL snapshot, PostgreSQL's REPEATABLE READ READ ONLY) holds for the whole copy, so the copy
// is the store as it was when that transaction began, also while a desk runs on it. Its schema
// must be this binary's newest (else: run `topicdesk migrate` on it first).
//
// The target is opened as a desk would (an SQLite target's instance lock keeps a desk off it
// meanwhile) and migrated; it must then hold no more than a fresh schema does. Everything is
// written in ONE transaction on it: tables in foreign-key order, rows in primary-key order, in
// batches; PostgreSQL's identity sequences are set past the copied ids (inbox and outbox order
// by id). Before the commit every table of the target is read back and compared with what was
// read from the source: the row count and a SHA-256 over the rows in key order (TableDigest),
// computed by the same code on both sides. A failure or a difference rolls the whole copy back;
// a row that cannot be written is named by its table and key.
//
// The tables come from the schema itself (sqlite_schema, information_schema), except
// schema_migrations, which the target's migrations write, and the runtime state of several
// desk instances (desk_instances, connection_leases: who runs and owns what now), which is
// neither copied nor compared.
//
// Every message names a PostgreSQL store as host:port/database, never its URI or password.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/sqlite_backup.h"
#include "store/store.h"

namespace topicdesk::store {

// Where a store is: an SQLite file or a PostgreSQL libpq URI (which may hold a password).
struct StoreLocation {
  enum class Kind { kSqlite, kPostgres };
  Kind kind = Kind::kSqlite;
  std::string where;

  static StoreLocation sqlite(std::string path) { return {Kind::kSqlite, std::move(path)}; }
  static StoreLocation postgres(std::string uri) { return {Kind::kPostgres, std::move(uri)}; }
  // "SQLite data/topicdesk.db" or "PostgreSQL host:port/db": never the password.
  std::string describe() const;
};

// One table's rows as the copy verifies them. The SHA-256 (hex) covers every row in primary-key
// order, each column (in the order of their names) encoded as 'n' for NULL or
// 'v<bytes>:<text>' for a value (integers in decimal), each row ended by '\n'.
struct TableDigest {
  std::string table;
  std::int64_t rows = 0;
  std::string sha256;
  bool operator==(const TableDigest&) const = default;
};

struct TableComparison {
  TableDigest source;
  TableDigest target;  // read back from the target before the commit
  bool same() const { return source == target; }
};

struct CopyProgress {
  std::string_view table;
  std::int64_t table_rows_done = 0;
  std::int64_t table_rows = 0;
  std::int64_t rows_done = 0;  // all tables
  std::int64_t rows = 0;
};

struct CopyOptions {
  int batch_rows = 500;                               // rows read and written per statement
  std::function<void(const CopyProgress&)> progress;  // after every batch
};

struct CopyOutcome {
  int schema_version = 0;
  TakenFrom source_desk = TakenFrom::kUnknown;  // an SQLite source: whether a desk ran on it
  std::vector<TableComparison> tables;          // by table name
  bool committed = false;                       // false: a table differed and the copy was rolled back

  bool verified() const;
  std::int64_t rows() const;  // copied, all tables
};

// Copies the store at `from` into the empty store at `to` (see above). Throws StoreError when
// it refuses (a source not at the newest schema, a target that holds data, schemas that differ)
// or fails (the target then holds nothing of the copy); returns with committed = false when
// the verification found a difference.
CopyOutcome copy_store(const StoreLocation& from, const StoreLocation& to, const CopyOptions& options = {});

// The digest of every table of `store` except schema_migrations, by table name, as the copy
// computes it (read in one transaction).
std::vector<TableDigest> store_digest(Store& store);

// The tables the copy sees in `store`'s schema, by name, without schema_migrations and the
// runtime tables of several instances.
std::vector<std::string> store_tables(Store& store);

}  // namespace topicdesk::store
