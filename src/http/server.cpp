#include "http/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
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
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/metrics.h"
#include "telegram/log_limiter.h"
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
// Connections taken from the backlog in one go after an accept completes.
constexpr int kAcceptBatch = 64;
// How long and how much a refused request may still send before the connection is closed.
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::size_t kLingerMaxBytes = 4 * 1024 * 1024;
constexpr std::size_t kLingerChunk = 4 * 1024;
// A new connection is not closed for room before it had this long to send its request.
constexpr std::chrono::seconds kNewConnectionGrace{1};
// File descriptors kept free of client connections: the database, Telegram, webhooks, TDLib.
constexpr rlim_t kMinReservedFiles = 64;

// Where a connection is in its request cycle; decides which connection a cap closes first.
enum class Phase : int {
  kWaiting,   // for the head of the next request (idle keep-alive)
  kReading,   // receiving a request
  kHandling,  // a handler runs or the answer is being written: never closed by a cap
};

struct Route {
  Verb method;
  std::string path;
  PathMatch match;
  Handler handler;
  BodyLimit body_limit;  // empty: ServerOptions::body_limit
  std::string label;     // metrics label: the registered pattern, never the concrete path
  bool at_edge = false;  // runs on the connection's strand even when ServerOptions::handlers is set

  bool matches(std::string_view request_path) const {
    return match == PathMatch::kExact ? request_path == path : request_path.starts_with(path);
  }
};

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Session {
  Session(tcp::socket socket, std::string peer_address)
      : stream(std::move(socket)), peer(std::move(peer_address)), phase_since(steady_now_ns()) {}
  beast::tcp_stream stream;  // its executor is the connection's own strand
  const std::string peer;    // the client's IP address
  // Read by the accept strand to pick a connection to close; written on the session's strand.
  std::atomic<Phase> phase{Phase::kWaiting};
  std::atomic<std::int64_t> phase_since;
  std::atomic<bool> served{false};   // answered a request: waiting now is keep-alive idleness
  std::atomic<bool> evicted{false};  // written under Impl::mutex: closed by a cap, no longer counted

  void enter(Phase next) {
    phase_since.store(steady_now_ns(), std::memory_order_relaxed);
    phase.store(next, std::memory_order_relaxed);
  }
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

bool expects_continue(const RequestHead& head) {
  auto it = head.find(bhttp::field::expect);
  return it != head.end() && beast::iequals(it->value(), "100-continue");
}

// The connection cap that leaves room below the open-file limit.
std::size_t fitting_connection_cap(std::size_t wanted) {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY) return wanted;
  rlim_t reserved = std::max(kMinReservedFiles, files.rlim_cur / 4);
  rlim_t room = files.rlim_cur > reserved ? files.rlim_cur - reserved : 1;
  return std::max<std::size_t>(1, std::min<std::size_t>(wanted, room));
}

