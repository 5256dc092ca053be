// A minimal blocking HTTP/1.1 client over POSIX sockets for the fake libtdjson (keep-alive,
// answers with Content-Length, loopback use). No Boost.Asio: the shared library stays small and
// self-contained.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

namespace tgsim::fake_tdjson {

struct BaseUrl {
  std::string host;
  std::string port;
  std::string path_prefix;  // without a trailing slash
};

// "http://127.0.0.1:8081[/prefix]"; false when the URL is not plain http with a host.
bool parse_base_url(std::string_view url, BaseUrl& out);

struct HttpResult {
  int status = 0;  // 0: no answer (connection failed or timed out)
  std::string body;
  std::string error;  // why there was no answer
};

// One keep-alive connection, reopened when it broke or idled long enough for the server to
// close it. Not thread-safe: one per thread (the sender and the poller each have their own).
class HttpConnection {
 public:
  explicit HttpConnection(BaseUrl base) : base_(std::move(base)) {}
  ~HttpConnection() { disconnect(); }
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  HttpResult request(std::string_view method, std::string_view path, std::string_view body, int timeout_s);

 private:
  void disconnect();
  bool read_answer(HttpResult& result);

  BaseUrl base_;
  int fd_ = -1;
  std::string buffer_;  // bytes received beyond the previous answer
  std::chrono::steady_clock::time_point last_used_{};
};

}  // namespace tgsim::fake_tdjson
