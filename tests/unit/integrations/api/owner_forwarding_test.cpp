// Two desk instances on one store, each with the Topics API on its own HTTP server: the one that
// does not run the key's connection forwards the request to the one that does and answers with
// its answer; what a caller gets when no instance runs the connection, and that a request makes
// at most one hop.
#include "integrations/owner_forwarding.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <future>
#include <mutex>

#include "http/server.h"
#include "integrations/api_keys.h"
#include "integrations/topics_api.h"
#include "tests/unit/http/http_test_client.h"
#include "tests/unit/relay/relay_test_util.h"

namespace topicdesk::integrations {
namespace {
namespace json = boost::json;
namespace bhttp = boost::beast::http;
using namespace relay::testing;
using http::testing::IoThread;
using http::testing::TestClient;

using FullReply = bhttp::response<bhttp::string_body>;

// A request as an outside caller sends it; the whole answer, headers too.
FullReply send(unsigned short port, const std::string& target, const std::string& body,
               const std::map<std::string, std::string>& headers) {
  TestClient client(port);
  bhttp::request<bhttp::string_body> request{bhttp::verb::post, target, 11};
  request.set(bhttp::field::host, "127.0.0.1");
  request.set(bhttp::field::content_type, "application/json");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  bhttp::write(client.stream(), request);
  boost::beast::flat_buffer buffer;
  FullReply reply;
  bhttp::read(client.stream(), buffer, reply);
  return reply;
}

// A GET with the key, as a caller of the analytics reads sends it.
FullReply get(unsigned short port, const std::string& target, const std::string& key) {
  TestClient client(port);
  bhttp::request<bhttp::string_body> request{bhttp::verb::get, target, 11};
  request.set(bhttp::field::host, "127.0.0.1");
  request.set("X-API-KEY", key);
  request.prepare_payload();
  bhttp::write(client.stream(), request);
  boost::beast::flat_buffer buffer;
  FullReply reply;
  bhttp::read(client.stream(), buffer, reply);
  return reply;
}

class OwnerForwardingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = make_store();
    engine_ = std::make_unique<relay::Engine>(*store_, make_context(*store_));
    key_ = *reset_api_key(*store_, engine_->context().id, kT0);
    // Ann wrote: her dialog is there to be asked for.
    engine_->handle(user_message(kAnn, 1, "Hi"), kT0);
    take_jobs(*store_);
  }

  void TearDown() override {
    for (auto* server : {owner_server_.get(), other_server_.get()}) {
      if (!server) continue;
      std::promise<void> stopped;
      boost::asio::post(io_.io(), [&] { server->stop([&] { stopped.set_value(); }); });
      stopped.get_future().wait();
    }
  }

  // The owner instance "a" (runs the connection) and the other instance "b" (forwards to a's
  // address, or to `b_target` when set), both on one io thread.
  void start(TopicsApiOptions owner_options = {}) {
    owner_server_ = std::make_unique<http::Server>(io_.io().get_executor(), http::ServerOptions{.port = 0});
    other_server_ = std::make_unique<http::Server>(io_.io().get_executor(), http::ServerOptions{.port = 0});
    auto owner_api = std::make_shared<TopicsApi>(*store_, std::vector<ApiConnection>{{engine_.get(), "bot"}},
                                                 owner_options, [] {});
    auto other_api = std::make_shared<TopicsApi>(*store_, std::vector<ApiConnection>{{engine_.get(), "bot"}},
                                                 TopicsApiOptions{},
                                                 [] { ADD_FAILURE() << "the other instance ran an action"; });
    ApiOwners owner_view{"a", [](core::ConnectionId) { return true; },
                         [](core::ConnectionId) { return std::optional<std::string>(); }};
    ApiOwners other_view{"b", [](core::ConnectionId) { return false; },
                         [this](core::ConnectionId) {
                           std::lock_guard lock(mutex_);
                           return owner_address_;
                         }};
    add_topics_api_routes(*owner_server_, owner_api,
                          std::make_shared<OwnerForwarder>(io_.io().get_executor(), owner_view));
    add_topics_api_routes(*other_server_, other_api,
                          std::make_shared<OwnerForwarder>(io_.io().get_executor(), other_view));
    ASSERT_TRUE(owner_server_->start().ok());
    ASSERT_TRUE(other_server_->start().ok());
    set_owner_address("127.0.0.1:" + std::to_string(owner_server_->port()));
  }

  void set_owner_address(std::optional<std::string> address) {
    std::lock_guard lock(mutex_);
    owner_address_ = std::move(address);
  }