core::Metric& edge_counter(std::string_view what) {
  return core::Metrics::global().counter("topicdesk_http_refused_total",
                                         "Connections and requests the HTTP server refused or closed to stay "
                                         "within its limits, by reason",
                                         fmt::format("reason=\"{}\"", what));
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

bool hop_by_hop(boost::beast::http::field name) {
  using boost::beast::http::field;
  switch (name) {
    case field::host:
    case field::connection:
    case field::keep_alive:
    case field::content_length:
    case field::transfer_encoding:
    case field::te:
    case field::trailer:
    case field::upgrade:
    case field::proxy_authorization:
    case field::proxy_authenticate:
      return true;
    default:
      return false;
  }
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
  std::size_t connection_cap = 0;  // set by start()
  std::size_t address_cap = 0;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> buffered_bytes{0};  // declared bodies of requests in progress
  telegram::LogLimiter log_limiter;
  core::Metric& open_connections = core::Metrics::global().gauge(
      "topicdesk_http_connections", "Open client connections of the HTTP server");

  std::mutex mutex;  // guards the members below; sessions live on their own strands
  std::unordered_set<std::shared_ptr<Session>> sessions;
  std::unordered_map<std::string, std::size_t> counted_by_address;  // sessions not evicted
  std::size_t counted = 0;
  bool accepting = false;
  std::vector<std::function<void()>> stop_waiters;

  Impl(asio::any_io_executor ex, ServerOptions opts)
      : executor(std::move(ex)), options(std::move(opts)), accept_strand(asio::make_strand(executor)) {}

  // Space for one request body in the global budget; released when destroyed.
  class BodyLease {
   public:
    BodyLease() = default;
    BodyLease(const BodyLease&) = delete;
    BodyLease& operator=(const BodyLease&) = delete;
    ~BodyLease() {
      if (pool_) pool_->fetch_sub(bytes_, std::memory_order_relaxed);
    }

    // Takes `bytes` of `pool` unless the pool would then hold more than `max`.
    bool take(std::atomic<std::size_t>& pool, std::size_t bytes, std::size_t max) {
      std::size_t current = pool.load(std::memory_order_relaxed);
      do {
        if (current + bytes > max) return false;
      } while (!pool.compare_exchange_weak(current, current + bytes, std::memory_order_relaxed));
      pool_ = &pool;
      bytes_ = bytes;
      return true;
    }

   private:
    std::atomic<std::size_t>* pool_ = nullptr;
    std::size_t bytes_ = 0;
  };

  void log_limited(spdlog::level::level_enum level, const std::string& key, const std::string& text) {
    log_limiter.log(level, key, telegram::redact_secrets(text));
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(asio::make_strand(executor), kUseTuple);
      if (stopping) break;
      if (ec) {
        log_limited(spdlog::level::warn, "accept", "http: accept failed: " + ec.message());
        asio::steady_timer pause(accept_strand, kAcceptRetryDelay);
        co_await pause.async_wait(kUseTuple);
        continue;
      }
      take_connection(std::move(socket));
      // Connections waiting in the backlog are taken at once: under a flood a probe or a
      // client queued behind hundreds of others is reached without a loop round trip each.
      for (int i = 0; i < kAcceptBatch && !stopping; ++i) {
        tcp::socket next(asio::make_strand(executor));
        beast::error_code next_ec;
        acceptor->accept(next, next_ec);
        if (next_ec) break;  // would_block: the backlog is empty
        take_connection(std::move(next));
      }
    }
    {
      std::lock_guard lock(mutex);
      accepting = false;
    }
    finish_stop_if_done();
  }

  void take_connection(tcp::socket socket) {
    beast::error_code peer_ec;
    auto peer = socket.remote_endpoint(peer_ec);
    auto session = std::make_shared<Session>(std::move(socket), peer_ec ? "" : peer.address().to_string());
    if (!admit(session)) {
      edge_counter("connection_cap").add(1);
      log_limited(spdlog::level::warn, "cap",
                  fmt::format("http: connection from {} refused: {} connections open, all busy",
                              session->peer, connection_cap));
      beast::error_code ignored;
      session->stream.socket().close(ignored);
      return;
    }
    asio::co_spawn(session->stream.get_executor(), serve(session),
                   [self = shared_from_this(), session](std::exception_ptr error) {
                     self->session_ended(session, error);
                   });
  }

  // Counts a new connection in, closing another one when a cap is reached; false when none
  // could be closed (every one is handling a request).
  bool admit(const std::shared_ptr<Session>& session) {
    std::vector<std::shared_ptr<Session>> to_close;
    bool admitted = true;
    {
      std::lock_guard lock(mutex);
      auto from_peer = [&] {
        auto it = counted_by_address.find(session->peer);
        return it == counted_by_address.end() ? std::size_t{0} : it->second;
      };
      if (from_peer() >= address_cap) {
        if (auto victim = oldest_closable(session->peer)) {
          to_close.push_back(std::move(victim));
        } else {
          admitted = false;
        }
      }
      if (admitted && counted >= connection_cap) {
        if (auto victim = oldest_closable(busiest_address())) {
          to_close.push_back(std::move(victim));
        } else if (auto any = oldest_closable({})) {
          to_close.push_back(std::move(any));
        } else {
          admitted = false;
        }
      }
      if (admitted) {
        sessions.insert(session);
        ++counted_by_address[session->peer];
        ++counted;
      }
      open_connections.set(static_cast<double>(counted));
    }
    for (auto& victim : to_close) {
      edge_counter(victim->phase.load() == Phase::kWaiting ? "idle_closed" : "slow_request_closed").add(1);
      asio::dispatch(victim->stream.get_executor(), [victim] {
        // A request that arrived meanwhile is answered; its connection then ends (evicted).
        if (victim->phase.load() == Phase::kHandling) return;
        beast::error_code ignored;
        victim->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        victim->stream.close();
      });
    }
    if (!to_close.empty()) {
      log_limited(spdlog::level::warn, "evict",
                  fmt::format("http: connection cap reached ({} in all, {} per address): closed the oldest "
                              "connection without a request in progress",
                              connection_cap, address_cap));
    }
    return admitted;
  }

  // mutex held. The address with the most counted connections.
  std::string busiest_address() const {
    std::string busiest;
    std::size_t most = 0;
    for (const auto& [address, count] : counted_by_address) {
      if (count > most) {
        most = count;
        busiest = address;
      }
    }
    return busiest;
  }

  // mutex held. Marks and returns the connection to close for room, of `peer` (any when empty):
  // the oldest idle one (kept alive after a request, or connected longer than kNewConnectionGrace
  // without sending anything), else the oldest still sending a request, else the oldest new one;
  // nullptr when all are handling requests. A just-accepted connection has had no chance to send
  // its request yet: in a flood it must not make room for the next one before it is read.
  std::shared_ptr<Session> oldest_closable(const std::string& peer) {
    const std::int64_t now = steady_now_ns();
    const std::int64_t grace =
        std::chrono::duration_cast<std::chrono::nanoseconds>(kNewConnectionGrace).count();
    std::shared_ptr<Session> best;
    int best_rank = 3;
    std::int64_t best_since = 0;
    for (const auto& s : sessions) {
      if (s->evicted || (!peer.empty() && s->peer != peer)) continue;
      const Phase phase = s->phase.load(std::memory_order_relaxed);
      if (phase == Phase::kHandling) continue;
      const std::int64_t since = s->phase_since.load(std::memory_order_relaxed);
      int rank = 1;  // sending a request
      if (phase == Phase::kWaiting) {
        rank = s->served.load(std::memory_order_relaxed) || now - since >= grace ? 0 : 2;
      }
      if (!best || rank < best_rank || (rank == best_rank && since < best_since)) {
        best = s;
        best_rank = rank;
        best_since = since;
      }
    }
    if (best) uncount(*best);
    return best;
  }

  // mutex held.
  void uncount(Session& session) {
    if (session.evicted) return;
    session.evicted = true;
    --counted;
    auto it = counted_by_address.find(session.peer);
    if (it != counted_by_address.end() && --it->second == 0) counted_by_address.erase(it);
  }

  // A copy, taken under the lock: routes may be added while requests are served. When only
  // another method matches, `same_path_label` names that route.
  std::optional<Route> find_route(Verb method, std::string_view path, std::string* same_path_label) const {
    std::shared_lock lock(routes_mutex);
    for (const Route& route : routes) {
      if (!route.matches(path)) continue;
      if (route.method == method) return route;
      if (same_path_label->empty()) *same_path_label = route.label;
    }
    return std::nullopt;
  }

  asio::awaitable<void> serve(std::shared_ptr<Session> session) {
    beast::tcp_stream& stream = session->stream;
    beast::flat_buffer buffer;
    while (!stopping && !session->evicted.load()) {
      session->enter(Phase::kWaiting);
      bhttp::request_parser<bhttp::empty_body> head_parser;
      head_parser.body_limit(boost::none);  // decided below, from the route
      stream.expires_after(options.read_timeout);
      auto [head_ec, head_read] = co_await bhttp::async_read_header(stream, buffer, head_parser, kUseTuple);
      if (head_ec) {
        if (head_parser.got_some() && head_ec == bhttp::error::header_limit) {
          co_await refuse(stream, "/", 431, "request header fields too large", "header_too_large");
        } else if (head_parser.got_some() && is_malformed_request(head_ec)) {
          co_await refuse(stream, "/", 400, "malformed HTTP request: " + head_ec.message(), "malformed");
        }
        break;
      }
      session->enter(Phase::kReading);
      const RequestHead& head = head_parser.get();
      std::string_view target = head.target();
      const std::string path(target.substr(0, target.find('?')));
      const bool has_body = head_parser.chunked() || head_parser.content_length().value_or(0) > 0;
      std::string same_path;
      const std::optional<Route> route = find_route(head.method(), path, &same_path);
      if (!route) {
        // Answered without reading a body; a connection with one unread cannot be kept.
        session->enter(Phase::kHandling);
        const std::string label = same_path.empty() ? "unmatched" : same_path;
        Response response = same_path.empty() ? error_for(path, 404, "not found")
                                              : error_for(path, 405, "method not allowed");
        const bool keep_alive = head_parser.keep_alive() && !has_body && !stopping;
        const bool written = co_await write(stream, response, head.version(), keep_alive, label);
        if (has_body && written) co_await linger_close(stream);
        if (!written || !keep_alive) break;
        session->served.store(true, std::memory_order_relaxed);
        continue;
      }

      const std::size_t limit = route->body_limit ? route->body_limit(head) : options.body_limit;
      std::optional<std::uint64_t> declared;
      if (auto length = head_parser.content_length()) declared = *length;
      if (declared && *declared > limit) {
        edge_counter("body_too_large").add(1);
        co_await refuse(stream, path, 413, fmt::format("request body larger than {} bytes", limit),
                        route->label);
        co_return;
      }
      // A body is reserved at once by its declared length; a chunked one may grow to the limit.
      const std::size_t reserve = declared ? static_cast<std::size_t>(*declared) : (has_body ? limit : 0);
      BodyLease lease;
      if (reserve > 0) {
        if (!lease.take(buffered_bytes, reserve, options.max_buffered_bytes)) {
          edge_counter("memory_budget").add(1);
          log_limited(spdlog::level::warn, "budget",
                      fmt::format("http: {} byte body refused with 503: request bodies in memory are at the "
                                  "server's limit of {} bytes",
                                  reserve, options.max_buffered_bytes));
          co_await refuse(stream, path, 503, "server busy: too many request bodies in progress, retry later",
                          route->label);
          co_return;
        }
        if (expects_continue(head)) {
          bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, head.version()};
          stream.expires_after(options.write_timeout);
          auto [continue_ec, continue_written] = co_await bhttp::async_write(stream, go_on, kUseTuple);
          if (continue_ec) break;
        }
      }

      bhttp::request_parser<bhttp::string_body> parser{std::move(head_parser)};
      parser.body_limit(limit);
      if (!parser.is_done()) {
        const auto body_time =
            std::chrono::milliseconds(reserve * 1000 / std::max<std::size_t>(1, options.body_min_rate));
        stream.expires_after(options.read_timeout + body_time);
        auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
        if (read_ec == bhttp::error::body_limit) {
          edge_counter("body_too_large").add(1);
          co_await refuse(stream, path, 413, fmt::format("request body larger than {} bytes", limit),
                          route->label);
          co_return;
        }
        if (read_ec) {
          if (is_malformed_request(read_ec)) {
            co_await refuse(stream, path, 400, "malformed HTTP request: " + read_ec.message(), "malformed");
          }
          break;
        }
      }
      Request request = parser.release();
      session->enter(Phase::kHandling);
      std::string label = route->label;
      Response response = co_await respond(*route, path, request);
      bool keep_alive = request.keep_alive() && !stopping;
      if (!co_await write(stream, response, request.version(), keep_alive, label) || !keep_alive) break;
      session->served.store(true, std::memory_order_relaxed);
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
  }

  // Answers with `status` and Connection: close, then closes without reading the rest.
  asio::awaitable<void> refuse(beast::tcp_stream& stream, std::string_view path, unsigned status,
                               std::string message, const std::string& label) {
    Response response = error_for(path, status, message);
    if (status == 503) response.set(bhttp::field::retry_after, "1");
    if (co_await write(stream, response, 11, false, label)) co_await linger_close(stream);
  }

  // Closing a socket with unread request bytes makes the kernel send a reset, and the client
  // may lose our error answer with it. So: stop sending, read and drop what the client still
  // sends (bounded in time and bytes), then close.
  asio::awaitable<void> linger_close(beast::tcp_stream& stream) {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(kLingerTime);
    std::array<char, kLingerChunk> scratch;
    std::size_t dropped = 0;
    while (!ec && dropped < kLingerMaxBytes) {
      auto [read_ec, read] = co_await stream.async_read_some(asio::buffer(scratch), kUseTuple);
      ec = read_ec;
      dropped += read;
    }
    stream.socket().close(ec);
  }

  asio::awaitable<Response> respond(const Route& route, std::string_view path, Request& request) {
    std::string failure;
    try {
      if (route.at_edge || !options.handlers) co_return co_await route.handler(request);
      co_return co_await asio::co_spawn(options.handlers, route.handler(request), asio::use_awaitable);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    log_limited(spdlog::level::err, "handler " + route.label,
                fmt::format("http: {} {} failed: {}", std::string(request.method_string()),
                            std::string(request.target()), failure));
    co_return error_for(path, 500, "internal error");
  }

  void add_route(Verb method, std::string path, Handler handler, PathMatch match, BodyLimit body_limit,
                 bool at_edge) {
    std::string label =
        std::string(bhttp::to_string(method)) + " " + path + (match == PathMatch::kPrefix ? "*" : "");
    std::unique_lock lock(routes_mutex);
    routes.push_back(Route{method, std::move(path), match, std::move(handler), std::move(body_limit),
                           std::move(label), at_edge});
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
        log_limited(spdlog::level::err, "session",
                    fmt::format("http: connection ended by an unexpected error: {}", e.what()));
      }
    }
    {
      std::lock_guard lock(mutex);
      uncount(*session);
      sessions.erase(session);
      open_connections.set(static_cast<double>(counted));
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
        if (session->phase.load() != Phase::kHandling) session->stream.cancel();
      });
    }
    finish_stop_if_done();
  }
};

