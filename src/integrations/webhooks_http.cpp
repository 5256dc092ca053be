#include "integrations/webhooks_http.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include "telegram/client_connection.h"
#include "telegram/connection_pool.h"

namespace topicdesk::integrations {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxIdlePerHost = 64;

struct Target {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;  // with the query
  std::string key() const { return fmt::format("{}://{}:{}", tls ? "https" : "http", host, port); }
};

std::optional<Target> parse_target(const std::string& url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || parsed->host().empty()) return std::nullopt;
  Target t;
  std::string scheme(parsed->scheme());
  if (scheme != "http" && scheme != "https") return std::nullopt;
  t.tls = scheme == "https";
  t.host = std::string(parsed->host());
  t.port = parsed->has_port() ? std::string(parsed->port()) : (t.tls ? "443" : "80");
  t.path = std::string(parsed->encoded_path());
  if (t.path.empty()) t.path = "/";
  if (parsed->has_query()) t.path += "?" + std::string(parsed->encoded_query());
  return t;
}

std::string describe(const char* stage, const beast::error_code& ec) {
  if (ec == beast::error::timeout) return fmt::format("{}: timed out", stage);
  return fmt::format("{}: {}", stage, ec.message());
}

std::string media_type(std::string_view header) {
  std::string out(header.substr(0, header.find(';')));
  out.erase(std::remove(out.begin(), out.end(), ' '), out.end());
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

struct HookHttpClient::Impl {
  Impl(asio::any_io_executor ex, std::size_t limit) : executor(std::move(ex)), max_answer_bytes(limit) {
    tls_context.set_verify_mode(ssl::verify_peer);
  }

  // Loading the system's CA certificates takes ~100 ms on the event loop: done on the first
  // https hook, not when the desk starts (it would hold /healthz and everything else).
  ssl::context& tls() {
    if (!verify_paths_loaded) {
      tls_context.set_default_verify_paths();
      verify_paths_loaded = true;
    }
    return tls_context;
  }

  asio::any_io_executor executor;
  std::size_t max_answer_bytes;
  ssl::context tls_context{ssl::context::tls_client};
  bool verify_paths_loaded = false;
  telegram::ConnectionPool idle{kMaxIdlePerHost};

  asio::awaitable<HookHttpAnswer> post(const std::string& url, std::string body, const Headers& headers,
                                       std::chrono::milliseconds timeout) {
    HookHttpAnswer answer;
    auto target = parse_target(url);
    if (!target) {
      answer.error = "not an http(s) URL: " + url;
      co_return answer;
    }
    http::request<http::string_body> request{http::verb::post, target->path, 11};
    request.set(http::field::host, target->host);
    request.set(http::field::user_agent, "topicdesk-webhooks");
    request.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.keep_alive(true);
    request.body() = std::move(body);
    request.prepare_payload();
    Clock::time_point deadline = Clock::now() + timeout;

    telegram::ClientTarget server{target->host, target->port, target->tls};
    auto exchanged = co_await telegram::pooled_round_trip(
        executor, tls(), idle, target->key(), std::move(server), request, max_answer_bytes, deadline);
    if (exchanged.ec) {
      answer.error = describe(exchanged.stage, exchanged.ec);
      co_return answer;
    }
    auto& response = exchanged.response;
    answer.status = static_cast<int>(response.result_int());
    answer.content_type = media_type(response[http::field::content_type]);
    answer.body = std::move(response.body());
    co_return answer;
  }
};

HookHttpClient::HookHttpClient(asio::any_io_executor executor, std::size_t max_answer_bytes)
    : impl_(std::make_shared<Impl>(std::move(executor), max_answer_bytes)) {}

HookHttpClient::~HookHttpClient() = default;

asio::awaitable<HookHttpAnswer> HookHttpClient::post(std::string url, std::string body, Headers headers,
                                                     std::chrono::milliseconds timeout) {
  auto impl = impl_;  // stays alive while this call runs
  co_return co_await impl->post(url, std::move(body), headers, timeout);
}

}  // namespace topicdesk::integrations
