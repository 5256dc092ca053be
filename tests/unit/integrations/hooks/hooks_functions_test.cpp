// Pure parts of webhooks and command hooks: WEBHOOKS parsing, signatures, answers, fan-out,
// payloads and backoff.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/parameters.h"
#include "integrations/command_hooks.h"
#include "integrations/hmac.h"
#include "integrations/webhooks.h"

namespace topicdesk::integrations {
namespace {
namespace json = boost::json;

core::Result<core::Parameters> parse_webhooks(const std::string& value) {
  return core::parse_parameters({{"WEBHOOKS", value}});
}

TEST(WebhooksParameter, ReadsUrlsEventsAndCommands) {
  auto p = parse_webhooks(
      R"({"https://crm.example/hook": ["dialog_created", "message_received", "/Activate", "info"],
                              "http://127.0.0.1:9000/x?y=1": ["message_sent"]})");
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->webhooks.size(), 2u);
  const auto& crm = p->webhooks[0];
  EXPECT_EQ(crm.url, "https://crm.example/hook");
  EXPECT_TRUE(crm.wants_event("dialog_created"));
  EXPECT_FALSE(crm.wants_event("message_sent"));
  EXPECT_TRUE(crm.wants_command("activate"));
  EXPECT_TRUE(crm.wants_command("info"));
  EXPECT_FALSE(crm.wants_command("close"));
  EXPECT_TRUE(parse_webhooks("OFF")->webhooks.empty());
}

