#include "sim/server/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "sim/server/assets.h"
#include "sim/server/http_client.h"

namespace tgsim::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::use_awaitable;

namespace {

constexpr std::size_t kMaxBodyBytes = 50u * 1024 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(75);
constexpr auto kWriteTimeout = std::chrono::seconds(30);
constexpr auto kWebhookTimeout = std::chrono::seconds(10);
constexpr auto kFirstRetryDelay = std::chrono::milliseconds(500);
constexpr auto kMaxRetryDelay = std::chrono::seconds(30);

botapi::Reply not_found() { return botapi::error_reply({404, "Not Found"}); }

// "/bot123:secret/sendMessage" → "/bot123:***/sendMessage" and "/td/v1/sessions/<key>/send"
// → "/td/v1/sessions/***/send": tokens and session keys never reach the logs.
std::string redact_token(std::string_view target) {
  std::string out(target);
  constexpr std::string_view kSessions = "/td/v1/sessions/";
  if (out.starts_with(kSessions)) {
    auto end = out.find('/', kSessions.size());
    out.replace(kSessions.size(), (end == std::string::npos ? out.size() : end) - kSessions.size(), "***");
    return out;
  }
  auto bot = out.find("/bot");
  auto colon = bot == std::string::npos ? std::string::npos : out.find(':', bot);
  if (colon == std::string::npos) return out;
  auto end = out.find('/', colon);
  out.replace(colon + 1, (end == std::string::npos ? out.size() : end) - colon - 1, "***");
  return out;
}

// Completion of a detached coroutine: an escaped exception is a bug; log it, never crash.
auto log_failure(const char* what) {
  return [what](std::exception_ptr failure) {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      spdlog::error("{} failed: {}", what, e.what());
    }
  };
}

// Unix time in ms with a µs fraction (the call log's clock, as sim_date_ms).
double unix_ms_now() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(now).count()) / 1000.0;
}

}  // namespace

// A getUpdates call waiting for updates; a newer call or setWebhook ends it with 409.
struct Server::Poller {
  asio::steady_timer* timer = nullptr;
  std::string conflict;  // non-empty: answer 409 with this description
};

Server::Server(asio::io_context& io, const Options& options)
    : io_(io),
      options_(options),
      acceptor_(io),
      world_(options.seed),
      limiter_(options.group_per_minute),
      bot_api_(world_, limiter_, stats_, options.limits),
      control_(world_, faults_, stats_, bot_api_),
      sessions_(world_) {
  world_.on_update([this](Id bot_id) { wake(bot_id); });
  sessions_.on_stream([this](Id session_id) { wake_td(session_id); });
  control_.set_sessions(&sessions_);
  control_.set_call_log(&call_log_);
  bot_api_.set_hooks({.webhook_changed = [this](Id bot_id) { webhook_changed(bot_id); }});
  control_.set_server_stats([this] {
    json::array in_flight;
    for (const auto& [id, call] : *in_flight_) {
      in_flight.push_back(json::object{{"id", id},
                                       {"bot_id", call.bot_id},
                                       {"method", call.method},
                                       {"messages", call.messages},
                                       {"received_ms", call.received_ms},
                                       {"text", call.text}});
    }
    return json::object{{"waiting_get_updates", pollers_.size()},
                        {"webhooks_delivering", webhook_timers_.size()},
                        {"calls_received", calls_received_},
                        {"in_flight", std::move(in_flight)}};
  });
}

void Server::start() {
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address(options_.address), options_.port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(io_, accept_loop(), log_failure("accept loop"));
  asio::co_spawn(io_, clock_loop(), log_failure("session clock"));
}

asio::awaitable<void> Server::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    auto socket = co_await acceptor_.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      spdlog::warn("accept failed: {}", ec.message());
      continue;
    }
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    asio::co_spawn(io_, session(std::move(socket)), log_failure("HTTP session"));
  }
}

