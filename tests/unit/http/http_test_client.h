// Test side of the HTTP tests: the server runs on its own io thread, the test talks to it
// with a plain synchronous Beast client, as an outside client would.
#pragma once
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <optional>
#include <string>
#include <thread>

namespace topicdesk::http::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  bool keep_alive = false;
};

// One client connection; several requests may go over it (keep-alive).
class TestClient {
 public:
  explicit TestClient(unsigned short port) : stream_(io_) {
    stream_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream_.expires_after(std::chrono::seconds(10));
  }

  Reply send(bhttp::verb method, const std::string& target, const std::string& body = {},
             const std::map<std::string, std::string>& headers = {}) {
    bhttp::request<bhttp::string_body> request{method, target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty() && request.find(bhttp::field::content_type) == request.end()) {
      request.set(bhttp::field::content_type, "application/json");
    }
    request.body() = body;
    request.prepare_payload();
    bhttp::write(stream_, request);
    return read();
  }

  Reply read() {
    bhttp::response<bhttp::string_body> response;
    bhttp::read(stream_, buffer_, response);
    return Reply{response.result_int(), response.body(), std::string(response[bhttp::field::content_type]),
                 response.keep_alive()};
  }

  // True when the server closed the connection (a read ends with EOF) within the stream's
  // deadline.
  bool closed_by_server() {
    char byte;
    beast::error_code ec;
    stream_.expires_after(std::chrono::seconds(5));
    stream_.socket().read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  beast::tcp_stream& stream() { return stream_; }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

inline Reply request_once(unsigned short port, bhttp::verb method, const std::string& target,
                          const std::string& body = {},
                          const std::map<std::string, std::string>& headers = {}) {
  TestClient client(port);
  return client.send(method, target, body, headers);
}

// Polls `done` until it returns true (then true) or the deadline passes (then false).
template <class Pred>
bool eventually_true(Pred done, std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling interval of a deadline wait
  }
  return true;
}

// Runs an io_context on a background thread for the lifetime of the object.
class IoThread {
 public:
  IoThread() : guard_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~IoThread() {
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  asio::io_context& io() { return io_; }

  // Runs `task` on the thread and waits for its result (the test thread stays free for sync calls).
  template <class T>
  T run(asio::awaitable<T> task) {
    return asio::co_spawn(io_, std::move(task), asio::use_future).get();
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

}  // namespace topicdesk::http::testing
