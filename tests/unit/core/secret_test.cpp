#include "core/secret.h"

#include <gtest/gtest.h>

#include <string>

namespace topicdesk::core {
namespace {

// The webhook ingress test covers equal, last-byte and length differences.
TEST(SecretTest, ConstantTimeEqualLooksAtEveryByte) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("xbc", "abc"));
  EXPECT_TRUE(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(SecretTest, WebhookSecretIsOneTo256OfTelegramsAlphabet) {
  EXPECT_TRUE(is_webhook_secret("Abc_09-z"));
  EXPECT_TRUE(is_webhook_secret(std::string(256, 'a')));
  EXPECT_FALSE(is_webhook_secret(""));
  EXPECT_FALSE(is_webhook_secret(std::string(257, 'a')));
  EXPECT_FALSE(is_webhook_secret("has space"));
  EXPECT_FALSE(is_webhook_secret("dot."));
  EXPECT_FALSE(is_webhook_secret("ümlaut"));
}

TEST(SecretTest, AlphabetHasTheSixtyFourSecretCharactersOnce) {
  ASSERT_EQ(kSecretAlphabet.size(), 64u);
  for (char c : kSecretAlphabet) {
    EXPECT_TRUE(is_secret_char(c)) << c;
    EXPECT_EQ(kSecretAlphabet.find(c), kSecretAlphabet.rfind(c)) << c;
  }
}

TEST(SecretTest, Base64UrlMatchesRfc4648WithoutPadding) {
  auto encode = [](std::string_view text) {
    return base64url(reinterpret_cast<const unsigned char*>(text.data()), text.size());
  };
  EXPECT_EQ(encode(""), "");
  EXPECT_EQ(encode("f"), "Zg");
  EXPECT_EQ(encode("fo"), "Zm8");
  EXPECT_EQ(encode("foo"), "Zm9v");
  EXPECT_EQ(encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(encode("\xfb\xff"), "-_8");  // the two characters base64url changes
}

TEST(SecretTest, HexIsLowercaseTwoDigitsPerByte) {
  const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(to_hex(bytes, sizeof bytes), "000fa5ff");
  EXPECT_EQ(to_hex(bytes, 0), "");
}

}  // namespace
}  // namespace topicdesk::core
