#include "telegram/bot_api_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/metrics.h"
#include "tests/unit/telegram/fake_bot_api_server.h"

namespace topicdesk::telegram {
namespace {

using namespace std::chrono_literals;
using testing::FakeAnswer;
using testing::FakeBotApiServer;
using testing::FakeRequest;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::run_until_done;

constexpr const char* kToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ";

class BotApiClientTest : public ::testing::Test {
 protected:
  ApiResult call(BotApiClient& client, std::string method, boost::json::object params = {}) {
    auto result = run_until_done(io_, client.call(std::move(method), std::move(params)));
    if (!result) {
      ADD_FAILURE() << "call did not finish";
      return {};
    }
    return *result;
  }

  BotApiClient make_client(BotApiClientOptions options = {}) {
    return BotApiClient(io_.get_executor(), server_.base_url(), kToken, options);
  }

  boost::asio::io_context io_;
  FakeAnswer answer_;
  FakeBotApiServer server_{io_, [this](const FakeRequest&) { return answer_; }};
};

TEST_F(BotApiClientTest, PostsJsonToTheMethodPathAndReturnsTheResult) {
  answer_.body =
      R"({"ok":true,"result":{"message_id":314,"chat":{"id":555001,"type":"private"},"date":1,"text":"hi"}})";
  BotApiClient client = make_client();
  ApiResult result = call(client, "sendMessage", {{"chat_id", 555001}, {"text", "hi"}});
  ASSERT_TRUE(result.ok) << result.description;
  EXPECT_EQ(result.result.at("message_id").as_int64(), 314);
  ASSERT_EQ(server_.requests.size(), 1u);
  EXPECT_EQ(server_.requests[0].target, std::string("/bot") + kToken + "/sendMessage");
  EXPECT_EQ(server_.requests[0].content_type, "application/json");
  auto body = boost::json::parse(server_.requests[0].body);
  EXPECT_EQ(body.at("chat_id").as_int64(), 555001);
  EXPECT_EQ(body.at("text").as_string(), "hi");
}

TEST_F(BotApiClientTest, TelegramErrorsCarryCodeDescriptionAndParameters) {
  answer_.status = 429;
  answer_.body =
      R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}})";
  BotApiClient client = make_client();
  ApiResult flood = call(client, "sendMessage", {{"chat_id", 1}, {"text", "x"}});
  EXPECT_FALSE(flood.ok);
  EXPECT_FALSE(flood.network_error());
  EXPECT_EQ(flood.error_code, 429);
  EXPECT_EQ(flood.retry_after, 7);
  EXPECT_EQ(flood.description, "Too Many Requests: retry after 7");
  EXPECT_EQ(flood.kind, ErrorKind::kFlood);

  answer_.status = 400;
  answer_.body =
      R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234567890}})";
  ApiResult migrated = call(client, "sendMessage");
  EXPECT_EQ(migrated.error_code, 400);
  EXPECT_EQ(migrated.migrate_to_chat_id, -1001234567890);
  EXPECT_EQ(migrated.kind, ErrorKind::kBadRequest);
}

TEST_F(BotApiClientTest, RetryAfterHeaderFillsAMissingParameter) {
  answer_.status = 429;
  answer_.body = R"({"ok":false,"error_code":429,"description":"Too Many Requests"})";
  answer_.headers = {{"Retry-After", "12"}};
  BotApiClient client = make_client();
  EXPECT_EQ(call(client, "sendMessage").retry_after, 12);
}

TEST_F(BotApiClientTest, AnswersThatAreNotBotApiJson) {
  BotApiClient client = make_client();
  answer_.status = 502;
  answer_.body = "<html>Bad Gateway</html>";
  ApiResult gateway = call(client, "getMe");
  EXPECT_FALSE(gateway.ok);
  EXPECT_EQ(gateway.error_code, 502);

  answer_.status = 200;
  answer_.body = "{\"ok\":tru";
  ApiResult garbage = call(client, "getMe");
  EXPECT_TRUE(garbage.network_error());
  EXPECT_THAT(garbage.description, HasSubstr("not Bot API JSON"));
}

