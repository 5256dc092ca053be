// CSV as RFC 4180 writes it, read strictly (docs/tables.md): fields separated by commas, records
// by CRLF or LF; a field in double quotes may hold commas, line breaks and doubled quotes ("");
// a quote inside an unquoted field, text after a closing quote and a quoted field never closed
// are errors. A UTF-8 byte order mark at the start is skipped; empty lines are skipped; the text
// must be UTF-8. Everything is bounded (CsvLimits): a file over a limit is refused, never cut.
//
// Errors name where: the record (row 1 is the first line, the header) and the field (column 1
// is the first), as a spreadsheet numbers them. Pure; never throws on any input.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace topicdesk::tables {

struct CsvLimits {
  std::size_t max_bytes = 1024 * 1024;  // the whole text
  std::size_t max_rows = 5001;          // records, the header included
  std::size_t max_columns = 32;         // fields of a record
  std::size_t max_field_bytes = 4096;   // one field
};

// What is wrong and where. `code` names the problem (the catalogue's tables.problem_<code>);
// `row`/`column` 0: not about one row or column. `limit` is the bound a "too_*" code exceeded;
// `detail` a value worth quoting (a column name, a type, a cell).
struct TableProblem {
  std::string code;
  std::int64_t row = 0;
  std::int64_t column = 0;
  std::string column_name;
  std::int64_t limit = 0;
  std::string detail;
};

using CsvRecords = std::vector<std::vector<std::string>>;

// The records of `text`, or the first problem found.
std::variant<CsvRecords, TableProblem> parse_csv(std::string_view text, const CsvLimits& limits = {});

// One record as a CSV line ending in CRLF: a field is quoted when it holds a comma, a quote, a
// line break, or starts or ends with a space or a byte order mark.
std::string csv_line(const std::vector<std::string>& fields);

}  // namespace topicdesk::tables
