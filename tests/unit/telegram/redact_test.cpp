#include "telegram/redact.h"

#include <gtest/gtest.h>

namespace topicdesk::telegram {
namespace {

constexpr const char* kToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ";

TEST(RedactTokens, ReplacesATokenInsideABotApiUrl) {
  std::string url = std::string("https://api.telegram.org/bot") + kToken + "/sendMessage";
  EXPECT_EQ(redact_tokens(url), "https://api.telegram.org/bot<redacted>/sendMessage");
}

TEST(RedactTokens, ReplacesATokenInsideAFileUrl) {
  std::string url = std::string("http://127.0.0.1:8081/file/bot") + kToken + "/photos/file_1.jpg";
  EXPECT_EQ(redact_tokens(url), "http://127.0.0.1:8081/file/bot<redacted>/photos/file_1.jpg");
}

TEST(RedactTokens, ReplacesEveryTokenInAText) {
  std::string text = std::string("token=") + kToken + ", other=42:abcdefghijklmnopqrstuvwxyz_-ABCDEFG end";
  EXPECT_EQ(redact_tokens(text), "token=<redacted>, other=<redacted> end");
}

TEST(RedactTokens, ReplacesATokenThatIsTheWholeText) { EXPECT_EQ(redact_tokens(kToken), "<redacted>"); }

TEST(RedactTokens, KeepsTextWithoutTokens) {
  std::string text = "at 12:30 chat -1001234567890 said http://127.0.0.1:8081/sim/users a:b";
  EXPECT_EQ(redact_tokens(text), text);
}

TEST(RedactTokens, KeepsShortSecretsAndSecretsWithoutBotId) {
  // 29 characters after the colon is below the token shape; no digits before the colon is too.
  EXPECT_EQ(redact_tokens("1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(redact_tokens("x:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"), "x:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ");
}

TEST(RedactTokens, HandlesColonsAtTheEdges) {
  EXPECT_EQ(redact_tokens(":"), ":");
  EXPECT_EQ(redact_tokens("123:"), "123:");
  EXPECT_EQ(redact_tokens(""), "");
}

TEST(RedactSecrets, HidesCredentialsInUrls) {
  EXPECT_EQ(redact_secrets("POST https://user:pa55w0rd@crm.example/hook failed"),
            "POST https://<redacted>@crm.example/hook failed");
  EXPECT_EQ(redact_secrets("http://only-user@host/x and http://host/y@z"),
            "http://<redacted>@host/x and http://host/y@z");
}

// [storage] postgres: a libpq URI in a log line or a database error.
TEST(RedactSecrets, HidesPostgresPasswords) {
  EXPECT_EQ(redact_secrets("cannot reach postgresql://desk:pg-pa55@db.internal:5432/topicdesk: timeout"),
            "cannot reach postgresql://<redacted>@db.internal:5432/topicdesk: timeout");
  EXPECT_EQ(redact_secrets("postgres://desk:p@ss@db/topicdesk"), "postgres://<redacted>@db/topicdesk");
  EXPECT_EQ(redact_secrets("postgresql://desk@db/topicdesk?sslmode=require&password=pg-pa55"),
            "postgresql://<redacted>@db/topicdesk?sslmode=require&password=<redacted>");
  EXPECT_EQ(redact_secrets("connect: host=db password=pg-pa55 dbname=topicdesk"),
            "connect: host=db password=<redacted> dbname=topicdesk");
}

TEST(RedactSecrets, HidesSecretQueryValues) {
  EXPECT_EQ(
      redact_secrets("https://n8n.example/webhook?token=abc123&event=x&api_key=K&Signature=s#top"),
      "https://n8n.example/webhook?token=<redacted>&event=x&api_key=<redacted>&Signature=<redacted>#top");
  EXPECT_EQ(redact_secrets("https://h/p?password=hunter2 next"), "https://h/p?password=<redacted> next");
}

TEST(RedactSecrets, HidesSecretParametersInTheStartupSummary) {
  EXPECT_EQ(redact_secrets("connection a (AUTOCLOSE=24, WEBHOOKS_SECRET=0123456789abcdef0123, WELCOME=hi)"),
            "connection a (AUTOCLOSE=24, WEBHOOKS_SECRET=<redacted>, WELCOME=hi)");
  EXPECT_EQ(redact_secrets("PRIVATE_KEYWORDS=refund, secret_token=abc, apiKey=xyz"),
            "PRIVATE_KEYWORDS=refund, secret_token=<redacted>, apiKey=<redacted>");
}

TEST(RedactSecrets, HidesApiKeysAndBotTokens) {
  EXPECT_EQ(redact_secrets("key tdk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_ used"), "key <redacted> used");
  EXPECT_EQ(redact_secrets(std::string("GET /bot") + kToken + "/getMe"), "GET /bot<redacted>/getMe");
  EXPECT_EQ(redact_secrets("tdk_short stays"), "tdk_short stays");
}

TEST(RedactSecrets, HidesRegisteredSecretsWhereverTheyStand) {
  register_secret("s3cr3t-signing-key-for-hooks");
  register_secret("short");  // too short to hide safely: ignored
  EXPECT_EQ(redact_secrets("signing with s3cr3t-signing-key-for-hooks, again s3cr3t-signing-key-for-hooks"),
            "signing with <redacted>, again <redacted>");
  EXPECT_EQ(redact_secrets("a short text"), "a short text");
}

TEST(RedactSecrets, KeepsOrdinaryText) {
  std::string text = "at 12:30 chat -1001234567890 said http://127.0.0.1:8081/sim/users?limit=5 a=b";
  EXPECT_EQ(redact_secrets(text), text);
}

}  // namespace
}  // namespace topicdesk::telegram