TEST_F(BotApiClientTest, ConnectionRefusedIsANetworkError) {
  boost::asio::ip::tcp::acceptor closed(io_, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto port = closed.local_endpoint().port();
  closed.close();
  BotApiClient client(io_.get_executor(), "http://127.0.0.1:" + std::to_string(port), kToken);
  ApiResult result = call(client, "getMe");
  EXPECT_TRUE(result.network_error());
  EXPECT_THAT(result.description, HasSubstr("connect"));
  EXPECT_THAT(result.description, Not(HasSubstr(kToken)));
}

TEST_F(BotApiClientTest, SlowAnswerTimesOutAtTheDeadline) {
  answer_.delay = 5s;
  BotApiClientOptions options;
  options.request_timeout = 200ms;
  BotApiClient client = make_client(options);
  auto started = std::chrono::steady_clock::now();
  ApiResult result = call(client, "sendMessage");
  EXPECT_TRUE(result.network_error());
  EXPECT_THAT(result.description, HasSubstr("timed out"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(BotApiClientTest, GetUpdatesDeadlineIncludesItsLongPollTimeout) {
  answer_.delay = 400ms;
  answer_.body = R"({"ok":true,"result":[]})";
  BotApiClientOptions options;
  options.request_timeout = 100ms;
  options.long_poll_extra_timeout = 500ms;
  BotApiClient client = make_client(options);
  ApiResult result = call(client, "getUpdates", {{"timeout", 1}});
  EXPECT_TRUE(result.ok) << result.description;
}

TEST_F(BotApiClientTest, OversizedAnswerIsRejected) {
  answer_.body = R"({"ok":true,"result":")" + std::string(200'000, 'x') + "\"}";
  BotApiClientOptions options;
  options.max_answer_bytes = 100'000;
  BotApiClient client = make_client(options);
  ApiResult result = call(client, "getUpdates");
  EXPECT_TRUE(result.network_error());
  EXPECT_THAT(result.description, HasSubstr("larger than 100000 bytes"));
}

TEST_F(BotApiClientTest, DownloadGetsTheFileAndRefusesWhatIsTooLargeOrGone) {
  BotApiClient client = make_client();
  auto download = [&](std::string path, std::size_t max) {
    auto result = run_until_done(io_, client.download(std::move(path), max));
    return result ? *result : ApiResult{};
  };
  answer_.body = "123, 456\n";
  answer_.body += '\0';
  answer_.body += "binary";
  ApiResult got = download("documents/file_3.txt", 100);
  ASSERT_TRUE(got.ok) << got.description;
  EXPECT_EQ(got.result.as_string(), answer_.body);
  ASSERT_EQ(server_.requests.size(), 1u);
  EXPECT_EQ(server_.requests[0].target, std::string("/file/bot") + kToken + "/documents/file_3.txt");
  // Larger than the bound: refused for good (a 400), never a network error to retry.
  answer_.body = std::string(5000, '1');
  ApiResult big = download("documents/big.txt", 1000);
  EXPECT_FALSE(big.ok);
  EXPECT_EQ(big.kind, ErrorKind::kBadRequest);
  EXPECT_THAT(big.description, HasSubstr("larger than 1000 bytes"));
  // A 404 here is the file, not the token: a refusal, not kUnauthorized.
  answer_.status = 404;
  answer_.body = R"({"ok":false,"error_code":404,"description":"Not Found"})";
  ApiResult gone = download("documents/gone.txt", 1000);
  EXPECT_EQ(gone.kind, ErrorKind::kBadRequest);
  EXPECT_THAT(gone.description, Not(HasSubstr(kToken)));
}

TEST_F(BotApiClientTest, SequentialCallsReuseOneKeepAliveConnection) {
  BotApiClient client = make_client();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(call(client, "getMe").ok);
  EXPECT_EQ(server_.connections_accepted, 1u);
  EXPECT_EQ(client.idle_connections(), 1u);
}

TEST_F(BotApiClientTest, StalePooledConnectionIsReplacedTransparently) {
  BotApiClient client = make_client();
  answer_.close_after = true;  // the server drops the connection after answering
  ASSERT_TRUE(call(client, "getMe").ok);
  answer_.close_after = false;
  ApiResult second = call(client, "sendMessage", {{"chat_id", 1}, {"text", "x"}});
  EXPECT_TRUE(second.ok) << second.description;
  EXPECT_EQ(server_.connections_accepted, 2u);
  EXPECT_EQ(server_.requests.size(), 2u) << "the request reached the server exactly once";
}

TEST_F(BotApiClientTest, DroppedConnectionWithoutAnswerIsANetworkError) {
  answer_.drop = true;
  BotApiClient client = make_client();
  ApiResult result = call(client, "sendMessage");
  EXPECT_TRUE(result.network_error());
  EXPECT_EQ(server_.requests.size(), 1u) << "a fresh connection that fails is not retried";
}

TEST_F(BotApiClientTest, ManyCallsRunConcurrently) {
  answer_.delay = 100ms;
  BotApiClientOptions options;
  options.max_idle_connections = 8;
  BotApiClient client = make_client(options);
  constexpr int kCalls = 20;
  int ok = 0;
  int finished = 0;
  for (int i = 0; i < kCalls; ++i) {
    boost::asio::co_spawn(io_, client.call("sendMessage", {{"chat_id", i}, {"text", "x"}}),
                          [&](std::exception_ptr, ApiResult result) {
                            ok += result.ok ? 1 : 0;
                            ++finished;
                          });
  }
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (finished < kCalls && std::chrono::steady_clock::now() < deadline) io_.run_one_for(20ms);
  EXPECT_EQ(ok, kCalls);
  EXPECT_EQ(server_.max_in_flight, static_cast<std::size_t>(kCalls));
  EXPECT_EQ(client.idle_connections(), 8u) << "the idle pool is capped";
}

// The dispatcher has up to 64 calls in flight: with the default pool, the connections of one
// such burst are all kept and serve the next burst; /metrics counts only the ones opened.
TEST_F(BotApiClientTest, TheNextBurstReusesEveryConnectionOfTheLastOne) {
  answer_.delay = 50ms;
  BotApiClient client = make_client();
  core::Metric& opened = core::Metrics::global().counter("topicdesk_bot_api_connections_opened_total", "");
  const double opened_before = opened.value();
  constexpr int kCalls = 64;
  for (int burst = 0; burst < 2; ++burst) {
    int finished = 0;
    for (int i = 0; i < kCalls; ++i) {
      boost::asio::co_spawn(io_, client.call("sendMessage", {{"chat_id", i}, {"text", "x"}}),
                            [&](std::exception_ptr, ApiResult) { ++finished; });
    }
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (finished < kCalls && std::chrono::steady_clock::now() < deadline) io_.run_one_for(20ms);
    ASSERT_EQ(finished, kCalls);
  }
  EXPECT_EQ(server_.requests.size(), 2u * kCalls);
  EXPECT_EQ(server_.connections_accepted, static_cast<std::size_t>(kCalls));
  EXPECT_EQ(opened.value() - opened_before, kCalls) << "topicdesk_bot_api_connections_opened_total";
}

TEST_F(BotApiClientTest, CancellationEndsACallPromptly) {
  answer_.delay = 30s;
  BotApiClient client = make_client();
  boost::asio::cancellation_signal signal;
  std::optional<ApiResult> result;
  boost::asio::co_spawn(io_, client.call("getUpdates", {{"timeout", 25}}),
                        boost::asio::bind_cancellation_slot(
                            signal.slot(), [&](std::exception_ptr, ApiResult r) { result = std::move(r); }));
  auto started = std::chrono::steady_clock::now();
  while (server_.requests.empty() && std::chrono::steady_clock::now() < started + 5s) io_.run_one_for(20ms);
  signal.emit(boost::asio::cancellation_type::terminal);
  while (!result && std::chrono::steady_clock::now() < started + 5s) io_.run_one_for(20ms);
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->network_error());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST_F(BotApiClientTest, BaseUrlPathPrefixIsKept) {
  BotApiClient client(io_.get_executor(), server_.base_url() + "/telegram/", kToken);
  ASSERT_TRUE(call(client, "getMe").ok);
  EXPECT_EQ(server_.requests[0].target, std::string("/telegram/bot") + kToken + "/getMe");
}

TEST(ParseApiBaseUrl, AcceptsHttpAndHttpsWithDefaultPorts) {
  auto telegram = parse_api_base_url("https://api.telegram.org");
  ASSERT_TRUE(telegram.ok());
  EXPECT_TRUE(telegram->tls);
  EXPECT_EQ(telegram->host, "api.telegram.org");
  EXPECT_EQ(telegram->port, "443");
  EXPECT_EQ(telegram->path_prefix, "");
  auto sim = parse_api_base_url("http://127.0.0.1:8081");
  ASSERT_TRUE(sim.ok());
  EXPECT_FALSE(sim->tls);
  EXPECT_EQ(sim->port, "8081");
  auto plain = parse_api_base_url("http://localhost/");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->port, "80");
  EXPECT_EQ(plain->path_prefix, "");
}

TEST(ParseApiBaseUrl, RejectsWhatCannotBeABotApiBase) {
  EXPECT_THAT(parse_api_base_url("ftp://example.org").error().message, HasSubstr("http:// or https://"));
  EXPECT_THAT(parse_api_base_url("api.telegram.org").error().message, HasSubstr("not an absolute URL"));
  EXPECT_THAT(parse_api_base_url("https://user:pw@example.org").error().message, HasSubstr("user info"));
  EXPECT_THAT(parse_api_base_url("https://example.org/?x=1").error().message, HasSubstr("query"));
}

TEST(ParseApiBaseUrl, ErrorsDoNotShowTokens) {
  auto result = parse_api_base_url(std::string("ftp://example.org/bot") + kToken);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().message, Not(HasSubstr(kToken)));
}

TEST(BotApiClient, ConstructorRejectsABadBaseUrl) {
  boost::asio::io_context io;
  EXPECT_THROW(BotApiClient(io.get_executor(), "not a url", kToken), std::invalid_argument);
}

}  // namespace
}  // namespace topicdesk::telegram
