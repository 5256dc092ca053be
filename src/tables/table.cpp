#include "tables/table.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <string>

#include "core/utf8.h"
#include "i18n/catalog.h"

namespace topicdesk::tables {

using store::ColumnType;
using store::DataTable;
using store::TableColumn;

namespace {

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

TableProblem problem(std::string code, std::string detail = {}) {
  return TableProblem{.code = std::move(code), .detail = std::move(detail)};
}

TableProblem cell_problem(std::string code, std::int64_t row, std::size_t column, const TableColumn& c,
                          std::string detail = {}, std::int64_t limit = 0) {
  return TableProblem{.code = std::move(code),
                      .row = row,
                      .column = static_cast<std::int64_t>(column) + 1,
                      .column_name = c.name,
                      .limit = limit,
                      .detail = std::move(detail)};
}

// A header field: "price:decimal" → {price, decimal}.
std::variant<TableColumn, TableProblem> header_column(std::string_view field, std::size_t index) {
  std::string written = core::trim(field);
  std::string_view name = written;
  std::string_view type_name;
  if (auto colon = name.find(':'); colon != std::string_view::npos) {
    type_name = name.substr(colon + 1);
    name = name.substr(0, colon);
  }
  TableColumn column;
  column.name = core::lower_ascii(core::trim(name));
  auto at = [&](std::string code, std::string detail) {
    TableProblem p = problem(std::move(code), std::move(detail));
    p.row = 1;
    p.column = static_cast<std::int64_t>(index) + 1;
    return p;
  };
  const bool valid = !column.name.empty() && column.name.size() <= kMaxColumnName &&
                     is_ascii_letter(column.name.front()) &&
                     std::all_of(column.name.begin(), column.name.end(),
                                 [](char c) { return is_ascii_letter(c) || is_digit(c) || c == '_'; });
  if (!valid) return at("bad_column_name", written);
  if (!type_name.empty() || written.find(':') != std::string::npos) {
    auto type = column_type(core::trim(type_name));
    if (!type) return at("bad_type", std::string(core::trim(type_name)));
    column.type = *type;
  }
  return column;
}

std::variant<std::string, std::string> canonical_integer(std::string_view s) {
  std::string_view digits = s;
  bool negative = false;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), is_digit))
    return std::variant<std::string, std::string>(std::in_place_index<1>, "bad_integer");
  std::int64_t value = 0;
  std::string text = (negative ? "-" : "") + std::string(digits);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    return std::variant<std::string, std::string>(std::in_place_index<1>, "bad_integer");
  return std::variant<std::string, std::string>(std::in_place_index<0>, std::to_string(value));
}

std::variant<std::string, std::string> canonical_decimal(std::string_view s) {
  auto bad = [] { return std::variant<std::string, std::string>(std::in_place_index<1>, "bad_decimal"); };
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  std::string_view whole = s;
  std::string_view fraction;
  bool has_point = false;
  if (auto point = s.find('.'); point != std::string_view::npos) {
    has_point = true;
    whole = s.substr(0, point);
    fraction = s.substr(point + 1);
  }
  if (whole.empty() || (has_point && fraction.empty())) return bad();
  if (!std::all_of(whole.begin(), whole.end(), is_digit) ||
      !std::all_of(fraction.begin(), fraction.end(), is_digit))
    return bad();
  while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
  if (whole.size() + fraction.size() > kMaxDecimalDigits) return bad();
  std::string out = std::string(whole);
  if (has_point) out += "." + std::string(fraction);
  const bool zero = std::all_of(out.begin(), out.end(), [](char c) { return c == '0' || c == '.'; });
  if (negative && !zero) out.insert(out.begin(), '-');
  return std::variant<std::string, std::string>(std::in_place_index<0>, out);
}

// A key: non-empty, at most kMaxKeyBytes, none of the characters that end a reference.
std::optional<std::string> key_problem(std::string_view key) {
  if (key.empty()) return "empty_key";
  if (key.size() > kMaxKeyBytes) return "key_too_long";
  if (key.find_first_of(":{}|\r\n") != std::string_view::npos) return "bad_key";
  return std::nullopt;
}

std::string column_heading(const TableColumn& c) {
  return c.type == ColumnType::kText ? c.name : c.name + ":" + std::string(store::to_string(c.type));
}

}  // namespace

std::optional<TableProblem> check_table_name(std::string_view name) {
  const bool valid = !name.empty() && name.size() <= kMaxNameLength && is_ascii_letter(name.front()) &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                       return is_ascii_letter(c) || is_digit(c) || c == '_' || c == '-';
                     });
  if (!valid) return problem("bad_name", std::string(name));
  const std::string lower = core::lower_ascii(name);
  for (std::string_view word : {"import", "export", "drop", "list"}) {
    if (lower == word) return problem("reserved_name", std::string(name));
  }
  return std::nullopt;
}

