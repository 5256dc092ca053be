// Repeated errors are written at most N times per interval and key; the next line written says
// how many were held back.
#include "telegram/log_limiter.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace topicdesk::telegram {
namespace {

using namespace std::chrono_literals;

class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto logger =
        std::make_shared<spdlog::logger>("captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(LogLimiter, WritesAtMostNPerIntervalAndCountsTheRest) {
  CapturedLog log;
  LogLimiter limiter(1min, 2);
  auto t0 = LogLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 10; ++i) limiter.log(spdlog::level::warn, "accept", "accept failed", t0 + i * 1s);
  EXPECT_EQ(log.text(), "accept failed\naccept failed\n");
  EXPECT_EQ(limiter.held_back("accept"), 8u);
  limiter.log(spdlog::level::warn, "accept", "accept failed", t0 + 61s);
  EXPECT_EQ(log.text(), "accept failed\naccept failed\naccept failed (8 more like this held back)\n");
  EXPECT_EQ(limiter.held_back("accept"), 0u);
}

TEST(LogLimiter, KeysAreLimitedApart) {
  CapturedLog log;
  LogLimiter limiter(1min);
  auto t0 = LogLimiter::Clock::time_point{} + 1h;
  limiter.log(spdlog::level::err, "a", "first a", t0);
  limiter.log(spdlog::level::err, "a", "second a", t0);
  limiter.log(spdlog::level::err, "b", "first b", t0);
  EXPECT_EQ(log.text(), "first a\nfirst b\n");
}

}  // namespace
}  // namespace topicdesk::telegram
