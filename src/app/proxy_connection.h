// The Bot API proxy in the running desk: what runtime.cpp needs to serve proxy connections
// (mode = "proxy"). See src/proxy/bot_api_proxy.h.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/bot_api_proxy.h"
#include "proxy/forwarder.h"
#include "relay/inbox.h"
#include "telegram/long_poller.h"

namespace topicdesk::app {

struct ProxySupport {
  std::unique_ptr<proxy::Forwarder> forwarder;       // the webhook pusher's, on the relay loop
  std::unique_ptr<proxy::Forwarder> edge_forwarder;  // the program's calls, on the server's loop
  std::unique_ptr<proxy::BotApiProxy> proxy;
};

// Intercepted events go into the connection's inbox through `inbox` (on an instance that does
// not own the connection too: the inbox table is shared, the owner's drain takes them).
// `executor` is the relay loop's (the store's); `edge`, the HTTP server's loop when it has its
// own (ServerOptions::handlers): the program's calls are forwarded from there.
std::unique_ptr<ProxySupport> make_proxy_support(boost::asio::any_io_executor executor, store::Store& store,
                                                 const std::string& api_base, relay::Inbox& inbox,
                                                 boost::asio::any_io_executor edge = {},
                                                 proxy::ProxyOptions options = {});

// GET/POST /bot<token>/… and /file/bot<token>/… on the server, served by the proxy. While
// `connecting(token)` is true for a token the proxy does not know yet (its connection has not
// reached Telegram yet) the call is answered 503 in Telegram's error shape, which bot libraries
// retry, instead of the proxy's 401. `connecting` is called on the server's loop.
void add_proxy_routes(http::Server& server, ProxySupport& support,
                      std::function<bool(std::string_view token)> connecting);

// The desk polls for every update kind and keeps each raw update for the program.
void use_proxy_polling(telegram::LongPollerOptions& options);

}  // namespace topicdesk::app
