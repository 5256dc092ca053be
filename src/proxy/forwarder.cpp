#include "proxy/forwarder.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "telegram/bot_api_client.h"
#include "telegram/redact.h"

namespace topicdesk::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

struct Upstream {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

bool is_stale(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated;
}

http::Response bad_gateway(std::string_view what) {
  http::Response response{bhttp::status::bad_gateway, 11};
  response.set(bhttp::field::content_type, "application/json");
  response.body() = R"({"ok":false,"error_code":502,"description":"Bad Gateway: )" +
                    telegram::redact_tokens(std::string(what)) + "\"}";
  return response;
}

}  // namespace

struct Forwarder::Impl {
  asio::any_io_executor executor;
  telegram::ApiEndpoint endpoint;
  std::string host_header;
  ForwarderOptions options;
  ssl::context tls_context{ssl::context::tls_client};
  std::mutex idle_mutex;
  std::vector<std::unique_ptr<Upstream>> idle;

  std::unique_ptr<Upstream> take_idle() {
    std::lock_guard lock(idle_mutex);
    if (idle.empty()) return nullptr;
    auto upstream = std::move(idle.back());
    idle.pop_back();
    return upstream;
  }
  void give_back(std::unique_ptr<Upstream> upstream) {
    std::lock_guard lock(idle_mutex);
    if (idle.size() < options.max_idle_connections) idle.push_back(std::move(upstream));
  }

  asio::awaitable<std::unique_ptr<Upstream>> connect(beast::error_code& ec) {
    tcp::resolver resolver(executor);
    auto [resolve_ec, endpoints] = co_await resolver.async_resolve(endpoint.host, endpoint.port, kUseTuple);
    if (resolve_ec) {
      ec = resolve_ec;
      co_return nullptr;
    }
    auto upstream = std::make_unique<Upstream>();
    if (endpoint.tls) {
      upstream->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, tls_context);
    } else {
      upstream->plain = std::make_unique<beast::tcp_stream>(executor);
    }
    upstream->tcp().expires_after(options.timeout);
    auto [connect_ec, to] = co_await upstream->tcp().async_connect(endpoints, kUseTuple);
    if (connect_ec) {
      ec = connect_ec;
      co_return nullptr;
    }
    upstream->tcp().socket().set_option(tcp::no_delay(true));
    if (endpoint.tls) {
      SSL_set_tlsext_host_name(upstream->tls->native_handle(), endpoint.host.c_str());
      upstream->tls->set_verify_callback(ssl::host_name_verification(endpoint.host));
      auto [handshake_ec] = co_await upstream->tls->async_handshake(ssl::stream_base::client, kUseTuple);
      if (handshake_ec) {
        ec = handshake_ec;
        co_return nullptr;
      }
    }
    co_return upstream;
  }

  template <class Stream>
  asio::awaitable<beast::error_code> exchange_over(Stream& stream, beast::flat_buffer& buffer,
                                                   const http::Request& request, http::Response& response,
                                                   bool& answer_started) {
    auto [write_ec, written] = co_await bhttp::async_write(stream, request, kUseTuple);
    if (write_ec) co_return write_ec;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_answer_bytes);
    auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
    answer_started = parser.got_some();
    if (!read_ec) response = parser.release();
    co_return read_ec;
  }

  asio::awaitable<beast::error_code> exchange(Upstream& upstream, const http::Request& request,
                                              http::Response& response, bool& answer_started) {
    upstream.tcp().expires_after(options.timeout);
    if (upstream.tls) co_return co_await exchange_over(*upstream.tls, upstream.buffer, request, response, answer_started);
    co_return co_await exchange_over(*upstream.plain, upstream.buffer, request, response, answer_started);
  }
};

Forwarder::Forwarder(asio::any_io_executor executor, std::string_view api_base, ForwarderOptions options)
    : impl_(std::make_shared<Impl>()) {
  auto endpoint = telegram::parse_api_base_url(api_base);
  if (!endpoint) throw std::invalid_argument(endpoint.error().message);
  impl_->executor = std::move(executor);
  impl_->endpoint = std::move(*endpoint);
  bool default_port = impl_->endpoint.port == (impl_->endpoint.tls ? "443" : "80");
  impl_->host_header = impl_->endpoint.host + (default_port ? "" : ":" + impl_->endpoint.port);
  impl_->options = options;
  impl_->tls_context.set_default_verify_paths();
  impl_->tls_context.set_verify_mode(ssl::verify_peer);
}

Forwarder::~Forwarder() = default;

asio::awaitable<http::Response> Forwarder::forward(const http::Request& incoming, std::string_view target) {
  auto impl = impl_;  // calls in flight keep the pool alive
  http::Request request{incoming.method(), impl->endpoint.path_prefix + std::string(target), 11};
  request.set(bhttp::field::host, impl->host_header);
  // End-to-end headers go along (content type, a webhook's secret token …); hop-by-hop ones
  // belong to each connection.
  for (const auto& field : incoming) {
    switch (field.name()) {
      case bhttp::field::host:
      case bhttp::field::connection:
      case bhttp::field::keep_alive:
      case bhttp::field::content_length:
      case bhttp::field::transfer_encoding:
      case bhttp::field::te:
      case bhttp::field::upgrade:
      case bhttp::field::proxy_authorization:
        break;
      default:
        request.set(field.name_string(), field.value());
    }
  }
  request.keep_alive(true);
  request.body() = incoming.body();
  request.prepare_payload();

  // A kept-alive connection the server closed meanwhile is retried once on a fresh one,
  // but only when no answer had started (so nothing was processed twice).
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto upstream = impl->take_idle();
    const bool reused = upstream != nullptr;
    beast::error_code ec;
    if (!upstream) upstream = co_await impl->connect(ec);
    if (!upstream) co_return bad_gateway("cannot reach the Bot API server: " + ec.message());
    http::Response response;
    bool answer_started = false;
    ec = co_await impl->exchange(*upstream, request, response, answer_started);
    if (!ec) {
      http::Response out{response.result(), 11};
      if (auto type = response.find(bhttp::field::content_type); type != response.end()) {
        out.set(bhttp::field::content_type, type->value());
      }
      out.body() = std::move(response.body());
      if (response.keep_alive()) impl->give_back(std::move(upstream));
      co_return out;
    }
    if (!(reused && !answer_started && is_stale(ec))) co_return bad_gateway(ec.message());
  }
  co_return bad_gateway("the Bot API server closed the connection");
}

}  // namespace topicdesk::proxy