  FullReply action(unsigned short port, const json::object& request,
                   std::map<std::string, std::string> headers = {}) {
    headers.emplace("X-API-KEY", key_);
    return send(port, "/api/v1/topic_action", json::serialize(request), headers);
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<relay::Engine> engine_;
  std::string key_;
  IoThread io_;
  std::unique_ptr<http::Server> owner_server_;
  std::unique_ptr<http::Server> other_server_;
  std::mutex mutex_;
  std::optional<std::string> owner_address_;
};

TEST_F(OwnerForwardingTest, TheForwardedAnswerIsTheOwnersAnswer) {
  start();
  const json::object request{{"action", "dialog_by_user"}, {"user_id", kAnn}};
  auto direct = action(owner_server_->port(), request);
  auto forwarded = action(other_server_->port(), request);
  ASSERT_EQ(direct.result_int(), 200u) << direct.body();
  EXPECT_EQ(forwarded.result_int(), direct.result_int());
  EXPECT_EQ(forwarded[bhttp::field::content_type], direct[bhttp::field::content_type]);
  EXPECT_EQ(forwarded.body(), direct.body());
  EXPECT_EQ(json::parse(forwarded.body()).at("result").at("user").at("user_id").as_int64(), kAnn);
  // Errors of the action come back as the owner gave them.
  const json::object unknown{{"action", "dialog_by_user"}, {"user_id", 5}};
  auto direct_error = action(owner_server_->port(), unknown);
  auto forwarded_error = action(other_server_->port(), unknown);
  EXPECT_EQ(forwarded_error.result_int(), 404u);
  EXPECT_EQ(forwarded_error.body(), direct_error.body());
  // A wrong key is refused where it arrives.
  auto wrong = send(other_server_->port(), "/api/v1/topic_action", R"({"action":"list_dialogs"})",
                    {{"X-API-KEY", "tdk_wrong"}});
  EXPECT_EQ(wrong.result_int(), 401u);
}

TEST_F(OwnerForwardingTest, AnalyticsReadsAreServedAndForwardedLikeActions) {
  start();
  // Ann wrote at kT0: 2023-11-14 22:13:20 UTC, in the day 1699920000..1700006400.
  const std::string csv = "/api/v1/analytics.csv?table=periods&from=1699920000&to=1700006400";
  auto direct = get(owner_server_->port(), csv, key_);
  ASSERT_EQ(direct.result_int(), 200u) << direct.body();
  EXPECT_EQ(direct[bhttp::field::content_type], "text/csv; charset=utf-8");
  EXPECT_EQ(direct.body(),
            "period,from,to,new_dialogs,closed,reopened,unanswered,messages_in,messages_out,messages_"
            "intercepted\r\n"
            "2023-11-14,1699920000,1700006400,1,0,0,1,1,0,0\r\n");
  auto forwarded = get(other_server_->port(), csv, key_);
  EXPECT_EQ(forwarded.result_int(), 200u);
  EXPECT_EQ(forwarded[bhttp::field::content_type], direct[bhttp::field::content_type]);
  EXPECT_EQ(forwarded.body(), direct.body());

  auto report = get(owner_server_->port(), "/api/v1/analytics?from=1699920000&to=1700006400", key_);
  ASSERT_EQ(report.result_int(), 200u) << report.body();
  EXPECT_EQ(json::parse(report.body()).at("result").at("total").at("unanswered").as_int64(), 1);
  auto bad = get(owner_server_->port(), "/api/v1/analytics?period=year", key_);
  EXPECT_EQ(bad.result_int(), 400u);
  EXPECT_EQ(json::parse(bad.body()).at("error").at("code").as_string(), "invalid_parameter");
  EXPECT_EQ(get(owner_server_->port(), "/api/v1/analytics", "tdk_wrong").result_int(), 401u);
}

TEST_F(OwnerForwardingTest, TheOwnersRateLimitAndItsRetryAfterComeBack) {
  TopicsApiOptions options;
  options.rate_limit = RateLimit{.per_second = 0.01, .burst = 1};
  start(options);
  const json::object request{{"action", "list_dialogs"}};
  EXPECT_EQ(action(other_server_->port(), request).result_int(), 200u);
  auto limited = action(other_server_->port(), request);
  EXPECT_EQ(limited.result_int(), 429u);
  EXPECT_FALSE(limited[bhttp::field::retry_after].empty());
  EXPECT_EQ(json::parse(limited.body()).at("error").at("code").as_string(), "rate_limited");
}

TEST_F(OwnerForwardingTest, WithoutALiveOwnerTheAnswerIs503WithRetryAfter) {
  start();
  set_owner_address(std::nullopt);
  auto reply = action(other_server_->port(), {{"action", "list_dialogs"}});
  EXPECT_EQ(reply.result_int(), 503u);
  EXPECT_EQ(reply[bhttp::field::retry_after], "2");
  auto error = json::parse(reply.body()).at("error");
  EXPECT_EQ(error.at("code").as_string(), "owner_unavailable");
  EXPECT_NE(std::string(error.at("message").as_string()).find("\"shop\""), std::string::npos)
      << error.at("message").as_string();
  // An owner that cannot be reached (gone without a word) is the same for the caller.
  boost::asio::io_context scratch;
  boost::asio::ip::tcp::acceptor closed(scratch, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto dead_port = closed.local_endpoint().port();
  closed.close();
  set_owner_address("127.0.0.1:" + std::to_string(dead_port));
  reply = action(other_server_->port(), {{"action", "list_dialogs"}});
  EXPECT_EQ(reply.result_int(), 503u);
  EXPECT_EQ(reply[bhttp::field::retry_after], "2");
  EXPECT_EQ(json::parse(reply.body()).at("error").at("code").as_string(), "owner_unavailable");
}

// The hop itself: what the owner receives, and that a forwarded request is never forwarded again.
TEST_F(OwnerForwardingTest, TheRequestGoesAlongWholeAndMakesAtMostOneHop) {
  start();
  std::mutex seen_mutex;
  std::vector<http::Request> seen;
  http::Server owner(io_.io().get_executor(), http::ServerOptions{.port = 0});
  owner.route(http::Verb::post, "/api/v1/topic_action",
              [&](http::Request& request) -> boost::asio::awaitable<http::Response> {
                std::lock_guard lock(seen_mutex);
                seen.push_back(request);
                auto answer =
                    http::text_response(202, R"({"ok":true,"result":{"echo":1}})", "application/json");
                answer.set("X-Owner", "a");
                co_return answer;
              });
  ASSERT_TRUE(owner.start().ok());
  set_owner_address("127.0.0.1:" + std::to_string(owner.port()));
  const std::string body = R"({"action":"list_dialogs","limit":5})";
  auto reply = send(other_server_->port(), "/api/v1/topic_action?trace=1", body,
                    {{"X-API-KEY", key_}, {"Authorization", "Bearer abc"}});
  EXPECT_EQ(reply.result_int(), 202u);
  EXPECT_EQ(reply.body(), R"({"ok":true,"result":{"echo":1}})");
  EXPECT_EQ(reply["X-Owner"], "a");
  {
    std::lock_guard lock(seen_mutex);
    ASSERT_EQ(seen.size(), 1u);
    const auto& got = seen[0];
    EXPECT_EQ(got.method(), bhttp::verb::post);
    EXPECT_EQ(got.target(), "/api/v1/topic_action?trace=1");
    EXPECT_EQ(got["X-API-KEY"], key_);
    EXPECT_EQ(got[bhttp::field::authorization], "Bearer abc");
    EXPECT_EQ(got[bhttp::field::content_type], "application/json");
    EXPECT_EQ(got[kForwardedHeader], "b");
    EXPECT_EQ(got.body(), body);
  }
  // A request another instance forwarded here, for a connection this one does not run (the
  // lease moved meanwhile): 503, not a second hop.
  auto again = send(other_server_->port(), "/api/v1/topic_action", body,
                    {{"X-API-KEY", key_}, {std::string(kForwardedHeader), "a"}});
  EXPECT_EQ(again.result_int(), 503u);
  EXPECT_EQ(again[bhttp::field::retry_after], "2");
  EXPECT_EQ(json::parse(again.body()).at("error").at("code").as_string(), "owner_unavailable");
  {
    std::lock_guard lock(seen_mutex);
    EXPECT_EQ(seen.size(), 1u);
  }
  // Where the connection runs, a forwarded request is answered as any other.
  auto at_owner = send(owner_server_->port(), "/api/v1/topic_action", body,
                       {{"X-API-KEY", key_}, {std::string(kForwardedHeader), "b"}});
  EXPECT_EQ(at_owner.result_int(), 200u);
  std::promise<void> stopped;
  boost::asio::post(io_.io(), [&] { owner.stop([&] { stopped.set_value(); }); });
  stopped.get_future().wait();
}

}  // namespace
}  // namespace topicdesk::integrations
