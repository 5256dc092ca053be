#include "http/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <thread>

#include "tests/unit/http/server_fixture.h"

namespace topicdesk::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::IoThread;
using testing::request_once;
using testing::TestClient;

std::thread::id relay_thread_id(IoThread& thread) {
  return thread.run([]() -> asio::awaitable<std::thread::id> { co_return std::this_thread::get_id(); }());
}

class ServerTest : public testing::ServerFixture {
 protected:
  void start(ServerOptions options = {}) {
    make_server(options);
    server_->route(Verb::get, "/api/v1/echo", [](Request& request) -> asio::awaitable<Response> {
      co_return text_response(200, std::string(request.target()));
    });
    server_->route(
        Verb::post, "/api/v1/items/",
        [](Request& request) -> asio::awaitable<Response> {
          co_return json_response(201, boost::json::object{{"got", request.body()}});
        },
        PathMatch::kPrefix);
    server_->route(Verb::get, "/boom", [](Request&) -> asio::awaitable<Response> {
      throw std::runtime_error("handler bug");
      co_return text_response(200, "unreachable");
    });
    add_slow_route(300ms);
    serve();
  }
};

TEST_F(ServerTest, HealthzAnswersOk) {
  start();
  auto reply = request_once(port_, Verb::get, "/healthz");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, "ok");
}

TEST_F(ServerTest, RoutesByExactPathAndPrefix) {
  start();
  EXPECT_EQ(request_once(port_, Verb::get, "/api/v1/echo?x=1").body, "/api/v1/echo?x=1");
  auto created = request_once(port_, Verb::post, "/api/v1/items/42", R"({"a":1})");
  EXPECT_EQ(created.status, 201u);
  EXPECT_EQ(created.content_type, "application/json");
  EXPECT_EQ(created.body, R"({"got":"{\"a\":1}"})");
  EXPECT_EQ(request_once(port_, Verb::get, "/api/v1/echo/more").status, 404u) << "exact routes match exactly";
}

TEST_F(ServerTest, UnknownPathIs404AndWrongMethodIs405) {
  start();
  auto missing = request_once(port_, Verb::get, "/nope");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.body, R"({"ok":false,"error":"not found"})");
  EXPECT_EQ(request_once(port_, Verb::post, "/healthz", "{}").status, 405u);
}

TEST_F(ServerTest, HandlerExceptionIs500AndTheServerGoesOn) {
  start();
  EXPECT_EQ(request_once(port_, Verb::get, "/boom").status, 500u);
  EXPECT_EQ(request_once(port_, Verb::get, "/healthz").status, 200u);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  TestClient client(port_);
  for (int i = 0; i < 3; ++i) {
    auto reply = client.send(Verb::get, "/healthz");
    EXPECT_EQ(reply.status, 200u);
    EXPECT_TRUE(reply.keep_alive);
  }
}

TEST_F(ServerTest, OversizedBodyIs413) {
  ServerOptions options;
  options.body_limit = 1000;
  start(options);
  auto reply = request_once(port_, Verb::post, "/api/v1/items/1", std::string(5000, 'x'));
  EXPECT_EQ(reply.status, 413u);
  EXPECT_THAT(reply.body, HasSubstr("larger than 1000 bytes"));
}

TEST_F(ServerTest, DefaultBodyLimitIsOneMegabyte) {
  start();
  EXPECT_EQ(request_once(port_, Verb::post, "/api/v1/items/1", std::string(1024 * 1024 + 1, 'x')).status,
            413u);
  EXPECT_EQ(request_once(port_, Verb::post, "/api/v1/items/1", std::string(1024 * 1024, 'x')).status, 201u);
}

TEST_F(ServerTest, MalformedRequestIs400) {
  start();
  TestClient client(port_);
  boost::asio::write(client.stream().socket(),
                     boost::asio::buffer(std::string("GARBAGE\x01 / HTTP/1.1\r\n\r\n")));
  EXPECT_EQ(client.read().status, 400u);
}

