#include "telegram/long_poller.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <deque>

#include "telegram/bot_api_client.h"
#include "tests/unit/telegram/fake_bot_api_server.h"

namespace topicdesk::telegram {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr core::ChatId kGroup = -1001987654321;

// A BotApi that answers getUpdates from a script and records what it was asked, in the same
// log as the commits, so tests can check the order of commits and offsets.
class ScriptedBotApi : public BotApi {
 public:
  asio::awaitable<ApiResult> call(std::string method, json::object params) override {
    calls.push_back(params);
    call_times.push_back(std::chrono::steady_clock::now());
    log.push_back("getUpdates offset=" +
                  std::to_string(params.contains("offset") ? params["offset"].as_int64() : 0));
    if (answers.empty()) {
      // Out of script: behave like a long poll that never ends until cancelled.
      asio::steady_timer timer(co_await asio::this_coro::executor, 1h);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      ApiResult cancelled;
      cancelled.description = "cancelled";
      co_return cancelled;
    }
    ApiResult answer = std::move(answers.front());
    answers.pop_front();
    co_return answer;
  }

  asio::awaitable<ApiResult> upload(std::string method, json::object, InputFile) override {
    co_return api_error(400, "Bad Request: the poller never uploads (" + method + ")");
  }

  void answer_updates(const std::string& updates_json) {
    ApiResult r;
    r.ok = true;
    r.result = json::parse(updates_json);
    answers.push_back(std::move(r));
  }
  void answer_error(int code, std::string description, int retry_after = 0) {
    ApiResult r;
    r.error_code = code;
    r.description = std::move(description);
    r.retry_after = retry_after;
    answers.push_back(std::move(r));
  }

  std::deque<ApiResult> answers;
  std::vector<json::object> calls;
  std::vector<std::chrono::steady_clock::time_point> call_times;
  std::vector<std::string> log;
};

std::string text_update(std::int64_t id, const char* text) {
  return R"({"update_id":)" + std::to_string(id) + R"(,"message":{"message_id":)" + std::to_string(id) +
         R"(,"from":{"id":555001,"is_bot":false,"first_name":"Anna"},"chat":{"id":555001,"type":"private"},"date":1732200000,"text":")" +
         text + R"("}})";
}

class LongPollerTest : public ::testing::Test {
 protected:
  void make_poller(BotApi& api, std::int64_t initial_offset = 0) {
    LongPollerOptions options;
    options.connection_name = "support";
    options.initial_offset = initial_offset;
    options.initial_backoff = 5ms;
    options.max_backoff = 20ms;
    poller_ = std::make_unique<LongPoller>(
        io_.get_executor(), api, ParseContext{7000000001, {kGroup}}, options,
        [this](std::vector<Incoming> batch) {
          if (fail_commits_ > 0) {
            --fail_commits_;
            throw std::runtime_error("database is locked");
          }
          last_commit_at_ = std::chrono::steady_clock::now();
          for (auto& incoming : batch) {
            if (api_) api_->log.push_back("commit " + std::to_string(incoming.update_id));
            committed_.push_back(std::move(incoming));
          }
        },
        [this](const std::string& description) { fatal_ = description; });
    poller_->start([this] { stopped_ = true; });
  }

  // Runs the io_context until `done` holds, for at most 5 s.
  bool run_until(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < deadline) io_.run_one_for(10ms);
    return done();
  }

  void TearDown() override {
    if (poller_ && !stopped_) {
      poller_->stop();
      EXPECT_TRUE(run_until([this] { return stopped_; })) << "poller did not stop";
    }
  }

  asio::io_context io_;
  ScriptedBotApi* api_ = nullptr;
  std::unique_ptr<LongPoller> poller_;
  std::vector<Incoming> committed_;
  int fail_commits_ = 0;
  std::chrono::steady_clock::time_point last_commit_at_{};
  std::string fatal_;
  bool stopped_ = false;
};

