// The Topics API's broadcasts against an in-memory store: create_broadcast (a template to "all",
// a list or a segment; confirmed by the call or waiting; scheduled), the bad requests each
// answered 4xx naming the field, broadcast_status, broadcast_report paged in JSON and CSV with
// HIDE_INFO, and pause / resume / cancel through the engine's transitions.
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

class TopicsApiBroadcastsTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(core::RawParameters raw) {
    store_ = make_store();
    auto context = make_context(*store_);
    auto params = core::parse_parameters(raw);
    ASSERT_TRUE(params.ok());
    context.params = *params;
    engine_ = std::make_unique<relay::Engine>(*store_, context);
    key_ = *reset_api_key(*store_, engine_->context().id, kT0);
    api_ = std::make_unique<TopicsApi>(*store_, std::vector<ApiConnection>{{engine_.get(), "bot"}},
                                       TopicsApiOptions{}, [this] { ++outbox_calls_; });
    // Five users write; the even ones in Russian.
    for (core::UserId user = 1001; user <= 1005; ++user) {
      auto e = user_message(user, user, "hi");
      e.from.first_name = "U" + std::to_string(user);
      e.from.last_name.clear();
      e.from.language_code = user % 2 ? "en" : "ru";
      engine_->handle(e, kT0);
    }
    store::Template t;
    t.connection_id = engine_->context().id;
    t.name = "Greet";
    t.parts.push_back(
        store::TemplatePart{.kind = store::TemplatePartKind::kText, .text = "Hi {first_name|there}"});
    store_->save_template(t);
    take_jobs(*store_);
  }

  json::value call(const json::object& request, unsigned want_status = 200) {
    auto response = api_->topic_action(key_, json::serialize(request), kNow, 1'000'000);
    EXPECT_EQ(response.status, want_status) << response.body;
    return json::parse(response.body);
  }
  std::string error_of(const json::object& request, unsigned want_status) {
    auto body = call(request, want_status);
    if (!body.as_object().contains("error")) return "";
    return std::string(body.at("error").at("code").as_string()) + ": " +
           std::string(body.at("error").at("message").as_string());
  }

  static constexpr core::UnixMillis kNow = kT0 + 5000;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<relay::Engine> engine_;
  std::unique_ptr<TopicsApi> api_;
  std::string key_;
  int outbox_calls_ = 0;
};

TEST_F(TopicsApiBroadcastsTest, ACreatedBroadcastIsConfirmedByTheCallAndGeneralIsTold) {
  auto b = call({{"action", "create_broadcast"}, {"template", "greet"}, {"recipients", "lang:ru"}})
               .at("result")
               .at("broadcast");
  EXPECT_EQ(b.at("state").as_string(), "running");
  EXPECT_EQ(b.at("template").as_string(), "Greet");
  EXPECT_EQ(b.at("recipients").as_string(), "segment lang:ru");
  EXPECT_EQ(b.at("counts").at("pending").as_int64(), 2);
  EXPECT_EQ(b.at("counts").at("total").as_int64(), 2);
  EXPECT_TRUE(b.at("created_by").is_null());
  EXPECT_EQ(b.at("created_at").as_int64(), kNow / 1000);
  EXPECT_TRUE(b.at("started_at").is_null());
  EXPECT_EQ(outbox_calls_, 1);
  auto said = texts_to(take_jobs(*store_), relay::Side::kGroup);
  ASSERT_EQ(said.size(), 1u);
  EXPECT_NE(said[0].find("made and confirmed by the Topics API"), std::string::npos) << said[0];

  auto status =
      call({{"action", "broadcast_status"}, {"broadcast_id", b.at("id")}}).at("result").at("broadcast");
  EXPECT_EQ(status, b);
}

TEST_F(TopicsApiBroadcastsTest, ConfirmFalseWaitsForAConfirmation) {
  auto b = call({{"action", "create_broadcast"},
                 {"template", "Greet"},
                 {"recipients", json::array{1001, 1003, 1003, 4242}},
                 {"confirm", false}})
               .at("result")
               .at("broadcast");
  EXPECT_EQ(b.at("state").as_string(), "confirming");
  EXPECT_EQ(b.at("recipients").as_string(), "list of 3");
  EXPECT_EQ(b.at("counts").at("pending").as_int64(), 2);
  EXPECT_EQ(b.at("counts").at("skipped").as_int64(), 1) << "4242 never wrote to the bot";
  auto said = texts_to(take_jobs(*store_), relay::Side::kGroup);
  ASSERT_EQ(said.size(), 1u);
  EXPECT_NE(said[0].find("/send confirm #" + std::to_string(b.at("id").as_int64())), std::string::npos);
  auto confirmed = call({{"action", "confirm_broadcast"}, {"broadcast_id", b.at("id")}}).at("result");
  EXPECT_EQ(confirmed.at("broadcast").at("state").as_string(), "running");
  EXPECT_EQ(error_of({{"action", "confirm_broadcast"}, {"broadcast_id", b.at("id")}}, 409).substr(0, 13),
            "invalid_state");
}

