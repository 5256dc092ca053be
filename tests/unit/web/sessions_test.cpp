// Signing in to the dashboard: login links spent once, sessions found by their secret, CSRF
// tokens, cookies, and the Mini App's initData checked as Telegram signs it.
#include "web/sessions.h"

#include <gtest/gtest.h>

#include "store/store.h"

namespace topicdesk::web {
namespace {

constexpr core::ChatId kGroup = -1001000000001;
constexpr core::UnixMillis kNow = 1'800'000'000'000;
constexpr std::string_view kToken = "123456:ABC-secret";

std::string secret_of(const std::string& url) { return url.substr(url.find("?t=") + 3); }

TEST(LoginLink, OpensOneSessionForItsOperatorWithinTenMinutes) {
  auto store = store::open_sqlite(":memory:");
  auto link = issue_login_link(*store, kGroup, 42, "https://desk.example.com/", kNow);
  ASSERT_TRUE(link);
  EXPECT_TRUE(link->url.starts_with("https://desk.example.com/ui/login?t=")) << link->url;
  EXPECT_EQ(link->expires_at, kNow + 10 * 60 * 1000);
  const auto secret = secret_of(link->url);
  auto opened = redeem_login_link(*store, secret, kNow + 9 * 60 * 1000);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->session.user_id, 42);
  EXPECT_EQ(opened->session.group_id, kGroup);
  EXPECT_EQ(opened->session.via, "link");
  EXPECT_FALSE(redeem_login_link(*store, secret, kNow + 9 * 60 * 1000 + 1)) << "single use";
  auto found = find_session(*store, opened->secret, kNow + 10 * 60 * 1000);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_id, 42);
  EXPECT_FALSE(find_session(*store, opened->secret, opened->session.expires_at)) << "sessions expire";
}

TEST(LoginLink, AnExpiredOrMalformedLinkOpensNothing) {
  auto store = store::open_sqlite(":memory:");
  auto link = issue_login_link(*store, kGroup, 42, "http://127.0.0.1:8080", kNow);
  ASSERT_TRUE(link);
  EXPECT_FALSE(redeem_login_link(*store, secret_of(link->url), link->expires_at));
  EXPECT_FALSE(redeem_login_link(*store, "", kNow));
  EXPECT_FALSE(redeem_login_link(*store, "not a secret; DROP TABLE", kNow));
}

TEST(LoginLink, TheStoreKeepsOnlyHashes) {
  auto store = store::open_sqlite(":memory:");
  auto link = issue_login_link(*store, kGroup, 42, "http://desk", kNow);
  ASSERT_TRUE(link);
  const auto secret = secret_of(link->url);
  EXPECT_EQ(secret.size(), 43u);
  EXPECT_FALSE(store->use_web_login_link(secret, kNow)) << "the clear secret is no key of the store";
  EXPECT_EQ(secret_hash(secret).size(), 64u);
}

TEST(Session, LogoutAllEndsEveryOneOfTheOperator) {
  auto store = store::open_sqlite(":memory:");
  auto a = open_session(*store, kGroup, 42, "link", kNow);
  auto b = open_session(*store, kGroup, 42, "miniapp", kNow);
  auto c = open_session(*store, kGroup, 43, "link", kNow);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(store->revoke_web_sessions(kGroup, 42), 2);
  EXPECT_FALSE(find_session(*store, a->secret, kNow));
  EXPECT_FALSE(find_session(*store, b->secret, kNow));
  EXPECT_TRUE(find_session(*store, c->secret, kNow));
}

TEST(Csrf, TheTokenBelongsToItsSession) {
  const std::string token = csrf_token("session-one");
  EXPECT_TRUE(csrf_matches("session-one", token));
  EXPECT_FALSE(csrf_matches("session-two", token));
  EXPECT_FALSE(csrf_matches("session-one", ""));
  EXPECT_NE(token, "session-one") << "the token is not the secret";
}

