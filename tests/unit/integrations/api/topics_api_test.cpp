// The Topics API handler over an in-memory SQLite store and real engines: what a caller of
// POST /api/v1/topic_action gets back, and what the relay is asked to send.
#include "integrations/topics_api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "integrations/api_keys.h"
#include "integrations/openapi.h"
#include "tests/unit/relay/relay_test_util.h"

namespace topicdesk::integrations {
namespace {
namespace json = boost::json;
using namespace relay::testing;

constexpr core::UserId kAnn = 424242;
constexpr core::ThreadId kAnnThread = 77;

struct Answer {
  unsigned status = 0;
  json::value body;
  std::int64_t retry_after = 0;

  const json::value& result() const { return body.at("result"); }
  std::string code() const { return std::string(body.at("error").at("code").as_string()); }
  std::string message() const { return std::string(body.at("error").at("message").as_string()); }
};

class TopicsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = make_store();
    engine_ = std::make_unique<relay::Engine>(*store_, make_context(*store_));
    key_ = *reset_api_key(*store_, engine_->context().id, kT0);
    make_api({});
  }

  void make_api(TopicsApiOptions options) {
    api_ = std::make_unique<TopicsApi>(*store_, std::vector<ApiConnection>{{engine_.get(), "bot"}}, options,
                                       [this] { ++outbox_notices_; });
  }

  // Ann writes; her topic gets thread kAnnThread (what the dispatcher would record).
  store::Dialog ann_writes(std::string text = "Hi") {
    engine_->handle(user_message(kAnn, next_message_++, std::move(text)), kT0);
    auto dialog = *store_->dialog_by_user(engine_->context().id, kAnn);
    dialog.thread_id = kAnnThread;
    store_->update_dialog(dialog);
    take_jobs(*store_);
    return dialog;
  }

  Answer call(const json::object& request, const std::string& key = "") {
    return call_raw(json::serialize(request), key.empty() ? key_ : key);
  }

  Answer call_raw(std::string_view body, const std::string& key) {
    auto response = api_->topic_action(key, body, kT0 + 5000, monotonic_ms_);
    Answer answer{response.status, json::parse(response.body), response.retry_after_seconds};
    EXPECT_EQ(answer.body.at("ok").as_bool(), response.status == 200) << response.body;
    return answer;
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<relay::Engine> engine_;
  std::unique_ptr<TopicsApi> api_;
  std::string key_;
  std::int64_t monotonic_ms_ = 1'000'000;
  core::MessageId next_message_ = 1;
  int outbox_notices_ = 0;
};

// ---- keys ------------------------------------------------------------------------------------

TEST(ApiKeys, KeysAreRandomPrefixedAndStoredOnlyAsTheirHash) {
  auto store = make_store();
  auto id = store->ensure_connection("shop", kBotId, kGroupId);
  auto first = *reset_api_key(*store, id, kT0);
  auto second = *reset_api_key(*store, id, kT0);
  EXPECT_NE(first, second);
  EXPECT_TRUE(first.starts_with("tdk_"));
  EXPECT_EQ(first.size(), 4u + 43u);  // 32 bytes in base64url without padding
  EXPECT_EQ(first.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 4),
            std::string::npos);
  auto keys = store->api_keys();
  ASSERT_EQ(keys.size(), 1u);  // a reset replaces the key
  EXPECT_EQ(keys[0].key_hash, api_key_hash(second));
  EXPECT_EQ(keys[0].key_hash.size(), 64u);
  EXPECT_EQ(keys[0].key_hash.find(second), std::string::npos);
}

