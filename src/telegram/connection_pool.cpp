#include "telegram/connection_pool.h"

namespace topicdesk::telegram {

std::unique_ptr<ClientConnection> ConnectionPool::take(std::string_view target) {
  std::lock_guard lock(mutex_);
  auto it = idle_.find(target);
  if (it == idle_.end() || it->second.empty()) return nullptr;
  auto connection = std::move(it->second.back());
  it->second.pop_back();
  return connection;
}

void ConnectionPool::give_back(std::unique_ptr<ClientConnection> connection, std::string_view target) {
  if (!connection) return;
  std::lock_guard lock(mutex_);
  auto it = idle_.find(target);
  if (it == idle_.end())
    it = idle_.emplace(std::string(target), std::vector<std::unique_ptr<ClientConnection>>{}).first;
  if (it->second.size() < max_idle_per_target_) it->second.push_back(std::move(connection));
}

boost::asio::awaitable<RoundTrip> pooled_round_trip(
    boost::asio::any_io_executor executor, boost::asio::ssl::context& tls_context, ConnectionPool& pool,
    std::string key, ClientTarget target,
    const boost::beast::http::request<boost::beast::http::string_body>& request, std::size_t max_answer_bytes,
    std::chrono::steady_clock::time_point deadline) {
  for (int attempt = 0;; ++attempt) {
    auto connection = pool.take(key);
    const bool reused = connection != nullptr;
    if (!reused) {
      Connected connected = co_await connect_client(executor, tls_context, target, deadline);
      if (!connected.connection) {
        RoundTrip failed;
        failed.ec = connected.ec;
        failed.stage = connected.stage;
        failed.connected = false;
        co_return failed;
      }
      connection = std::move(connected.connection);
      pool.count_opened();
    }
    RoundTrip exchanged = co_await round_trip(*connection, request, max_answer_bytes, deadline);
    if (exchanged.ec) {
      if (reused && attempt == 0 && !exchanged.answer_started && is_stale_connection_error(exchanged.ec))
        continue;
      co_return exchanged;
    }
    if (exchanged.response.keep_alive()) pool.give_back(std::move(connection), key);
    co_return exchanged;
  }
}

std::size_t ConnectionPool::idle() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [target, list] : idle_) count += list.size();
  return count;
}

}  // namespace topicdesk::telegram