asio::awaitable<void> Server::session(asio::ip::tcp::socket socket) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  const unsigned short peer_port = ec ? 0 : peer.port();
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    stream.expires_after(kIdleTimeout);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
    http::response<http::string_body> response;
    bool keep_alive = false;
    if (ec == http::error::body_limit) {
      auto reply = botapi::error_reply({413, "Request Entity Too Large"});
      response.result(413);
      response.body() = std::move(reply.body);
      response.set(http::field::content_type, "application/json");
    } else if (ec) {
      break;
    } else {
      stream.expires_never();
      auto& request = parser.get();
      keep_alive = request.keep_alive();
      auto content_type = request[http::field::content_type];
      HttpAnswer answer;
      try {
        answer = co_await handle(HttpRequest{request.method_string(),
                                             request.target(),
                                             {content_type.data(), content_type.size()},
                                             request.body(),
                                             peer_port});
      } catch (const std::exception& e) {
        // A bug, not bad input: answer 500 and keep serving everyone else.
        spdlog::error("internal error while answering {} {}: {}", std::string_view(request.method_string()),
                      redact_token(request.target()), e.what());
        answer = HttpAnswer{botapi::error_reply({500, "Internal Server Error"})};
      }
      if (answer.drop) {
        stream.socket().close(ec);
        co_return;
      }
      response.result(static_cast<unsigned>(answer.reply.status));
      response.set(http::field::content_type, answer.reply.content_type);
      if (answer.reply.retry_after > 0)
        response.set(http::field::retry_after, std::to_string(answer.reply.retry_after));
      response.body() = std::move(answer.reply.body);
    }
    response.version(11);
    response.set(http::field::server, "tgsim");
    response.keep_alive(keep_alive);
    response.prepare_payload();
    stream.expires_after(kWriteTimeout);
    co_await http::async_write(stream, response, asio::redirect_error(use_awaitable, ec));
    if (ec || !keep_alive) break;
  }
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

asio::awaitable<Server::HttpAnswer> Server::handle(HttpRequest request) {
  std::string_view target = request.target;
  auto question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  if (path.starts_with("/bot")) co_return co_await handle_bot_api(path, query, request);
  if (path.starts_with("/file/bot")) co_return HttpAnswer{bot_api_.download(path)};
  if (path.starts_with("/td/v1/")) {
    TdPoll poll;
    auto reply = td_request(path, query, request, poll);
    if (!reply) reply = co_await td_long_poll(std::move(poll.key), poll.offset, poll.timeout_s);
    co_return HttpAnswer{std::move(*reply)};
  }
  if (path == "/sim/payments/pay" && request.method == "POST") {
    botapi::Reply paid = co_await pay(request);
    co_return HttpAnswer{std::move(paid)};
  }
  if (path.starts_with("/sim/"))
    co_return HttpAnswer{control_.handle(request.method, path, query, request.body)};
  co_return HttpAnswer{static_file(path)};
}

// Keeps a call in `in_flight_` from its arrival until its answer is ready.
class Server::InFlightGuard {
 public:
  InFlightGuard(std::shared_ptr<CallsInFlight> calls, std::uint64_t id) : calls_(std::move(calls)), id_(id) {}
  InFlightGuard(const InFlightGuard&) = delete;
  InFlightGuard& operator=(const InFlightGuard&) = delete;
  ~InFlightGuard() { calls_->erase(id_); }

 private:
  std::shared_ptr<CallsInFlight> calls_;
  std::uint64_t id_;
};