TEST_F(TopicsApiBroadcastsTest, AScheduledTimeIsUnixSecondsOrIsoWithAZone) {
  const std::int64_t at = kNow / 1000 + 3600;
  auto unix = call({{"action", "create_broadcast"},
                    {"template", "greet"},
                    {"recipients", "all"},
                    {"scheduled_at", at}})
                  .at("result")
                  .at("broadcast");
  EXPECT_EQ(unix.at("state").as_string(), "scheduled");
  EXPECT_EQ(unix.at("scheduled_at").as_int64(), at);
  EXPECT_EQ(unix.at("counts").at("pending").as_int64(), 5);
  // The same instant written in another zone.
  std::time_t t = at + 2 * 3600;
  char iso[64];
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S+02:00", std::gmtime(&t));
  auto zoned = call({{"action", "create_broadcast"},
                     {"template", "greet"},
                     {"recipients", "all"},
                     {"scheduled_at", iso}})
                   .at("result")
                   .at("broadcast");
  EXPECT_EQ(zoned.at("scheduled_at").as_int64(), at);
}

TEST_F(TopicsApiBroadcastsTest, BadRequestsNameTheField) {
  auto create = [](json::object more) {
    json::object r{{"action", "create_broadcast"}, {"template", "greet"}, {"recipients", "all"}};
    for (auto& [k, v] : more) r[k] = v;
    return r;
  };
  EXPECT_EQ(error_of(create({{"template", "promo"}}), 404),
            "unknown_template: field \"template\": there is no template promo (/t lists them)");
  EXPECT_EQ(error_of(create({{"template", "9lives"}}), 400).find("invalid_field: field \"template\""), 0u);
  EXPECT_EQ(error_of({{"action", "create_broadcast"}, {"recipients", "all"}}, 400),
            "missing_field: field \"template\" is required");
  EXPECT_EQ(error_of(create({{"recipients", json::array{}}}), 400),
            "invalid_field: field \"recipients\" must not be an empty list");
  EXPECT_EQ(error_of(create({{"recipients", json::array{1001, "x"}}}), 400),
            "invalid_field: field \"recipients\": item 1 is not a user id (a positive integer)");
  json::array many;
  for (int i = 1; i <= 5001; ++i) many.push_back(i);
  EXPECT_EQ(
      error_of(create({{"recipients", many}}), 400).find("invalid_field: field \"recipients\" lists 5001"),
      0u);
  EXPECT_EQ(
      error_of(create({{"recipients", "vip churned"}}), 400).find("invalid_segment: field \"recipients\""),
      0u);
  EXPECT_EQ(error_of(create({{"recipients", "vip"}}), 404).find("unknown_label: field \"recipients\""), 0u);
  EXPECT_EQ(
      error_of(create({{"recipients", json::array{4242}}}), 400).find("no_recipients: field \"recipients\""),
      0u);
  EXPECT_EQ(error_of(create({{"scheduled_at", kNow / 1000 - 60}}), 400),
            "invalid_field: field \"scheduled_at\" is in the past");
  EXPECT_EQ(error_of(create({{"scheduled_at", "2026-12-24T18:30:00"}}), 400)
                .find("invalid_field: field \"scheduled_at\" must be ISO 8601"),
            0u);
  EXPECT_EQ(error_of(create({{"confirm", "yes"}}), 400),
            "invalid_field: field \"confirm\" must be true or false");
  EXPECT_TRUE(store_->broadcasts_of(engine_->context().id, 10).empty()) << "nothing is made by a bad request";
  EXPECT_EQ(error_of({{"action", "broadcast_status"}, {"broadcast_id", 77}}, 404),
            "unknown_broadcast: field \"broadcast_id\": connection shop has no broadcast 77");
}

TEST_F(TopicsApiBroadcastsTest, ABroadcastOfAnotherConnectionIsNotFound) {
  store::Broadcast other;
  other.connection_id = store_->ensure_connection("other", kBotId + 1, kGroupId - 1);
  other.template_name = "Greet";
  other.recipients = "all";
  other.created_at = kT0;
  auto id = store_->add_broadcast(other);
  for (std::string action : {"broadcast_status", "broadcast_report", "cancel_broadcast"})
    EXPECT_EQ(error_of({{"action", action}, {"broadcast_id", id}}, 404).substr(0, 17), "unknown_broadcast")
        << action;
  EXPECT_EQ(store_->broadcast(id)->state, store::BroadcastState::kConfirming);
}

