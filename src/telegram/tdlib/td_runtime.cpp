#include "telegram/tdlib/td_runtime.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace topicdesk::telegram::tdlib {
namespace json = boost::json;

namespace {

bool is_closed_update(const json::object& message) {
  const auto* type = message.if_contains("@type");
  if (type == nullptr || !type->is_string() || type->get_string() != "updateAuthorizationState") return false;
  const auto* state = message.if_contains("authorization_state");
  if (state == nullptr || !state->is_object()) return false;
  const auto* state_type = state->get_object().if_contains("@type");
  return state_type != nullptr && state_type->is_string() &&
         state_type->get_string() == "authorizationStateClosed";
}

}  // namespace

TdRuntime::TdRuntime(std::shared_ptr<TdLibrary> library) : library_(std::move(library)) {}

TdRuntime::~TdRuntime() { stop(); }

void TdRuntime::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { receive_loop(); });
}

int TdRuntime::add_client(boost::asio::any_io_executor executor, Handler handler) {
  std::lock_guard lock(mutex_);
  int id = library_->create_client_id();
  clients_[id] = Client{std::move(executor), std::make_shared<Handler>(std::move(handler))};
  closed_[id] = false;
  return id;
}

void TdRuntime::remove_client(int client_id, std::shared_ptr<void> keep_until_closed) {
  std::lock_guard lock(mutex_);
  clients_.erase(client_id);
  if (keep_until_closed && !closed_[client_id]) keep_until_closed_[client_id] = std::move(keep_until_closed);
}

void TdRuntime::send(int client_id, const json::object& request) const {
  library_->send(client_id, json::serialize(request));
}

bool TdRuntime::stop(std::chrono::milliseconds deadline) {
  std::unique_lock lock(mutex_);
  if (!thread_.joinable()) return all_closed();
  for (const auto& [id, closed] : closed_) {
    if (!closed) library_->send(id, R"({"@type":"close"})");
  }
  bool clean = closed_changed_.wait_for(lock, deadline, [this] { return all_closed(); });
  if (!clean) spdlog::warn("TDLib: some clients did not close within {} ms", deadline.count());
  stopping_ = true;
  lock.unlock();
  thread_.join();
  return clean;
}

bool TdRuntime::all_closed() const {
  for (const auto& [id, closed] : closed_) {
    if (!closed) return false;
  }
  return true;
}

void TdRuntime::receive_loop() {
  while (!stopping_) {
    auto text = library_->receive(receive_timeout_);
    if (text) deliver(std::move(*text));
  }
}

void TdRuntime::deliver(std::string text) {
  json::object message;
  try {
    auto value = json::parse(text);
    if (!value.is_object()) throw std::invalid_argument("not an object");
    message = std::move(value.get_object());
  } catch (const std::exception& e) {
    spdlog::warn("TDLib: unreadable message skipped ({}): {:.200}", e.what(), text);
    return;
  }
  const auto* id_value = message.if_contains("@client_id");
  if (id_value == nullptr || !id_value->is_int64()) return;  // not addressed to a client
  const int client_id = static_cast<int>(id_value->get_int64());
  if (is_closed_update(message)) note_closed(client_id);

  std::lock_guard lock(mutex_);
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return;  // removed: nobody listens any more
  boost::asio::post(it->second.executor,
                    [handler = it->second.handler, message = std::move(message)]() mutable {
                      (*handler)(std::move(message));
                    });
}

void TdRuntime::note_closed(int client_id) {
  std::shared_ptr<void> released;  // released outside the mutex
  {
    std::lock_guard lock(mutex_);
    closed_[client_id] = true;
    if (auto it = keep_until_closed_.find(client_id); it != keep_until_closed_.end()) {
      released = std::move(it->second);
      keep_until_closed_.erase(it);
    }
  }
  closed_changed_.notify_all();
}

}  // namespace topicdesk::telegram::tdlib
