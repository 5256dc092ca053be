// A scripted stand-in for libtdjson's four C functions: td_send hands each request to the
// test's script (ScriptedTd::on_request), which queues answers and updates that td_receive
// returns, in order, on the runtime's receive thread. Also records every request.
#pragma once
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "telegram/tdlib/td_library.h"

namespace topicdesk::telegram::tdlib::testing {

class ScriptedTd {
 public:
  // Called for every td_send, on the sending thread, with the parsed request.
  std::function<void(ScriptedTd& td, int client_id, const boost::json::object& request)> on_request;

  ScriptedTd() { current() = this; }
  ~ScriptedTd() { current() = nullptr; }

  std::shared_ptr<TdLibrary> library() {
    return TdLibrary::from_functions(TdFunctions{&create_client_id, &send, &receive, &execute});
  }

  // Queues a message for td_receive, addressed to `client_id`.
  void push(int client_id, boost::json::object message) {
    message["@client_id"] = client_id;
    {
      std::lock_guard lock(mutex_);
      outbox_.push_back(boost::json::serialize(message));
    }
    changed_.notify_all();
  }
  // Answers `request` (copies its @extra).
  void answer(int client_id, const boost::json::object& request, boost::json::object answer) {
    if (const auto* extra = request.if_contains("@extra")) answer["@extra"] = *extra;
    push(client_id, std::move(answer));
  }
  void push_auth_state(int client_id, boost::json::object state) {
    push(client_id, boost::json::object{{"@type", "updateAuthorizationState"},
                                        {"authorization_state", std::move(state)}});
  }

  std::vector<boost::json::object> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  // The requests of one @type, in order.
  std::vector<boost::json::object> requests_of(const std::string& type) {
    std::vector<boost::json::object> result;
    for (auto& request : requests()) {
      if (request.at("@type").as_string() == type) result.push_back(request);
    }
    return result;
  }

 private:
  static ScriptedTd*& current() {
    static ScriptedTd* instance = nullptr;
    return instance;
  }
  static int create_client_id() {
    std::lock_guard lock(current()->mutex_);
    return current()->next_client_id_++;
  }
  static void send(int client_id, const char* text) {
    auto* self = current();
    auto request = boost::json::parse(text).as_object();
    {
      std::lock_guard lock(self->mutex_);
      self->requests_.push_back(request);
    }
    if (self->on_request) self->on_request(*self, client_id, request);
  }
  static const char* receive(double timeout) {
    auto* self = current();
    std::unique_lock lock(self->mutex_);
    self->changed_.wait_for(lock, std::chrono::duration<double>(timeout),
                            [self] { return !self->outbox_.empty(); });
    if (self->outbox_.empty()) return nullptr;
    self->received_ = std::move(self->outbox_.front());
    self->outbox_.pop_front();
    return self->received_.c_str();
  }
  static const char* execute(const char*) { return R"({"@type":"ok"})"; }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> outbox_;
  std::string received_;
  std::vector<boost::json::object> requests_;
  int next_client_id_ = 1;
};

// Polls `done` until it holds or `timeout` passes (for effects of the receive thread).
template <class Done>
bool wait_for_condition(std::chrono::milliseconds timeout, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

template <class T>
boost::asio::awaitable<void> store_result(std::function<boost::asio::awaitable<T>()> body,
                                          std::optional<T>* out) {
  out->emplace(co_await body());
}

// Runs `body` as a coroutine on `io` until it finishes; returns its value.
template <class T>
T run_coroutine(boost::asio::io_context& io, std::function<boost::asio::awaitable<T>()> body) {
  std::optional<T> result;
  std::exception_ptr failure;
  bool done = false;
  boost::asio::co_spawn(io, store_result<T>(std::move(body), &result), [&](std::exception_ptr e) {
    failure = e;
    done = true;
  });
  io.restart();
  while (!done) io.run_one();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

}  // namespace topicdesk::telegram::tdlib::testing