TEST(ApiKeys, HashIsSha256Hex) {
  EXPECT_EQ(api_key_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(TopicsApiTest, MissingOrWrongKeyIs401) {
  auto missing = call_raw(R"({"action":"list_dialogs"})", "");
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(missing.code(), "unauthorized");
  EXPECT_EQ(call({{"action", "list_dialogs"}}, "tdk_wrong").status, 401u);
  EXPECT_EQ(call({{"action", "list_dialogs"}}, "not-even-our-format").status, 401u);
}

TEST_F(TopicsApiTest, ResetKeyWorksAtOnceAndTheOldOneStopsWithinTheCacheAge) {
  ASSERT_EQ(call({{"action", "list_dialogs"}}).status, 200u);
  std::string old_key = key_;
  std::string new_key = *reset_api_key(*store_, engine_->context().id, kT0);
  monotonic_ms_ += 300;  // a miss reloads the keys (at most every 250 ms)
  EXPECT_EQ(call({{"action", "list_dialogs"}}, new_key).status, 200u);
  monotonic_ms_ += 2000;  // the cache is at most 2 s old
  EXPECT_EQ(call({{"action", "list_dialogs"}}, old_key).status, 401u);
}

// ---- request shape -----------------------------------------------------------------------------

TEST_F(TopicsApiTest, BadRequestsAreAnswered400NamingTheField) {
  auto bad_json = call_raw("{\"action\":", key_);
  EXPECT_EQ(bad_json.status, 400u);
  EXPECT_EQ(bad_json.code(), "invalid_json");
  EXPECT_EQ(call_raw("[1,2]", key_).code(), "invalid_json");

  auto no_action = call({{"user_id", 1}});
  EXPECT_EQ(no_action.code(), "missing_field");
  EXPECT_NE(no_action.message().find("\"action\""), std::string::npos);

  auto unknown = call({{"action", "drop_tables"}});
  EXPECT_EQ(unknown.code(), "unknown_action");

  auto wrong_type = call({{"action", "dialog_by_user"}, {"user_id", "1001"}});
  EXPECT_EQ(wrong_type.status, 400u);
  EXPECT_EQ(wrong_type.code(), "invalid_field");
  EXPECT_NE(wrong_type.message().find("\"user_id\""), std::string::npos);

  auto too_many = call({{"action", "list_dialogs"}, {"limit", 1000}});
  EXPECT_EQ(too_many.code(), "invalid_field");
  EXPECT_NE(too_many.message().find("\"limit\""), std::string::npos);
}

TEST_F(TopicsApiTest, OversizedBodyIs413) {
  make_api(TopicsApiOptions{.body_limit = 100});
  std::string body = R"({"action":"list_dialogs","pad":")" + std::string(200, 'x') + "\"}";
  auto answer = call_raw(body, key_);
  EXPECT_EQ(answer.status, 413u);
  EXPECT_EQ(answer.code(), "body_too_large");
}

TEST_F(TopicsApiTest, RateLimitPerKeyAnswers429WithRetryAfter) {
  make_api(TopicsApiOptions{.rate_limit = {.per_second = 1, .burst = 2}});
  EXPECT_EQ(call({{"action", "list_dialogs"}}).status, 200u);
  EXPECT_EQ(call({{"action", "list_dialogs"}}).status, 200u);
  auto limited = call({{"action", "list_dialogs"}});
  EXPECT_EQ(limited.status, 429u);
  EXPECT_EQ(limited.code(), "rate_limited");
  EXPECT_EQ(limited.retry_after, 1);
  monotonic_ms_ += 1000;
  EXPECT_EQ(call({{"action", "list_dialogs"}}).status, 200u);
}

TEST(RateLimiterTest, RefillsAtTheRateUpToTheBurst) {
  RateLimiter limiter({.per_second = 10, .burst = 3});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire(1, 0), 0);
  EXPECT_EQ(limiter.acquire(1, 0), 100);  // one token every 100 ms
  EXPECT_EQ(limiter.acquire(2, 0), 0) << "buckets are per key";
  EXPECT_EQ(limiter.acquire(1, 100), 0);
  EXPECT_GT(limiter.acquire(1, 100), 0);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire(1, 60'000), 0);  // never more than the burst
  EXPECT_GT(limiter.acquire(1, 60'000), 0);
  RateLimiter off({.per_second = 0});
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(off.acquire(1, 0), 0);
}

// ---- info_by_topic and dialog_by_user ------------------------------------------------------------

TEST_F(TopicsApiTest, InfoByTopicNamesConnectionDialogAndUser) {
  auto dialog = ann_writes();
  store_->set_user_link(engine_->context().id, kAnn, "N005");
  store_->set_user_field(engine_->context().id, kAnn, "plan", "pro");
  auto answer = call({{"action", "info_by_topic"}, {"group_id", kGroupId}, {"topic_id", kAnnThread}});
  ASSERT_EQ(answer.status, 200u) << json::serialize(answer.body);
  const auto& r = answer.result();
  EXPECT_EQ(r.at("connection").at("name").as_string(), "shop");
  EXPECT_EQ(r.at("connection").at("instance_id").as_int64(), engine_->context().id);
  EXPECT_EQ(r.at("connection").at("frontend").as_string(), "bot");
  EXPECT_EQ(r.at("dialog").at("id").as_int64(), dialog.id);
  EXPECT_EQ(r.at("dialog").at("status").as_string(), "user_answered");
  EXPECT_EQ(r.at("dialog").at("thread_id").as_int64(), kAnnThread);
  EXPECT_EQ(r.at("dialog").at("chat_id").as_int64(), kGroupId);
  EXPECT_EQ(r.at("dialog").at("last_activity").as_int64(), kT0 / 1000);
  EXPECT_EQ(r.at("dialog").at("title").as_string(), "🟪 Ann Lee #424242");
  const auto& user = r.at("user");
  EXPECT_EQ(user.at("user_id").as_int64(), kAnn);
  EXPECT_EQ(user.at("first_name").as_string(), "Ann");
  EXPECT_EQ(user.at("last_name").as_string(), "Lee");
  EXPECT_EQ(user.at("username").as_string(), "ann_lee");
  EXPECT_EQ(user.at("language_code").as_string(), "en");
  EXPECT_EQ(user.at("phone").as_string(), "");
  EXPECT_EQ(user.at("linked_account").as_string(), "N005");
  EXPECT_EQ(user.at("fields").at("plan").as_string(), "pro");
}

TEST_F(TopicsApiTest, InfoByTopicAcceptsATopicLink) {
  ann_writes();
  // kGroupId is -1001000: the link drops the -100 prefix.
  for (std::string link : {"https://t.me/c/1000/77", "t.me/c/1000/77/123"}) {
    auto answer = call({{"action", "info_by_topic"}, {"link", link}});
    ASSERT_EQ(answer.status, 200u) << link << " " << json::serialize(answer.body);
    EXPECT_EQ(answer.result().at("user").at("user_id").as_int64(), kAnn);
  }
  auto bad = call({{"action", "info_by_topic"}, {"link", "https://example.com/c/1000/77"}});
  EXPECT_EQ(bad.code(), "invalid_field");
}

TEST_F(TopicsApiTest, UnknownTopicsAndOtherConnectionsTopicsAre404) {
  ann_writes();
  auto unknown = call({{"action", "info_by_topic"}, {"topic_id", 999}});
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.code(), "unknown_topic");
  EXPECT_EQ(call({{"action", "info_by_topic"}, {"group_id", -100555}, {"topic_id", kAnnThread}}).status,
            404u);

  // A second connection in the same group: its key does not open the first one's topics.
  relay::Engine other(*store_, make_context(*store_, "other", 501, kGroupId));
  std::string other_key = *reset_api_key(*store_, other.context().id, kT0);
  TopicsApi api(*store_, {{engine_.get(), "bot"}, {&other, "bot"}}, {});
  auto response = api.topic_action(other_key, R"({"action":"info_by_topic","topic_id":77})", kT0, 0);
  EXPECT_EQ(response.status, 404u) << response.body;
}

TEST_F(TopicsApiTest, HideInfoCommandHidesTheUserAsNameDoes) {
  auto params = engine_->context().params;
  params.hide_info = core::HideInfo::kCommand;
  engine_->set_parameters(params);
  ann_writes();
  auto answer = call({{"action", "info_by_topic"}, {"topic_id", kAnnThread}});
  ASSERT_EQ(answer.status, 200u);
  EXPECT_TRUE(answer.result().at("user").at("hidden").as_bool());
  EXPECT_FALSE(answer.result().at("user").as_object().contains("first_name"));
}

TEST_F(TopicsApiTest, HideInfoLeavesOutEverythingThatIdentifiesTheUser) {
  auto params = engine_->context().params;
  params.hide_info = core::HideInfo::kName;
  engine_->set_parameters(params);
  auto dialog = ann_writes();
  store_->set_user_link(engine_->context().id, kAnn, "N005");
  for (json::object request : {json::object{{"action", "info_by_topic"}, {"topic_id", kAnnThread}},
                               json::object{{"action", "dialog_by_user"}, {"user_id", kAnn}},
                               json::object{{"action", "list_dialogs"}}}) {
    if (request.at("action") == "list_dialogs") {  // the list shows users the same way
      auto answer = call(request);
      ASSERT_EQ(answer.status, 200u);
      const auto& entry = answer.result().at("dialogs").at(0);
      EXPECT_TRUE(entry.at("user").at("hidden").as_bool());
      EXPECT_FALSE(entry.at("user").as_object().contains("user_id"));
      continue;
    }
    auto answer = call(request);
    ASSERT_EQ(answer.status, 200u);
    const auto& user = answer.result().at("user").as_object();
    EXPECT_TRUE(user.at("hidden").as_bool());
    EXPECT_EQ(user.at("pseudonym").as_string(), dialog.pseudonym);
    EXPECT_EQ(user.at("language_code").as_string(), "en");
    for (const char* hidden :
         {"user_id", "first_name", "last_name", "username", "phone", "linked_account", "fields"}) {
      EXPECT_FALSE(user.contains(hidden)) << hidden;
    }
    std::string text = json::serialize(answer.body);
    EXPECT_EQ(text.find("Ann"), std::string::npos) << text;
    EXPECT_EQ(text.find("ann_lee"), std::string::npos) << text;
    EXPECT_EQ(text.find("424242"), std::string::npos) << text;
  }
}

TEST_F(TopicsApiTest, DialogByUser) {
  auto dialog = ann_writes();
  auto answer = call({{"action", "dialog_by_user"}, {"user_id", kAnn}});
  ASSERT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.result().at("dialog").at("id").as_int64(), dialog.id);
  auto unknown = call({{"action", "dialog_by_user"}, {"user_id", 4242}});
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.code(), "unknown_user");
}