TEST_F(ServerTest, SilentConnectionIsClosedAfterTheReadTimeout) {
  ServerOptions options;
  options.read_timeout = 200ms;
  start(options);
  TestClient client(port_);
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST_F(ServerTest, MetricsCountRequestsByRouteAndStatus) {
  start();
  request_once(port_, Verb::get, "/healthz");
  request_once(port_, Verb::get, "/nope");
  auto metrics = request_once(port_, Verb::get, "/metrics");
  EXPECT_EQ(metrics.status, 200u);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4");
  EXPECT_THAT(metrics.body, HasSubstr(R"(topicdesk_http_requests_total{route="GET /healthz",status="200"})"));
  EXPECT_THAT(metrics.body, HasSubstr(R"(topicdesk_http_requests_total{route="unmatched",status="404"})"));
}

TEST_F(ServerTest, StopLetsARequestInProgressFinishAndClosesIdleConnections) {
  start();
  TestClient idle(port_);
  ASSERT_EQ(idle.send(Verb::get, "/healthz").status, 200u);
  auto slow = std::async(std::launch::async, [&] { return request_once(port_, Verb::get, "/slow"); });
  ASSERT_EQ(slow_started_.get_future().wait_for(5s), std::future_status::ready);
  std::promise<void> stopped;
  server_->stop([&] { stopped.set_value(); });
  EXPECT_TRUE(idle.closed_by_server());
  auto reply = slow.get();
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, "slow done");
  EXPECT_FALSE(reply.keep_alive);
  EXPECT_EQ(stopped.get_future().wait_for(5s), std::future_status::ready);
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket late(io);
  boost::system::error_code ec;
  late.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
  EXPECT_TRUE(ec) << "no longer accepting";
  server_.reset();
}

// The desk's relay loop calls the store synchronously; with ServerOptions::handlers the server's
// own loop keeps answering /healthz, /metrics and edge routes while that loop is held.
TEST_F(ServerTest, HandlersRunOnTheirExecutorAndAHeldOneHoldsNoEdgeRoute) {
  IoThread relay;
  const std::thread::id relay_thread = relay_thread_id(relay);
  std::promise<std::thread::id> handler_thread;
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  ServerOptions options;
  options.handlers = relay.io().get_executor();
  make_server(options);
  server_->route(Verb::get, "/held", [&](Request&) -> asio::awaitable<Response> {
    handler_thread.set_value(std::this_thread::get_id());
    entered.set_value();
    released.wait();  // a store call that stalls, holding the relay loop
    co_return text_response(200, "done");
  });
  server_->route_at_edge(
      Verb::get, "/edge", [](Request&) -> asio::awaitable<Response> { co_return text_response(200, "edge"); },
      PathMatch::kExact, BodyLimit{});
  serve();

  auto held = std::async(std::launch::async, [this] { return request_once(port_, Verb::get, "/held"); });
  entered.get_future().wait();
  EXPECT_EQ(handler_thread.get_future().get(), relay_thread);
  EXPECT_EQ(request_once(port_, Verb::get, "/healthz").status, 200u);
  EXPECT_EQ(request_once(port_, Verb::get, "/edge").body, "edge");
  EXPECT_EQ(request_once(port_, Verb::get, "/metrics").status, 200u);
  release.set_value();
  auto reply = held.get();
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, "done");
}

TEST(Server, StartReportsAnAddressInUse) {
  IoThread io_thread;
  ServerOptions options;
  options.port = 0;
  Server first(io_thread.io().get_executor(), options);
  ASSERT_TRUE(first.start().ok());
  options.port = first.port();
  Server second(io_thread.io().get_executor(), options);
  auto status = second.start();
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message,
              HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(first.port())));
  options.address = "not-an-ip";
  Server third(io_thread.io().get_executor(), options);
  EXPECT_THAT(third.start().error().message, HasSubstr("not an IP address"));
}

}  // namespace
}  // namespace topicdesk::http
