#include "telegram/bot_api_client.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <mutex>
#include <random>
#include <stdexcept>
#include <vector>

#include "core/metrics.h"
#include "telegram/client_connection.h"
#include "telegram/connection_pool.h"
#include "telegram/redact.h"

namespace topicdesk::telegram {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace ssl = asio::ssl;
using Clock = std::chrono::steady_clock;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

namespace {

// A boundary that does not occur in the file (form fields are ours and never contain it).
std::string multipart_boundary(std::string_view bytes) {
  static std::mt19937_64 random{std::random_device{}()};
  static std::mutex random_mutex;
  for (;;) {
    std::string boundary;
    {
      std::lock_guard lock(random_mutex);
      boundary = fmt::format("topicdesk-{:016x}{:016x}", random(), random());
    }
    if (bytes.find(boundary) == std::string_view::npos) return boundary;
  }
}

// Each param is a form field: strings as they are, anything else as JSON (the Bot API reads
// reply_markup, entities … from form fields that way); then the file.
std::string multipart_body(const json::object& params, const InputFile& file, std::string_view boundary) {
  std::string body;
  body.reserve(file.bytes.size() + 256 * (params.size() + 1));
  for (const auto& [key, value] : params) {
    body += fmt::format("--{}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n", boundary,
                        std::string_view(key));
    body += value.is_string() ? std::string(value.get_string()) : json::serialize(value);
    body += "\r\n";
  }
  std::string name = file.file_name;
  std::erase_if(name, [](char c) { return c == '"' || c == '\r' || c == '\n' || c == '\\'; });
  body += fmt::format(
      "--{}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n"
      "Content-Type: {}\r\n\r\n",
      boundary, file.field, name, file.content_type);
  body += file.bytes;
  body += fmt::format("\r\n--{}--\r\n", boundary);
  return body;
}

constexpr std::string_view kUserAgent = "topicdesk";

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::optional<std::int64_t> int_field(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (const auto* i = v->if_int64()) return *i;
  return std::nullopt;
}

std::string describe(const char* stage, const beast::error_code& ec, std::size_t body_limit) {
  if (ec == beast::error::timeout) return fmt::format("{}: timed out", stage);
  if (ec == http::error::body_limit) return fmt::format("{}: answer larger than {} bytes", stage, body_limit);
  if (ec == asio::error::operation_aborted) return fmt::format("{}: cancelled", stage);
  return fmt::format("{}: {}", stage, ec.message());
}

int retry_after_header(const Response& response) {
  auto it = response.find(http::field::retry_after);
  if (it == response.end()) return 0;
  try {
    return std::max(0, std::stoi(std::string(it->value())));
  } catch (const std::exception&) {
    return 0;  // an HTTP date or garbage: the JSON parameters are what Telegram documents
  }
}

// Turns Telegram's {"ok":…} answer into an ApiResult. An answer that is not Bot API JSON is
// a network-level failure (error_code 0) when the status says success, else that status.
ApiResult parse_answer(Response& response) {
  ApiResult result;
  unsigned status = response.result_int();
  boost::system::error_code ec;
  json::value answer = json::parse(response.body(), ec);
  json::object* object = ec ? nullptr : answer.if_object();
  const json::value* ok = object ? object->if_contains("ok") : nullptr;
  if (ok == nullptr || !ok->is_bool()) {
    result.error_code = status >= 200 && status < 300 ? 0 : static_cast<int>(status);
    result.description = fmt::format("HTTP {} with an answer that is not Bot API JSON", status);
    result.kind = classify_bot_api_error(result.error_code, result.description);
    return result;
  }
  if (ok->get_bool()) {
    result.ok = true;
    if (json::value* value = object->if_contains("result")) result.result = std::move(*value);
    return result;
  }
  result.error_code = static_cast<int>(int_field(*object, "error_code").value_or(0));
  if (result.error_code == 0) result.error_code = static_cast<int>(status);
  if (const json::value* text = object->if_contains("description"); text && text->is_string()) {
    result.description = std::string(text->get_string());
  } else {
    result.description = fmt::format("HTTP {}", status);
  }
  if (const json::value* parameters = object->if_contains("parameters");
      parameters && parameters->is_object()) {
    result.retry_after = static_cast<int>(int_field(parameters->get_object(), "retry_after").value_or(0));
    result.migrate_to_chat_id = int_field(parameters->get_object(), "migrate_to_chat_id").value_or(0);
  }
  if (result.error_code == 429 && result.retry_after == 0) result.retry_after = retry_after_header(response);
  ApiResult classified = api_error(result.error_code, std::move(result.description), result.retry_after);
  classified.migrate_to_chat_id = result.migrate_to_chat_id;
  return classified;
}

}  // namespace

core::Result<ApiEndpoint> parse_api_base_url(std::string_view base_url) {
  std::string shown = redact_tokens(base_url);
  auto parsed = boost::urls::parse_absolute_uri(base_url);
  if (!parsed) return core::make_error(fmt::format("API base URL \"{}\" is not an absolute URL", shown));
  boost::urls::url_view url = *parsed;
  ApiEndpoint endpoint;
  if (url.scheme_id() == boost::urls::scheme::https) {
    endpoint.tls = true;
  } else if (url.scheme_id() != boost::urls::scheme::http) {
    return core::make_error(fmt::format("API base URL \"{}\" must start with http:// or https://", shown));
  }
  if (!url.has_authority() || url.host_address().empty()) {
    return core::make_error(fmt::format("API base URL \"{}\" has no host", shown));
  }
  if (url.has_userinfo() || url.has_query() || url.has_fragment()) {
    return core::make_error(
        fmt::format("API base URL \"{}\" must not have user info, a query or a fragment", shown));
  }
  if (url.has_port() && url.port_number() == 0) {
    return core::make_error(fmt::format("API base URL \"{}\" has an invalid port", shown));
  }
  endpoint.host = url.host_address();
  endpoint.port = url.has_port() ? std::string(url.port()) : (endpoint.tls ? "443" : "80");
  endpoint.path_prefix = std::string(url.encoded_path());
  while (!endpoint.path_prefix.empty() && endpoint.path_prefix.back() == '/') endpoint.path_prefix.pop_back();
  return endpoint;
}

struct BotApiClient::Impl {
  explicit Impl(BotApiClientOptions o) : options(std::move(o)) {}

