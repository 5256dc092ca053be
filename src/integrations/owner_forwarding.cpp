#include "integrations/owner_forwarding.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http.hpp>

#include "integrations/topics_api.h"
#include "telegram/client_connection.h"
#include "telegram/connection_pool.h"

namespace topicdesk::integrations {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

http::Response error_answer(unsigned status, std::string_view code, std::string_view message) {
  http::Response response = http::text_response(status, api_error_body(code, message), "application/json");
  if (status == 503) response.set(bhttp::field::retry_after, std::to_string(kOwnerRetryAfterSeconds));
  return response;
}

http::Response unavailable(std::string_view connection, std::string_view why) {
  return error_answer(
      503, "owner_unavailable",
      fmt::format("connection \"{}\" {}; retry in {} s (another desk instance takes a connection over within "
                  "the lease time)",
                  connection, why, kOwnerRetryAfterSeconds));
}

// "host:port" or "[v6]:port".
std::optional<telegram::ClientTarget> parse_address(std::string_view address) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) return std::nullopt;
  std::string_view host = address.substr(0, colon);
  std::string_view port = address.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  }
  if (port.find_first_not_of("0123456789") != std::string_view::npos || port.size() > 5) return std::nullopt;
  return telegram::ClientTarget{std::string(host), std::string(port), false};
}

}  // namespace

struct OwnerForwarder::Impl {
  Impl(asio::any_io_executor e, ApiOwners o, OwnerForwardingOptions opts)
      : executor(std::move(e)), owners(std::move(o)), options(opts), idle(opts.max_idle_per_owner) {}

  asio::any_io_executor executor;
  ApiOwners owners;
  OwnerForwardingOptions options;
  asio::ssl::context tls_context{asio::ssl::context::tls_client};  // unused: instances speak plain HTTP
  telegram::ConnectionPool idle;
};

OwnerForwarder::OwnerForwarder(asio::any_io_executor executor, ApiOwners owners,
                               OwnerForwardingOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(owners), options)) {}

OwnerForwarder::~OwnerForwarder() = default;

bool OwnerForwarder::runs_here(core::ConnectionId id) const {
  return !impl_->owners.runs_here || impl_->owners.runs_here(id);
}

asio::awaitable<http::Response> OwnerForwarder::forward(const http::Request& incoming, core::ConnectionId id,
                                                        std::string connection_name) {
  auto impl = impl_;  // hops in flight keep the pool alive
  if (incoming.find(kForwardedHeader) != incoming.end()) {
    // Another instance thought this one owns the connection: the lease moved during the hop.
    co_return unavailable(connection_name, "moved to another desk instance while the request was on its way");
  }
  std::optional<std::string> address;
  if (impl->owners.owner_address) address = impl->owners.owner_address(id);
  if (!address) co_return unavailable(connection_name, "is not run by any desk instance right now");
  auto target = parse_address(*address);
  if (!target) {
    spdlog::error(
        "topics api: the desk instance owning connection {} announces the address \"{}\", not host:port",
        connection_name, *address);
    co_return unavailable(connection_name, "is run by a desk instance whose address cannot be used");
  }

  http::Request request{incoming.method(), incoming.target(), 11};
  for (const auto& field : incoming) {
    if (!http::hop_by_hop(field.name())) request.insert(field.name_string(), field.value());
  }
  request.set(bhttp::field::host, *address);
  request.set(kForwardedHeader, impl->owners.instance);
  request.keep_alive(true);
  request.body() = incoming.body();
  request.prepare_payload();

  auto exchanged = co_await telegram::pooled_round_trip(
      impl->executor, impl->tls_context, impl->idle, *address, *target, request,
      impl->options.max_answer_bytes, Clock::now() + impl->options.timeout);
  if (!exchanged.ec) {
    http::Response out{exchanged.response.result(), 11};
    for (const auto& field : exchanged.response) {
      if (!http::hop_by_hop(field.name())) out.insert(field.name_string(), field.value());
    }
    out.body() = std::move(exchanged.response.body());
    co_return out;
  }
  if (!exchanged.connected) {
    spdlog::warn("topics api: cannot reach the desk instance at {} owning connection {} ({}: {})", *address,
                 connection_name, exchanged.stage, exchanged.ec.message());
    co_return unavailable(connection_name, "is run by a desk instance that cannot be reached");
  }
  spdlog::warn("topics api: the desk instance at {} owning connection {} did not answer ({}: {})", *address,
               connection_name, exchanged.stage, exchanged.ec.message());
  co_return error_answer(
      504, "owner_no_answer",
      fmt::format("the desk instance running connection \"{}\" did not answer in time; the "
                  "action may have been carried out: look before you repeat it",
                  connection_name));
}

}  // namespace topicdesk::integrations
