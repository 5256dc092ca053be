// A tiny in-process HTTP server that plays the Bot API for client and poller tests. Runs on
// the test's single-threaded io_context; the handler decides each answer.
#pragma once
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace topicdesk::telegram::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct FakeRequest {
  std::string target;
  std::string body;
  std::string content_type;
  std::size_t connection = 0;  // index of the TCP connection it came on
};

struct FakeAnswer {
  unsigned status = 200;
  std::string body = R"({"ok":true,"result":true})";
  std::chrono::milliseconds delay{0};
  bool drop = false;         // close the connection instead of answering
  bool close_after = false;  // answer "keep-alive", then close anyway (a stale pooled connection)
  std::vector<std::pair<std::string, std::string>> headers;
};

class FakeBotApiServer {
 public:
  using Handler = std::function<FakeAnswer(const FakeRequest&)>;

  FakeBotApiServer(asio::io_context& io, Handler handler)
      : io_(io), acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}), handler_(std::move(handler)) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
  }

  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  void set_handler(Handler handler) { handler_ = std::move(handler); }

  std::vector<FakeRequest> requests;
  std::size_t connections_accepted = 0;
  std::size_t in_flight = 0;
  std::size_t max_in_flight = 0;

 private:
  static constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kUseTuple);
      if (ec) co_return;
      asio::co_spawn(io_, serve(std::move(socket), connections_accepted++), asio::detached);
    }
  }

  asio::awaitable<void> serve(asio::ip::tcp::socket socket, std::size_t connection) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      auto [read_ec, read] = co_await http::async_read(stream, buffer, request, kUseTuple);
      if (read_ec) co_return;
      requests.push_back({std::string(request.target()), request.body(),
                          std::string(request[http::field::content_type]), connection});
      FakeAnswer answer = handler_(requests.back());
      max_in_flight = std::max(max_in_flight, ++in_flight);
      if (answer.delay.count() > 0) {
        asio::steady_timer timer(io_, answer.delay);
        co_await timer.async_wait(kUseTuple);
      }
      --in_flight;
      if (answer.drop) co_return;
      http::response<http::string_body> response{static_cast<http::status>(answer.status), 11};
      response.set(http::field::content_type, "application/json");
      for (const auto& [name, value] : answer.headers) response.set(name, value);
      response.keep_alive(true);
      response.body() = answer.body;
      response.prepare_payload();
      auto [write_ec, written] = co_await http::async_write(stream, response, kUseTuple);
      if (write_ec || answer.close_after) co_return;
    }
  }

  asio::io_context& io_;
  asio::ip::tcp::acceptor acceptor_;
  Handler handler_;
};

// Runs the io_context until `task` finishes (or `limit` passes: then nullopt).
template <class T>
std::optional<T> run_until_done(asio::io_context& io, asio::awaitable<T> task,
                                std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  std::optional<T> result;
  std::exception_ptr error;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    result = std::move(value);
  });
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!result && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(std::chrono::milliseconds(20));
  if (error) std::rethrow_exception(error);
  return result;
}

}  // namespace topicdesk::telegram::testing