TEST_F(TopicsApiBroadcastsTest, TheReportPagesThroughTheRecipients) {
  auto id = call({{"action", "create_broadcast"},
                  {"template", "greet"},
                  {"recipients", json::array{1001, 1002, 1003, 4242}}})
                .at("result")
                .at("broadcast")
                .at("id");
  // The sender's outcome for one recipient.
  auto claimed = store_->claim_broadcast_recipients(id.as_int64(), 1);
  ASSERT_EQ(claimed.size(), 1u);
  claimed[0].state = store::RecipientState::kSent;
  claimed[0].message_ids = {7001};
  claimed[0].sent_at = kNow;
  store_->finish_broadcast_recipient(claimed[0]);

  std::vector<std::int64_t> seen;
  json::value after = nullptr;
  for (int pages = 0; pages < 5; ++pages) {
    json::object request{{"action", "broadcast_report"}, {"broadcast_id", id}, {"limit", 3}};
    if (!after.is_null()) request["after"] = after;
    auto result = call(request).at("result");
    for (const auto& row : result.at("rows").as_array()) seen.push_back(row.at("user_id").as_int64());
    if (pages == 0) {
      const auto& first = result.at("rows").at(0);
      EXPECT_EQ(first.at("name").as_string(), "U1001");
      EXPECT_FALSE(first.at("hidden").as_bool());
      EXPECT_EQ(first.at("status").as_string(), "sent");
      EXPECT_EQ(first.at("message_ids"), (json::array{7001}));
      EXPECT_EQ(first.at("sent_at").as_int64(), kNow / 1000);
    }
    after = result.at("next_after");
    if (after.is_null()) break;
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1001, 1002, 1003, 4242}));
  auto skipped =
      call({{"action", "broadcast_report"}, {"broadcast_id", id}, {"status", "skipped"}}).at("result");
  ASSERT_EQ(skipped.at("rows").as_array().size(), 1u);
  EXPECT_EQ(skipped.at("rows").at(0).at("error").as_string(), "never wrote to the bot");
  auto csv = call({{"action", "broadcast_report"}, {"broadcast_id", id}, {"format", "csv"}}).at("result");
  EXPECT_EQ(std::string(csv.at("csv").as_string())
                .find("user_id,name,status,error,message_ids,sent_at\r\n1001,U1001,sent,,7001,"),
            0u)
      << csv.at("csv").as_string();
  EXPECT_EQ(error_of({{"action", "broadcast_report"}, {"broadcast_id", id}, {"format", "xml"}}, 400),
            "invalid_field: field \"format\" must be json or csv");
}

TEST_F(TopicsApiBroadcastsTest, HideInfoHidesNamesInTheReport) {
  start({{"HIDE_INFO", "name"}});
  auto id = call({{"action", "create_broadcast"}, {"template", "greet"}, {"recipients", "all"}})
                .at("result")
                .at("broadcast")
                .at("id");
  auto rows = call({{"action", "broadcast_report"}, {"broadcast_id", id}}).at("result").at("rows");
  ASSERT_EQ(rows.as_array().size(), 5u);
  for (const auto& row : rows.as_array()) {
    EXPECT_TRUE(row.at("hidden").as_bool());
    EXPECT_FALSE(row.as_object().contains("name"));
    auto dialog = store_->dialog_by_user(engine_->context().id, row.at("user_id").as_int64());
    EXPECT_EQ(row.at("pseudonym").as_string(), dialog->pseudonym);
  }
  auto csv = std::string(call({{"action", "broadcast_report"}, {"broadcast_id", id}, {"format", "csv"}})
                             .at("result")
                             .at("csv")
                             .as_string());
  EXPECT_EQ(csv.find("U100"), std::string::npos) << csv;
  EXPECT_EQ(
      error_of({{"action", "create_broadcast"}, {"template", "greet"}, {"recipients", "field:plan=pro"}}, 403)
          .substr(0, 13),
      "fields_hidden");
}

TEST_F(TopicsApiBroadcastsTest, PauseResumeAndCancelFollowTheStates) {
  auto id = call({{"action", "create_broadcast"}, {"template", "greet"}, {"recipients", "all"}})
                .at("result")
                .at("broadcast")
                .at("id");
  auto act = [&](std::string action, unsigned want = 200) {
    return call({{"action", action}, {"broadcast_id", id}}, want);
  };
  EXPECT_EQ(act("pause_broadcast").at("result").at("broadcast").at("state").as_string(), "paused");
  EXPECT_EQ(act("pause_broadcast", 409).at("error").at("code").as_string(), "invalid_state");
  EXPECT_EQ(act("resume_broadcast").at("result").at("broadcast").at("state").as_string(), "running");
  auto cancelled = act("cancel_broadcast").at("result").at("broadcast");
  EXPECT_EQ(cancelled.at("state").as_string(), "cancelled");
  EXPECT_EQ(cancelled.at("counts").at("skipped").as_int64(), 5);
  EXPECT_EQ(act("resume_broadcast", 409).at("error").at("code").as_string(), "invalid_state");
}

TEST_F(TopicsApiBroadcastsTest, TheOpenApiDocumentDescribesTheActions) {
  std::string doc(openapi_json());
  for (const char* name : {"create_broadcast", "confirm_broadcast", "pause_broadcast", "resume_broadcast",
                           "cancel_broadcast", "broadcast_status", "broadcast_report"})
    EXPECT_NE(doc.find(name), std::string::npos) << name;
  EXPECT_TRUE(json::parse(doc).is_object());
}

}  // namespace
}  // namespace topicdesk::integrations
