// The dashboard in the catalogues' languages: the page gets every web.* key in every language,
// names no key English lacks, starts in the connection's LANGUAGE, and the desk answers the page
// (errors, sign-in pages) in the language the page asks in.
#include "web/dashboard_language.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>
#include <set>

#include "i18n/catalog.h"
#include "store/store.h"
#include "web/assets.h"
#include "web/dashboard_routes.h"
#include "web/sessions.h"

namespace topicdesk::web {
namespace {
namespace json = boost::json;
namespace bhttp = boost::beast::http;

constexpr core::ChatId kGroup = -1001000000002;
constexpr core::UnixMillis kNow = 1'800'000'000'000;
constexpr core::UserId kOlga = 501;

std::set<std::string> english_web_keys() {
  std::set<std::string> keys;
  for (const auto& [key, _] : i18n::catalogue("en")) {
    if (key.starts_with("web.")) keys.insert(key);
  }
  return keys;
}

class DashboardLanguageTest : public ::testing::Test {
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
    dashboard_ = std::make_unique<Dashboard>(
        *store_,
        std::vector<DashboardConnection>{
            {engine_.get(), "bot", "polling", "111:token", {{"WEBHOOKS_SECRET", "hook-secret-value"}}}},
        DashboardOptions{});
    auto opened = open_session(*store_, kGroup, kOlga, "link", kNow);
    ASSERT_TRUE(opened);
    secret_ = opened->secret;
  }

  http::Response get(std::string target, std::vector<std::pair<std::string, std::string>> headers = {},
                     bool signed_in = true) {
    http::Request request{http::Verb::get, target, 11};
    if (signed_in) request.set(bhttp::field::cookie, "td_session=" + secret_);
    for (const auto& [name, value] : headers) request.set(name, value);
    request.prepare_payload();
    return dashboard_->handle(request, kNow + 1000);
  }