Server::Server(asio::any_io_executor executor, ServerOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {
  route_at_edge(
      Verb::get, "/healthz",
      [impl = impl_.get()](Request& request) -> asio::awaitable<Response> {
        co_return impl->health ? impl->health(request) : text_response(200, "ok");
      },
      PathMatch::kExact, BodyLimit{});
  route_at_edge(
      Verb::get, "/metrics",
      [](Request&) -> asio::awaitable<Response> {
        co_return text_response(200, core::Metrics::global().render_prometheus(), kPrometheusContentType);
      },
      PathMatch::kExact, BodyLimit{});
}

Server::~Server() { stop(); }

void Server::route(Verb method, std::string path, Handler handler, PathMatch match) {
  route(method, std::move(path), std::move(handler), match, BodyLimit{});
}

void Server::route(Verb method, std::string path, Handler handler, PathMatch match, BodyLimit body_limit) {
  impl_->add_route(method, std::move(path), std::move(handler), match, std::move(body_limit), false);
}

void Server::route_at_edge(Verb method, std::string path, Handler handler, PathMatch match,
                           BodyLimit body_limit) {
  impl_->add_route(method, std::move(path), std::move(handler), match, std::move(body_limit), true);
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
  if (!ec) acceptor.non_blocking(true, ec);  // accept_loop drains the backlog without blocking
  if (ec) return core::make_error(fmt::format("cannot listen on {}: {}", where, ec.message()));
  impl_->bound_port = acceptor.local_endpoint().port();
  impl_->connection_cap = fitting_connection_cap(std::max<std::size_t>(1, options.max_connections));
  impl_->address_cap = std::clamp<std::size_t>(options.max_connections_per_address, 1, impl_->connection_cap);
  {
    std::lock_guard lock(impl_->mutex);
    impl_->accepting = true;
  }
  asio::co_spawn(impl_->accept_strand, impl_->accept_loop(), [](std::exception_ptr error) {
    if (error) spdlog::error("http: accept loop ended by an unexpected error");
  });
  spdlog::info("http: listening on {}:{} (at most {} connections, {} per address)", options.address,
               impl_->bound_port, impl_->connection_cap, impl_->address_cap);
  return core::Ok{};
}

unsigned short Server::port() const { return impl_->bound_port; }

std::size_t Server::max_connections() const { return impl_->connection_cap; }

void Server::stop(std::function<void()> on_stopped) {
  if (on_stopped) {
    std::lock_guard lock(impl_->mutex);
    impl_->stop_waiters.push_back(std::move(on_stopped));
  }
  auto impl = impl_;
  asio::dispatch(impl->accept_strand, [impl] { impl->begin_stop(); });
}

}  // namespace topicdesk::http
