// The Topics API's segment actions: segment_count and segment_list (paged) over the API key's
// connection, malformed expressions answered with where and what, HIDE_INFO, and the OpenAPI file.
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

class TopicsApiSegmentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = make_store();
    engine_ = std::make_unique<relay::Engine>(*store_, make_context(*store_));
    key_ = *reset_api_key(*store_, engine_->context().id, kT0);
    api_ = std::make_unique<TopicsApi>(*store_, std::vector<ApiConnection>{{engine_.get(), "bot"}},
                                       TopicsApiOptions{});
    // Seven users write; the odd ones in Russian. User 1003 came through /start promo42.
    for (core::UserId user = 1001; user <= 1007; ++user) {
      auto e = user_message(user, user, user == 1003 ? "/start promo42" : "hi");
      e.from.first_name = "U" + std::to_string(user);
      e.from.language_code = user % 2 ? "ru" : "en";
      engine_->handle(e, kT0);
    }
    store_->set_user_field(engine_->context().id, 1002, "plan", "pro");
    take_jobs(*store_);
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

TEST_F(TopicsApiSegmentsTest, CountAnswersHowManyUsersTheExpressionPicks) {
  auto body = call({{"action", "segment_count"}, {"segment", "LANG:ru and not start:promo42"}});
  EXPECT_EQ(body.at("result").at("count").as_int64(), 3);
  EXPECT_EQ(body.at("result").at("segment").as_string(), "lang:ru and not start:promo42");
  EXPECT_FALSE(body.at("result").as_object().contains("users"));
  EXPECT_EQ(call({{"action", "segment_count"}, {"segment", "field:plan=pro"}}).at("result").at("count"), 1);
}

TEST_F(TopicsApiSegmentsTest, ListPagesThroughTheUsersInDialogOrder) {
  std::vector<std::int64_t> seen;
  json::value after = nullptr;
  int pages = 0;
  do {
    json::object request{{"action", "segment_list"}, {"segment", "lang:ru"}, {"limit", 2}};
    if (!after.is_null()) request["after"] = after;
    auto result = call(request).at("result");
    EXPECT_EQ(result.at("count").as_int64(), 4) << "the whole segment's count on every page";
    for (const auto& user : result.at("users").as_array()) {
      seen.push_back(user.at("user").at("user_id").as_int64());
      EXPECT_EQ(user.at("user").at("language_code").as_string(), "ru");
      EXPECT_EQ(user.at("status").as_string(), "user_answered");
    }
    after = result.at("next_after");
    ++pages;
  } while (!after.is_null() && pages < 10);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1001, 1003, 1005, 1007}));
  EXPECT_EQ(pages, 2);
}

TEST_F(TopicsApiSegmentsTest, AMalformedExpressionIsAnsweredWithWhereAndWhat) {
  auto body = call({{"action", "segment_count"}, {"segment", "vip churned"}}, 400);
  const auto& error = body.at("error");
  EXPECT_EQ(error.at("code").as_string(), "invalid_segment");
  EXPECT_EQ(error.at("message").as_string(),
            "field \"segment\": column 5, at `churned`: expected `and`, `or` or the end of the expression");
  EXPECT_EQ(error.at("column").as_int64(), 5);
  EXPECT_EQ(error.at("token").as_string(), "churned");

  EXPECT_EQ(call({{"action", "segment_list"}}, 400).at("error").at("code").as_string(), "missing_field");
  EXPECT_EQ(call({{"action", "segment_list"}, {"segment", 5}}, 400).at("error").at("code").as_string(),
            "invalid_field");
  EXPECT_EQ(call({{"action", "segment_list"}, {"segment", "vip"}, {"limit", 0}}, 400).at("error").at("code"),
            "invalid_field");
  EXPECT_EQ(call({{"action", "segment_count"}, {"segment", ""}}, 400).at("error").at("message"),
            "field \"segment\": the expression is empty");
}

TEST_F(TopicsApiSegmentsTest, HideInfoShowsPseudonymsAndRefusesFieldTerms) {
  auto params = engine_->context().params;
  params.hide_info = core::HideInfo::kName;
  engine_->set_parameters(params);
  auto result = call({{"action", "segment_list"}, {"segment", "start:promo42"}}).at("result");
  const auto& user = result.at("users").at(0).at("user");
  EXPECT_TRUE(user.at("hidden").as_bool());
  EXPECT_FALSE(user.as_object().contains("user_id"));
  EXPECT_FALSE(user.as_object().contains("first_name"));
  EXPECT_EQ(user.at("pseudonym").as_string(), store_->dialog_by_user(engine_->context().id, 1003)->pseudonym);

  auto refused = call({{"action", "segment_count"}, {"segment", "field:plan=pro"}}, 403);
  EXPECT_EQ(refused.at("error").at("code").as_string(), "fields_hidden");
}

TEST(OpenApiSegments, ListsTheSegmentActionsAndTheirErrors) {
  auto doc = json::parse(openapi_json());
  const auto& schemas = doc.at("components").at("schemas").as_object();
  for (const char* schema : {"SegmentCount", "SegmentList", "SegmentUser"})
    EXPECT_TRUE(schemas.contains(schema)) << schema;
  std::string codes = json::serialize(schemas.at("Error"));
  for (const char* code : {"invalid_segment", "fields_hidden"})
    EXPECT_NE(codes.find(code), std::string::npos);
}

}  // namespace
}  // namespace topicdesk::integrations