std::optional<ColumnType> column_type(std::string_view name) {
  const std::string n = core::lower_ascii(name);
  if (n == "text" || n == "string") return ColumnType::kText;
  if (n == "integer" || n == "int") return ColumnType::kInteger;
  if (n == "decimal" || n == "money" || n == "number") return ColumnType::kDecimal;
  if (n == "boolean" || n == "bool") return ColumnType::kBoolean;
  return std::nullopt;
}

std::variant<std::string, std::string> canonical_cell(ColumnType type, std::string_view cell) {
  switch (type) {
    case ColumnType::kText:
      return std::variant<std::string, std::string>(std::in_place_index<0>, std::string(cell));
    case ColumnType::kInteger:
      return canonical_integer(core::trim(cell));
    case ColumnType::kDecimal:
      return canonical_decimal(core::trim(cell));
    case ColumnType::kBoolean: {
      const std::string b = core::lower_ascii(core::trim(cell));
      if (b == "true" || b == "yes" || b == "1")
        return std::variant<std::string, std::string>(std::in_place_index<0>, "true");
      if (b == "false" || b == "no" || b == "0")
        return std::variant<std::string, std::string>(std::in_place_index<0>, "false");
      return std::variant<std::string, std::string>(std::in_place_index<1>, "bad_boolean");
    }
  }
  return std::variant<std::string, std::string>(std::in_place_index<1>, "bad_type");
}

std::variant<DataTable, TableProblem> table_from_rows(std::string_view name, std::vector<TableColumn> columns,
                                                      std::vector<std::vector<std::string>> rows) {
  if (columns.empty()) return problem("empty");
  if (columns.size() > kMaxColumns) {
    TableProblem p = problem("too_many_columns");
    p.row = 1;
    p.limit = static_cast<std::int64_t>(kMaxColumns);
    return p;
  }
  if (rows.size() > kMaxRows) {
    TableProblem p = problem("too_many_rows");
    p.limit = static_cast<std::int64_t>(kMaxRows);
    return p;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (!names.insert(columns[i].name).second) {
      TableProblem p = problem("duplicate_column", columns[i].name);
      p.row = 1;
      p.column = static_cast<std::int64_t>(i) + 1;
      return p;
    }
  }
  DataTable table;
  table.name = std::string(name);
  table.columns = std::move(columns);
  std::set<std::string> keys;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto row_number = static_cast<std::int64_t>(r) + 2;  // the header is row 1
    auto& cells = rows[r];
    if (cells.size() != table.columns.size()) {
      TableProblem p = problem("field_count", std::to_string(cells.size()));
      p.row = row_number;
      p.limit = static_cast<std::int64_t>(table.columns.size());
      return p;
    }
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (cells[c].size() > kMaxCellBytes)
        return cell_problem("field_too_long", row_number, c, table.columns[c], {},
                            static_cast<std::int64_t>(kMaxCellBytes));
      if (c == 0) {  // the key: present and usable in a reference, whatever its type
        cells[0] = core::trim(cells[0]);
        if (auto bad = key_problem(cells[0]))
          return cell_problem(*bad, row_number, 0, table.columns[0], core::utf16_truncate(cells[0], 40),
                              static_cast<std::int64_t>(kMaxKeyBytes));
      } else if (core::trim(cells[c]).empty()) {
        cells[c].clear();  // no value
        continue;
      }
      auto canonical = canonical_cell(table.columns[c].type, cells[c]);
      if (canonical.index() == 1)
        return cell_problem(std::get<1>(canonical), row_number, c, table.columns[c],
                            core::utf16_truncate(cells[c], 40));
      cells[c] = std::move(std::get<0>(canonical));
    }
    if (!keys.insert(core::lower_ascii(cells[0])).second)
      return cell_problem("duplicate_key", row_number, 0, table.columns[0], cells[0]);
    table.rows.push_back(std::move(cells));
  }
  return table;
}

std::variant<DataTable, TableProblem> table_from_records(std::string_view name, const CsvRecords& records) {
  if (records.empty()) return problem("empty");
  std::vector<TableColumn> columns;
  for (std::size_t i = 0; i < records.front().size(); ++i) {
    auto column = header_column(records.front()[i], i);
    if (auto* p = std::get_if<TableProblem>(&column)) return *p;
    columns.push_back(std::move(std::get<TableColumn>(column)));
  }
  return table_from_rows(name, std::move(columns),
                         std::vector<std::vector<std::string>>(records.begin() + 1, records.end()));
}

std::variant<DataTable, TableProblem> table_from_csv(std::string_view name, std::string_view csv) {
  CsvLimits limits{.max_bytes = kMaxCsvBytes,
                   .max_rows = kMaxRows + 1,
                   .max_columns = kMaxColumns,
                   .max_field_bytes = kMaxCellBytes};
  auto records = parse_csv(csv, limits);
  if (auto* p = std::get_if<TableProblem>(&records)) return *p;
  return table_from_records(name, std::get<CsvRecords>(records));
}

std::string table_to_csv(const DataTable& table) {
  std::vector<std::string> header;
  for (const auto& c : table.columns) header.push_back(column_heading(c));
  std::string out = csv_line(header);
  for (const auto& row : table.rows) out += csv_line(row);
  return out;
}

