// GET /api/v1/analytics and /api/v1/analytics.csv through the Topics API handler (no HTTP): the
// key's connection's report from what its engine logged, the query parameters, and a 400
// naming each bad one.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "integrations/api_keys.h"
#include "integrations/openapi.h"
#include "integrations/topics_api.h"
#include "tests/unit/relay/relay_test_util.h"

namespace topicdesk::integrations {
namespace {
namespace json = boost::json;
using namespace relay::testing;

constexpr core::UnixMillis kMinute = 60'000;

class TopicsApiAnalyticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = make_store();
    engine_ = std::make_unique<relay::Engine>(*store_, make_context(*store_));
    key_ = *reset_api_key(*store_, engine_->context().id, kT0);
    api_ = std::make_unique<TopicsApi>(*store_, std::vector<ApiConnection>{{engine_.get(), "bot"}},
                                       TopicsApiOptions{});
    // Ann writes at kT0 (2023-11-14 22:13:20 UTC); Olga comments, then answers 30 minutes later.
    engine_->handle(user_message(kAnn, 1, "Hi"), kT0);
    auto dialog = *store_->dialog_by_user(engine_->context().id, kAnn);
    dialog.thread_id = 77;
    store_->update_dialog(dialog);
    engine_->handle(operator_message(77, 10, "/ a comment is no answer"), kT0 + 10 * kMinute);
    engine_->handle(operator_message(77, 11, "Hello Ann"), kT0 + 30 * kMinute);
  }

  ApiResponse get(std::string target, bool csv = false, std::string key = "") {
    auto who = api_->authenticate(key.empty() ? key_ : key, 0, monotonic_++);
    if (who.refused) return *who.refused;
    return api_->analytics(who.connection, target, csv, kT0 + 60 * kMinute, monotonic_++);
  }

