// The CSV reader of shared data tables (tables/csv.h): RFC 4180 read strictly, every refusal
// naming the row and the column, everything bounded.
#include "tables/csv.h"

#include <gtest/gtest.h>

namespace topicdesk::tables {
namespace {

CsvRecords read(std::string_view text, const CsvLimits& limits = {}) {
  auto r = parse_csv(text, limits);
  if (auto* p = std::get_if<TableProblem>(&r)) {
    ADD_FAILURE() << "refused: " << p->code << " at row " << p->row << " column " << p->column;
    return {};
  }
  return std::get<CsvRecords>(r);
}

TableProblem refused(std::string_view text, const CsvLimits& limits = {}) {
  auto r = parse_csv(text, limits);
  if (auto* p = std::get_if<TableProblem>(&r)) return *p;
  ADD_FAILURE() << "accepted: " << text;
  return {};
}

TEST(Csv, ReadsQuotesEmbeddedCommasLineBreaksAndDoubledQuotes) {
  auto r = read("id,note\r\nt1,\"a, b\"\r\nt2,\"line one\r\nline two\"\r\nt3,\"say \"\"hi\"\"\"\r\nt4,\r\n");
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[1], (std::vector<std::string>{"t1", "a, b"}));
  EXPECT_EQ(r[2], (std::vector<std::string>{"t2", "line one\r\nline two"}));
  EXPECT_EQ(r[3], (std::vector<std::string>{"t3", "say \"hi\""}));
  EXPECT_EQ(r[4], (std::vector<std::string>{"t4", ""}));
}

TEST(Csv, AcceptsLfEndingsAByteOrderMarkNoFinalNewlineAndSkipsEmptyLines) {
  auto r = read("\xEF\xBB\xBFid,v\n\nt1,1\n\nt2,2");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0][0], "id");
  EXPECT_EQ(r[2], (std::vector<std::string>{"t2", "2"}));
}

TEST(Csv, RefusalsNameTheRowAndTheColumn) {
  auto p = refused("id,v\nt1,ok\nt2,a\"b\n");
  EXPECT_EQ(p.code, "quote_in_field");
  EXPECT_EQ(p.row, 3);
  EXPECT_EQ(p.column, 2);

  p = refused("id,v\nt1,\"closed\"x\n");
  EXPECT_EQ(p.code, "text_after_quote");
  EXPECT_EQ(p.row, 2);
  EXPECT_EQ(p.column, 2);

  // A quoted field never closed is named where it started.
  p = refused("id,v\nt1,\"open\nt2,x\nt3,y\n");
  EXPECT_EQ(p.code, "unterminated_quote");
  EXPECT_EQ(p.row, 2);
  EXPECT_EQ(p.column, 2);

  p = refused("id,v\nt1,\xC3\x28\n");
  EXPECT_EQ(p.code, "bad_utf8");
  EXPECT_EQ(p.row, 2);

  p = refused("id,v\nt1,a\rb\n");
  EXPECT_EQ(p.code, "bare_carriage_return");
}

TEST(Csv, EveryLimitIsARefusalNeverACut) {
  CsvLimits small{.max_bytes = 100, .max_rows = 3, .max_columns = 3, .max_field_bytes = 5};
  EXPECT_EQ(refused(std::string(101, 'a'), small).code, "too_big");
  auto p = refused("a\nb\nc\nd\n", small);
  EXPECT_EQ(p.code, "too_many_rows");
  EXPECT_EQ(p.row, 4);
  EXPECT_EQ(p.limit, 3);
  p = refused("a,b,c,d\n", small);
  EXPECT_EQ(p.code, "too_many_columns");
  EXPECT_EQ(p.column, 4);
  p = refused("a,\"123456\"\n", small);
  EXPECT_EQ(p.code, "field_too_long");
  EXPECT_EQ(p.column, 2);
}

TEST(Csv, WrittenLinesReadBack) {
  // A byte order mark starting the first field is quoted: reading skips an unquoted one (found by
  // the fuzz target).
  std::vector<std::string> fields{
      "\xEF\xBB\xBF"
      "bom",
      "plain",
      "with, comma",
      "with \"quote\"",
      "two\nlines",
      " padded ",
      ""};
  auto r = read(csv_line(fields) + csv_line({""}));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], fields);
  EXPECT_EQ(r[1], (std::vector<std::string>{""}));
}

}  // namespace
}  // namespace topicdesk::tables
