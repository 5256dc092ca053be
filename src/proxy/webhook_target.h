// Where the proxy may push a program's updates. setWebhook through the proxy names a URL the desk
// itself will POST to, from inside the network it runs in: without a check, any holder of the
// bot token could make the desk call its own HTTP port, loopback services or the private network.
// Telegram's server refuses such addresses too. The desk's own address (its listening port on a
// loopback, local or listen address, or its public_url) is always refused; other loopback,
// private, link-local and special addresses only unless the connection allows them
// (PROXY_PRIVATE_WEBHOOKS, docs/parameters.md).
#pragma once
#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace topicdesk::proxy {

// The desk's own HTTP endpoint.
struct DeskAddress {
  std::vector<boost::asio::ip::address> addresses;  // the listen address and the host's interfaces
  unsigned short port = 0;
  std::string public_host;  // host of server.public_url, lower-case; empty when none
  unsigned short public_port = 0;
};

// The host's interface addresses (getifaddrs), with `listen_address` when it is an IP address.
DeskAddress desk_address(std::string_view listen_address, unsigned short port, std::string_view public_url);

// Loopback, private (RFC 1918, unique local), shared (100.64/10), link-local, unspecified,
// multicast, broadcast, and the IPv4 ranges reserved for documentation and the future.
bool is_private_address(const boost::asio::ip::address& address);

// Why the desk must not POST to `host`:`port` resolved to `addresses`, as a Bot API description
// ("Bad Request: bad webhook: …"); nullopt when it may.
std::optional<std::string> refused_webhook_target(std::string_view host, unsigned short port,
                                                  const std::vector<boost::asio::ip::address>& addresses,
                                                  const DeskAddress& desk, bool allow_private);

}  // namespace topicdesk::proxy