// ---- list_dialogs --------------------------------------------------------------------------------

TEST_F(TopicsApiTest, ListDialogsFiltersByStatusAndPages) {
  for (core::UserId user = 2001; user <= 2005; ++user)
    engine_->handle(user_message(user, user, "hello"), kT0);
  auto bob = *store_->dialog_by_user(engine_->context().id, 2002);
  ASSERT_TRUE(engine_->api_set_status(bob.id, store::DialogStatus::kClosed, kT0));

  std::vector<std::int64_t> seen;
  json::value after = 0;
  for (int page = 0; page < 5 && !after.is_null(); ++page) {
    auto answer =
        call({{"action", "list_dialogs"}, {"status", "user_answered"}, {"limit", 2}, {"after", after}});
    ASSERT_EQ(answer.status, 200u);
    for (const auto& entry : answer.result().at("dialogs").as_array()) {
      EXPECT_EQ(entry.at("dialog").at("status").as_string(), "user_answered");
      EXPECT_EQ(entry.at("user").at("first_name").as_string(), "Ann");
      seen.push_back(entry.at("user").at("user_id").as_int64());
    }
    after = answer.result().at("next_after");
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{2001, 2003, 2004, 2005}));
  auto all = call({{"action", "list_dialogs"}});
  EXPECT_EQ(all.result().at("dialogs").as_array().size(), 5u);
  EXPECT_TRUE(all.result().at("next_after").is_null());
  EXPECT_EQ(call({{"action", "list_dialogs"}, {"status", "open"}}).code(), "invalid_field");
}

