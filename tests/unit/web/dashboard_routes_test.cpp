// The dashboard's security, route by route: nothing answers without a live session of a
// present operator, nothing changes without the session's CSRF token, and HIDE_INFO hides a
// user's identity from search, transcripts and downloads exactly as it does in the topics.
#include "web/dashboard_routes.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "doctor/findings.h"
#include "i18n/catalog.h"
#include "store/store.h"
#include "web/dashboard_language.h"
#include "web/sessions.h"

namespace topicdesk::web {
namespace {
namespace json = boost::json;
namespace bhttp = boost::beast::http;

constexpr core::ChatId kGroup = -1001000000001;
constexpr core::UnixMillis kNow = 1'800'000'000'000;
constexpr core::UserId kOlga = 501;       // an operator of the group
constexpr core::UserId kMax = 502;        // another one, whom EXTENSIONS_ALLOWED lists
constexpr core::UserId kAnn = 987654321;  // a customer
constexpr std::string_view kBotToken = "111:bot-token-secret";

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(const core::RawParameters& raw) {
    dashboard_.reset();
    engine_.reset();
    store_ = store::open_sqlite(":memory:");
    const auto connection = store_->ensure_connection("shop", 111, kGroup);
    auto params = core::parse_parameters(raw);
    ASSERT_TRUE(params) << params.error().message;
    relay::ConnectionContext context{connection, "shop", 111, "shop_bot", kGroup, *params};
    engine_ = std::make_unique<relay::Engine>(*store_, context);
    store_->upsert_operator(kGroup, core::Person{.id = kOlga, .first_name = "Olga", .username = "olga"},
                            kNow);
    store_->upsert_operator(kGroup, core::Person{.id = kMax, .first_name = "Max", .username = "max_ops"},
                            kNow);
    store_->upsert_user(
        connection,
        core::Person{.id = kAnn, .first_name = "Ann", .last_name = "Secretname", .username = "ann_private"},
        kNow);
    auto dialog = store_->create_dialog(connection, kAnn, kGroup, kNow);
    dialog.pseudonym = "Blue Otter 4821";
    dialog.thread_id = 7;
    store_->update_dialog(dialog);
    dialog_ = dialog.id;
    store::HistoryEntry said{.connection_id = connection,
                             .dialog_id = dialog.id,
                             .author = store::HistoryAuthor::kUser,
                             .sender_id = kAnn,
                             .sender_name = "Ann Secretname",
                             .content = "text",
                             .text = "where is my parcel",
                             .at = kNow};
    store_->add_history(said);
    dashboard_ = std::make_unique<Dashboard>(
        *store_,
        std::vector<DashboardConnection>{{engine_.get(),
                                          "bot",
                                          "polling",
                                          std::string(kBotToken),
                                          {{"WELCOME", "Hi"}, {"WEBHOOKS_SECRET", "hook-secret-value"}}}},
        DashboardOptions{});
    connection_ = connection;
  }

  std::string session_for(core::UserId user, core::UnixMillis at = kNow) {
    auto opened = open_session(*store_, kGroup, user, "link", at);
    EXPECT_TRUE(opened);
    return opened->secret;
  }

  http::Response call(http::Verb method, std::string target, const std::string& secret = "",
                      std::string body = "", std::string csrf = "",
                      std::string content_type = "application/json", std::string page_language = "") {
    http::Request request{method, target, 11};
    if (!page_language.empty()) request.set(kLanguageHeader, page_language);
    if (!secret.empty()) request.set(bhttp::field::cookie, "other=1; td_session=" + secret);
    if (!csrf.empty()) request.set("X-CSRF-Token", csrf);
    request.set(bhttp::field::content_type, content_type);
    request.body() = std::move(body);
    request.prepare_payload();
    return dashboard_->handle(request, kNow + 1000);
  }

