// What an outside client can make the server hold is bounded: bodies by route (decided from the
// head, before the body is read), all bodies together, the time to send a request, and the
// number of connections in all and per address.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>

#include "http/server.h"
#include "tests/unit/http/server_fixture.h"

namespace topicdesk::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::IoThread;
using testing::request_once;
using testing::TestClient;

class ServerLimitsTest : public testing::ServerFixture {
 protected:
  void start(ServerOptions options = {}) {
    make_server(options);
    server_->route(Verb::post, "/items", [](Request& request) -> asio::awaitable<Response> {
      co_return text_response(201, std::to_string(request.body().size()));
    });
    // Large bodies only for requests that say who they are in the head.
    server_->route(
        Verb::post, "/uploads",
        [](Request& request) -> asio::awaitable<Response> {
          co_return text_response(201, std::to_string(request.body().size()));
        },
        PathMatch::kExact,
        [](const RequestHead& head) -> std::size_t { return head.count("X-Known") ? 100'000 : 10; });
    add_slow_route(500ms);
    serve();
  }

  // A client that sent a request head (and `body_part` of its body), not the rest.
  std::unique_ptr<TestClient> half_sent(const std::string& target, std::size_t length,
                                        const std::string& body_part = "x",
                                        const std::string& extra_headers = "") {
    auto client = std::make_unique<TestClient>(port_);
    std::string head = "POST " + target +
                       " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(length) + "\r\n" +
                       extra_headers + "\r\n";
    asio::write(client->stream().socket(), asio::buffer(head + body_part));
    return client;
  }

  // A client whose one request was answered: now an idle kept-alive connection.
  std::unique_ptr<TestClient> idle_client() {
    auto client = std::make_unique<TestClient>(port_);
    EXPECT_EQ(client->send(Verb::get, "/healthz").status, 200u);
    return client;
  }
};

TEST_F(ServerLimitsTest, ADeclaredOversizedBodyIsRefusedBeforeAnyOfItIsSent) {
  start();
  auto client = half_sent("/items", 100 * 1024 * 1024, "");
  auto reply = client->read();
  EXPECT_EQ(reply.status, 413u);
  EXPECT_FALSE(reply.keep_alive);
  EXPECT_THAT(reply.body, HasSubstr("larger than 1048576 bytes"));
  EXPECT_TRUE(client->closed_by_server());
}

TEST_F(ServerLimitsTest, TheRouteDecidesTheLimitFromTheHead) {
  start();
  const std::string body(5000, 'x');
  EXPECT_EQ(request_once(port_, Verb::post, "/uploads", body).status, 413u);
  auto reply = request_once(port_, Verb::post, "/uploads", body, {{"X-Known", "1"}});
  EXPECT_EQ(reply.status, 201u);
  EXPECT_EQ(reply.body, "5000");
}

TEST_F(ServerLimitsTest, AChunkedBodyBeyondTheLimitIs413) {
  start();
  TestClient client(port_);
  std::string request = "POST /uploads HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) request += "8\r\n12345678\r\n";
  request += "0\r\n\r\n";
  asio::write(client.stream().socket(), asio::buffer(request));
  EXPECT_EQ(client.read().status, 413u);
}

TEST_F(ServerLimitsTest, AnUnknownPathIsAnsweredWithoutReadingItsBody) {
  start();
  auto client = half_sent("/nowhere", 50 * 1024 * 1024, "");
  auto reply = client->read();
  EXPECT_EQ(reply.status, 404u);
  EXPECT_FALSE(reply.keep_alive);
}

TEST_F(ServerLimitsTest, BodiesBeyondTheMemoryBudgetGet503UntilRoomIsFree) {
  ServerOptions options;
  options.max_buffered_bytes = 2000;
  start(options);
  auto first = half_sent("/items", 1500, "abc");
  // The first body holds 1500 of the 2000 bytes while it is being received.
  ASSERT_TRUE(testing::eventually_true([&] {
    auto reply = request_once(port_, Verb::post, "/items", std::string(1000, 'y'));
    return reply.status == 503u && reply.body.find("retry later") != std::string::npos;
  }));
  asio::write(first->stream().socket(), asio::buffer(std::string(1497, 'z')));
  auto reply = first->read();
  EXPECT_EQ(reply.status, 201u);
  EXPECT_EQ(reply.body, "1500");
  // Its answer released the room.
  EXPECT_EQ(request_once(port_, Verb::post, "/items", std::string(1000, 'y')).status, 201u);
}

TEST_F(ServerLimitsTest, AnExpectContinueRequestIsToldToGoOn) {
  start();
  auto client = half_sent("/items", 5, "", "Expect: 100-continue\r\n");
  EXPECT_EQ(client->read().status, 100u);
  asio::write(client->stream().socket(), asio::buffer(std::string("hello")));
  auto reply = client->read();
  EXPECT_EQ(reply.status, 201u);
  EXPECT_EQ(reply.body, "5");
}

TEST_F(ServerLimitsTest, ABodyThatStopsComingIsClosedAfterItsDeadline) {
  ServerOptions options;
  options.read_timeout = 200ms;
  options.body_min_rate = 1024 * 1024 * 1024;  // the body's share of the deadline is ~0
  start(options);
  auto client = half_sent("/items", 1000, "only this");
  EXPECT_TRUE(client->closed_by_server());
}

TEST_F(ServerLimitsTest, ANewConnectionBeyondThePerAddressCapClosesTheOldestIdleOne) {
  ServerOptions options;
  options.max_connections_per_address = 3;
  start(options);
  auto oldest = idle_client();
  auto second = idle_client();
  auto third = idle_client();
  auto newest = idle_client();  // answered: the cap made room
  EXPECT_TRUE(oldest->closed_by_server());
  EXPECT_EQ(second->send(Verb::get, "/healthz").status, 200u);
  EXPECT_EQ(newest->send(Verb::get, "/healthz").status, 200u);
}

TEST_F(ServerLimitsTest, IdleConnectionsAreClosedBeforeSlowRequests) {
  ServerOptions options;
  options.max_connections = 2;
  start(options);
  auto slow = half_sent("/items", 100, "x");
  auto idle = idle_client();
  auto newest = idle_client();
  EXPECT_TRUE(idle->closed_by_server());
  // The slow request is still being received and is answered when it completes.
  asio::write(slow->stream().socket(), asio::buffer(std::string(99, 'y')));
  EXPECT_EQ(slow->read().status, 201u);
}

TEST_F(ServerLimitsTest, ARequestBeingHandledIsNeverClosedForRoom) {
  ServerOptions options;
  options.max_connections = 1;
  start(options);
  TestClient busy(port_);
  bhttp::request<bhttp::string_body> slow{Verb::get, "/slow", 11};
  slow.set(bhttp::field::host, "t");
  bhttp::write(busy.stream(), slow);
  slow_started_.get_future().wait();
  TestClient refused(port_);
  EXPECT_TRUE(refused.closed_by_server());
  EXPECT_EQ(busy.read().body, "slow done");
}

TEST(ServerConnectionCap, StaysBelowTheOpenFileLimit) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit lowered = saved;
  lowered.rlim_cur = std::min<rlim_t>(saved.rlim_cur, 400);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  IoThread io;
  ServerOptions options;
  options.port = 0;
  Server server(io.io().get_executor(), options);
  ASSERT_TRUE(server.start().ok());
  EXPECT_EQ(server.max_connections(), lowered.rlim_cur - std::max<rlim_t>(64, lowered.rlim_cur / 4));
  std::promise<void> stopped;
  server.stop([&] { stopped.set_value(); });
  stopped.get_future().wait();
  setrlimit(RLIMIT_NOFILE, &saved);
}

}  // namespace
}  // namespace topicdesk::http