TEST(WebhooksParameter, ErrorsNameWhatIsWrong) {
  auto bad_url = parse_webhooks(R"({"ftp://x/y": ["dialog_created"]})");
  ASSERT_FALSE(bad_url);
  EXPECT_NE(bad_url.error().message.find("\"ftp://x/y\" is not an http:// or https:// URL"),
            std::string::npos);
  auto unknown = parse_webhooks(R"({"https://x/y": ["dialog_opened"]})");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("unknown event \"dialog_opened\""), std::string::npos);
  EXPECT_NE(unknown.error().message.find("dialog_created"), std::string::npos);  // lists the known ones
  EXPECT_FALSE(parse_webhooks(R"({"https://x/y": "dialog_created"})"));
  EXPECT_FALSE(parse_webhooks(R"({"https://x/y": ["/bad command"]})"));
  EXPECT_FALSE(parse_webhooks(R"(["https://x/y"])"));
  EXPECT_FALSE(parse_webhooks("not json"));
  EXPECT_FALSE(core::parse_parameters({{"WEBHOOKS_SECRET", "short"}}));
  EXPECT_TRUE(core::parse_parameters({{"WEBHOOKS_SECRET", "0123456789abcdef"}}));
}

TEST(Signature, IsHmacSha256OfTheTimestampAndTheBody) {
  // RFC 4231, test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // The signed text is "<timestamp>.<body>": the timestamp cannot be changed without the key.
  EXPECT_EQ(webhook_signature("key", 1767225600, R"({"id":1})"),
            "sha256=" + hmac_sha256_hex("key", R"(1767225600.{"id":1})"));
  EXPECT_NE(webhook_signature("key", 1767225601, R"({"id":1})"),
            webhook_signature("key", 1767225600, R"({"id":1})"));
  EXPECT_EQ(random_secret_hex().size(), 64u);
  EXPECT_NE(random_secret_hex(), random_secret_hex());
}

json::object answer(std::string_view content_type, std::string_view body) {
  auto message = hook_answer_message(content_type, body);
  EXPECT_TRUE(message) << message.error().message;
  EXPECT_TRUE(message && *message);
  return message && *message ? json::parse(**message).as_object() : json::object{};
}

TEST(CommandHookAnswer, JsonWithParseModeAndButtons) {
  auto m = answer(
      "application/json",
      R"({"text":"<b>Activated</b> t1 m6","parse_mode":"HTML","buttons":[[{"text":"Open","url":"https://crm.example/a/1"}]]})");
  EXPECT_EQ(m["text"], "<b>Activated</b> t1 m6");
  EXPECT_EQ(m["parse_mode"], "HTML");
  EXPECT_EQ(m["reply_markup"].at("inline_keyboard").at(0).at(0).at("url"), "https://crm.example/a/1");
}

TEST(CommandHookAnswer, PlainTextIsPostedAsIs) {
  auto m = answer("text/plain", "  done  \n");
  EXPECT_EQ(m["text"], "done");
  EXPECT_FALSE(m.contains("parse_mode"));
}

TEST(CommandHookAnswer, NothingToPostAndErrors) {
  EXPECT_FALSE(*hook_answer_message("text/plain", "  "));
  EXPECT_FALSE(*hook_answer_message("application/json", R"({"text":""})"));
  EXPECT_FALSE(hook_answer_message("application/json", "{oops"));
  EXPECT_FALSE(hook_answer_message("application/json", R"({"text":"x","parse_mode":"BBCode"})"));
  EXPECT_FALSE(hook_answer_message("application/json",
                                   R"({"text":"x","buttons":[[{"text":"a","url":"javascript:1"}]]})"));
  EXPECT_FALSE(hook_answer_message("application/json", R"({"text":"x","buttons":[{"text":"a"}]})"));
}

// The notice in the topic speaks the operators' language; the technical reason stays as it is.
TEST(CommandHookAnswer, TheFailureNoticeIsInTheOperatorsLanguage) {
  EXPECT_EQ(hook_failed_notice("en", "activate", "HTTP 500"),
            "⚠️ /activate: the command hook failed (HTTP 500).");
  EXPECT_EQ(hook_failed_notice("de", "activate", "HTTP 500"),
            "⚠️ /activate: der Befehls-Hook ist fehlgeschlagen (HTTP 500).");
  const std::string russian =
      hook_failed_notice("ru", "activate", hook_bad_answer("ru", "the answer is not a JSON object"));
  EXPECT_EQ(russian,
            "⚠️ /activate: хук команды не сработал "
            "(неверный ответ: the answer is not a JSON object).");
}

TEST(CommandHookAnswer, LongTextIsCutToTelegramsLimit) {
  auto m = answer("text/plain", std::string(5000, 'a'));
  EXPECT_EQ(m["text"].as_string().size(), 4095u + std::string("…").size());
}

HookConnection connection_with(const std::string& webhooks) {
  HookConnection c{3, "shop", *parse_webhooks(webhooks)};
  return c;
}

TEST(FanOut, OneDeliveryPerSubscribedUrlWithCommandsInTheirOwnLane) {
  auto c = connection_with(
      R"({"http://a/1": ["message_received", "/activate"], "http://b/2": ["dialog_created"]})");
  store::StoredEvent message{10, 3, 7, "message_received", "{}", 1000};
  auto d = deliveries_for(c, message, 5);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].url, "http://a/1");
  EXPECT_TRUE(d[0].retry);
  store::StoredEvent command{11, 3, 7, "command", R"({"command":"activate","args":"t1 m6"})", 1000};
  auto dc = deliveries_for(c, command, 5);
  ASSERT_EQ(dc.size(), 1u);
  EXPECT_FALSE(dc[0].retry);
  EXPECT_NE(dc[0].queue_key, d[0].queue_key);
  store::StoredEvent other{12, 3, 7, "command", R"({"command":"notion"})", 1000};
  EXPECT_TRUE(deliveries_for(c, other, 5).empty());
}

TEST(Payload, CarriesDialogUserLinkFieldsAndMessage) {
  auto store = store::open_sqlite(":memory:");
  auto conn = store->ensure_connection("shop", 1, -100);
  store->upsert_user(conn, core::Person{.id = 42, .first_name = "Ann", .username = "ann"}, 1);
  auto dialog = store->create_dialog(conn, 42, -100, 1000);
  store->set_user_link(conn, 42, "N005");
  store->set_user_field(conn, 42, "plan", "pro");
  auto id = store->append_event(conn, dialog.id, "message_received", R"({"message_id":5,"text":"hello"})",
                                1'700'000'000'000);
  HookConnection c{conn, "shop", {}};
  auto body = json::parse(webhook_body(*store, c, *store->event_by_id(id), 99)).as_object();
  EXPECT_EQ(body["id"], id);
  EXPECT_EQ(body["delivery"], 99);
  EXPECT_EQ(body["type"], "message_received");
  EXPECT_EQ(body["date"], 1'700'000'000);
  EXPECT_EQ(body["connection"].at("name"), "shop");
  EXPECT_EQ(body["dialog"].at("id"), dialog.id);
  EXPECT_EQ(body["user"].at("first_name"), "Ann");
  EXPECT_EQ(body["user"].at("linked_account"), "N005");
  EXPECT_EQ(body["user"].at("fields").at("plan"), "pro");
  EXPECT_EQ(body["message"].at("text"), "hello");
}

TEST(Secret, ParameterWinsElseOneGeneratedSecretIsKept) {
  auto store = store::open_sqlite(":memory:");
  HookConnection c{store->ensure_connection("shop", 1, -100), "shop", {}};
  std::string generated = signing_secret(*store, c);
  EXPECT_EQ(generated.size(), 64u);
  EXPECT_EQ(signing_secret(*store, c), generated);
  c.params.webhooks_secret = "0123456789abcdef";
  EXPECT_EQ(signing_secret(*store, c), "0123456789abcdef");
}

// Several desk instances on one database may generate a connection's secret at the same time:
// they all come to the same one, and connections differ.
TEST(Secret, EveryInstanceGeneratesTheSameSecretForAConnection) {
  auto store = store::open_sqlite(":memory:");
  HookConnection c{store->ensure_connection("shop", 1, -100), "shop", {}};
  HookConnection other{store->ensure_connection("help", 2, -200), "help", {}};
  std::string first = signing_secret(*store, c);
  store->state_set(c.id, kWebhookSecretKey, "");  // as if another instance had not seen it stored
  EXPECT_EQ(signing_secret(*store, c), first);
  EXPECT_NE(signing_secret(*store, other), first);
}

TEST(Backoff, DoublesUpToTheCap) {
  WebhookOptions o;
  o.first_backoff = std::chrono::milliseconds(500);
  o.max_backoff = std::chrono::milliseconds(3000);
  EXPECT_EQ(retry_delay(1, o).count(), 500);
  EXPECT_EQ(retry_delay(2, o).count(), 1000);
  EXPECT_EQ(retry_delay(3, o).count(), 2000);
  EXPECT_EQ(retry_delay(4, o).count(), 3000);
  EXPECT_EQ(retry_delay(40, o).count(), 3000);
}

}  // namespace
}  // namespace topicdesk::integrations