TEST_F(LongPollerTest, FirstCallAsksForTheDeskUpdateKinds) {
  ScriptedBotApi api;
  make_poller(api);
  ASSERT_TRUE(run_until([&] { return !api.calls.empty(); }));
  const json::object& params = api.calls[0];
  EXPECT_FALSE(params.contains("offset"));
  EXPECT_EQ(params.at("limit").as_int64(), 100);
  EXPECT_EQ(params.at("timeout").as_int64(), 25);
  EXPECT_EQ(
      json::serialize(params.at("allowed_updates")),
      R"(["message","edited_message","message_reaction","my_chat_member","callback_query","pre_checkout_query"])");
}

TEST_F(LongPollerTest, OffsetIsConfirmedOnlyAfterTheCommit) {
  ScriptedBotApi api;
  api_ = &api;
  api.answer_updates("[" + text_update(10, "a") + "," + text_update(11, "b") + "]");
  api.answer_updates("[" + text_update(12, "c") + "]");
  make_poller(api);
  ASSERT_TRUE(run_until([&] { return api.calls.size() >= 3; }));
  EXPECT_THAT(api.log, ElementsAre("getUpdates offset=0", "commit 10", "commit 11", "getUpdates offset=12",
                                   "commit 12", "getUpdates offset=13"));
  ASSERT_EQ(committed_.size(), 3u);
  EXPECT_EQ(committed_[0].event->text, "a");
  EXPECT_EQ(committed_[0].event->update_id, 10);
}

// Group commit: after a small batch the next getUpdates (which confirms it) waits the gather,
// so what arrives meanwhile is committed as one batch; the confirmation still follows the commit.
TEST_F(LongPollerTest, AfterASmallBatchTheNextPollWaitsTheGather) {
  ScriptedBotApi api;
  api_ = &api;
  api.answer_updates("[" + text_update(10, "a") + "]");
  make_poller(api);
  ASSERT_TRUE(run_until([&] { return api.calls.size() >= 2; }));
  EXPECT_GE(api.call_times[1] - last_commit_at_, LongPollerOptions{}.gather);
  EXPECT_THAT(api.log, ElementsAre("getUpdates offset=0", "commit 10", "getUpdates offset=11"));
}

TEST_F(LongPollerTest, StartsFromTheStoredOffset) {
  ScriptedBotApi api;
  make_poller(api, 500);
  ASSERT_TRUE(run_until([&] { return !api.calls.empty(); }));
  EXPECT_EQ(api.calls[0].at("offset").as_int64(), 500);
}

TEST_F(LongPollerTest, FailedCommitFetchesTheSameUpdatesAgain) {
  ScriptedBotApi api;
  api.answer_updates("[" + text_update(20, "a") + "]");
  api.answer_updates("[" + text_update(20, "a") + "]");
  fail_commits_ = 1;
  make_poller(api, 20);
  ASSERT_TRUE(run_until([&] { return api.calls.size() >= 3; }));
  EXPECT_EQ(api.calls[1].at("offset").as_int64(), 20) << "not confirmed after a failed commit";
  EXPECT_EQ(api.calls[2].at("offset").as_int64(), 21);
  ASSERT_EQ(committed_.size(), 1u);
}

TEST_F(LongPollerTest, MalformedAndIgnoredUpdatesStillMoveTheOffset) {
  ScriptedBotApi api;
  api.answer_updates(
      R"([{"update_id":30,"message":{"message_id":1,"chat":{"id":"oops","type":"private"},"date":1}},)"
      R"({"update_id":31,"channel_post":{"message_id":1,"chat":{"id":-1007,"type":"channel"},"date":1}}])");
  make_poller(api);
  ASSERT_TRUE(run_until([&] { return api.calls.size() >= 2; }));
  EXPECT_EQ(api.calls[1].at("offset").as_int64(), 32);
  ASSERT_EQ(committed_.size(), 1u) << "the channel post is ignored, the malformed update recorded";
  EXPECT_EQ(committed_[0].update_id, 30);
  EXPECT_FALSE(committed_[0].event.has_value());
  EXPECT_EQ(committed_[0].parse_error, "update.message.chat.id must be an integer");
}

