#include "integrations/webhooks_http.h"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <map>

namespace topicdesk::integrations {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
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

struct Connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

bool is_stale_connection_error(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated;
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
    tls_context.set_default_verify_paths();
    tls_context.set_verify_mode(ssl::verify_peer);
  }

  asio::any_io_executor executor;
  std::size_t max_answer_bytes;
  ssl::context tls_context{ssl::context::tls_client};
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;

  std::unique_ptr<Connection> take_idle(const Target& target) {
    auto it = idle.find(target.key());
    if (it == idle.end() || it->second.empty()) return nullptr;
    auto connection = std::move(it->second.back());
    it->second.pop_back();
    return connection;
  }

  void give_back(const Target& target, std::unique_ptr<Connection> connection) {
    auto& list = idle[target.key()];
    if (list.size() < kMaxIdlePerHost) list.push_back(std::move(connection));
  }

  asio::awaitable<std::pair<std::unique_ptr<Connection>, std::string>> connect(const Target& target,
                                                                               Clock::time_point deadline) {
    tcp::resolver resolver(executor);
    auto [resolve_ec, endpoints] = co_await resolver.async_resolve(target.host, target.port, kUseTuple);
    if (resolve_ec) co_return std::pair{nullptr, describe("resolve", resolve_ec)};
    auto connection = std::make_unique<Connection>();
    if (target.tls) {
      connection->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, tls_context);
    } else {
      connection->plain = std::make_unique<beast::tcp_stream>(executor);
    }
    connection->tcp().expires_at(deadline);
    auto [connect_ec, connected_to] = co_await connection->tcp().async_connect(endpoints, kUseTuple);
    if (connect_ec) co_return std::pair{nullptr, describe("connect", connect_ec)};
    connection->tcp().socket().set_option(tcp::no_delay(true));
    if (target.tls) {
      if (SSL_set_tlsext_host_name(connection->tls->native_handle(), target.host.c_str()) != 1) {
        co_return std::pair{nullptr, std::string("tls server name rejected")};
      }
      connection->tls->set_verify_callback(ssl::host_name_verification(target.host));
      auto [handshake_ec] = co_await connection->tls->async_handshake(ssl::stream_base::client, kUseTuple);
      if (handshake_ec) co_return std::pair{nullptr, describe("tls handshake", handshake_ec)};
    }
    co_return std::pair{std::move(connection), std::string()};
  }

  template <class Stream>
  static asio::awaitable<std::pair<beast::error_code, bool>> round_trip(
      Stream& stream, beast::flat_buffer& buffer, http::request<http::string_body>& request,
      http::response_parser<http::string_body>& parser) {
    auto [write_ec, written] = co_await http::async_write(stream, request, kUseTuple);
    if (write_ec) co_return std::pair{write_ec, false};
    auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, kUseTuple);
    co_return std::pair{read_ec, read > 0};
  }

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

    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Connection> connection = take_idle(*target);
      bool reused = connection != nullptr;
      if (!reused) {
        auto [fresh, error] = co_await connect(*target, deadline);
        if (!fresh) {
          answer.error = error;
          co_return answer;
        }
        connection = std::move(fresh);
      }
      connection->tcp().expires_at(deadline);
      http::response_parser<http::string_body> parser;
      parser.body_limit(max_answer_bytes);
      auto [ec, answer_started] =
          connection->tls ? co_await round_trip(*connection->tls, connection->buffer, request, parser)
                          : co_await round_trip(*connection->plain, connection->buffer, request, parser);
      if (ec) {
        // A kept-alive connection the server closed meanwhile: the request was not taken.
        if (reused && attempt == 0 && !answer_started && is_stale_connection_error(ec)) continue;
        answer.error = describe("request", ec);
        co_return answer;
      }
      auto& response = parser.get();
      answer.status = static_cast<int>(response.result_int());
      answer.content_type = media_type(response[http::field::content_type]);
      answer.body = std::move(response.body());
      if (response.keep_alive()) give_back(*target, std::move(connection));
      co_return answer;
    }
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
