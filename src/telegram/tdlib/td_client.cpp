#include "telegram/tdlib/td_client.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <set>

#include "telegram/tdlib/database_lock.h"
#include "telegram/tdlib/td_json.h"

namespace topicdesk::telegram::tdlib {
namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

// Sleeps on `timer` until `done()` or `deadline`; others wake it early with timer.cancel().
template <class Done>
asio::awaitable<void> wait_until(asio::steady_timer& timer, Clock::time_point deadline, Done done) {
  while (!done() && Clock::now() < deadline) {
    timer.expires_at(deadline);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace

json::object set_tdlib_parameters_request(const TdParameters& p) {
  return json::object{
      {"@type", "setTdlibParameters"},
      {"use_test_dc", p.use_test_dc},
      {"database_directory", p.database_directory},
      {"files_directory", p.database_directory + "/files"},
      {"database_encryption_key", ""},
      {"use_file_database", false},
      {"use_chat_info_database", true},
      {"use_message_database", p.use_message_database},
      {"use_secret_chats", false},
      {"api_id", p.api_id},
      {"api_hash", p.api_hash},
      {"system_language_code", p.system_language_code},
      {"device_model", p.device_model},
      {"system_version", p.system_version},
      {"application_version", p.application_version},
  };
}

bool is_error(const json::object& answer) { return text_field(answer, "@type") == "error"; }

int error_code(const json::object& answer) {
  const auto* code = answer.if_contains("code");
  return code != nullptr && code->is_int64() ? static_cast<int>(code->get_int64()) : 0;
}

std::string error_message(const json::object& answer) { return text_field(answer, "message"); }

json::object make_error_object(int code, std::string message) {
  return json::object{{"@type", "error"}, {"code", code}, {"message", std::move(message)}};
}

struct TdClient::State {
  struct Pending {
    explicit Pending(const asio::any_io_executor& executor) : timer(executor) {}
    asio::steady_timer timer;
    std::optional<json::object> answer;
  };

  State(TdRuntime& r, asio::any_io_executor e, TdParameters p, std::string n)
      : runtime(r), executor(std::move(e)), parameters(std::move(p)), name(std::move(n)) {}

  TdRuntime& runtime;
  asio::any_io_executor executor;
  TdParameters parameters;
  std::string name;
  int id = 0;
  std::unique_ptr<DatabaseLock> lock;
  std::uint64_t next_extra = 1;
  std::map<std::uint64_t, std::shared_ptr<Pending>> pending;
  std::map<int, UpdateHandler> handlers;
  int next_handler = 1;
  json::object auth_state;
  std::uint64_t auth_version = 0;
  std::set<asio::steady_timer*> auth_waiters;

  bool closed() const { return text_field(auth_state, "@type") == auth_state::kClosed; }

  void on_message(json::object message) {
    if (const auto* extra = message.if_contains("@extra")) {
      on_answer(*extra, std::move(message));
      return;
    }
    if (text_field(message, "@type") == "updateAuthorizationState") on_auth_state(message);
    std::vector<int> ids;
    for (const auto& [id, handler] : handlers) ids.push_back(id);
    for (int id : ids) {
      auto it = handlers.find(id);  // a handler may remove itself or others
      if (it != handlers.end()) it->second(message);
    }
  }

  void on_answer(const json::value& extra, json::object answer) {
    if (!extra.is_int64() && !extra.is_uint64()) {
      // Requests the client makes on its own (setTdlibParameters …) carry a string @extra.
      if (is_error(answer)) {
        spdlog::error("tdlib[{}]: {} failed: {} {}", name,
                      extra.is_string() ? extra.get_string().c_str() : "request", error_code(answer),
                      error_message(answer));
      }
      return;
    }
    auto it = pending.find(extra.to_number<std::uint64_t>());
    if (it == pending.end()) return;  // timed out already
    it->second->answer = std::move(answer);
    it->second->timer.cancel();
  }

  void on_auth_state(const json::object& update) {
    const auto* state = update.if_contains("authorization_state");
    if (state == nullptr || !state->is_object()) return;
    if (closed()) return;  // Closed is final: a TDLib client id is never reused
    auth_state = state->get_object();
    ++auth_version;
    const std::string type = text_field(auth_state, "@type");
    spdlog::info("tdlib[{}]: {}", name, type);
    if (type == auth_state::kWaitTdlibParameters) {
      json::object request = set_tdlib_parameters_request(parameters);
      request["@extra"] = "setTdlibParameters";
      runtime.send(id, request);
    }
    if (type == auth_state::kClosed) fail_pending(401, "Unauthorized: the TDLib session is closed");
    for (auto* waiter : auth_waiters) waiter->cancel();
  }

  void fail_pending(int code, const std::string& message) {
    for (auto& [extra, entry] : pending) {
      if (entry->answer) continue;
      entry->answer = make_error_object(code, message);
      entry->timer.cancel();
    }
  }
};

TdClient::TdClient(std::shared_ptr<State> state) : state_(std::move(state)) {}

core::Result<std::unique_ptr<TdClient>> TdClient::open(TdRuntime& runtime, asio::any_io_executor executor,
                                                       TdParameters parameters, std::string name) {
  if (parameters.database_directory.empty())
    return core::make_error("tdlib[" + name + "]: no database directory");
  auto lock = DatabaseLock::acquire(parameters.database_directory);
  if (!lock) return lock.error();
  auto state = std::make_shared<State>(runtime, executor, std::move(parameters), std::move(name));
  state->lock = std::move(lock).value();
  std::weak_ptr<State> weak = state;
  state->id = runtime.add_client(executor, [weak](json::object message) {
    if (auto alive = weak.lock()) alive->on_message(std::move(message));
  });
  runtime.start();
  // TDLib activates a client with its first request; the state updates follow.
  runtime.send(state->id,
               json::object{{"@type", "getAuthorizationState"}, {"@extra", "getAuthorizationState"}});
  return std::unique_ptr<TdClient>(new TdClient(std::move(state)));
}

TdClient::~TdClient() {
  std::shared_ptr<void> lock;
  if (!state_->closed()) {
    // TDLib keeps the instance (and its database) open until it is closed: the directory
    // stays locked until then, held by the runtime.
    state_->runtime.send(state_->id, json::object{{"@type", "close"}, {"@extra", "close"}});
    lock = std::shared_ptr<DatabaseLock>(std::move(state_->lock));
  }
  state_->runtime.remove_client(state_->id, std::move(lock));
  state_->fail_pending(0, "the TDLib client was destroyed");
}

asio::awaitable<json::object> TdClient::request(json::object request, std::chrono::milliseconds timeout) {
  auto state = state_;  // keeps the state alive while suspended
  const std::string type = text_field(request, "@type");
  if (state->closed()) co_return make_error_object(401, "Unauthorized: the TDLib session is closed");
  const std::uint64_t extra = state->next_extra++;
  auto entry = std::make_shared<State::Pending>(state->executor);
  state->pending.emplace(extra, entry);
  request["@extra"] = extra;
  state->runtime.send(state->id, request);
  co_await wait_until(entry->timer, Clock::now() + timeout, [&] { return entry->answer.has_value(); });
  state->pending.erase(extra);
  if (!entry->answer) {
    co_return make_error_object(
        0, "no answer to " + type + " within " + std::to_string(timeout.count()) + " ms");
  }
  json::object answer = std::move(*entry->answer);
  answer.erase("@extra");
  answer.erase("@client_id");
  co_return answer;
}

asio::awaitable<core::Result<json::object>> TdClient::send(json::object request,
                                                           std::chrono::milliseconds timeout) {
  const std::string type = text_field(request, "@type");
  json::object answer = co_await this->request(std::move(request), timeout);
  if (!is_error(answer)) co_return answer;
  co_return core::make_error(state_->name + ": " + type + " failed: " + std::to_string(error_code(answer)) +
                             " " + error_message(answer));
}

int TdClient::add_update_handler(UpdateHandler handler) {
  int id = state_->next_handler++;
  state_->handlers.emplace(id, std::move(handler));
  return id;
}

void TdClient::remove_update_handler(int handler_id) { state_->handlers.erase(handler_id); }

const json::object& TdClient::auth_state() const { return state_->auth_state; }
std::string TdClient::auth_state_type() const { return text_field(state_->auth_state, "@type"); }
std::uint64_t TdClient::auth_state_version() const { return state_->auth_version; }

asio::awaitable<std::optional<json::object>> TdClient::wait_auth_change(std::uint64_t seen_version,
                                                                        std::chrono::milliseconds timeout) {
  auto state = state_;
  asio::steady_timer timer(state->executor);
  state->auth_waiters.insert(&timer);
  co_await wait_until(timer, Clock::now() + timeout, [&] { return state->auth_version > seen_version; });
  state->auth_waiters.erase(&timer);
  if (state->auth_version <= seen_version) co_return std::nullopt;
  co_return state->auth_state;
}

asio::awaitable<bool> TdClient::wait_auth_state(std::string wanted, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const std::string type = auth_state_type();
    if (type == wanted) co_return true;
    if (type == auth_state::kClosed) co_return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) co_return false;
    auto changed = co_await wait_auth_change(auth_state_version(), left);  // (not inside an if: GCC 12)
    if (!changed) co_return false;
  }
}

asio::awaitable<bool> TdClient::close(std::chrono::milliseconds timeout) {
  if (state_->closed()) co_return true;
  state_->runtime.send(state_->id, json::object{{"@type", "close"}, {"@extra", "close"}});
  co_return co_await wait_auth_state(auth_state::kClosed, timeout);
}

int TdClient::id() const { return state_->id; }
const std::string& TdClient::name() const { return state_->name; }
const std::string& TdClient::database_directory() const { return state_->parameters.database_directory; }
asio::any_io_executor TdClient::executor() const { return state_->executor; }

}  // namespace topicdesk::telegram::tdlib