asio::awaitable<Server::HttpAnswer> Server::handle_bot_api(std::string_view path, std::string_view query,
                                                           const HttpRequest& request) {
  if (faults_.take_drop()) co_return HttpAnswer{{}, true};
  auto call = bot_api_.route(path, query, request.content_type, request.body);
  std::optional<InFlightGuard> in_flight;
  botapi::CallRecord record;
  if (call) {
    const std::uint64_t id = ++calls_received_;
    record = botapi::CallRecord{
        .id = id,
        .bot_id = call->bot->id,
        .method = std::string(botapi::BotApi::canonical_name(call->method)),
        .chat_id = call->params.integer("chat_id"),
        .text = call->params.string("text").value_or(call->params.string("caption").value_or("")),
        .messages = botapi::BotApi::messages_created(*call),
        .received_ms = unix_ms_now(),
        .peer_port = request.peer_port};
    (*in_flight_)[id] = CallInFlight{record.bot_id, record.method, record.messages,
                                     static_cast<std::int64_t>(record.received_ms), record.text};
    in_flight.emplace(in_flight_, id);
  }
  if (int latency = faults_.latency_ms(call ? std::string_view(call->method) : std::string_view());
      latency > 0) {
    asio::steady_timer delay(co_await asio::this_coro::executor, std::chrono::milliseconds(latency));
    boost::system::error_code ec;
    co_await delay.async_wait(asio::redirect_error(use_awaitable, ec));
  }
  if (!call) co_return HttpAnswer{botapi::error_reply(call.error())};
  auto answered = [&](botapi::Reply reply) {
    record.status = reply.status;
    record.answered_ms = unix_ms_now();
    call_log_.add(std::move(record));
    return HttpAnswer{std::move(reply)};
  };
  if (auto fault = faults_.take(call->method)) {
    auto reply = botapi::error_reply(*fault);
    bot_api_.count(*call, reply.status);
    co_return answered(std::move(reply));
  }
  if (call->method == "getupdates") {
    auto reply = co_await long_poll(*call);
    bot_api_.count(*call, reply.status);
    co_return answered(std::move(reply));
  }
  co_return answered(bot_api_.execute(*call));
}

// ---------------------------------------------------------------- payments

asio::awaitable<botapi::Reply> Server::pay(const HttpRequest& request) {
  auto started = control_.handle(request.method, "/sim/payments/pay", "", request.body);
  if (started.status != 200) co_return started;
  json::error_code ec;
  auto answer = json::parse(started.body, ec);
  auto body = json::parse(request.body, ec);
  const bool wait = ec || !body.is_object() || !body.as_object().contains("wait") ||
                    body.as_object().at("wait") != json::value(false);
  if (!wait || !answer.is_object()) co_return started;
  const std::string id(answer.as_object().at("pre_checkout_query_id").as_string());
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    const auto* query = world_.payments().checkout(id);
    if (query == nullptr || query->state != model::CheckoutState::kPending) break;
    timer.expires_after(std::chrono::milliseconds(5));
    boost::system::error_code wait_ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, wait_ec));
  }
  // Named, not a temporary of the co_return expression (GCC 12 destroys those twice in coroutines).
  const std::string status_path = "/sim/payments/" + id;
  botapi::Reply reply = control_.handle("GET", status_path, "", "");
  co_return reply;
}

// ---------------------------------------------------------------- long polling

asio::awaitable<botapi::Reply> Server::long_poll(const botapi::Call& call) {
  const Id bot_id = call.bot->id;
  // A newer getUpdates ends the waiting one, as on Telegram.
  if (auto waiting = pollers_.find(bot_id); waiting != pollers_.end()) {
    waiting->second->conflict =
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";
    waiting->second->timer->cancel();
    pollers_.erase(waiting);
  }
  auto poll = bot_api_.begin_poll(call);
  if (!poll) co_return botapi::error_reply(poll.error());
  if (auto ready = bot_api_.poll(call, *poll, poll->timeout_s == 0)) co_return std::move(*ready);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(poll->timeout_s);
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  Poller me{&timer, {}};
  pollers_[bot_id] = &me;
  for (;;) {
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (!me.conflict.empty()) co_return botapi::error_reply({409, me.conflict});
    const bool timed_out = std::chrono::steady_clock::now() >= deadline;
    if (auto ready = bot_api_.poll(call, *poll, timed_out)) {
      if (auto mine = pollers_.find(bot_id); mine != pollers_.end() && mine->second == &me)
        pollers_.erase(mine);
      co_return std::move(*ready);
    }
    timer.expires_at(deadline);
  }
}

