// Shared data tables as pure functions (docs/tables.md): names, column types and their values,
// a table made from CSV records or from JSON-like rows (every cell checked, nothing half-made),
// a table written back as CSV, the pages /table shows, and the lookups templates, /invoice,
// PAYMENT_HOOK and the AI's prompt make. No I/O, no store calls: callers pass what they read.
//
// Header row: one column name per field, optionally typed as `name:type`; types are text (the
// default), integer, decimal (alias money, number) and boolean (alias bool). The first column is
// the key: every row has a non-empty key without ':', '{', '}' or '|', unique without regard to
// ASCII case.
//
// Cells are kept in a canonical form: integer "-12"; decimal as written without a plus sign or
// leading zeros ("007.50" → "7.50"; digits are never rounded, no floating point); boolean "true"
// or "false" (from true/false, yes/no, 1/0 in any case). An empty cell (not the key) has no value.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/table_store.h"
#include "tables/csv.h"

namespace topicdesk::tables {

inline constexpr std::size_t kMaxNameLength = 32;     // a table's name, ASCII
inline constexpr std::size_t kMaxColumnName = 32;     // a column's name, ASCII
inline constexpr std::size_t kMaxKeyBytes = 64;       // a row's key
inline constexpr std::size_t kMaxDecimalDigits = 18;  // a decimal's digits, both sides
// Limits of one table (a CSV file, an API body): CsvLimits' defaults; rows without the header.
inline constexpr std::size_t kMaxRows = 5000;
inline constexpr std::size_t kMaxColumns = 32;
inline constexpr std::size_t kMaxCsvBytes = 1024 * 1024;
inline constexpr std::size_t kMaxCellBytes = 4096;

// The column names /invoice TABLE ROW reads (docs/tables.md).
inline constexpr std::string_view kPriceColumn = "price";
inline constexpr std::string_view kCurrencyColumn = "currency";
inline constexpr std::string_view kTitleColumn = "title";
inline constexpr std::string_view kDescriptionColumn = "description";

// A table name: a letter, then letters, digits, '_' or '-', at most kMaxNameLength; not one of
// /table's words (import, export, drop, list). The problem's code when not.
std::optional<TableProblem> check_table_name(std::string_view name);

// A column type by name (any case, aliases included).
std::optional<store::ColumnType> column_type(std::string_view name);

// A cell of `type` in its canonical form, or the problem's code ("bad_integer" …).
std::variant<std::string, std::string> canonical_cell(store::ColumnType type, std::string_view cell);

// A table made from CSV records (the first is the header). `name` is assumed checked. Every
// row's fields must match the header's count; problems name the row and the column.
std::variant<store::DataTable, TableProblem> table_from_records(std::string_view name,
                                                                const CsvRecords& records);
// parse_csv, then table_from_records, with the limits above.
std::variant<store::DataTable, TableProblem> table_from_csv(std::string_view name, std::string_view csv);
// A table from typed columns and rows of cells (the Topics API's JSON); rows are numbered as in
// a CSV file (the first row is row 2) so that problems read the same.
std::variant<store::DataTable, TableProblem> table_from_rows(std::string_view name,
                                                             std::vector<store::TableColumn> columns,
                                                             std::vector<std::vector<std::string>> rows);

// The table as CSV, its header typed (`price:decimal`; text columns untyped) so that the file
// imports back to the same table.
std::string table_to_csv(const store::DataTable& table);

// A problem for people, in `language`: "row 3, column 2 (price): … ".
std::string problem_text(std::string_view language, const TableProblem& problem);

// One page of /table NAME: the header with types, then rows as "key · a · b", as many as fit in
// `max_units` UTF-16 units (Telegram's 4096 less room for the title lines). Pages count from 1.
struct TablePage {
  std::string text;
  int page = 1;
  int pages = 1;
};
TablePage table_page(const store::DataTable& table, int page, std::size_t max_units = 3500);

// {table:NAME:ROW:COLUMN}: the reference inside the braces ("table:plans:t1:price").
struct TableReference {
  std::string table;
  std::string row;
  std::string column;  // lowercase
};
std::optional<TableReference> parse_reference(std::string_view inside_braces);

// What a lookup found. `value` is set when the cell has one; otherwise `missing` says what is
// missing: "table", "row", "column" or "value" (an empty cell).
struct Lookup {
  std::optional<std::string> value;
  std::string missing;
};
// The cell of `row` (key, ASCII case ignored) and `column` in `table` (which may hold only the
// rows of interest); nullptr `table`: the table does not exist. The AI's prompt and every other
// reader use this one function.
Lookup lookup(const store::DataTable* table, std::string_view row, std::string_view column);
// A marker for text that is not refused (hook lines, prompts): "[table plans: no row t9]", in
// `language`.
std::string missing_marker(std::string_view language, const TableReference& ref, const Lookup& found);

// Replaces every {table:NAME:ROW:COLUMN} in `text` with its value, or the marker when missing;
// `fetch(table, row)` reads the table's columns and that row (store::TableStore::data_table_row).
// `misses` collects the references not found, as written.
template <class Fetch>
std::string expand_references(std::string_view text, std::string_view language, Fetch&& fetch,
                              std::vector<std::string>* misses = nullptr);

// /invoice TABLE ROW: the args /invoice's parser reads ("9.90 USD Pro | 30 days") from the row's
// price, currency (XTR when the table has no currency column), title (the key when none) and
// description; or the problem ("no_price" …).
std::variant<std::string, TableProblem> invoice_args(const store::DataTable& row_table);

// ---- template definitions --------------------------------------------------------------------

template <class Fetch>
std::string expand_references(std::string_view text, std::string_view language, Fetch&& fetch,
                              std::vector<std::string>* misses) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    std::size_t open = text.find("{table:", pos);
    std::size_t close = open == std::string_view::npos ? open : text.find('}', open);
    if (open == std::string_view::npos || close == std::string_view::npos) break;
    auto ref = parse_reference(text.substr(open + 1, close - open - 1));
    out.append(text.substr(pos, open - pos));
    if (!ref) {
      out.append(text.substr(open, close + 1 - open));
    } else {
      std::optional<store::DataTable> table = fetch(ref->table, ref->row);
      Lookup found = lookup(table ? &*table : nullptr, ref->row, ref->column);
      if (found.value) {
        out += *found.value;
      } else {
        out += missing_marker(language, *ref, found);
        if (misses != nullptr) misses->emplace_back(text.substr(open, close + 1 - open));
      }
    }
    pos = close + 1;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace topicdesk::tables
