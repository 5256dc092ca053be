#include "proxy/webhook_target.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <boost/url.hpp>

namespace topicdesk::proxy {
namespace ip = boost::asio::ip;

namespace {

bool in_v4(std::uint32_t value, std::uint32_t network, int prefix) {
  std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (value & mask) == network;
}

bool is_private_v4(const ip::address_v4& address) {
  const std::uint32_t v = address.to_uint();
  return in_v4(v, 0x00000000, 8)      // "this network", 0.0.0.0
         || in_v4(v, 0x0A000000, 8)   // 10/8
         || in_v4(v, 0x64400000, 10)  // 100.64/10, carrier-grade NAT
         || in_v4(v, 0x7F000000, 8)   // loopback
         || in_v4(v, 0xA9FE0000, 16)  // link-local (cloud metadata at 169.254.169.254)
         || in_v4(v, 0xAC100000, 12)  // 172.16/12
         || in_v4(v, 0xC0000000, 24)  // IETF protocol assignments
         || in_v4(v, 0xC0000200, 24)  // TEST-NET-1
         || in_v4(v, 0xC0A80000, 16)  // 192.168/16
         || in_v4(v, 0xC6120000, 15)  // benchmarking
         || in_v4(v, 0xC6336400, 24)  // TEST-NET-2
         || in_v4(v, 0xCB007100, 24)  // TEST-NET-3
         || in_v4(v, 0xE0000000, 3);  // multicast, reserved, broadcast
}

}  // namespace

bool is_private_address(const ip::address& address) {
  if (address.is_v4()) return is_private_v4(address.to_v4());
  const ip::address_v6 v6 = address.to_v6();
  if (v6.is_v4_mapped()) return is_private_v4(ip::make_address_v4(ip::v4_mapped, v6));
  const auto bytes = v6.to_bytes();
  return v6.is_loopback() || v6.is_unspecified() || v6.is_link_local() || v6.is_site_local() ||
         v6.is_multicast() || (bytes[0] & 0xFE) == 0xFC  // unique local fc00::/7
         || (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8);  // documentation
}

DeskAddress desk_address(std::string_view listen_address, unsigned short port, std::string_view public_url) {
  DeskAddress desk;
  desk.port = port;
  boost::system::error_code ec;
  auto listen = ip::make_address(listen_address, ec);
  if (!ec) desk.addresses.push_back(listen);
  ifaddrs* interfaces = nullptr;
  if (getifaddrs(&interfaces) == 0) {
    for (ifaddrs* i = interfaces; i != nullptr; i = i->ifa_next) {
      if (i->ifa_addr == nullptr) continue;
      if (i->ifa_addr->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
        desk.addresses.emplace_back(ip::address_v4(ntohl(in->sin_addr.s_addr)));
      } else if (i->ifa_addr->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
        ip::address_v6::bytes_type bytes;
        std::copy(std::begin(in6->sin6_addr.s6_addr), std::end(in6->sin6_addr.s6_addr), bytes.begin());
        desk.addresses.emplace_back(ip::address_v6(bytes, in6->sin6_scope_id));
      }
    }
    freeifaddrs(interfaces);
  }
  if (auto url = boost::urls::parse_absolute_uri(public_url)) {
    std::string host(url->host());
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
    desk.public_host = host;
    desk.public_port = url->has_port() ? url->port_number() : (url->scheme() == "https" ? 443 : 80);
  }
  return desk;
}

std::optional<std::string> refused_webhook_target(std::string_view host, unsigned short port,
                                                  const std::vector<ip::address>& addresses,
                                                  const DeskAddress& desk, bool allow_private) {
  constexpr std::string_view kOwn = "Bad Request: bad webhook: the URL points at this desk itself";
  std::string lowered(host);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (!desk.public_host.empty() && lowered == desk.public_host && port == desk.public_port)
    return std::string(kOwn);
  if (addresses.empty()) return "Bad Request: bad webhook: Failed to resolve host";
  for (const auto& address : addresses) {
    auto plain = address;
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
      plain = ip::make_address_v4(ip::v4_mapped, address.to_v6());
    }
    const bool own_address =
        plain.is_loopback() || plain.is_unspecified() ||
        std::find(desk.addresses.begin(), desk.addresses.end(), plain) != desk.addresses.end();
    if (own_address && port == desk.port) return std::string(kOwn);
    if (!allow_private && is_private_address(plain)) {
      return "Bad Request: bad webhook: " + plain.to_string() +
             " is a loopback, private or reserved address (allowed only with PROXY_PRIVATE_WEBHOOKS)";
    }
  }
  return std::nullopt;
}

}  // namespace topicdesk::proxy
