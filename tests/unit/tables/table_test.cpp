// Shared data tables as pure functions (tables/table.h): typed columns, canonical cells, the
// checks with rows and columns named, pages, references and lookups, invoice arguments.
#include "tables/table.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace topicdesk::tables {
namespace {

using store::ColumnType;
using store::DataTable;

DataTable made(std::string_view csv) {
  auto t = table_from_csv("plans", csv);
  if (auto* p = std::get_if<TableProblem>(&t)) {
    ADD_FAILURE() << problem_text("en", *p);
    return {};
  }
  return std::get<DataTable>(t);
}

TableProblem refused(std::string_view csv) {
  auto t = table_from_csv("plans", csv);
  if (auto* p = std::get_if<TableProblem>(&t)) return *p;
  ADD_FAILURE() << "accepted: " << csv;
  return {};
}

constexpr std::string_view kPlans =
    "id,title,price:decimal,currency,days:integer,active:bool,description\n"
    "t1,Basic,100,XTR,30,yes,One month\n"
    "T2,\"Pro, yearly\",0009.90,USD,365,0,\n";

TEST(Table, HeaderTypesAndCanonicalCells) {
  auto t = made(kPlans);
  ASSERT_EQ(t.columns.size(), 7u);
  EXPECT_EQ(t.columns[0].type, ColumnType::kText);
  EXPECT_EQ(t.columns[2].type, ColumnType::kDecimal);
  EXPECT_EQ(t.columns[4].type, ColumnType::kInteger);
  EXPECT_EQ(t.columns[5].type, ColumnType::kBoolean);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1][1], "Pro, yearly");
  EXPECT_EQ(t.rows[1][2], "9.90");
  EXPECT_EQ(t.rows[0][5], "true");
  EXPECT_EQ(t.rows[1][5], "false");
  EXPECT_EQ(t.rows[1][6], "");
}

TEST(Table, BadCellsAreNamedByRowAndColumn) {
  auto p = refused("id,price:decimal\nt1,9.90\nt2,9,90\n");
  EXPECT_EQ(p.code, "field_count");
  EXPECT_EQ(p.row, 3);
  p = refused("id,price:decimal\nt1,9.90\nt2,\"9,90\"\n");
  EXPECT_EQ(p.code, "bad_decimal");
  EXPECT_EQ(p.row, 3);
  EXPECT_EQ(p.column, 2);
  EXPECT_EQ(p.column_name, "price");
  EXPECT_EQ(
      problem_text("en", p),
      "row 3, column 2 (price): \"9,90\" is not a decimal number like 9.90 (a point, not a comma; at most 18 "
      "digits)");
  EXPECT_EQ(refused("id,n:integer\nt1,12x\n").code, "bad_integer");
  EXPECT_EQ(refused("id,n:integer\nt1,99999999999999999999\n").code, "bad_integer");
  EXPECT_EQ(refused("id,b:boolean\nt1,maybe\n").code, "bad_boolean");
  EXPECT_EQ(refused("id,x:float\n").code, "bad_type");
  EXPECT_EQ(refused("id,2x\n").code, "bad_column_name");
  EXPECT_EQ(refused("id,a,A\n").code, "duplicate_column");
  p = refused("id,v\nt1,a\nT1,b\n");
  EXPECT_EQ(p.code, "duplicate_key");
  EXPECT_EQ(p.row, 3);
  EXPECT_EQ(refused("id,v\n,a\n").code, "empty_key");
  EXPECT_EQ(refused("id,v\na:b,a\n").code, "bad_key");
  EXPECT_EQ(refused("").code, "empty");
}

TEST(Table, NamesFollowOneRule) {
  EXPECT_FALSE(check_table_name("plans"));
  EXPECT_FALSE(check_table_name("menu_2025-winter"));
  EXPECT_EQ(check_table_name("import")->code, "reserved_name");
  EXPECT_EQ(check_table_name("2plans")->code, "bad_name");
  EXPECT_EQ(check_table_name(std::string(33, 'a'))->code, "bad_name");
  EXPECT_EQ(check_table_name("")->code, "bad_name");
}

