// The Topics API with several desk instances on one database (docs/api.md "Several
// instances"): every instance answers /api/v1/topic_action, but only the instance that owns a
// connection runs its engine, so a request for a connection this instance does not run is
// forwarded to the owner's HTTP address and the owner's answer is returned unchanged (status,
// end-to-end headers such as Content-Type and Retry-After, body).
//
// The runtime says who runs what through ApiOwners. The forwarded request is the caller's
// (method, path, query, headers with X-API-KEY and Authorization, body) plus
// X-Topicdesk-Forwarded naming this instance; an instance that gets a forwarded request for a
// connection it does not run answers 503 instead of forwarding again (the lease moved during
// the hop), so a request makes at most one hop. While no live instance owns the connection,
// and when the owner cannot be reached, the answer is 503 owner_unavailable with Retry-After: 2
// (a survivor takes the connection over within the lease time). When the owner took the request
// but did not answer within the timeout, 504 owner_no_answer: the action may have been done.
//
// Instances talk plain HTTP to each other (the address each one announces): keep them on a
// private network. A single desk (and SQLite) has no ApiOwners: everything runs here.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "http/server.h"

namespace topicdesk::integrations {

// Marks a request one instance forwarded to another; its value is the forwarding instance's id.
inline constexpr std::string_view kForwardedHeader = "X-Topicdesk-Forwarded";
// What 503 answers ask callers to wait, in seconds.
inline constexpr int kOwnerRetryAfterSeconds = 2;

// What the runtime provides (from its lease keeper). Both functions are called on the desk's
// loop for every request of an authenticated key, so they must answer from memory.
struct ApiOwners {
  std::string instance;                               // this instance's id (X-Topicdesk-Forwarded)
  std::function<bool(core::ConnectionId)> runs_here;  // this instance owns and runs the connection
  // "host:port" of the live instance that owns the connection (its desk_instances.address);
  // nullopt while no live instance owns it.
  std::function<std::optional<std::string>(core::ConnectionId)> owner_address;
};

struct OwnerForwardingOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(15)};  // one hop: connect, send, answer
  std::size_t max_idle_per_owner = 8;                           // kept-alive connections per owner
  std::size_t max_answer_bytes = 16 * 1024 * 1024;
};

class OwnerForwarder {
 public:
  OwnerForwarder(boost::asio::any_io_executor executor, ApiOwners owners,
                 OwnerForwardingOptions options = {});
  ~OwnerForwarder();
  OwnerForwarder(const OwnerForwarder&) = delete;
  OwnerForwarder& operator=(const OwnerForwarder&) = delete;

  // Whether the request of `id` is answered here (no runs_here function: always).
  bool runs_here(core::ConnectionId id) const;

  // The answer to `request` (of connection `id`, named `connection_name` in error messages) from
  // the instance that owns it, or the 503/504 above. Never throws.
  boost::asio::awaitable<http::Response> forward(const http::Request& request, core::ConnectionId id,
                                                 std::string connection_name);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace topicdesk::integrations
