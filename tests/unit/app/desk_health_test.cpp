#include "app/desk_health.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace topicdesk::app {
namespace {

namespace json = boost::json;

json::value body_of(const http::Response& response) { return json::parse(response.body()); }

TEST(DeskHealth, StartingUntilEveryConnectionIsReady) {
  DeskHealth health({"shop", "support"});
  EXPECT_EQ(health.status(), "starting");
  health.set("shop", ConnectionState::kReady);
  auto response = health.response();
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(body_of(response), json::parse(R"({"status":"starting","connections":{"shop":"ready","support":"connecting"}})"));
  health.set("support", ConnectionState::kReady);
  EXPECT_EQ(health.status(), "ok");
  EXPECT_EQ(body_of(health.response()).at("status"), "ok");
}

TEST(DeskHealth, ARejectedTokenIsDegradedButStillServing) {
  DeskHealth health({"shop", "support"});
  health.set("shop", ConnectionState::kReady);
  health.set("support", ConnectionState::kTokenRejected, "Unauthorized");
  auto response = health.response();
  EXPECT_EQ(response.result_int(), 200u) << "restarting would not fix a token";
  auto body = body_of(response);
  EXPECT_EQ(body.at("status"), "degraded");
  EXPECT_EQ(body.at("reason"), "connection support: token rejected (Unauthorized)");
  EXPECT_EQ(body.at("connections").at("support"), "token rejected");
}

TEST(DeskHealth, AFailingStoreAnswers503UntilItWorksAgain) {
  DeskHealth health({"shop"});
  health.set("shop", ConnectionState::kReady);
  health.store_failed("sqlite data/topicdesk.db: database or disk is full");
  auto response = health.response();
  EXPECT_EQ(response.result_int(), 503u);
  EXPECT_EQ(body_of(response).at("reason"), "store: sqlite data/topicdesk.db: database or disk is full");
  health.store_ok();
  EXPECT_EQ(health.response().result_int(), 200u);
  EXPECT_EQ(health.status(), "ok");
}

}  // namespace
}  // namespace topicdesk::app