TEST(Table, ExportImportsBackToTheSameTable) {
  auto t = made(kPlans);
  auto csv = table_to_csv(t);
  EXPECT_TRUE(csv.starts_with("id,title,price:decimal,currency,days:integer,active:boolean,description\r\n"));
  auto back = made(csv);
  EXPECT_EQ(back.columns, t.columns);
  EXPECT_EQ(back.rows, t.rows);
}

TEST(Table, LookupsFindCellsAndSayWhatIsMissing) {
  auto t = made(kPlans);
  EXPECT_EQ(lookup(&t, "t1", "price").value, "100");
  EXPECT_EQ(lookup(&t, "t2", "PRICE").value, "9.90");  // keys and columns: ASCII case ignored
  EXPECT_EQ(lookup(&t, "t9", "price").missing, "row");
  EXPECT_EQ(lookup(&t, "t1", "colour").missing, "column");
  EXPECT_EQ(lookup(&t, "t2", "description").missing, "value");
  EXPECT_EQ(lookup(nullptr, "t1", "price").missing, "table");
  auto ref = parse_reference("table:plans:t9:price");
  ASSERT_TRUE(ref);
  EXPECT_EQ(missing_marker("en", *ref, lookup(&t, "t9", "price")), "[table plans: no row t9]");
  EXPECT_FALSE(parse_reference("table:plans:t1"));
  EXPECT_FALSE(parse_reference("field:plan"));
}

TEST(Table, ReferencesInATextAreFilledOrMarked) {
  auto t = made(kPlans);
  std::vector<std::string> misses;
  auto fetch = [&t](const std::string& name, const std::string&) -> std::optional<DataTable> {
    if (name != "plans") return std::nullopt;
    return t;
  };
  auto out =
      expand_references("/activate {table:plans:t1:days} {payload} {table:menu:x:y}", "en", fetch, &misses);
  EXPECT_EQ(out, "/activate 30 {payload} [no table menu]");
  EXPECT_EQ(misses, (std::vector<std::string>{"{table:menu:x:y}"}));
}

TEST(Table, InvoiceArgumentsComeFromTheRow) {
  auto t = made(kPlans);
  DataTable row = t;
  row.rows = {t.rows[1]};
  EXPECT_EQ(std::get<std::string>(invoice_args(row)), "9.90 USD Pro, yearly");
  row.rows = {t.rows[0]};
  EXPECT_EQ(std::get<std::string>(invoice_args(row)), "100 XTR Basic | One month");
  auto no_price = made("id,title\nt1,Basic\n");
  EXPECT_EQ(std::get<TableProblem>(invoice_args(no_price)).code, "no_price");
  auto untitled = made("id,price:decimal\nstarter,50\n");  // no currency: Stars; no title: the key
  EXPECT_EQ(std::get<std::string>(invoice_args(untitled)), "50 XTR starter");
}

TEST(Table, PagesFitTheBudget) {
  std::string csv = "id,text\n";
  for (int i = 0; i < 300; ++i) csv += "row" + std::to_string(i) + "," + std::string(40, 'x') + "\n";
  auto t = made(csv);
  auto first = table_page(t, 1, 3500);
  EXPECT_GT(first.pages, 1);
  EXPECT_LE(core::utf16_length(first.text), 3500u);
  EXPECT_TRUE(first.text.starts_with("id · text\nrow0 · "));
  auto last = table_page(t, 99, 3500);  // past the end: the last page
  EXPECT_EQ(last.page, last.pages);
  EXPECT_NE(last.text.find("row299"), std::string::npos);
  auto empty = table_page(made("id,v\n"), 1);
  EXPECT_EQ(empty.pages, 1);
  EXPECT_EQ(empty.text, "id · v");
}

}  // namespace
}  // namespace topicdesk::tables
