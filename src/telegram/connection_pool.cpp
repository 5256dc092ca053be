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

std::size_t ConnectionPool::idle() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [target, list] : idle_) count += list.size();
  return count;
}

}  // namespace topicdesk::telegram
