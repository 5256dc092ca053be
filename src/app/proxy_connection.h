// The Bot API proxy in the running desk (issue 4): what runtime.cpp needs to serve proxy
// connections (mode = "proxy"). See src/proxy/bot_api_proxy.h.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>

#include "proxy/bot_api_proxy.h"
#include "proxy/forwarder.h"
#include "telegram/long_poller.h"

namespace topicdesk::app {

struct ProxySupport {
  std::unique_ptr<proxy::Forwarder> forwarder;
  std::unique_ptr<proxy::BotApiProxy> proxy;
};

std::unique_ptr<ProxySupport> make_proxy_support(boost::asio::any_io_executor executor, store::Store& store,
                                                 const std::string& api_base,
                                                 proxy::BotApiProxy::InboxChanged inbox_changed);

// The desk polls for every update kind and keeps each raw update for the program.
void use_proxy_polling(telegram::LongPollerOptions& options);

}  // namespace topicdesk::app
