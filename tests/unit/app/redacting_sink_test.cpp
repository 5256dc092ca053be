// Every log line is redacted by the sink itself, so a token a call site forgot to redact still
// never reaches the terminal.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "app/redacting_sink.h"

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

}  // namespace
}  // namespace topicdesk::app
