#include "http/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_set>
#include <vector>

#include "core/metrics.h"
#include "telegram/redact.h"

namespace topicdesk::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4";
// After a failed accept (e.g. out of file descriptors) wait before trying again.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// How long and how much a rejected request may still send before the connection is closed.
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::size_t kLingerMaxBytes = 16 * 1024 * 1024;

struct Route {
  Verb method;
  std::string path;
  PathMatch match;
  Handler handler;
  std::string label;  // metrics label: the registered pattern, never the concrete path

  bool matches(std::string_view request_path) const {
    return match == PathMatch::kExact ? request_path == path : request_path.starts_with(path);
  }
};

struct Session {
  explicit Session(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;  // its executor is the connection's own strand
  bool busy = false;         // a handler is running; strand only
};

bool is_malformed_request(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

std::string label_value(std::string_view text) {
  std::string out(text);
  std::erase_if(out, [](char c) { return c == '"' || c == '\\' || c == '\n'; });
  return out;
}

}  // namespace

Response text_response(unsigned status, std::string body, std::string_view content_type) {
  Response response{static_cast<bhttp::status>(status), 11};
  response.set(bhttp::field::content_type, content_type);
  response.body() = std::move(body);
  return response;
}

Response json_response(unsigned status, const json::value& body) {
  return text_response(status, json::serialize(body), "application/json");
}

Response json_error(unsigned status, std::string_view message) {
  return json_response(status, json::object{{"ok", false}, {"error", message}});
}

std::string_view request_path(const Request& request) {
  std::string_view target = request.target();
  return target.substr(0, target.find('?'));
}

struct Server::Impl : std::enable_shared_from_this<Impl> {
  asio::any_io_executor executor;
  ServerOptions options;
  // Routes and error formats may grow after start(): read under a shared lock, written under
  // an exclusive one.
  mutable std::shared_mutex routes_mutex;
  std::vector<Route> routes;
  std::vector<std::pair<std::string, ErrorFormatter>> error_formats;  // by path prefix
  HealthCheck health;
  asio::strand<asio::any_io_executor> accept_strand;
  std::optional<tcp::acceptor> acceptor;  // accept_strand only
  unsigned short bound_port = 0;
  std::atomic<bool> stopping{false};

  std::mutex mutex;  // guards the members below; sessions live on their own strands
  std::unordered_set<std::shared_ptr<Session>> sessions;
  bool accepting = false;
  std::vector<std::function<void()>> stop_waiters;

  Impl(asio::any_io_executor ex, ServerOptions opts)
      : executor(std::move(ex)), options(std::move(opts)), accept_strand(asio::make_strand(executor)) {}

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(asio::make_strand(executor), kUseTuple);
      if (stopping) break;
      if (ec) {
        spdlog::warn("http: accept failed: {}", ec.message());
        asio::steady_timer pause(accept_strand, kAcceptRetryDelay);
        co_await pause.async_wait(kUseTuple);
        continue;
      }
      auto session = std::make_shared<Session>(std::move(socket));
      {
        std::lock_guard lock(mutex);
        sessions.insert(session);
      }
      asio::co_spawn(session->stream.get_executor(), serve(session),
                     [self, session](std::exception_ptr error) { self->session_ended(session, error); });
    }
    {
      std::lock_guard lock(mutex);
      accepting = false;
    }
    finish_stop_if_done();
  }

  asio::awaitable<void> serve(std::shared_ptr<Session> session) {
    beast::tcp_stream& stream = session->stream;
    beast::flat_buffer buffer;
    while (!stopping) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(options.body_limit);
      stream.expires_after(options.read_timeout);
      auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
      if (read_ec == bhttp::error::body_limit) {
        Response too_large = error_for(request_path(parser.get()), 413,
                                       fmt::format("request body larger than {} bytes", options.body_limit));
        co_await write(stream, too_large, 11, false, "oversized");
        co_await linger_close(stream);
        co_return;
      }
      if (read_ec) {
        if (parser.got_some() && is_malformed_request(read_ec)) {
          Response bad = json_error(400, "malformed HTTP request: " + read_ec.message());
          co_await write(stream, bad, 11, false, "malformed");
          co_await linger_close(stream);
          co_return;
        }
        break;
      }
      Request request = parser.release();
      session->busy = true;
      std::string label;
      Response response = co_await respond(request, label);
      session->busy = false;
      bool keep_alive = request.keep_alive() && !stopping;
      if (!co_await write(stream, response, request.version(), keep_alive, label) || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
  }

  // Closing a socket with unread request bytes makes the kernel send a reset, and the client
  // may lose our error answer with it. So: stop sending, read and drop what the client still
  // sends (bounded in time and bytes), then close.
  asio::awaitable<void> linger_close(beast::tcp_stream& stream) {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(kLingerTime);
    std::array<char, 64 * 1024> scratch;
    std::size_t dropped = 0;
    while (!ec && dropped < kLingerMaxBytes) {
      auto [read_ec, read] = co_await stream.async_read_some(asio::buffer(scratch), kUseTuple);
      ec = read_ec;
      dropped += read;
    }
    stream.socket().close(ec);
  }

  asio::awaitable<Response> respond(Request& request, std::string& label) {
    std::string_view path = request_path(request);
    Handler handler;
    bool same_path = false;
    {
      std::shared_lock lock(routes_mutex);
      for (const Route& route : routes) {
        if (!route.matches(path)) continue;
        if (route.method != request.method()) {
          if (!same_path) label = route.label;
          same_path = true;
          continue;
        }
        label = route.label;
        handler = route.handler;
        break;
      }
    }
    if (handler) {
      std::string failure;
      try {
        co_return co_await handler(request);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      spdlog::error("http: {} {} failed: {}", request.method_string(),
                    telegram::redact_tokens(request.target()), telegram::redact_tokens(failure));
      co_return error_for(path, 500, "internal error");
    }
    if (same_path) co_return error_for(path, 405, "method not allowed");
    label = "unmatched";
    co_return error_for(path, 404, "not found");
  }

  // An error the server answers itself, in the shape registered for the path's area.
  Response error_for(std::string_view path, unsigned status, std::string_view message) const {
    std::shared_lock lock(routes_mutex);
    for (const auto& [prefix, formatter] : error_formats) {
      if (path.starts_with(prefix)) return formatter(status, message);
    }
    return json_error(status, message);
  }

  asio::awaitable<bool> write(beast::tcp_stream& stream, Response& response, unsigned version,
                              bool keep_alive, const std::string& label) {
    response.version(version);
    response.keep_alive(keep_alive);
    response.prepare_payload();
    count(label, response.result_int());
    stream.expires_after(options.write_timeout);
    auto [ec, written] = co_await bhttp::async_write(stream, response, kUseTuple);
    co_return !ec;
  }

  static void count(const std::string& label, unsigned status) {
    core::Metrics::global()
        .counter("topicdesk_http_requests_total", "HTTP requests served, by route and status",
                 fmt::format("route=\"{}\",status=\"{}\"", label_value(label), status))
        .add(1);
  }

  void session_ended(const std::shared_ptr<Session>& session, std::exception_ptr error) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        spdlog::error("http: connection ended by an unexpected error: {}", telegram::redact_tokens(e.what()));
      }
    }
    {
      std::lock_guard lock(mutex);
      sessions.erase(session);
    }
    finish_stop_if_done();
  }

  void finish_stop_if_done() {
    std::vector<std::function<void()>> waiters;
    {
      std::lock_guard lock(mutex);
      if (!stopping || accepting || !sessions.empty()) return;
      waiters.swap(stop_waiters);
    }
    for (auto& waiter : waiters) waiter();
  }

  // Runs on accept_strand.
  void begin_stop() {
    stopping = true;
    beast::error_code ignored;
    if (acceptor) acceptor->close(ignored);
    std::vector<std::shared_ptr<Session>> open;
    {
      std::lock_guard lock(mutex);
      open.assign(sessions.begin(), sessions.end());
    }
    for (auto& session : open) {
      // Idle connections wait in a read: cancel it. Busy ones close after their answer.
      asio::dispatch(session->stream.get_executor(), [session] {
        if (!session->busy) session->stream.cancel();
      });
    }
    finish_stop_if_done();
  }
};