TEST_F(LongPollerTest, ConflictAndNetworkErrorsAreRetried) {
  ScriptedBotApi api;
  api.answer_error(409, "Conflict: terminated by other getUpdates request");
  api.answer_error(0, "connect: Connection refused");
  api.answer_error(502, "Bad Gateway");
  api.answer_updates("[" + text_update(40, "after the storm") + "]");
  make_poller(api);
  ASSERT_TRUE(run_until([&] { return committed_.size() == 1 && api.calls.size() >= 5; }));
  EXPECT_EQ(api.calls[4].at("offset").as_int64(), 41);
  EXPECT_TRUE(fatal_.empty());
}

TEST_F(LongPollerTest, RetryAfterIsObeyed) {
  ScriptedBotApi api;
  api.answer_error(429, "Too Many Requests: retry after 1", 1);
  make_poller(api);
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([&] { return api.calls.size() >= 2; }));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);
}

TEST_F(LongPollerTest, UnauthorizedStopsThePoller) {
  ScriptedBotApi api;
  api.answer_error(401, "Unauthorized");
  make_poller(api);
  ASSERT_TRUE(run_until([&] { return stopped_; }));
  EXPECT_EQ(fatal_, "Unauthorized");
  EXPECT_EQ(api.calls.size(), 1u);
}

TEST_F(LongPollerTest, StopEndsAHangingPollPromptly) {
  ScriptedBotApi api;  // no answers: the first getUpdates hangs
  make_poller(api);
  ASSERT_TRUE(run_until([&] { return !api.calls.empty(); }));
  auto started = std::chrono::steady_clock::now();
  poller_->stop();
  ASSERT_TRUE(run_until([&] { return stopped_; }));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

TEST_F(LongPollerTest, StopEndsABackoffWaitPromptly) {
  ScriptedBotApi api;
  api.answer_error(429, "Too Many Requests: retry after 60", 60);
  make_poller(api);
  ASSERT_TRUE(run_until([&] { return !api.calls.empty(); }));
  io_.poll();
  poller_->stop();
  ASSERT_TRUE(run_until([&] { return stopped_; }));
  EXPECT_EQ(api.calls.size(), 1u);
}

// The real client against an in-process Bot API: a long poll in flight on a socket is
// cancelled by stop(), and offsets travel over HTTP.
TEST_F(LongPollerTest, WorksOverHttpWithTheRealClient) {
  int served = 0;
  testing::FakeBotApiServer server(io_, [&](const testing::FakeRequest&) {
    testing::FakeAnswer answer;
    if (served++ == 0) {
      answer.body = R"({"ok":true,"result":[)" + text_update(70, "over http") + "]}";
    } else {
      answer.delay = 30s;  // a long poll with nothing new
      answer.body = R"({"ok":true,"result":[]})";
    }
    return answer;
  });
  BotApiClient client(io_.get_executor(), server.base_url(), "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ");
  make_poller(client);
  ASSERT_TRUE(run_until([&] { return server.requests.size() >= 2; }));
  EXPECT_THAT(server.requests[1].body, HasSubstr(R"("offset":71)"));
  ASSERT_EQ(committed_.size(), 1u);
  EXPECT_EQ(committed_[0].event->text, "over http");
  auto started = std::chrono::steady_clock::now();
  poller_->stop();
  ASSERT_TRUE(run_until([&] { return stopped_; }));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

TEST(LogLimiter, OneLinePerDistinctMessagePerInterval) {
  LogLimiter limiter(std::chrono::minutes(1));
  auto t0 = LogLimiter::Clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(limiter.should_log("409 Conflict", t0));
  EXPECT_FALSE(limiter.should_log("409 Conflict", t0 + 30s));
  EXPECT_TRUE(limiter.should_log("network down", t0 + 30s));
  EXPECT_TRUE(limiter.should_log("409 Conflict", t0 + 61s));
}

}  // namespace
}  // namespace topicdesk::telegram