// ---- send_message ----------------------------------------------------------------------------------

TEST_F(TopicsApiTest, SendMessageGoesToTheUserAndIntoTheTopicAsTheCaller) {
  auto dialog = ann_writes();
  auto answer = call(
      {{"action", "send_message"}, {"user_id", kAnn}, {"text", "Your order shipped"}, {"sender", "CRM"}});
  ASSERT_EQ(answer.status, 200u) << json::serialize(answer.body);
  EXPECT_FALSE(answer.result().at("dialog_created").as_bool());
  EXPECT_EQ(answer.result().at("dialog").at("status").as_string(), "support_answered");
  EXPECT_EQ(outbox_notices_, 1);

  auto jobs = take_jobs(*store_);
  std::vector<std::string> to_user, in_topic;
  for (const auto& j : jobs) {
    if (j.job.kind != relay::job::kSendText) continue;
    EXPECT_EQ(j.payload.dialog, dialog.id);
    (j.payload.to == relay::Side::kUser ? to_user : in_topic).push_back(j.payload.text);
  }
  EXPECT_EQ(to_user, std::vector<std::string>{"Your order shipped"});
  EXPECT_EQ(in_topic, std::vector<std::string>{"🔌 CRM: Your order shipped"});
  EXPECT_NE(find_job(jobs, relay::job::kSetTopicTitle), nullptr) << "the title shows the new status";
  EXPECT_EQ(store_->dialog(dialog.id)->status, store::DialogStatus::kSupportAnswered);
}