  asio::any_io_executor executor;
  ApiEndpoint endpoint;
  std::string host_header;
  std::string token;
  BotApiClientOptions options;
  ssl::context tls_context{ssl::context::tls_client};

  ConnectionPool idle{options.max_idle_connections,
                      &core::Metrics::global().counter(
                          "topicdesk_bot_api_connections_opened_total",
                          "Connections opened to the Bot API (idle ones reused are not counted)")};

  core::Metric& calls_ok = core::Metrics::global().counter("topicdesk_bot_api_calls_total",
                                                           "Bot API calls by outcome", "outcome=\"ok\"");
  core::Metric& calls_telegram_error = core::Metrics::global().counter(
      "topicdesk_bot_api_calls_total", "Bot API calls by outcome", "outcome=\"telegram_error\"");
  core::Metric& calls_network_error = core::Metrics::global().counter(
      "topicdesk_bot_api_calls_total", "Bot API calls by outcome", "outcome=\"network_error\"");

  Clock::duration timeout_for(std::string_view method, const json::object& params) const {
    if (lowercase(method) == "getupdates") {
      auto poll_seconds = int_field(params, "timeout").value_or(0);
      return std::chrono::seconds(std::clamp<std::int64_t>(poll_seconds, 0, 3600)) +
             options.long_poll_extra_timeout;
    }
    return options.request_timeout;
  }

  Request make_request(std::string_view method, const json::object& params,
                       const InputFile* file = nullptr) const {
    Request request{http::verb::post, endpoint.path_prefix + "/bot" + token + "/" + std::string(method), 11};
    request.set(http::field::host, host_header);
    request.set(http::field::user_agent, kUserAgent);
    if (file != nullptr) {
      std::string boundary = multipart_boundary(file->bytes);
      request.set(http::field::content_type, "multipart/form-data; boundary=" + boundary);
      request.body() = multipart_body(params, *file, boundary);
    } else {
      request.set(http::field::content_type, "application/json");
      request.body() = json::serialize(params);
    }
    request.keep_alive(true);
    request.prepare_payload();
    return request;
  }

  ApiResult network_failure(std::string_view method, std::string description) {
    calls_network_error.add(1);
    ApiResult result;
    result.kind = ErrorKind::kNetwork;
    result.description = redact_tokens(description);
    spdlog::debug("bot api {}: {}", method, result.description);
    return result;
  }

  asio::awaitable<ApiResult> perform(const std::string& method, const json::object& params,
                                     const InputFile* file = nullptr) {
    Clock::time_point deadline = Clock::now() + timeout_for(method, params);
    Request request = make_request(method, params, file);
    RoundTrip exchanged = co_await pooled_round_trip(executor, tls_context, idle, "", target(), request,
                                                     options.max_answer_bytes, deadline);
    if (exchanged.ec) {
      co_return network_failure(method, describe(exchanged.stage, exchanged.ec, options.max_answer_bytes));
    }
    ApiResult result = parse_answer(exchanged.response);
    if (result.ok) {
      calls_ok.add(1);
    } else if (result.error_code == 0) {
      co_return network_failure(method, result.description);
    } else {
      calls_telegram_error.add(1);
    }
    co_return result;
  }