void Server::wake(Id bot_id) {
  if (auto poller = pollers_.find(bot_id); poller != pollers_.end()) poller->second->timer->cancel();
  if (auto webhook = webhook_timers_.find(bot_id); webhook != webhook_timers_.end())
    webhook->second->cancel();
}

// ---------------------------------------------------------------- webhooks

void Server::webhook_changed(Id bot_id) {
  if (auto poller = pollers_.find(bot_id); poller != pollers_.end()) {
    poller->second->conflict = "Conflict: terminated by setWebhook request";
    poller->second->timer->cancel();
    pollers_.erase(poller);
  }
  if (auto webhook = webhook_timers_.find(bot_id); webhook != webhook_timers_.end())
    webhook->second->cancel();
  const auto& state = world_.bot_state(bot_id);
  if (!state.webhook.url.empty()) {
    asio::co_spawn(io_, webhook_loop(bot_id, state.webhook.generation), log_failure("webhook delivery"));
  }
}

asio::awaitable<void> Server::webhook_loop(Id bot_id, std::uint64_t generation) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto delay = std::chrono::steady_clock::duration(kFirstRetryDelay);
  auto retry_at = std::chrono::steady_clock::now();
  auto current = [&] { return world_.bot_state(bot_id).webhook.generation == generation; };
  while (current()) {
    webhook_timers_[bot_id] = &timer;
    auto& state = world_.bot_state(bot_id);
    const auto now = std::chrono::steady_clock::now();
    if (state.updates.empty() || now < retry_at) {
      timer.expires_at(state.updates.empty() ? now + std::chrono::hours(24) : retry_at);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    const auto& update = state.updates.front();
    const Id update_id = update.update_id;
    std::string body = json::serialize(json::object{{"update_id", update_id}, {update.kind, update.payload}});
    std::vector<std::pair<std::string, std::string>> headers;
    if (!state.webhook.secret_token.empty()) {
      headers.emplace_back("X-Telegram-Bot-Api-Secret-Token", state.webhook.secret_token);
    }
    std::string url = state.webhook.url;
    webhook_timers_.erase(bot_id);  // nothing to wake while the POST is in flight
    auto result = co_await http_post(url, std::move(body), std::move(headers), kWebhookTimeout);
    if (!current()) break;
    auto& after = world_.bot_state(bot_id);
    if (result.status >= 200 && result.status < 300) {
      world_.confirm_updates(bot_id, update_id);
      delay = kFirstRetryDelay;
      boost::system::error_code ec;
      auto answer = json::parse(result.body, ec);
      if (!ec && answer.is_object() && answer.as_object().contains("method")) {
        bot_api_.execute_webhook_reply(bot_id, answer.as_object());
      }
      continue;
    }
    after.webhook.last_error_date = world_.now();
    after.webhook.last_error_message =
        result.status != 0
            ? "Wrong response from the webhook: " + std::to_string(result.status) + " " + result.reason
            : result.error;
    retry_at = std::chrono::steady_clock::now() + delay;
    delay = std::min<std::chrono::steady_clock::duration>(delay * 2, kMaxRetryDelay);
  }
  if (auto mine = webhook_timers_.find(bot_id); mine != webhook_timers_.end() && mine->second == &timer) {
    webhook_timers_.erase(mine);
  }
}

// ---------------------------------------------------------------- the fake libtdjson's front

namespace {

botapi::Reply td_reply(int status, const json::object& body) {
  return botapi::Reply{status, json::serialize(body)};
}

botapi::Reply td_error(const ApiError& error) {
  return td_reply(error.code,
                  json::object{{"@type", "error"}, {"code", error.code}, {"message", error.description}});
}

std::uint64_t query_number(std::string_view query, std::string_view name, std::uint64_t fallback) {
  auto value = control::query_value(query, name);
  std::uint64_t out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  return ec == std::errc{} && end == value.data() + value.size() && !value.empty() ? out : fallback;
}

}  // namespace