  static json::object parse(const http::Response& r) { return json::parse(r.body()).as_object(); }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<relay::Engine> engine_;
  std::unique_ptr<Dashboard> dashboard_;
  core::ConnectionId connection_ = 0;
  core::DialogId dialog_ = 0;
};

TEST_F(DashboardTest, OnlyTheSignInRoutesArePublic) {
  std::vector<std::string> public_routes;
  for (const auto& r : Dashboard::routes()) {
    if (r.access == Access::kPublic)
      public_routes.push_back(std::string(bhttp::to_string(r.method)) + " " + std::string(r.path));
  }
  EXPECT_EQ(public_routes,
            (std::vector<std::string>{"GET /ui/login", "POST /ui/login", "POST /ui/api/miniapp",
                                      "GET /ui/style.css", "GET /ui/signin.js"}));
  for (const auto& r : Dashboard::routes()) {
    if (r.method == http::Verb::post && r.access != Access::kPublic) {
      EXPECT_EQ(r.access, Access::kSessionCsrf)
          << r.path << ": every state-changing route checks the CSRF token";
    }
  }
}

TEST_F(DashboardTest, EveryRouteRefusesRequestsWithoutAValidSession) {
  const std::string expired = session_for(kOlga, kNow - 8LL * 24 * 3600 * 1000);  // a week and a day ago
  const std::string revoked = session_for(kOlga);
  store_->revoke_web_sessions(kGroup, kOlga);
  const std::string stranger = session_for(777);  // a session of someone who is no operator of the group
  const std::string forged(43, 'A');
  for (const auto& r : Dashboard::routes()) {
    if (r.access == Access::kPublic) continue;
    for (const auto& secret : {std::string(), expired, revoked, stranger, forged}) {
      auto response = call(r.method, std::string(r.path) + "?id=1", secret, "{}");
      EXPECT_EQ(response.result_int(), 401) << bhttp::to_string(r.method) << " " << r.path;
      EXPECT_EQ(response.body().find("Ann"), std::string::npos) << r.path << " tells nothing";
    }
  }
  EXPECT_EQ(call(http::Verb::get, "/ui/no-such-page").result_int(), 401)
      << "unknown paths too, without a session";
}

TEST_F(DashboardTest, EveryStateChangingRouteNeedsTheSessionsCsrfToken) {
  const std::string others = csrf_token(session_for(kMax));
  for (const auto& r : Dashboard::routes()) {
    if (r.access != Access::kSessionCsrf) continue;
    const std::string secret = session_for(kOlga);  // a fresh one each time: one route signs out
    EXPECT_EQ(call(r.method, std::string(r.path), secret, "{}").result_int(), 403)
        << r.path << " without a token";
    EXPECT_EQ(call(r.method, std::string(r.path), secret, "{}", others).result_int(), 403)
        << r.path << " with another session's token";
    EXPECT_NE(call(r.method, std::string(r.path), secret, "{}", csrf_token(secret)).result_int(), 403)
        << r.path << " with its own token";
  }
}

TEST_F(DashboardTest, ALoginLinkSetsAStrictHttpOnlyCookieOnce) {
  auto link = issue_login_link(*store_, kGroup, kOlga, "http://desk", kNow);
  ASSERT_TRUE(link);
  const std::string secret = link->url.substr(link->url.find("?t=") + 3);
  auto page = call(http::Verb::get, "/ui/login?t=" + secret);
  EXPECT_EQ(page.result_int(), 200);
  auto login =
      call(http::Verb::post, "/ui/login", "", "t=" + secret, "", "application/x-www-form-urlencoded");
  ASSERT_EQ(login.result_int(), 303);
  const std::string cookie(login[bhttp::field::set_cookie]);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain http: no Secure (the browser would drop it)";
  const std::string session = cookie.substr(11, cookie.find(';') - 11);
  auto info = call(http::Verb::get, "/ui/api/session", session);
  ASSERT_EQ(info.result_int(), 200);
  EXPECT_EQ(parse(info).at("operator").at("id").as_int64(), kOlga);
  auto again =
      call(http::Verb::post, "/ui/login", "", "t=" + secret, "", "application/x-www-form-urlencoded");
  EXPECT_EQ(again.result_int(), 401) << "a used link is refused";
  EXPECT_NE(again.body().find("expired or was used"), std::string::npos);
}

TEST_F(DashboardTest, AMiniAppSignsInOperatorsOnly) {
  auto signed_for = [](core::UserId id) {
    return sign_init_data(
        {{"auth_date", std::to_string(kNow / 1000)}, {"user", R"({"id":)" + std::to_string(id) + "}"}},
        kBotToken);
  };
  auto body = [](const std::string& init) { return json::serialize(json::object{{"init_data", init}}); };
  auto olga = call(http::Verb::post, "/ui/api/miniapp", "", body(signed_for(kOlga)));
  EXPECT_EQ(olga.result_int(), 200);
  EXPECT_NE(std::string(olga[bhttp::field::set_cookie]).find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(call(http::Verb::post, "/ui/api/miniapp", "", body(signed_for(777))).result_int(), 403)
      << "a Telegram user who is no operator of the group";
  auto forged =
      sign_init_data({{"auth_date", std::to_string(kNow / 1000)}, {"user", R"({"id":501})"}}, "1:other");
  EXPECT_EQ(call(http::Verb::post, "/ui/api/miniapp", "", body(forged)).result_int(), 401);
  // Why, in the page's language: the frame and the reason both.
  auto german = call(http::Verb::post, "/ui/api/miniapp?lang=de", "", body(forged));
  EXPECT_EQ(german.result_int(), 401);
  EXPECT_EQ(
      parse(german).at("error").as_string(),
      i18n::text("de", "web.error.miniapp_refused", {{"reason", i18n::text("de", "signin.bad_signature")}}))
      << german.body();
  EXPECT_EQ(german.body().find("does not match"), std::string::npos) << german.body();
}

TEST_F(DashboardTest, NoPageCarriesASecret) {
  const std::string secret = session_for(kOlga);
  for (const auto& r : Dashboard::routes()) {
    if (r.method != http::Verb::get || r.path == "/ui/login") continue;
    auto response = call(r.method, std::string(r.path) + "?id=1", secret);
    EXPECT_EQ(response.body().find(kBotToken), std::string::npos) << r.path;
    EXPECT_EQ(response.body().find("hook-secret-value"), std::string::npos) << r.path;
    EXPECT_EQ(response.body().find(secret), std::string::npos) << r.path << " shows the session's secret";
  }
  auto connections = call(http::Verb::get, "/ui/api/connections", secret);
  EXPECT_NE(connections.body().find("WELCOME"), std::string::npos);
}

TEST_F(DashboardTest, TheOperatorSeesTheDialogSearchAndTranscript) {
  const std::string secret = session_for(kOlga);
  auto found = parse(call(http::Verb::get, "/ui/api/dialogs?q=secretname", secret));
  ASSERT_EQ(found.at("dialogs").as_array().size(), 1u);
  EXPECT_EQ(found.at("dialogs").at(0).at("name").as_string(), "Ann Secretname");
  auto said = parse(call(http::Verb::get, "/ui/api/search?q=PARCEL", secret));
  ASSERT_EQ(said.at("messages").as_array().size(), 1u);
  EXPECT_EQ(said.at("messages").at(0).at("dialog_id").as_int64(), dialog_);
  auto dialog = parse(call(http::Verb::get, "/ui/api/dialog?id=" + std::to_string(dialog_), secret));
  EXPECT_EQ(dialog.at("dialog").at("user").at("username").as_string(), "ann_private");
  EXPECT_EQ(dialog.at("dialog").at("topic_link").as_string(), "https://t.me/c/1000000001/7");
  EXPECT_EQ(dialog.at("transcript").at(0).at("text").as_string(), "where is my parcel");
}

TEST_F(DashboardTest, HideInfoLeaksNothingThroughSearchTranscriptsOrExports) {
  start({{"HIDE_INFO", "name"}, {"EXTENSIONS_ALLOWED", "@max_ops"}});
  const std::string olga = session_for(kOlga);  // not exempted
  for (const std::string& q :
       std::vector<std::string>{"ann", "secretname", "ann_private", std::to_string(kAnn)}) {
    auto found = parse(call(http::Verb::get, "/ui/api/dialogs?q=" + q, olga));
    EXPECT_TRUE(found.at("dialogs").as_array().empty()) << "searching for " << q << " finds the hidden user";
  }
  auto by_pseudonym = parse(call(http::Verb::get, "/ui/api/dialogs?q=otter", olga));
  ASSERT_EQ(by_pseudonym.at("dialogs").as_array().size(), 1u);
  EXPECT_FALSE(by_pseudonym.at("dialogs").at(0).as_object().contains("user_id"));
  std::vector<std::string> answers = {
      call(http::Verb::get, "/ui/api/dialogs", olga).body(),
      call(http::Verb::get, "/ui/api/dialog?id=" + std::to_string(dialog_), olga).body(),
      call(http::Verb::get, "/ui/api/search?q=parcel", olga).body(),
      call(http::Verb::get, "/ui/api/clients.csv", olga).body(),
      call(http::Verb::get, "/ui/api/transcript?id=" + std::to_string(dialog_), olga).body(),
      call(http::Verb::get, "/ui/api/transcript?format=jsonl&id=" + std::to_string(dialog_), olga).body(),
  };
  for (const auto& body : answers) {
    EXPECT_EQ(body.find("Secretname"), std::string::npos) << body;
    EXPECT_EQ(body.find("ann_private"), std::string::npos) << body;
    EXPECT_EQ(body.find(std::to_string(kAnn)), std::string::npos) << body;
  }
  EXPECT_NE(answers[2].find("Blue Otter 4821"), std::string::npos)
      << "the search names the dialog by its pseudonym";
  EXPECT_NE(answers[3].find("Blue Otter 4821"), std::string::npos) << "the CSV lists the client by pseudonym";
  // EXTENSIONS_ALLOWED exempts Max, as in the topics.
  const std::string max = session_for(kMax);
  EXPECT_EQ(parse(call(http::Verb::get, "/ui/api/dialogs?q=secretname", max)).at("dialogs").as_array().size(),
            1u);
  EXPECT_NE(call(http::Verb::get, "/ui/api/clients.csv", max).body().find("ann_private"), std::string::npos);
}

TEST_F(DashboardTest, OnlyThoseExtensionsAllowedListsManageTemplatesAndLabels) {
  start({{"EXTENSIONS_ALLOWED", "@max_ops"}});
  const std::string olga = session_for(kOlga);
  const std::string max = session_for(kMax);
  auto body = json::serialize(
      json::object{{"connection_id", connection_}, {"name", "thanks"}, {"text", "Thank you!"}});
  EXPECT_EQ(call(http::Verb::post, "/ui/api/templates", olga, body, csrf_token(olga)).result_int(), 403);
  EXPECT_EQ(call(http::Verb::post, "/ui/api/templates", max, body, csrf_token(max)).result_int(), 200);
  ASSERT_TRUE(store_->template_by_name(connection_, "thanks"));
  auto label = json::serialize(json::object{{"connection_id", connection_}, {"name", "vip"}});
  EXPECT_EQ(call(http::Verb::post, "/ui/api/labels", olga, label, csrf_token(olga)).result_int(), 403);
  EXPECT_EQ(call(http::Verb::post, "/ui/api/labels", max, label, csrf_token(max)).result_int(), 200);
  EXPECT_TRUE(store_->label_by_key(connection_, "vip"));
}

TEST_F(DashboardTest, LogoutEndsTheSession) {
  const std::string secret = session_for(kOlga);
  EXPECT_EQ(call(http::Verb::post, "/ui/api/logout", secret, "{}", csrf_token(secret)).result_int(), 200);
  EXPECT_EQ(call(http::Verb::get, "/ui/api/session", secret).result_int(), 401);
}

// The texts posted in General so far (the outbox's jobs into the group's General topic).
std::string general_texts(store::Store& store) {
  std::string out;
  for (const auto& job : store.outbox_ready(kNow + 10'000, 100, {})) out += job.payload + "\n";
  return out;
}

TEST_F(DashboardTest, AManagerMakesABroadcastFromATemplateAndASegmentThenConfirmsIt) {
  start({{"EXTENSIONS_ALLOWED", "@max_ops"}});
  store_->save_template(store::Template{
      .connection_id = connection_,
      .name = "promo",
      .parts = {store::TemplatePart{.kind = store::TemplatePartKind::kText, .text = "Sale today!"}},
      .updated_at = kNow});
  const std::string olga = session_for(kOlga);
  const std::string max = session_for(kMax);
  auto body = [&](std::string_view tpl, std::string_view recipients) {
    return json::serialize(
        json::object{{"connection_id", connection_}, {"template", tpl}, {"recipients", recipients}});
  };
  EXPECT_EQ(
      call(http::Verb::post, "/ui/api/broadcasts", olga, body("promo", "all"), csrf_token(olga)).result_int(),
      403);
  EXPECT_TRUE(store_->broadcasts_of(connection_, 10).empty()) << "a refused request makes nothing";

  auto made = call(http::Verb::post, "/ui/api/broadcasts", max, body("promo", "status:open or status:closed"),
                   csrf_token(max));
  ASSERT_EQ(made.result_int(), 200) << made.body();
  const auto id = parse(made).at("id").as_int64();
  EXPECT_EQ(parse(made).at("recipients").as_int64(), 1) << "Ann, the one user";
  auto b = store_->broadcast(id);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->state, store::BroadcastState::kConfirming) << "it waits for the confirmation";
  EXPECT_EQ(b->creator_id, kMax);
  EXPECT_EQ(b->template_name, "promo");
  EXPECT_NE(general_texts(*store_).find("Made by Max on the dashboard"), std::string::npos)
      << "General is told who made it:\n"
      << general_texts(*store_);

  auto listed = [&](const std::string& secret) {
    return parse(call(http::Verb::get, "/ui/api/broadcasts", secret))
        .at("broadcasts")
        .as_array()
        .at(0)
        .as_object();
  };
  EXPECT_EQ(json::serialize(listed(max).at("actions")), R"(["confirm","cancel"])");
  EXPECT_EQ(json::serialize(listed(olga).at("actions")), "[]") << "Olga follows it, she may not act on it";

  auto action = [&](std::string_view name) {
    return call(http::Verb::post, "/ui/api/broadcasts/action", max,
                json::serialize(json::object{{"id", id}, {"action", name}}), csrf_token(max));
  };
  EXPECT_EQ(action("explode").result_int(), 400);
  auto confirmed = action("confirm");
  ASSERT_EQ(confirmed.result_int(), 200) << confirmed.body();
  EXPECT_EQ(store_->broadcast(id)->state, store::BroadcastState::kRunning);
  EXPECT_EQ(action("confirm").result_int(), 409) << "a running broadcast is not confirmed again";
  EXPECT_EQ(call(http::Verb::post, "/ui/api/broadcasts/action", olga,
                 json::serialize(json::object{{"id", id}, {"action", "cancel"}}), csrf_token(olga))
                .result_int(),
            403);
  EXPECT_EQ(store_->broadcast(id)->state, store::BroadcastState::kRunning);
}

TEST_F(DashboardTest, ABroadcastWithBadInputIsRefusedWithWhatIsWrongAndNothingIsKept) {
  const std::string olga = session_for(kOlga);
  auto refused = [&](std::string_view tpl, std::string_view recipients, std::string language = "") {
    auto r = call(http::Verb::post, "/ui/api/broadcasts", olga,
                  json::serialize(json::object{
                      {"connection_id", connection_}, {"template", tpl}, {"recipients", recipients}}),
                  csrf_token(olga), "application/json", std::move(language));
    return std::make_pair(r.result_int(), std::string(parse(r).at("error").as_string()));
  };
  auto [status, error] = refused("nope", "all");
  EXPECT_EQ(status, 404);
  EXPECT_NE(error.find("template"), std::string::npos) << error;
  std::tie(status, error) = refused("", "all");
  EXPECT_EQ(status, 400);
  EXPECT_NE(error.find("template"), std::string::npos) << error;
  std::tie(status, error) = refused("promo", "");
  EXPECT_EQ(status, 400);
  EXPECT_NE(error.find("recipients"), std::string::npos) << error;
  std::tie(status, error) = refused("promo", "label:vip and (");
  EXPECT_EQ(status, 400);
  EXPECT_NE(error.find("recipients"), std::string::npos) << error;
  // A page in Russian reads why in Russian: the expression's error and the engine's refusal.
  auto [_, english] = refused("promo", "label:vip and (");
  std::tie(status, error) = refused("promo", "label:vip and (", "ru");
  EXPECT_EQ(status, 400);
  EXPECT_NE(error, english);
  EXPECT_NE(error.find("recipients: "), std::string::npos) << error;
  EXPECT_TRUE(
      std::any_of(error.begin(), error.end(), [](char c) { return static_cast<unsigned char>(c) >= 0xD0; }))
      << "Cyrillic in " << error;
  std::tie(status, error) = refused("nope", "all", "ru");
  EXPECT_EQ(status, 404);
  EXPECT_EQ(error, "template: " + i18n::text("ru", "broadcasts.no_template", {{"name", "nope"}}));
  EXPECT_TRUE(store_->broadcasts_of(connection_, 10).empty());
}

TEST_F(DashboardTest, HideInfoKeepsFieldSegmentsFromOperatorsWhoMayNotSeeFields) {
  start({{"HIDE_INFO", "name"}});
  store_->save_template(store::Template{
      .connection_id = connection_,
      .name = "promo",
      .parts = {store::TemplatePart{.kind = store::TemplatePartKind::kText, .text = "Sale today!"}},
      .updated_at = kNow});
  const std::string olga = session_for(kOlga);
  auto r =
      call(http::Verb::post, "/ui/api/broadcasts", olga,
           json::serialize(json::object{
               {"connection_id", connection_}, {"template", "promo"}, {"recipients", "field:city=Berlin"}}),
           csrf_token(olga));
  EXPECT_EQ(r.result_int(), 403) << r.body();
  EXPECT_NE(r.body().find("HIDE_INFO"), std::string::npos) << r.body();
  EXPECT_TRUE(store_->broadcasts_of(connection_, 10).empty());
}

TEST_F(DashboardTest, TheConnectionsPageShowsTheDoctorsLatestFindingsAndCheckNowAsksAgain) {
  doctor::FindingsBoard board;
  int requests = 0;
  board.set_on_request([&] { ++requests; });
  dashboard_ = std::make_unique<Dashboard>(
      *store_,
      std::vector<DashboardConnection>{{engine_.get(), "bot", "polling", std::string(kBotToken), {}}},
      DashboardOptions{.findings = &board});
  const std::string olga = session_for(kOlga);
  auto first = parse(call(http::Verb::get, "/ui/api/connections", olga)).at("connections").as_array().at(0);
  EXPECT_TRUE(first.at("findings").is_null()) << "not checked yet";

  doctor::Findings found;
  found.pass("token valid: @shop_bot (id 111)");
  found.fail(i18n::Message{"doctor.no_manage_topics", {}}, i18n::Message{"doctor.no_manage_topics_fix", {}});
  board.publish(connection_, found, kNow);
  auto shown = parse(call(http::Verb::get, "/ui/api/connections", olga)).at("connections").as_array().at(0);
  const auto& findings = shown.at("findings").as_object();
  EXPECT_FALSE(findings.at("healthy").as_bool());
  EXPECT_EQ(findings.at("checked_at").as_int64(), kNow);
  ASSERT_EQ(findings.at("items").as_array().size(), 2U);
  const auto& fix = findings.at("items").as_array().at(1).as_object();
  EXPECT_EQ(fix.at("level").as_string(), "fix");
  EXPECT_EQ(fix.at("fix").as_string(), "give the bot the 'Manage topics' right");
  // A page in Russian reads them in Russian.
  http::Request in_russian{http::Verb::get, "/ui/api/connections", 11};
  in_russian.set(bhttp::field::cookie, "td_session=" + olga);
  in_russian.set(kLanguageHeader, "ru");
  auto russian = parse(dashboard_->handle(in_russian, kNow + 1000)).at("connections").as_array().at(0);
  EXPECT_EQ(russian.at("findings").at("items").as_array().at(1).at("fix").as_string(),
            i18n::text("ru", "doctor.no_manage_topics_fix"));
  EXPECT_NE(i18n::text("ru", "doctor.no_manage_topics_fix"), fix.at("fix").as_string());

  EXPECT_EQ(call(http::Verb::post, "/ui/api/connections/check", olga, "{}", csrf_token(olga)).result_int(),
            200);
  EXPECT_EQ(requests, 1);
}

}  // namespace
}  // namespace topicdesk::web