  ClientTarget target() const { return {endpoint.host, endpoint.port, endpoint.tls}; }

  // A file's bytes (BotApi::download): the same pool and deadline; the body bounded by max_bytes.
  asio::awaitable<ApiResult> fetch(const std::string& file_path, std::size_t max_bytes) {
    const std::string what = "download";
    Clock::time_point deadline = Clock::now() + options.request_timeout;
    Request request{http::verb::get, endpoint.path_prefix + "/file/bot" + token + "/" + file_path, 11};
    request.set(http::field::host, host_header);
    request.set(http::field::user_agent, kUserAgent);
    request.keep_alive(true);
    request.prepare_payload();
    RoundTrip exchanged =
        co_await pooled_round_trip(executor, tls_context, idle, "", target(), request, max_bytes, deadline);
    if (exchanged.ec) {
      if (exchanged.ec == http::error::body_limit) {  // the same answer every time: not retried
        calls_telegram_error.add(1);
        co_return api_error(400, fmt::format("Bad Request: the file is larger than {} bytes", max_bytes));
      }
      co_return network_failure(what, describe(exchanged.stage, exchanged.ec, max_bytes));
    }
    const int status = static_cast<int>(exchanged.response.result_int());
    if (status == 200) {
      calls_ok.add(1);
      ApiResult result;
      result.ok = true;
      result.result = json::string(exchanged.response.body());
      co_return result;
    }
    calls_telegram_error.add(1);
    if (status == 429 || status >= 500)
      co_return api_error(status, fmt::format("download: HTTP {}", status),
                          retry_after_header(exchanged.response));
    // 404 here is the file (gone, or the path expired), not the token: never retried as is.
    co_return api_error(400, fmt::format("Bad Request: the file could not be downloaded (HTTP {})", status));
  }
};

BotApiClient::BotApiClient(asio::any_io_executor executor, std::string_view base_url, std::string token,
                           BotApiClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(options))) {
  auto endpoint = parse_api_base_url(base_url);
  if (!endpoint) throw std::invalid_argument(endpoint.error().message);
  impl_->executor = std::move(executor);
  impl_->endpoint = std::move(*endpoint);
  bool default_port = impl_->endpoint.port == (impl_->endpoint.tls ? "443" : "80");
  std::string host = impl_->endpoint.host.find(':') != std::string::npos ? "[" + impl_->endpoint.host + "]"
                                                                         : impl_->endpoint.host;
  impl_->host_header = default_port ? host : host + ":" + impl_->endpoint.port;
  impl_->token = std::move(token);
  if (impl_->endpoint.tls) {
    auto& context = impl_->tls_context;
    context.set_verify_mode(ssl::verify_peer);
    context.set_default_verify_paths();
    if (!impl_->options.tls_ca_file.empty()) {
      boost::system::error_code ec;
      context.load_verify_file(impl_->options.tls_ca_file, ec);
      if (ec) {
        throw std::invalid_argument(
            fmt::format("cannot load CA file {}: {}", impl_->options.tls_ca_file, ec.message()));
      }
    }
  }
}

BotApiClient::~BotApiClient() = default;

asio::awaitable<ApiResult> BotApiClient::call(std::string method, json::object params) {
  std::shared_ptr<Impl> impl = impl_;  // the client may go away while this call runs
  try {
    co_return co_await impl->perform(method, params);
  } catch (const std::exception& e) {
    // I/O reports error codes; only cancellation of the awaiting coroutine (or running out of
    // memory) arrives as an exception.
    co_return impl->network_failure(method, e.what());
  }
}

asio::awaitable<ApiResult> BotApiClient::upload(std::string method, json::object params, InputFile file) {
  std::shared_ptr<Impl> impl = impl_;
  try {
    co_return co_await impl->perform(method, params, &file);
  } catch (const std::exception& e) {
    co_return impl->network_failure(method, e.what());
  }
}

asio::awaitable<ApiResult> BotApiClient::download(std::string file_path, std::size_t max_bytes) {
  std::shared_ptr<Impl> impl = impl_;
  try {
    co_return co_await impl->fetch(file_path, max_bytes);
  } catch (const std::exception& e) {
    co_return impl->network_failure("download", e.what());
  }
}

std::size_t BotApiClient::idle_connections() const { return impl_->idle.idle(); }

}  // namespace topicdesk::telegram