std::optional<botapi::Reply> Server::td_request(std::string_view path, std::string_view query,
                                                const HttpRequest& request, TdPoll& poll) {
  constexpr std::string_view kSessions = "/td/v1/sessions";
  if (!path.starts_with(kSessions)) return not_found();
  std::string_view rest = path.substr(kSessions.size());
  json::object body;
  if (request.method == "POST" && !request.body.empty()) {
    json::error_code ec;
    auto parsed = json::parse(request.body, ec);
    if (ec || !parsed.is_object()) return td_error({400, "the body must be a JSON object"});
    body = std::move(parsed.as_object());
  }
  if (rest.empty() && request.method == "POST") {
    const auto* resume = body.if_contains("resume_key");
    auto session =
        sessions_.open(resume && resume->is_string() ? std::string_view(resume->get_string()) : "", body);
    if (!session) return td_error(session.error());
    return td_reply(200, json::object{{"session_key", (*session)->key}, {"session_id", (*session)->id}});
  }
  if (!rest.starts_with('/')) return not_found();
  rest.remove_prefix(1);
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return not_found();
  std::string key(rest.substr(0, slash));
  std::string_view action = rest.substr(slash + 1);
  if (action == "send" && request.method == "POST") {
    auto done = sessions_.send(key, body);
    if (!done) return td_error(done.error());
    return td_reply(200, json::object{{"ok", true}});
  }
  if (action == "updates" && request.method == "GET") {
    poll.key = std::move(key);
    poll.offset = query_number(query, "offset", 0);
    poll.timeout_s = static_cast<int>(std::min<std::uint64_t>(query_number(query, "timeout", 0), 50));
    return std::nullopt;
  }
  return not_found();
}

asio::awaitable<botapi::Reply> Server::td_long_poll(std::string key, std::uint64_t offset, int timeout_s) {
  auto answer = [](td::Sessions::Batch& batch) {
    return td_reply(200,
                    json::object{{"updates", std::move(batch.objects)}, {"next_offset", batch.next_offset}});
  };
  auto batch = sessions_.take(key, offset);
  if (!batch) co_return td_error(batch.error());
  if (!batch->objects.empty() || timeout_s == 0) co_return answer(*batch);
  const Id session_id = sessions_.find(key)->id;
  // One waiting poll per session: a newer one ends the older with an empty answer.
  if (auto waiting = td_pollers_.find(session_id); waiting != td_pollers_.end()) {
    waiting->second->conflict = "superseded";
    waiting->second->timer->cancel();
    td_pollers_.erase(waiting);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  Poller me{&timer, {}};
  td_pollers_[session_id] = &me;
  for (;;) {
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    auto next = sessions_.take(key, offset);
    const bool done = !me.conflict.empty() || !next || !next->objects.empty() ||
                      std::chrono::steady_clock::now() >= deadline;
    if (done) {
      if (auto mine = td_pollers_.find(session_id); mine != td_pollers_.end() && mine->second == &me)
        td_pollers_.erase(mine);
      if (!next) co_return td_error(next.error());
      co_return answer(*next);
    }
    timer.expires_at(deadline);
  }
}

void Server::wake_td(Id session_id) {
  if (auto poller = td_pollers_.find(session_id); poller != td_pollers_.end())
    poller->second->timer->cancel();
}

asio::awaitable<void> Server::clock_loop() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(std::chrono::seconds(1));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    sessions_.tick();
  }
}

// ---------------------------------------------------------------- playground

botapi::Reply Server::static_file(std::string_view path) const {
  std::string_view name;
  if (path == "/" || path == "/index.html") {
    name = "index.html";
  } else if (path.starts_with("/playground/")) {
    name = path.substr(12);
  } else {
    return not_found();
  }
  const auto* asset = find_asset(name);
  if (!asset) return not_found();
  return botapi::Reply{200, std::string(asset->bytes), 0, std::string(asset->content_type)};
}

}  // namespace tgsim::server
