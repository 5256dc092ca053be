// The desk's one HTTP/1.1 server (Boost.Beast on Asio coroutines): a small router, keep-alive,
// request counters at /metrics and a graceful stop. Health and metrics routes are built in;
// other areas add theirs with route().
//
// Every resource an outside client can make it hold is bounded (docs/architecture.md, "The HTTP
// edge"):
//  - a request's head is read first; its route decides the body limit from the head (a proxy
//    route allows uploads only for a known bot token), and a body declared larger is refused
//    with 413 and Connection: close before any of it is read;
//  - the bodies of all requests together hold at most max_buffered_bytes (counted by their
//    declared length, as the body is reserved at once); a body that does not fit is answered 503;
//  - a deadline for the head (and for an idle keep-alive connection) and one for the body;
//  - at most max_connections connections (and never more than 3/4 of the open-file limit) and
//    max_connections_per_address from one address: a new connection beyond a cap closes the
//    oldest idle connection (kept alive after a request, or silent for a second since it
//    connected), else the oldest still sending a request, else the oldest new one, of the same
//    address or of the address with the most connections; requests being handled are never
//    closed; when nothing can be closed the new connection is.
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
// A request before its body: method, target and header fields.
using RequestHead = boost::beast::http::request_header<>;
// The largest body a route takes for this request head, in bytes.
using BodyLimit = std::function<std::size_t(const RequestHead&)>;

enum class PathMatch { kExact, kPrefix };

struct ServerOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;            // 0: any free port (tests); port() tells which
  std::size_t body_limit = 1024 * 1024;  // for routes registered without a BodyLimit
  // All request bodies held at once (being received or handled); beyond it new bodies get 503.
  std::size_t max_buffered_bytes = 128 * 1024 * 1024;
  // Open connections; the server also stays below 3/4 of the process's open-file limit.
  std::size_t max_connections = 4096;
  std::size_t max_connections_per_address = 512;
  // Time to receive a request's head, and to wait for the next one on a kept-alive connection.
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  // Time to receive a body: read_timeout plus its length at this rate (bytes per second).
  std::size_t body_min_rate = 64 * 1024;
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  // Where route handlers run. Empty: on the connection's strand, with the server. Set (the
  // desk's relay loop, which calls the store): the server's own loop only reads, writes and
  // answers /healthz and /metrics, so a store that stalls never holds those or a proxied call
  // (route_at_edge); a handler's exception still becomes a 500.
  boost::asio::any_io_executor handlers;
};

// Responses with a body; keep-alive and Content-Length are set by the server.
Response text_response(unsigned status, std::string body, std::string_view content_type = "text/plain");
Response json_response(unsigned status, const boost::json::value& body);
// {"ok":false,"error":message}
Response json_error(unsigned status, std::string_view message);

// The request path without the query string.
std::string_view request_path(const Request& request);

// Headers that belong to one connection (hop-by-hop, and the framing each hop sets itself):
// never passed along by a forwarding hop.
bool hop_by_hop(boost::beast::http::field name);

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
  // The same with the route's own body limit, decided per request from its head.
  void route(Verb method, std::string path, Handler handler, PathMatch match, BodyLimit body_limit);
  // A route whose handler runs on the connection's strand even when ServerOptions::handlers is
  // set: it never waits for the store (the Bot API proxy's forwards), and hops to the handlers'
  // executor itself for what does.
  void route_at_edge(Verb method, std::string path, Handler handler, PathMatch match, BodyLimit body_limit);

  // What GET /healthz answers; without one, 200 "ok". Called on the server's loop (never on
  // ServerOptions::handlers, so it answers while those are busy), on the connection's strand, for
  // each request. Set before start().
  using HealthCheck = std::function<Response(const Request&)>;
  void health_check(HealthCheck check);

  // An area's own error shape: the 400, 404, 405, 413, 500 and 503 answers the server gives itself
  // for paths starting with `prefix` come from `formatter(status, message)` instead of json_error().
  // May be added after start().
  using ErrorFormatter = std::function<Response(unsigned status, std::string_view message)>;
  void error_format(std::string prefix, ErrorFormatter formatter);

  // Binds and listens; the error names the address ("cannot listen on 0.0.0.0:80: …").
  core::Status start();
  unsigned short port() const;  // the bound port, after start()
  // The connection cap in force (max_connections, lowered to fit the open-file limit), after start().
  std::size_t max_connections() const;

  // Stops accepting, closes idle connections, lets requests in progress finish (answered with
  // Connection: close). on_stopped runs once every connection is gone. Thread-safe.
  void stop(std::function<void()> on_stopped = {});

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace topicdesk::http
