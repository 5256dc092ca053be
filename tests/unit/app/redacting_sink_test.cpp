// Every log line is redacted by the sink itself, so a token a call site forgot to redact still
// never reaches the terminal.
#include "app/redacting_sink.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "telegram/redact.h"

namespace topicdesk::app {
namespace {

constexpr std::string_view kToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

TEST(RedactingSink, TokensNeverReachTheWrappedSinkAndThePatternStillApplies) {
  std::ostringstream out;
  auto inner = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", std::make_shared<RedactingSink>(inner));
  logger.set_pattern("%l %v");
  logger.error("GET https://api.telegram.org/bot{}/getMe failed", kToken);
  logger.flush();
  EXPECT_EQ(out.str(), "error GET https://api.telegram.org/bot<redacted>/getMe failed\n");
}

TEST(RedactingSink, NoSecretOfAnyKindReachesTheWrappedSink) {
  std::ostringstream out;
  auto inner = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", std::make_shared<RedactingSink>(inner));
  logger.set_pattern("%v");
  telegram::register_secret("generated-signing-secret-1234");
  logger.warn("webhooks: https://u:p4ss@crm.example/h?api_key=K3y failed");
  logger.warn("starting: WEBHOOKS_SECRET=abcdefghijklmnop, key tdk_AAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  logger.warn("signing with generated-signing-secret-1234");
  logger.flush();
  EXPECT_EQ(out.str(),
            "webhooks: https://<redacted>@crm.example/h?api_key=<redacted> failed\n"
            "starting: WEBHOOKS_SECRET=<redacted>, key <redacted>\n"
            "signing with <redacted>\n");
}

}  // namespace
}  // namespace topicdesk::app