TEST_F(TopicsApiTest, SendMessageOpensADialogForAKnownUserWithoutOne) {
  store_->upsert_user(engine_->context().id, core::Person{.id = 3003, .first_name = "Cy"}, kT0);
  auto answer = call({{"action", "send_message"}, {"user_id", 3003}, {"text", "Welcome aboard"}});
  ASSERT_EQ(answer.status, 200u) << json::serialize(answer.body);
  EXPECT_TRUE(answer.result().at("dialog_created").as_bool());
  std::vector<std::string> group_side, user_side;
  for (const auto& j : take_jobs(*store_)) {
    (j.payload.to == relay::Side::kGroup ? group_side : user_side)
        .push_back(j.job.kind + ":" + j.payload.text);
  }
  // In the group's queue the topic is made before anything is posted in it.
  ASSERT_FALSE(group_side.empty());
  EXPECT_EQ(group_side.front(), "create_topic:");
  EXPECT_NE(std::find(group_side.begin(), group_side.end(), "send_text:🔌 API: Welcome aboard"),
            group_side.end())
      << "the default sender is API";
  EXPECT_EQ(user_side, std::vector<std::string>{"send_text:Welcome aboard"});
}

TEST_F(TopicsApiTest, SendMessageToAnUnknownUserIs404AndSendsNothing) {
  auto answer = call({{"action", "send_message"}, {"user_id", 4242}, {"text", "hello?"}});
  EXPECT_EQ(answer.status, 404u);
  EXPECT_EQ(answer.code(), "unknown_user");
  EXPECT_TRUE(take_jobs(*store_).empty());
  EXPECT_FALSE(store_->dialog_by_user(engine_->context().id, 4242));
}

TEST_F(TopicsApiTest, SendMessageChecksTheText) {
  ann_writes();
  EXPECT_EQ(call({{"action", "send_message"}, {"user_id", kAnn}}).code(), "missing_field");
  EXPECT_EQ(call({{"action", "send_message"}, {"user_id", kAnn}, {"text", ""}}).code(), "invalid_field");
  auto long_text = call({{"action", "send_message"}, {"user_id", kAnn}, {"text", std::string(4097, 'a')}});
  EXPECT_EQ(long_text.code(), "invalid_field");
  EXPECT_TRUE(take_jobs(*store_).empty());
}

// ---- set_status ------------------------------------------------------------------------------------

TEST_F(TopicsApiTest, SetStatusClosesReopensAndClears) {
  auto dialog = ann_writes();
  auto closed = call({{"action", "set_status"}, {"topic_id", kAnnThread}, {"status", "closed"}});
  ASSERT_EQ(closed.status, 200u) << json::serialize(closed.body);
  EXPECT_EQ(closed.result().at("dialog").at("status").as_string(), "closed");
  auto jobs = take_jobs(*store_);
  bool told_user = false;
  for (const auto& j : jobs)
    told_user |= j.payload.to == relay::Side::kUser && j.job.kind == relay::job::kSendText;
  EXPECT_TRUE(told_user) << "closing tells the user, as /close does";

  auto waiting = call({{"action", "set_status"}, {"user_id", kAnn}, {"status", "support_answered"}});
  EXPECT_EQ(waiting.result().at("dialog").at("status").as_string(), "support_answered");

  // Cleared: Ann wrote last, so the dialog needs an operator again.
  auto cleared = call({{"action", "set_status"}, {"user_id", kAnn}, {"status", nullptr}});
  EXPECT_EQ(cleared.result().at("dialog").at("status").as_string(), "user_answered");
  EXPECT_EQ(store_->dialog(dialog.id)->status, store::DialogStatus::kUserAnswered);
}

