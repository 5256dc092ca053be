#include "http/webhook_ingress.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <memory>

#include "core/metrics.h"
#include "core/secret.h"
#include "http/error_status.h"
#include "telegram/log_limiter.h"
#include "telegram/redact.h"

namespace topicdesk::http {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

bool is_name_char(char c) { return core::is_secret_char(c) || c == '.'; }

// Per-route state shared by the handler's invocations (on several connection strands at once:
// the limiter is thread-safe).
struct WebhookRoute {
  WebhookConnection connection;
  telegram::LogLimiter log_limiter;
  core::Metric* received = nullptr;

  void warn(const std::string& what) {
    log_limiter.log(spdlog::level::warn, what,
                    telegram::redact_secrets(fmt::format("webhook {}: {}", connection.name, what)));
  }

  Response handle(const Request& request) {
    auto header = request.find(kSecretTokenHeader);
    std::string_view presented;
    if (header != request.end()) presented = std::string_view(header->value().data(), header->value().size());
    if (!secret_matches(presented, connection.secret_token)) {
      warn("request with a wrong or missing secret token rejected");
      return json_error(status_for(core::ErrorCode::kUnauthorized), "wrong secret token");
    }
    boost::system::error_code ec;
    json::value update = json::parse(request.body(), ec);
    if (ec) {
      warn("body is not JSON (" + ec.message() + "); Telegram will retry it");
      return json_error(status_for(core::ErrorCode::kInvalid), "body is not JSON: " + ec.message());
    }
    std::optional<telegram::Incoming> incoming = telegram::make_incoming(update, connection.context);
    if (!incoming) return text_response(200, "");
    if (!incoming->parse_error.empty()) warn("malformed update: " + incoming->parse_error);
    try {
      std::vector<telegram::Incoming> batch;
      batch.push_back(std::move(*incoming));
      connection.commit(std::move(batch));
    } catch (const std::exception& e) {
      warn(fmt::format("inbox commit failed, Telegram will retry: {}", e.what()));
      return json_error(status_for(core::ErrorCode::kInternal), "update not stored");
    }
    received->add(1);
    return text_response(200, "");
  }
};

}  // namespace

bool secret_matches(std::string_view presented, std::string_view expected) {
  return core::constant_time_equal(presented, expected);
}

core::Status add_webhook_route(Server& server, WebhookConnection connection) {
  const std::string& name = connection.name;
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) {
    return core::make_error(fmt::format(
        "webhook connection name \"{}\" must be non-empty letters, digits, '_', '-' or '.'", name));
  }
  const std::string& secret = connection.secret_token;
  if (!core::is_webhook_secret(secret)) {
    return core::make_error(fmt::format(
        "webhook secret of connection \"{}\" must be 1-256 characters of A-Za-z0-9_- (Telegram's rule)",
        name));
  }
  if (!connection.commit)
    return core::make_error(fmt::format("webhook connection \"{}\" has no commit", name));

  auto route = std::make_shared<WebhookRoute>();
  route->received = &core::Metrics::global().counter(
      "topicdesk_updates_received_total", "Updates committed to the inbox, by connection and transport",
      fmt::format("connection=\"{}\",transport=\"webhook\"", name));
  std::string path = std::string(kWebhookPathPrefix) + name;
  route->connection = std::move(connection);
  server.route(
      Verb::post, std::move(path),
      [route](Request& request) -> asio::awaitable<Response> { co_return route->handle(request); },
      PathMatch::kExact, [](const RequestHead&) { return kWebhookBodyLimit; });
  return core::Ok{};
}

}  // namespace topicdesk::http
