// The desk's one HTTP/1.1 server (Boost.Beast on Asio coroutines): a small router, keep-alive,
// a read timeout and a body limit on every request, request counters at /metrics and a
// graceful stop. Health and metrics routes are built in; other areas add theirs with route().
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace topicdesk::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Verb = boost::beast::http::verb;
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

enum class PathMatch { kExact, kPrefix };

struct ServerOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;  // 0: any free port (tests); port() tells which
  std::size_t body_limit = 1024 * 1024;
  // Time to receive one whole request, and to wait for the next one on a kept-alive connection.
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
};

// Responses with a body; keep-alive and Content-Length are set by the server.
Response text_response(unsigned status, std::string body, std::string_view content_type = "text/plain");
Response json_response(unsigned status, const boost::json::value& body);
// {"ok":false,"error":message}
Response json_error(unsigned status, std::string_view message);

// The request path without the query string.
std::string_view request_path(const Request& request);

class Server {
 public:
  Server(boost::asio::any_io_executor executor, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The first matching route wins; a path that matches with another method answers 405, no
  // match 404. Handlers run on the connection's strand; an exception from one becomes a 500.
  // Routes may be added after start() (thread-safe): the desk serves /healthz and /metrics
  // while its connections are still connecting, and adds their routes as they become ready.
  void route(Verb method, std::string path, Handler handler, PathMatch match = PathMatch::kExact);

  // What GET /healthz answers; without one, 200 "ok". Called on the connection's strand for
  // each request. Set before start().
  using HealthCheck = std::function<Response(const Request&)>;
  void health_check(HealthCheck check);

  // --- Topics API (issue 5): an area's own error shape ---
  // The 404, 405, 413 and 500 answers the server gives itself for paths starting with `prefix`
  // come from `formatter(status, message)` instead of json_error(). May be added after start().
  using ErrorFormatter = std::function<Response(unsigned status, std::string_view message)>;
  void error_format(std::string prefix, ErrorFormatter formatter);
  // --- end Topics API (issue 5) ---

  // Binds and listens; the error names the address ("cannot listen on 0.0.0.0:80: …").
  core::Status start();
  unsigned short port() const;  // the bound port, after start()

  // Stops accepting, closes idle connections, lets requests in progress finish (answered with
  // Connection: close). on_stopped runs once every connection is gone. Thread-safe.
  void stop(std::function<void()> on_stopped = {});

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace topicdesk::http