Server::Server(asio::any_io_executor executor, ServerOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {
  route(Verb::get, "/healthz", [impl = impl_.get()](Request& request) -> asio::awaitable<Response> {
    co_return impl->health ? impl->health(request) : text_response(200, "ok");
  });
  route(Verb::get, "/metrics", [](Request&) -> asio::awaitable<Response> {
    co_return text_response(200, core::Metrics::global().render_prometheus(), kPrometheusContentType);
  });
}

Server::~Server() { stop(); }

void Server::route(Verb method, std::string path, Handler handler, PathMatch match) {
  std::string label =
      std::string(bhttp::to_string(method)) + " " + path + (match == PathMatch::kPrefix ? "*" : "");
  std::unique_lock lock(impl_->routes_mutex);
  impl_->routes.push_back(Route{method, std::move(path), match, std::move(handler), std::move(label)});
}

void Server::health_check(HealthCheck check) { impl_->health = std::move(check); }

void Server::error_format(std::string prefix, ErrorFormatter formatter) {
  std::unique_lock lock(impl_->routes_mutex);
  impl_->error_formats.emplace_back(std::move(prefix), std::move(formatter));
}

core::Status Server::start() {
  const ServerOptions& options = impl_->options;
  std::string where = fmt::format("{}:{}", options.address, options.port);
  beast::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) return core::make_error(fmt::format("cannot listen on {}: not an IP address", where));
  tcp::endpoint endpoint(address, options.port);
  tcp::acceptor& acceptor = impl_->acceptor.emplace(impl_->accept_strand);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return core::make_error(fmt::format("cannot listen on {}: {}", where, ec.message()));
  impl_->bound_port = acceptor.local_endpoint().port();
  {
    std::lock_guard lock(impl_->mutex);
    impl_->accepting = true;
  }
  asio::co_spawn(impl_->accept_strand, impl_->accept_loop(), [](std::exception_ptr error) {
    if (error) spdlog::error("http: accept loop ended by an unexpected error");
  });
  spdlog::info("http: listening on {}:{}", options.address, impl_->bound_port);
  return core::Ok{};
}

unsigned short Server::port() const { return impl_->bound_port; }

void Server::stop(std::function<void()> on_stopped) {
  if (on_stopped) {
    std::lock_guard lock(impl_->mutex);
    impl_->stop_waiters.push_back(std::move(on_stopped));
  }
  auto impl = impl_;
  asio::dispatch(impl->accept_strand, [impl] { impl->begin_stop(); });
}

}  // namespace topicdesk::http