TEST(Cookie, IsHttpOnlyStrictAndSecureOverHttps) {
  EXPECT_EQ(session_cookie("abc", 60, false),
            "td_session=abc; Path=/ui/; Max-Age=60; HttpOnly; SameSite=Strict");
  EXPECT_EQ(session_cookie("abc", 60, true),
            "td_session=abc; Path=/ui/; Max-Age=60; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(cookie_value("a=1; td_session=xyz; b=2", "td_session"), "xyz");
  EXPECT_EQ(cookie_value("td_sessionx=1", "td_session"), "");
}

std::string user_json(core::UserId id) {
  return R"({"id":)" + std::to_string(id) + R"(,"first_name":"Olga Op","username":"olga"})";
}

TEST(InitData, TelegramsSignatureIsAccepted) {
  auto data = sign_init_data(
      {{"auth_date", std::to_string(kNow / 1000)}, {"query_id", "AAE"}, {"user", user_json(7)}}, kToken);
  auto user = validate_init_data(data, kToken, kNow + 1000);
  ASSERT_TRUE(user) << user.error().message;
  EXPECT_EQ(user->id, 7);
  EXPECT_EQ(user->username, "olga");
  EXPECT_EQ(user->first_name, "Olga Op");
}

TEST(InitData, AnotherBotsTokenOrAChangedFieldIsRefused) {
  auto data = sign_init_data({{"auth_date", std::to_string(kNow / 1000)}, {"user", user_json(7)}}, kToken);
  EXPECT_FALSE(validate_init_data(data, "654321:OTHER", kNow));
  std::string changed = data;
  changed.replace(changed.find("%3A7"), 4, "%3A8");  // "id":7 → "id":8
  auto refused = validate_init_data(changed, kToken, kNow);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("signature"), std::string::npos) << refused.error().message;
  EXPECT_FALSE(validate_init_data(data + "&hash=00", kToken, kNow)) << "two hashes";
  EXPECT_FALSE(validate_init_data("", kToken, kNow));
  EXPECT_FALSE(validate_init_data("user=%7B%7D", kToken, kNow)) << "no hash";
}

TEST(InitData, AnOldOrFutureAuthDateIsRefused) {
  const auto day = 24LL * 3600 * 1000;
  auto old = sign_init_data(
      {{"auth_date", std::to_string((kNow - day - 1000) / 1000)}, {"user", user_json(7)}}, kToken);
  auto refused = validate_init_data(old, kToken, kNow);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("too old"), std::string::npos);
  auto ahead = sign_init_data(
      {{"auth_date", std::to_string((kNow + 120'000) / 1000)}, {"user", user_json(7)}}, kToken);
  EXPECT_FALSE(validate_init_data(ahead, kToken, kNow));
}

// Why Telegram's sign-in was refused is shown on the page in its language (web.error.miniapp_refused
// frames it); the English stays for the log.
TEST(InitData, TheRefusalSaysWhyInThePagesLanguage) {
  const auto day = 24LL * 3600 * 1000;
  auto old = sign_init_data(
      {{"auth_date", std::to_string((kNow - day - 1000) / 1000)}, {"user", user_json(7)}}, kToken);
  auto refused = validate_init_data(old, kToken, kNow);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "the Mini App's initData is too old: open the dashboard again from Telegram");
  EXPECT_EQ(refused.error().code, core::ErrorCode::kUnauthorized);
  EXPECT_EQ(refused.message_in("ru"),
            "initData мини-приложения устарели: откройте панель из Telegram ещё раз");
  auto forged = validate_init_data(old, "654321:OTHER", kNow);
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.message_in("de"), "die Signatur der initData der Mini App stimmt nicht");
  EXPECT_EQ(forged.message_in("en"), forged.error().message);
}

TEST(InitData, WithoutAUserNobodySignsIn) {
  auto data = sign_init_data({{"auth_date", std::to_string(kNow / 1000)}}, kToken);
  EXPECT_FALSE(validate_init_data(data, kToken, kNow));
  auto bad = sign_init_data({{"auth_date", std::to_string(kNow / 1000)}, {"user", "not json"}}, kToken);
  EXPECT_FALSE(validate_init_data(bad, kToken, kNow));
}

}  // namespace
}  // namespace topicdesk::web
