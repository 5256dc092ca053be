// The one pool of idle outbound connections, beside the connection type it holds: a kept-alive
// ClientConnection goes back after a clean answer and is taken again by the next request to the
// same target. Used by the Bot API client, the proxy's forwarder and the webhook sender.
// Thread-safe: calls may run on several threads.
// `opened`, when given, counts every connection pooled_round_trip opens (a reused one is not
// counted): the pool's misses, shown at /metrics so that a pool too small for the calls in flight
// shows as new connections per call.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/metrics.h"
#include "telegram/client_connection.h"

namespace topicdesk::telegram {

class ConnectionPool {
 public:
  // At most `max_idle_per_target` idle connections are kept for each target; more are closed.
  explicit ConnectionPool(std::size_t max_idle_per_target, core::Metric* opened = nullptr)
      : max_idle_per_target_(max_idle_per_target), opened_(opened) {}

  // `target` names where a connection goes (scheme, host and port); a client with one target
  // may leave it empty. take() gives null when none is idle.
  std::unique_ptr<ClientConnection> take(std::string_view target = {});
  void give_back(std::unique_ptr<ClientConnection> connection, std::string_view target = {});
  std::size_t idle() const;  // over all targets
  void count_opened() {
    if (opened_ != nullptr) opened_->add(1);
  }

 private:
  std::size_t max_idle_per_target_;
  core::Metric* opened_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<ClientConnection>>, std::less<>> idle_;
};

// One request and its answer on an idle connection from `pool` (under `key`) or a new one to
// `target`. A kept-alive connection the server had closed meanwhile fails before any answer
// byte: the request was not taken, so it is sent once more on a fresh connection. After a clean
// answer the connection goes back to the pool when the answer keeps it alive. On failure `ec`
// and `stage` say what failed (resolve, connect, tls …, send request, read answer).
boost::asio::awaitable<RoundTrip> pooled_round_trip(
    boost::asio::any_io_executor executor, boost::asio::ssl::context& tls_context, ConnectionPool& pool,
    std::string key, ClientTarget target,
    const boost::beast::http::request<boost::beast::http::string_body>& request, std::size_t max_answer_bytes,
    std::chrono::steady_clock::time_point deadline);

}  // namespace topicdesk::telegram