  static json::object parse(const http::Response& r) { return json::parse(r.body()).as_object(); }
  static std::string error_of(const http::Response& r) {
    return std::string(parse(r).at("error").as_string());
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<relay::Engine> engine_;
  std::unique_ptr<Dashboard> dashboard_;
  std::string secret_;
};

TEST_F(DashboardLanguageTest, ThePageGetsEveryWebKeyInEveryLanguage) {
  const auto english = english_web_keys();
  ASSERT_GT(english.size(), 150U);
  for (const auto& language : i18n::languages()) {
    auto response = get("/ui/api/i18n?lang=" + language);
    ASSERT_EQ(response.result_int(), 200) << language;
    auto body = parse(response);
    EXPECT_EQ(body.at("language").as_string(), language);
    EXPECT_EQ(body.at("direction").as_string(), language == "fa" ? "rtl" : "ltr") << language;
    std::set<std::string> served;
    for (const auto& [key, value] : body.at("texts").as_object()) {
      served.insert(std::string(key));
      EXPECT_FALSE(value.as_string().empty()) << language << "/" << key;
      // As written in the catalogue: the page fills the placeholders and isolates the values.
      EXPECT_EQ(value.as_string(), i18n::catalogue(language).at(std::string(key))) << language << "/" << key;
    }
    EXPECT_EQ(served, english) << language << ": the page gets exactly the web keys English has";
  }
  // Only web.* keys leave the desk, and a language without a catalogue is English.
  auto other = parse(get("/ui/api/i18n?lang=xx"));
  EXPECT_EQ(other.at("language").as_string(), "en");
  EXPECT_EQ(other.at("texts").as_object().if_contains("notices.banned"), nullptr);
}

// Every "web.…" key the page's files name (t("web.key"), data-i18n="web.key", key tables) is one
// English has: a typo would show people "[web.key]".
TEST_F(DashboardLanguageTest, ThePagesFilesNameNoKeyEnglishLacks) {
  const std::regex literal(R"(["'`](web\.[a-z0-9_.]+[a-z0-9_])["'`])");
  std::set<std::string> named;
  for (const auto& asset : assets()) {
    const std::string body(asset.body);
    for (std::sregex_iterator it(body.begin(), body.end(), literal), end; it != end; ++it) {
      const std::string key = (*it)[1];
      named.insert(key);
      EXPECT_TRUE(i18n::has_key(key)) << asset.path << " names " << key << ", which English lacks";
    }
  }
  EXPECT_GT(named.size(), 150U) << "the scan finds the page's keys";
  // And the other way round: every key of the page is used by the page or by the desk's answers.
  std::set<std::string> unused;
  for (const auto& key : english_web_keys()) {
    const bool desk_side = key.starts_with("web.error.") || key.starts_with("web.signin.") ||
                           key == "web.on_the_dashboard" || key == "web.connections.hidden_value";
    if (!desk_side && named.count(key) == 0) unused.insert(key);
  }
  EXPECT_TRUE(unused.empty()) << "keys the page never names: " << *unused.begin();
}

TEST_F(DashboardLanguageTest, ThePageStartsInTheConnectionsLanguageAndListsEveryLanguage) {
  EXPECT_EQ(parse(get("/ui/api/session")).at("language").as_string(), "en");
  start({{"LANGUAGE", "ru"}});
  auto session = parse(get("/ui/api/session", {{std::string(kLanguageHeader), "de"}}));
  EXPECT_EQ(session.at("language").as_string(), "ru")
      << "the connection's LANGUAGE, whatever the page asks in";
  std::map<std::string, std::pair<std::string, std::string>> listed;
  for (const auto& l : session.at("languages").as_array()) {
    const auto& o = l.as_object();
    listed[std::string(o.at("code").as_string())] = {std::string(o.at("name").as_string()),
                                                     std::string(o.at("direction").as_string())};
  }
  EXPECT_EQ(listed.size(), i18n::languages().size());
  EXPECT_EQ(listed["fa"], std::make_pair(std::string("فارسی"), std::string("rtl")));
  EXPECT_EQ(listed["ru"].second, "ltr");
  // Without ?lang= the texts are the page's: its header, else the connection's LANGUAGE.
  EXPECT_EQ(parse(get("/ui/api/i18n")).at("language").as_string(), "ru");
  EXPECT_EQ(parse(get("/ui/api/i18n", {{std::string(kLanguageHeader), "fa"}})).at("language").as_string(),
            "fa");
}

TEST_F(DashboardLanguageTest, TheDesksAnswersAreInThePagesLanguage) {
  EXPECT_EQ(error_of(get("/ui/api/dialog?id=999")), "no dialog 999 in your group");
  EXPECT_EQ(error_of(get("/ui/api/dialog?id=999", {{std::string(kLanguageHeader), "ru"}})),
            "в вашей группе нет диалога 999");
  EXPECT_EQ(error_of(get("/ui/api/dialog", {{std::string(kLanguageHeader), "de-AT"}})),
            "id: eine Dialog-ID ist nötig");
  // A language without a catalogue: the connection's.
  start({{"LANGUAGE", "fr"}});
  EXPECT_EQ(error_of(get("/ui/api/dialog?id=999", {{std::string(kLanguageHeader), "xx"}})),
            "pas de dialogue 999 dans votre groupe");
  // Secrets stay hidden, in words of the page's language.
  auto connections = get("/ui/api/connections", {{std::string(kLanguageHeader), "it"}});
  EXPECT_EQ(connections.body().find("hook-secret-value"), std::string::npos);
  EXPECT_NE(connections.body().find("(impostato, non mostrato)"), std::string::npos) << connections.body();
}

TEST_F(DashboardLanguageTest, SignInPagesFollowTheBrowsersLanguage) {
  auto persian = get("/ui/", {{"Accept-Language", "fa-IR,fa;q=0.9,en;q=0.8"}}, /*signed_in=*/false);
  EXPECT_EQ(persian.result_int(), 401);
  EXPECT_NE(persian.body().find("<html lang=\"fa\" dir=\"rtl\">"), std::string::npos) << persian.body();
  EXPECT_NE(persian.body().find(i18n::text("fa", "web.signin.title")), std::string::npos);
  EXPECT_NE(persian.body().find("<code>/web</code>"), std::string::npos) << "the command stays code";
  // The first language with a catalogue wins; none: English.
  auto german = get("/ui/login?t=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                    {{"Accept-Language", "pt-BR, de;q=0.7"}}, false);
  EXPECT_EQ(german.result_int(), 200);
  EXPECT_NE(german.body().find("<html lang=\"de\" dir=\"ltr\">"), std::string::npos);
  EXPECT_NE(german.body().find("Dashboard öffnen"), std::string::npos);
  auto plain = get("/ui/", {{"Accept-Language", "pt-BR"}}, false);
  EXPECT_NE(plain.body().find("<html lang=\"en\" dir=\"ltr\">"), std::string::npos);
  // ?lang= (the page passes its language on signing out) wins over the browser's.
  auto chosen = get("/ui/?lang=ru", {{"Accept-Language", "fa"}}, false);
  EXPECT_NE(chosen.body().find("<html lang=\"ru\""), std::string::npos);
  // JSON without a session: refused in the asked language, saying nothing more.
  auto refused = get("/ui/api/session", {{std::string(kLanguageHeader), "es"}}, false);
  EXPECT_EQ(refused.result_int(), 401);
  EXPECT_EQ(error_of(refused), "inicia sesión primero: /web en General");
}

TEST(DashboardLanguage, TagsResolveToCatalogues) {
  EXPECT_EQ(catalogue_language("ru"), "ru");
  EXPECT_EQ(catalogue_language(" FA "), "fa");
  EXPECT_EQ(catalogue_language("de-AT"), "de");
  EXPECT_EQ(catalogue_language("en-GB"), "en");
  EXPECT_EQ(catalogue_language("pt-BR"), std::nullopt);
  EXPECT_EQ(catalogue_language(""), std::nullopt);
  EXPECT_EQ(catalogue_language(std::string(200, 'a')), std::nullopt);
  EXPECT_EQ(browser_language("pt-BR,pt;q=0.9,it;q=0.5"), "it");
  EXPECT_EQ(browser_language("*"), std::nullopt);
  EXPECT_EQ(browser_language(""), std::nullopt);
  EXPECT_EQ(browser_language(",,;q=1,"), std::nullopt);
}

}  // namespace
}  // namespace topicdesk::web
