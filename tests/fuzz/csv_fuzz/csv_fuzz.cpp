// Fuzz target for the CSV reader of shared data tables (docs/tables.md):
// - parse_csv() and table_from_csv() never crash or throw, whatever the bytes;
// - a refusal has a code with a text in the English catalogue, and its row is within the text's
//   lines (a record starts on or before its line), its column within the limits;
// - parsed records written back out (csv_line) parse to the same records;
// - an accepted table written back out (table_to_csv) reads back to the same table.
// With libFuzzer: build with -fsanitize=fuzzer -DTD_LIBFUZZER. Otherwise `--corpus DIR` adds
// DIR's files (regressions) to the seeds of the plain driver.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "i18n/catalog.h"
#include "tables/table.h"
#include "tests/fuzz/fuzz_driver.h"

namespace {
using topicdesk::fuzz::outcomes;
using topicdesk::fuzz::violated;
namespace tables = topicdesk::tables;

std::string describe(const tables::TableProblem& p) {
  return p.code + " row " + std::to_string(p.row) + " column " + std::to_string(p.column);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto records = tables::parse_csv(text);
  if (auto* p = std::get_if<tables::TableProblem>(&records)) {
    ++outcomes()["refused:" + p->code];
    if (topicdesk::i18n::catalogue("en").count("tables.problem_" + p->code) == 0)
      violated("a problem without a text", text, describe(*p));
    const auto lines = static_cast<std::int64_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    if (p->row < 0 || p->row > lines) violated("a problem's row is outside the text", text, describe(*p));
    if (p->column < 0 || p->column > 33) violated("a problem's column is out of bounds", text, describe(*p));
    if (p->code != "too_big" && p->row == 0) violated("a problem without its row", text, describe(*p));
    return 0;
  }
  const auto& read = std::get<tables::CsvRecords>(records);
  std::string written;
  for (const auto& r : read) written += tables::csv_line(r);
  auto again = tables::parse_csv(written);
  if (auto* p = std::get_if<tables::TableProblem>(&again))
    violated("written records do not parse", text, describe(*p));
  if (std::get<tables::CsvRecords>(again) != read) violated("written records parse to others", text, written);

  auto table = tables::table_from_csv("fuzz", text);
  if (auto* p = std::get_if<tables::TableProblem>(&table)) {
    ++outcomes()["table refused:" + p->code];
    if (topicdesk::i18n::catalogue("en").count("tables.problem_" + p->code) == 0)
      violated("a table problem without a text", text, describe(*p));
    if (p->row > static_cast<std::int64_t>(read.size()) || (p->column > 0 && p->row == 0))
      violated("a table problem names a row that is not there", text, describe(*p));
    return 0;
  }
  ++outcomes()["accepted"];
  const auto& t = std::get<topicdesk::store::DataTable>(table);
  std::string csv = tables::table_to_csv(t);
  auto back = tables::table_from_csv("fuzz", csv);
  if (auto* p = std::get_if<tables::TableProblem>(&back))
    violated("an exported table does not import", text, csv);
  const auto& u = std::get<topicdesk::store::DataTable>(back);
  if (u.columns != t.columns || u.rows != t.rows) violated("an exported table imports to another", text, csv);
  return 0;
}

#ifndef TD_LIBFUZZER

namespace {

std::vector<std::string> seeds(int argc, char** argv) {
  std::vector<std::string> out = {
      "id,title,price:decimal,currency\r\nt1,Basic,100,XTR\r\nt2,\"Pro, yearly\",9.90,USD\r\n",
      "key,note\n\"a\",\"line one\nline two\"\nb,\"say \"\"hi\"\"\"\n",
      "sku:text,stock:integer,active:bool\nA-1,12,yes\nA-2,-3,0\n",
      "\xEF\xBB\xBFname\n\xD0\x81\xD0\xB6\n",
      "a,b\n1,2,3\n",
  };
  return topicdesk::fuzz::with_corpus_files(std::move(out), argc, argv);
}

constexpr std::string_view kInteresting = ",\"\r\n:; \t|{}01.-+eE\xD1\x91\xFF\xEF\xBB\xBF";

}  // namespace

int main(int argc, char** argv) {
  std::string wide = "k";
  for (int i = 0; i < 40; ++i) wide += ",c" + std::to_string(i);
  return topicdesk::fuzz::run_driver(
      argc, argv,
      {.name = "csv_fuzz",
       .seeds = seeds(argc, argv),
       .extremes = {std::string(2 * 1024 * 1024, 'a'), std::string(100000, '"'), std::string(100000, '\n'),
                    std::string(100000, ','), wide + "\n", "k,v\n" + std::string(5000, 'x') + ",1\n",
                    "k:decimal\n1" + std::string(40, '0') + "\n", std::string("k\n\0", 3)},
       .interesting = kInteresting,
       .max_copied_run = 32});
}
#endif
