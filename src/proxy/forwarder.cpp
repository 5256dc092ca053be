#include "proxy/forwarder.h"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <stdexcept>

#include "telegram/bot_api_client.h"
#include "telegram/client_connection.h"
#include "telegram/connection_pool.h"
#include "telegram/redact.h"

namespace topicdesk::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = asio::ssl;
using Clock = std::chrono::steady_clock;

namespace {

http::Response bad_gateway(std::string_view what) {
  http::Response response{bhttp::status::bad_gateway, 11};
  response.set(bhttp::field::content_type, "application/json");
  response.body() = R"({"ok":false,"error_code":502,"description":"Bad Gateway: )" +
                    telegram::redact_tokens(std::string(what)) + "\"}";
  return response;
}

}  // namespace

struct Forwarder::Impl {
  explicit Impl(ForwarderOptions o) : options(o) {}

  asio::any_io_executor executor;
  telegram::ApiEndpoint endpoint;
  std::string host_header;
  ForwarderOptions options;
  ssl::context tls_context{ssl::context::tls_client};
  telegram::ConnectionPool idle{options.max_idle_connections};
};

Forwarder::Forwarder(asio::any_io_executor executor, std::string_view api_base, ForwarderOptions options)
    : impl_(std::make_shared<Impl>(options)) {
  auto endpoint = telegram::parse_api_base_url(api_base);
  if (!endpoint) throw std::invalid_argument(endpoint.error().message);
  impl_->executor = std::move(executor);
  impl_->endpoint = std::move(*endpoint);
  bool default_port = impl_->endpoint.port == (impl_->endpoint.tls ? "443" : "80");
  impl_->host_header = impl_->endpoint.host + (default_port ? "" : ":" + impl_->endpoint.port);
  impl_->tls_context.set_default_verify_paths();
  impl_->tls_context.set_verify_mode(ssl::verify_peer);
}

Forwarder::~Forwarder() = default;

asio::awaitable<http::Response> Forwarder::forward(http::Request incoming, std::string target) {
  auto impl = impl_;  // calls in flight keep the pool alive
  http::Request request{incoming.method(), impl->endpoint.path_prefix + target, 11};
  request.set(bhttp::field::host, impl->host_header);
  // End-to-end headers go along (content type, a webhook's secret token …); hop-by-hop ones
  // belong to each connection.
  for (const auto& field : incoming) {
    if (!http::hop_by_hop(field.name())) request.set(field.name_string(), field.value());
  }
  request.keep_alive(true);
  request.body() = std::move(incoming.body());
  request.prepare_payload();

  telegram::ClientTarget server{impl->endpoint.host, impl->endpoint.port, impl->endpoint.tls};
  auto exchanged = co_await telegram::pooled_round_trip(
      impl->executor, impl->tls_context, impl->idle, "", std::move(server), request,
      impl->options.max_answer_bytes, Clock::now() + impl->options.timeout);
  if (exchanged.ec) {
    co_return bad_gateway(exchanged.connected ? exchanged.ec.message()
                                              : "cannot reach the Bot API server: " + exchanged.ec.message());
  }
  http::Response out{exchanged.response.result(), 11};
  if (auto type = exchanged.response.find(bhttp::field::content_type); type != exchanged.response.end()) {
    out.set(bhttp::field::content_type, type->value());
  }
  out.body() = std::move(exchanged.response.body());
  co_return out;
}

}  // namespace topicdesk::proxy
