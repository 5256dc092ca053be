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

}  // namespace
}  // namespace topicdesk::telegram
