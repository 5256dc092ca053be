// The Topics API's table actions: put_table from CSV or JSON (created, then replaced whole),
// get_table as JSON and CSV, list_tables, delete_table; a table that breaks a rule is refused
// whole naming the row and column and the old table stays; bad names and unknown tables; the
// OpenAPI file lists it all.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "integrations/api_keys.h"
#include "integrations/openapi.h"
#include "integrations/topics_api.h"
#include "tests/unit/relay/relay_test_util.h"

namespace topicdesk::integrations {
namespace {
namespace json = boost::json;
using namespace relay::testing;  // NOLINT(google-build-using-namespace): the relay tests' helpers

class TopicsApiTablesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = make_store();
    engine_ = std::make_unique<relay::Engine>(*store_, make_context(*store_));
    key_ = *reset_api_key(*store_, engine_->context().id, kT0);
    api_ = std::make_unique<TopicsApi>(*store_, std::vector<ApiConnection>{{engine_.get(), "bot"}},
                                       TopicsApiOptions{});
  }

  json::value call(const json::object& request, unsigned want_status = 200) {
    auto response = api_->topic_action(key_, json::serialize(request), kT0 + 5000, 1'000'000);
    EXPECT_EQ(response.status, want_status) << response.body;
    return json::parse(response.body);
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<relay::Engine> engine_;
  std::unique_ptr<TopicsApi> api_;
  std::string key_;
};

TEST_F(TopicsApiTablesTest, PutGetListAndDelete) {
  auto put = call({{"action", "put_table"},
                   {"name", "plans"},
                   {"csv", "id,title,price:decimal\r\nt1,Basic,100\r\nt2,\"Pro, yearly\",0250.5\r\n"}});
  EXPECT_EQ(put.at("result").at("created"), true);
  EXPECT_EQ(put.at("result").at("table").at("rows"), 2);
  auto got = call({{"action", "get_table"}, {"name", "PLANS"}, {"format", "csv"}}).at("result");
  EXPECT_EQ(got.at("table").at("columns").at(2).at("type"), "decimal");
  EXPECT_EQ(got.at("table").at("rows").at(1).at(2), "250.5");
  EXPECT_EQ(got.at("csv"), "id,title,price:decimal\r\nt1,Basic,100\r\nt2,\"Pro, yearly\",250.5\r\n");

  put = call({{"action", "put_table"},
              {"name", "plans"},
              {"columns",
               json::array{json::object{{"name", "id"}}, json::object{{"name", "price"}, {"type", "decimal"}},
                           json::object{{"name", "active"}, {"type", "boolean"}}}},
              {"rows", json::array{json::array{"t1", 150, true}, json::array{"t3", "9.90", nullptr}}}});
  EXPECT_EQ(put.at("result").at("created"), false);
  got = call({{"action", "get_table"}, {"name", "plans"}}).at("result");
  EXPECT_EQ(got.at("table").at("rows"),
            (json::array{json::array{"t1", "150", "true"}, json::array{"t3", "9.90", ""}}));
  EXPECT_FALSE(got.as_object().contains("csv"));
  auto list = call({{"action", "list_tables"}}).at("result").at("tables").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("name"), "plans");
  EXPECT_EQ(list[0].at("rows"), 2);
  EXPECT_EQ(call({{"action", "delete_table"}, {"name", "plans"}}).at("result").at("deleted"), "plans");
  EXPECT_EQ(call({{"action", "delete_table"}, {"name", "plans"}}, 404).at("error").at("code"),
            "unknown_table");
  EXPECT_EQ(call({{"action", "get_table"}, {"name", "menu"}}, 404).at("error").at("code"), "unknown_table");
}

TEST_F(TopicsApiTablesTest, ABadTableIsRefusedWholeNamingTheRowAndColumn) {
  call({{"action", "put_table"}, {"name", "plans"}, {"csv", "id,price:decimal\nt1,100\n"}});
  auto refused =
      call({{"action", "put_table"}, {"name", "plans"}, {"csv", "id,price:decimal\nt1,100\nt2,1,5\n"}}, 400);
  EXPECT_EQ(refused.at("error").at("code"), "invalid_table");
  EXPECT_EQ(refused.at("error").at("message"),
            "the table was not changed: row 3: 3 values, but the header has 2 columns");
  refused = call({{"action", "put_table"},
                  {"name", "plans"},
                  {"columns", json::array{json::object{{"name", "id"}},
                                          json::object{{"name", "n"}, {"type", "integer"}}}},
                  {"rows", json::array{json::array{"x", 1.5}}}},
                 400);
  EXPECT_NE(std::string(refused.at("error").at("message").as_string())
                .find("row 2, column 2 (n): \"1.5\" is not an integer"),
            std::string::npos)
      << refused;
  EXPECT_EQ(
      call({{"action", "put_table"}, {"name", "plans"}, {"rows", json::array{}}}, 400).at("error").at("code"),
      "invalid_field");
  EXPECT_EQ(call({{"action", "put_table"}, {"name", "9x"}, {"csv", "id\n"}}, 400).at("error").at("code"),
            "invalid_field");
  auto kept = call({{"action", "get_table"}, {"name", "plans"}}).at("result").at("table").at("rows");
  EXPECT_EQ(kept, (json::array{json::array{"t1", "100"}}));
}

TEST_F(TopicsApiTablesTest, TheOpenApiFileListsTheTableActions) {
  auto doc = json::parse(openapi_json());
  const auto& schemas = doc.at("components").at("schemas").as_object();
  for (const char* schema : {"ListTables", "GetTable", "PutTable", "DeleteTable", "TableColumn"})
    EXPECT_TRUE(schemas.contains(schema)) << schema;
  std::string codes = json::serialize(schemas.at("Error"));
  for (const char* code : {"unknown_table", "invalid_table"}) EXPECT_NE(codes.find(code), std::string::npos);
}

}  // namespace
}  // namespace topicdesk::integrations
