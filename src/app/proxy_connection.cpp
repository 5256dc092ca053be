#include "app/proxy_connection.h"

#include <boost/json.hpp>

namespace topicdesk::app {
namespace asio = boost::asio;
namespace json = boost::json;

std::unique_ptr<ProxySupport> make_proxy_support(boost::asio::any_io_executor executor, store::Store& store,
                                                 const std::string& api_base, relay::Inbox& inbox,
                                                 boost::asio::any_io_executor edge,
                                                 proxy::ProxyOptions options) {
  auto support = std::make_unique<ProxySupport>();
  support->forwarder = std::make_unique<proxy::Forwarder>(executor, api_base);
  support->proxy = std::make_unique<proxy::BotApiProxy>(
      executor, store, *support->forwarder,
      [&inbox](core::ConnectionId id, const core::Event& event) { inbox.add_event(id, event); }, options);
  if (edge) {
    support->edge_forwarder = std::make_unique<proxy::Forwarder>(edge, api_base);
    support->proxy->serve_at_edge(*support->edge_forwarder);
  }
  return support;
}

void add_proxy_routes(http::Server& server, ProxySupport& support,
                      std::function<bool(std::string_view token)> connecting) {
  auto handler = [&support, connecting = std::move(connecting)](
                     http::Request& request) -> asio::awaitable<http::Response> {
    std::string_view path = http::request_path(request);
    path.remove_prefix(path.starts_with("/file/bot") ? 9 : 4);
    const std::string_view token = path.substr(0, path.find('/'));
    if (!support.proxy->knows_token(token) && connecting(token)) {
      json::object answer{
          {"ok", false},
          {"error_code", 503},
          {"description", "Service Unavailable: the desk is still connecting to Telegram; retry"},
          {"parameters", json::object{{"retry_after", 5}}}};
      co_return http::json_response(503, answer);
    }
    co_return co_await support.proxy->handle(request);
  };
  support.proxy->add_routes(server, std::move(handler));
}

void use_proxy_polling(telegram::LongPollerOptions& options) {
  options.keep_raw_updates = true;
  options.allowed_updates = proxy::all_update_kinds();
}

}  // namespace topicdesk::app
