#include "app/proxy_connection.h"

namespace topicdesk::app {

std::unique_ptr<ProxySupport> make_proxy_support(boost::asio::any_io_executor executor, store::Store& store,
                                                 const std::string& api_base,
                                                 proxy::BotApiProxy::InboxChanged inbox_changed) {
  auto support = std::make_unique<ProxySupport>();
  support->forwarder = std::make_unique<proxy::Forwarder>(executor, api_base);
  support->proxy = std::make_unique<proxy::BotApiProxy>(executor, store, *support->forwarder, std::move(inbox_changed));
  return support;
}

void use_proxy_polling(telegram::LongPollerOptions& options) {
  options.keep_raw_updates = true;
  options.allowed_updates = proxy::all_update_kinds();
}

}  // namespace topicdesk::app
