#include "app/desk_health.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace topicdesk::app {
namespace {

namespace json = boost::json;

json::value body_of(const http::Response& response) { return json::parse(response.body()); }

http::Request json_request() {
  http::Request request{http::Verb::get, "/healthz?format=json", 11};
  return request;
}

TEST(DeskHealth, StartingUntilEveryConnectionIsReady) {
  DeskHealth health({"shop", "support"});
  EXPECT_EQ(health.status(), "starting");
  health.set("shop", ConnectionState::kReady);
  auto response = health.response(json_request());
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(body_of(response),
            json::parse(R"({"status":"starting","connections":{"shop":"ready","support":"connecting"}})"));
  health.set("support", ConnectionState::kReady);
  EXPECT_EQ(health.status(), "ok");
  EXPECT_EQ(body_of(health.response(json_request())).at("status"), "ok");
}

TEST(DeskHealth, PlainTextHasTheStatusLineThenOneLinePerConnection) {
  DeskHealth health({"shop", "support"});
  health.set("shop", ConnectionState::kReady);
  http::Request request{http::Verb::get, "/healthz", 11};
  EXPECT_EQ(health.response(request).body(), "starting\nshop: ready\nsupport: connecting\n");
  health.store_failed("sqlite desk.db: database is locked");
  auto response = health.response(request);
  EXPECT_EQ(response.result_int(), 503u);
  EXPECT_EQ(response.body(),
            "degraded: store: sqlite desk.db: database is locked\nshop: ready\nsupport: connecting\n");
}

TEST(DeskHealth, ARejectedTokenIsDegradedButStillServing) {
  DeskHealth health({"shop", "support"});
  health.set("shop", ConnectionState::kReady);
  health.set("support", ConnectionState::kTokenRejected, "Unauthorized");
  auto response = health.response(json_request());
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
  auto response = health.response(json_request());
  EXPECT_EQ(response.result_int(), 503u);
  EXPECT_EQ(body_of(response).at("reason"), "store: sqlite data/topicdesk.db: database or disk is full");
  health.store_ok();
  EXPECT_EQ(health.response(json_request()).result_int(), 200u);
  EXPECT_EQ(health.status(), "ok");
}

TEST(DeskHealth, ARelayWaitingForTheStoreTooLongAnswers503UntilItBeatsAgain) {
  auto now = std::chrono::steady_clock::time_point{};
  DeskHealth health({"shop"});
  health.set_clock([&now] { return now; });
  health.set("shop", ConnectionState::kReady);
  now += std::chrono::seconds(9);
  EXPECT_EQ(health.response(json_request()).result_int(), 200u) << "a slow store call is not yet a stall";
  now += std::chrono::seconds(3);
  auto response = health.response(json_request());
  EXPECT_EQ(response.result_int(), 503u);
  EXPECT_EQ(body_of(response).at("reason"), "store: the relay has waited 12 s for a store call");
  health.relay_beat();
  EXPECT_EQ(health.response(json_request()).result_int(), 200u);
  EXPECT_EQ(health.status(), "ok");
}

TEST(DeskHealth, WalCheckpointsThatKeepFailingAreDegradedWithTheirReason) {
  using std::chrono::milliseconds;
  DeskHealth health({"shop"});
  health.set("shop", ConnectionState::kReady);
  health.upkeep(3, milliseconds(600), "database or disk is full");
  EXPECT_EQ(health.status(), "ok") << "a checkpoint that failed a moment ago is not yet a problem";
  health.upkeep(60, milliseconds(12'000), "database or disk is full");
  auto response = health.response(json_request());
  EXPECT_EQ(response.result_int(), 200u) << "the desk still works; a restart would not fix it";
  auto body = body_of(response);
  EXPECT_EQ(body.at("status"), "degraded");
  EXPECT_EQ(body.at("reason"),
            "store: WAL checkpoints have failed for 12 s (60 attempts): database or disk is full");
  health.upkeep(0, milliseconds(0), "");
  EXPECT_EQ(health.status(), "ok") << "checkpoints work again";
}

}  // namespace
}  // namespace topicdesk::app