  std::string error_message(const ApiResponse& r) {
    return std::string(json::parse(r.body).at("error").at("message").as_string());
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<relay::Engine> engine_;
  std::unique_ptr<TopicsApi> api_;
  std::string key_;
  std::int64_t monotonic_ = 1'000'000;
};

TEST_F(TopicsApiAnalyticsTest, TheReportOfTheKeysConnectionAsJson) {
  auto r = get("/api/v1/analytics?range=today");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  auto result = json::parse(r.body).at("result");
  EXPECT_EQ(result.at("connection").as_string(), "shop");
  EXPECT_EQ(result.at("time_zone").as_string(), "UTC");  // no WORKING_HOURS
  EXPECT_EQ(result.at("first_day").as_string(), "2023-11-14");
  const auto& total = result.at("total");
  EXPECT_EQ(total.at("new_dialogs").as_int64(), 1);
  EXPECT_EQ(total.at("messages_in").as_int64(), 1);
  EXPECT_EQ(total.at("messages_out").as_int64(), 1);  // the comment stayed in the group
  EXPECT_EQ(total.at("first_response").at("median_seconds").as_int64(), 30 * 60);
  EXPECT_EQ(total.at("unanswered").as_int64(), 0);
  EXPECT_EQ(result.at("operators").at(0).at("operator_id").as_int64(), kOperatorId);
}

TEST_F(TopicsApiAnalyticsTest, TheZoneDecidesWhatTodayIs) {
  // The request comes at 23:13 UTC, 00:13 on the next day in Berlin: nothing happened there yet.
  auto r = get("/api/v1/analytics?range=today&tz=Europe/Berlin");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto result = json::parse(r.body).at("result");
  EXPECT_EQ(result.at("time_zone").as_string(), "Europe/Berlin");
  EXPECT_EQ(result.at("first_day").as_string(), "2023-11-15");
  EXPECT_EQ(result.at("total").at("new_dialogs").as_int64(), 0);
  EXPECT_EQ(result.at("total").at("messages_in").as_int64(), 0);
}

TEST_F(TopicsApiAnalyticsTest, ARangeInSecondsByWeek) {
  const std::int64_t to = (kT0 + 60 * kMinute) / 1000;
  auto r = get("/api/v1/analytics?from=" + std::to_string(to - 14 * 86'400) + "&to=" + std::to_string(to) +
               "&period=week");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto result = json::parse(r.body).at("result");
  EXPECT_EQ(result.at("period").as_string(), "week");
  EXPECT_EQ(result.at("time_zone").as_string(), "UTC");  // no WORKING_HOURS
  EXPECT_EQ(result.at("to").as_int64(), to);
  EXPECT_EQ(result.at("periods").as_array().size(), 3u);  // parts of three weeks, Monday first
  EXPECT_EQ(result.at("periods").at(2).at("start").as_string(), "2023-11-13");
}

TEST_F(TopicsApiAnalyticsTest, ATableAsCsv) {
  auto r = get("/api/v1/analytics.csv?table=response_times&range=today", true);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  EXPECT_TRUE(r.body.starts_with("period,metric,count,median_seconds,p90_seconds\r\n")) << r.body;
  EXPECT_NE(r.body.find("\r\ntotal,first_response,1,1800,1800\r\n"), std::string::npos) << r.body;
}

TEST_F(TopicsApiAnalyticsTest, BadParametersAre400NamingThem) {
  struct Case {
    std::string target;
    bool csv;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"/api/v1/analytics?period=year", false, "query parameter \"period\" must be day, week or month"},
      {"/api/v1/analytics?tz=Mars/Base", false, "query parameter \"tz\" is not a time zone"},
      {"/api/v1/analytics?from=yesterday", false, "query parameter \"from\" must be a Unix time in seconds"},
      {"/api/v1/analytics?from=200&to=100", false, "query parameter \"from\" must be before to"},
      {"/api/v1/analytics?range=today&from=1", false, "query parameter \"range\" cannot be given together"},
      {"/api/v1/analytics?range=decade", false,
       "query parameter \"range\" must be today, yesterday, week or month"},
      {"/api/v1/analytics?connection=2", false, "query parameter \"connection\" is not known"},
      {"/api/v1/analytics?table=load", false, "query parameter \"table\" is not known"},
      {"/api/v1/analytics?period=day&period=week", false, "query parameter \"period\" is given twice"},
      {"/api/v1/analytics?from=0&period=day", false, "more than 1000 periods"},
      {"/api/v1/analytics.csv?range=today", true, "query parameter \"table\" is required"},
      {"/api/v1/analytics.csv?table=users", true,
       "query parameter \"table\" must be one of periods, response_times, buckets, load, operators"},
  };
  for (const auto& c : cases) {
    auto r = get(c.target, c.csv);
    EXPECT_EQ(r.status, 400u) << c.target;
    EXPECT_NE(error_message(r).find(c.message), std::string::npos) << c.target << ": " << r.body;
  }
}

TEST_F(TopicsApiAnalyticsTest, AnEmptyQueryTakesTheLast30DaysUpToNow) {
  // Bob writes in the very millisecond of the requests: up to now includes now.
  engine_->handle(user_message(kBob, 2, "Hi"), kT0 + 60 * kMinute);
  for (std::string target : {"/api/v1/analytics", "/api/v1/analytics?", "/api/v1/analytics?period=day&"}) {
    auto r = get(target);
    ASSERT_EQ(r.status, 200u) << target << ": " << r.body;
    auto result = json::parse(r.body).at("result");
    EXPECT_EQ(result.at("to").as_int64() - result.at("from").as_int64(), 30 * 86'400) << target;
    EXPECT_EQ(result.at("total").at("new_dialogs").as_int64(), 2) << target;
  }
}

TEST_F(TopicsApiAnalyticsTest, AWrongKeyIs401) {
  auto r = get("/api/v1/analytics", false, "tdk_wrong");
  EXPECT_EQ(r.status, 401u);
}

TEST(TopicsApiAnalyticsDocument, TheOpenApiDocumentDescribesBothRoutes) {
  auto doc = json::parse(openapi_json());
  const auto& paths = doc.at("paths").as_object();
  ASSERT_TRUE(paths.contains("/api/v1/analytics"));
  ASSERT_TRUE(paths.contains("/api/v1/analytics.csv"));
  std::string csv = json::serialize(paths.at("/api/v1/analytics.csv"));
  for (const char* name :
       {"\"from\"", "\"to\"", "\"range\"", "\"period\"", "\"tz\"", "\"table\"", "text/csv"})
    EXPECT_NE(csv.find(name), std::string::npos) << name;
  std::string codes = json::serialize(doc.at("components").at("schemas").at("Error"));
  EXPECT_NE(codes.find("invalid_parameter"), std::string::npos);
  EXPECT_NE(codes.find("missing_parameter"), std::string::npos);
}

}  // namespace
}  // namespace topicdesk::integrations