TEST_F(TopicsApiTest, SetStatusChecksItsArguments) {
  ann_writes();
  EXPECT_EQ(call({{"action", "set_status"}, {"user_id", kAnn}}).code(), "missing_field");
  EXPECT_EQ(call({{"action", "set_status"}, {"user_id", kAnn}, {"status", "done"}}).code(), "invalid_field");
  EXPECT_EQ(
      call({{"action", "set_status"}, {"user_id", kAnn}, {"topic_id", kAnnThread}, {"status", "closed"}})
          .code(),
      "invalid_field");
  EXPECT_EQ(call({{"action", "set_status"}, {"topic_id", 999}, {"status", "closed"}}).code(),
            "unknown_topic");
}

// ---- assign ----------------------------------------------------------------------------------------

TEST_F(TopicsApiTest, AssignGivesTheDialogToAKnownOperatorOrToNobody) {
  auto dialog = ann_writes();
  EXPECT_TRUE(
      call({{"action", "list_dialogs"}}).result().at("dialogs").at(0).at("dialog").at("owner").is_null());
  core::Person olga;
  olga.id = 900;
  olga.first_name = "Olga";
  olga.username = "olga_op";
  store_->upsert_operator(kGroupId, olga, kT0);  // she has written in the group
  take_jobs(*store_);

  auto given = call({{"action", "assign"}, {"topic_id", kAnnThread}, {"owner_id", 900}});
  ASSERT_EQ(given.status, 200u) << json::serialize(given.body);
  const auto& owner = given.result().at("dialog").at("owner");
  EXPECT_EQ(owner.at("id").as_int64(), 900);
  EXPECT_EQ(owner.at("name").as_string(), "Olga (@olga_op)");
  EXPECT_TRUE(given.result().at("dialog").at("title").as_string().ends_with(" 👤 Olga"));
  EXPECT_EQ(store_->dialog(dialog.id)->owner_id, 900);
  auto jobs = take_jobs(*store_);
  EXPECT_NE(relay::testing::find_job(jobs, relay::job::kSetTopicTitle), nullptr);
  bool told_topic = false;
  for (const auto& j : jobs)
    told_topic |= j.job.kind == relay::job::kSendText &&
                  j.payload.text.find("The Topics API gave this dialog to Olga") != std::string::npos;
  EXPECT_TRUE(told_topic) << "the operators see who changed the owner";

  auto nobody = call({{"action", "assign"}, {"user_id", kAnn}, {"owner_id", nullptr}});
  EXPECT_TRUE(nobody.result().at("dialog").at("owner").is_null());
  EXPECT_EQ(store_->dialog(dialog.id)->owner_id, 0);
}

TEST_F(TopicsApiTest, AssignChecksItsArguments) {
  ann_writes();
  EXPECT_EQ(call({{"action", "assign"}, {"user_id", kAnn}}).code(), "missing_field");
  EXPECT_EQ(call({{"action", "assign"}, {"user_id", kAnn}, {"owner_id", "olga"}}).code(), "invalid_field");
  auto unknown = call({{"action", "assign"}, {"user_id", kAnn}, {"owner_id", 901}});
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.code(), "unknown_operator");
  EXPECT_EQ(store_->dialog_by_user(engine_->context().id, kAnn)->owner_id, 0);
}

// ---- OpenAPI ---------------------------------------------------------------------------------------

TEST(OpenApi, IsValidJsonListingEveryActionAndErrorCode) {
  auto doc = json::parse(openapi_json());
  EXPECT_EQ(doc.at("openapi").as_string(), "3.0.3");
  const auto& schemas = doc.at("components").at("schemas");
  for (const char* schema :
       {"InfoByTopic", "DialogByUser", "ListDialogs", "SendMessage", "SetStatus", "Assign", "ListTemplates",
        "GetTemplate", "PutTemplate", "DeleteTemplate", "TemplatePart"}) {
    EXPECT_TRUE(schemas.as_object().contains(schema)) << schema;
  }
  std::string codes = json::serialize(schemas.at("Error"));
  for (const char* code :
       {"invalid_json", "missing_field", "invalid_field", "unknown_action", "unauthorized", "unknown_topic",
        "unknown_user", "unknown_dialog", "unknown_operator", "unknown_template", "body_too_large",
        "rate_limited", "method_not_allowed", "owner_unavailable", "owner_no_answer"}) {
    EXPECT_NE(codes.find(code), std::string::npos) << code;
  }
}

}  // namespace
}  // namespace topicdesk::integrations
