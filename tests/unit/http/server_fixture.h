// A Server on a free port, served by its own I/O thread and stopped after each test. A test's
// fixture makes the server, adds its routes, then serves.
#pragma once
#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <future>
#include <memory>

#include "http/server.h"
#include "tests/unit/http/http_test_client.h"

namespace topicdesk::http::testing {

class ServerFixture : public ::testing::Test {
 protected:
  void make_server(ServerOptions options) {
    options.port = 0;
    server_ = std::make_unique<Server>(io_thread_.io().get_executor(), options);
  }

  // GET /slow answers "slow done" after `delay`; slow_started_ is set when it begins.
  void add_slow_route(std::chrono::milliseconds delay) {
    server_->route(Verb::get, "/slow", [this, delay](Request&) -> boost::asio::awaitable<Response> {
      slow_started_.set_value();
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, delay);
      co_await timer.async_wait(boost::asio::use_awaitable);
      co_return text_response(200, "slow done");
    });
  }

  void serve() {
    ASSERT_TRUE(server_->start().ok());
    port_ = server_->port();
  }

  void TearDown() override {
    if (!server_) return;
    std::promise<void> stopped;
    server_->stop([&] { stopped.set_value(); });
    EXPECT_EQ(stopped.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  }

  IoThread io_thread_;
  std::unique_ptr<Server> server_;
  unsigned short port_ = 0;
  std::promise<void> slow_started_;
};

}  // namespace topicdesk::http::testing