std::string problem_text(std::string_view language, const TableProblem& p) {
  std::string what = i18n::text(language, "tables.problem_" + p.code,
                                {{"limit", std::to_string(p.limit)}, {"detail", p.detail}});
  if (p.row > 0 && p.column > 0) {
    std::string name = p.column_name;
    if (name.empty()) name = "#" + std::to_string(p.column);
    return i18n::text(language, "tables.at_cell",
                      {{"row", std::to_string(p.row)},
                       {"column", std::to_string(p.column)},
                       {"name", name},
                       {"problem", what}});
  }
  if (p.row > 0)
    return i18n::text(language, "tables.at_row", {{"row", std::to_string(p.row)}, {"problem", what}});
  return what;
}

TablePage table_page(const DataTable& table, int page, std::size_t max_units) {
  std::string header;
  for (std::size_t i = 0; i < table.columns.size(); ++i)
    header += (i == 0 ? "" : " · ") + column_heading(table.columns[i]);
  // Lines of rows, split into pages by the UTF-16 budget.
  std::vector<std::string> lines;
  for (const auto& row : table.rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i)
      line += (i == 0 ? "" : " · ") + (row[i].empty() ? "—" : row[i]);
    lines.push_back(core::utf16_truncate(line, max_units / 2));
  }
  std::vector<std::pair<std::size_t, std::size_t>> pages;  // [first, end) of lines
  const std::size_t header_units = core::utf16_length(header) + 1;
  std::size_t first = 0;
  while (first < lines.size() || pages.empty()) {
    std::size_t units = header_units;
    std::size_t end = first;
    while (end < lines.size() && (end == first || units + core::utf16_length(lines[end]) + 1 <= max_units)) {
      units += core::utf16_length(lines[end]) + 1;
      ++end;
    }
    pages.emplace_back(first, end);
    if (end == first) break;
    first = end;
  }
  TablePage out;
  out.pages = static_cast<int>(pages.size());
  out.page = std::clamp(page, 1, out.pages);
  auto [from, to] = pages[static_cast<std::size_t>(out.page - 1)];
  out.text = header;
  for (std::size_t i = from; i < to; ++i) out.text += "\n" + lines[i];
  return out;
}

std::optional<TableReference> parse_reference(std::string_view inside) {
  constexpr std::string_view kPrefix = "table:";
  if (!inside.starts_with(kPrefix)) return std::nullopt;
  inside.remove_prefix(kPrefix.size());
  auto first = inside.find(':');
  auto last = inside.rfind(':');
  if (first == std::string_view::npos || last == first) return std::nullopt;
  TableReference ref{.table = std::string(inside.substr(0, first)),
                     .row = core::trim(inside.substr(first + 1, last - first - 1)),
                     .column = core::lower_ascii(inside.substr(last + 1))};
  if (check_table_name(ref.table) || ref.row.empty() || key_problem(ref.row) || ref.column.empty())
    return std::nullopt;
  return ref;
}

Lookup lookup(const DataTable* table, std::string_view row, std::string_view column) {
  if (table == nullptr) return Lookup{.missing = "table"};
  const std::string wanted = core::lower_ascii(column);
  auto at = std::find_if(table->columns.begin(), table->columns.end(),
                         [&](const TableColumn& c) { return c.name == wanted; });
  if (at == table->columns.end()) return Lookup{.missing = "column"};
  const auto index = static_cast<std::size_t>(at - table->columns.begin());
  const std::string key = core::lower_ascii(core::trim(row));
  for (const auto& r : table->rows) {
    if (r.empty() || core::lower_ascii(r.front()) != key) continue;
    if (index >= r.size() || r[index].empty()) return Lookup{.missing = "value"};
    return Lookup{.value = r[index]};
  }
  return Lookup{.missing = "row"};
}

std::string missing_marker(std::string_view language, const TableReference& ref, const Lookup& found) {
  return i18n::text(language,
                    "tables.missing_" + (found.missing.empty() ? std::string("value") : found.missing),
                    {{"table", ref.table}, {"row", ref.row}, {"column", ref.column}});
}

std::variant<std::string, TableProblem> invoice_args(const DataTable& t) {
  auto cell = [&t](std::string_view column) {
    Lookup found = t.rows.empty() ? Lookup{} : lookup(&t, t.rows.front().front(), column);
    return found.value.value_or(std::string());
  };
  if (t.rows.empty()) return problem("no_row");
  std::string price = cell(kPriceColumn);
  if (price.empty()) return problem("no_price", t.rows.front().front());
  std::string currency = cell(kCurrencyColumn);
  if (currency.empty()) currency = "XTR";
  std::string title = cell(kTitleColumn);
  if (title.empty()) title = t.rows.front().front();
  if (title.find('|') != std::string::npos) return problem("bad_title", title);
  std::string args = price + " " + currency + " " + title;
  if (std::string description = cell(kDescriptionColumn); !description.empty()) args += " | " + description;
  return args;
}

}  // namespace topicdesk::tables
