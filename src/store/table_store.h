// Shared data tables of a connection (docs/tables.md): a menu with prices, stock, tariff plans —
// one table common to all the connection's users, read by templates ({table:NAME:ROW:COLUMN}),
// /invoice TABLE ROW, PAYMENT_HOOK and the AI's prompt.
//
// A table has a name (unique per connection without regard to ASCII case; kept as typed),
// typed columns and rows. The first column is the key: every row has a non-empty key, unique
// without regard to ASCII case. Cells are kept as text in their canonical form (tables/table.h
// checks and normalises them); the store only keeps what it is given.
//
// replace_table is atomic: the old rows and the new ones are never seen mixed, and a failure
// leaves the table as it was.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::UnixMillis;
using core::UserId;

enum class ColumnType {
  kText,     // any UTF-8 text
  kInteger,  // a signed 64-bit integer: "-12"
  kDecimal,  // a decimal number such as a price: "9.90" (digits kept as written, no float)
  kBoolean,  // "true" or "false"
};

inline std::string_view to_string(ColumnType type) {
  switch (type) {
    case ColumnType::kText:
      return "text";
    case ColumnType::kInteger:
      return "integer";
    case ColumnType::kDecimal:
      return "decimal";
    case ColumnType::kBoolean:
      return "boolean";
  }
  return "text";
}

struct TableColumn {
  std::string name;  // lowercase: a-z, 0-9, _
  ColumnType type = ColumnType::kText;

  bool operator==(const TableColumn&) const = default;
};

// One table with its rows (each row has one cell per column, the key first).
struct DataTable {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  std::string name;  // as typed
  std::vector<TableColumn> columns;
  std::vector<std::vector<std::string>> rows;  // in the order they were given
  UserId updated_by = 0;                       // the operator who imported it last (0: the Topics API)
  std::string updated_by_name;
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
};

// A table without its rows (lists).
struct TableSummary {
  std::int64_t id = 0;
  std::string name;
  std::vector<TableColumn> columns;
  std::int64_t row_count = 0;
  UserId updated_by = 0;
  std::string updated_by_name;
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
};

class TableStore {
 public:
  virtual ~TableStore() = default;
  // The connection's tables ordered by name (case-insensitive).
  virtual std::vector<TableSummary> data_tables(ConnectionId id) = 0;
  // A whole table by name, ASCII case ignored; nullopt: none of that name.
  virtual std::optional<DataTable> data_table(ConnectionId id, std::string_view name) = 0;
  // One row of a table by its key, ASCII case ignored: the table's columns and that row only.
  // nullopt: no such table; a table without that row comes back with `rows` empty.
  virtual std::optional<DataTable> data_table_row(ConnectionId id, std::string_view name,
                                                  std::string_view key) = 0;
  // Creates the table, or replaces the one of the same name (any case) whole and atomically: its
  // name as now typed, columns, rows, who and updated_at; created_at stays the first import's.
  // Returns the table's id.
  virtual std::int64_t replace_data_table(const DataTable& table) = 0;
  // false: there was none of that name.
  virtual bool drop_data_table(ConnectionId id, std::string_view name) = 0;
};

}  // namespace topicdesk::store
