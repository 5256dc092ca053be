// One TDLib client (one session: an account or a bot's MTProto login) on an Asio executor.
//
//   auto client = TdClient::open(runtime, executor, parameters, "sales");   // locks the db dir
//   auto me = co_await client.value()->send({{"@type", "getMe"}});         // Result<object>
//
// Requests are matched to answers by "@extra". Updates go to the handlers added with
// add_update_handler, in TDLib's order. The client answers authorizationStateWaitTdlibParameters
// itself with setTdlibParameters; signing in is td_auth.h's job.
//
// GCC 12 and coroutines (seen here): braced literals inside a co_await expression fail with
// "array used as initializer" (build the request in a local first: `json::object r{…};
// co_await client.send(std::move(r))`); `if (co_await …)` and `?:` inside co_await arguments
// were miscompiled (bad frame reads): await into a local, then test it.
//
// Threading: the executor must be single-threaded (one io_context thread or a strand); every
// member function must be called on it, except id(), name() and database_directory().
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"
#include "telegram/tdlib/td_runtime.h"

namespace topicdesk::telegram::tdlib {

struct TdParameters {
  std::string database_directory;  // one per session; locked while open (database_lock.h)
  std::int32_t api_id = 0;
  std::string api_hash;  // secret; never logged
  bool use_test_dc = false;
  bool use_message_database = true;  // lets forwardMessages find older messages after a restart
  std::string system_language_code = "en";
  std::string device_model = "topicdesk";
  std::string system_version = "Linux";
  std::string application_version = "0.1.0";
};

// The setTdlibParameters request for `parameters` (flat form of TDLib >= 1.8.6).
boost::json::object set_tdlib_parameters_request(const TdParameters& parameters);

// TDLib answers: {"@type":"error","code":N,"message":"…"}. Local failures use the same shape:
// code 0 = no answer in time, code 401 "Unauthorized" = the session closed or was revoked.
bool is_error(const boost::json::object& answer);
int error_code(const boost::json::object& answer);
std::string error_message(const boost::json::object& answer);
boost::json::object make_error_object(int code, std::string message);

// Authorization states, as TDLib names them (docs/tdlib-subset.md).
namespace auth_state {
inline constexpr const char* kWaitTdlibParameters = "authorizationStateWaitTdlibParameters";
inline constexpr const char* kWaitPhoneNumber = "authorizationStateWaitPhoneNumber";
inline constexpr const char* kWaitCode = "authorizationStateWaitCode";
inline constexpr const char* kWaitOtherDeviceConfirmation = "authorizationStateWaitOtherDeviceConfirmation";
inline constexpr const char* kWaitPassword = "authorizationStateWaitPassword";
inline constexpr const char* kReady = "authorizationStateReady";
inline constexpr const char* kLoggingOut = "authorizationStateLoggingOut";
inline constexpr const char* kClosing = "authorizationStateClosing";
inline constexpr const char* kClosed = "authorizationStateClosed";
}  // namespace auth_state

class TdClient {
 public:
  using UpdateHandler = std::function<void(const boost::json::object& update)>;
  static constexpr std::chrono::milliseconds kDefaultTimeout{std::chrono::seconds(60)};

  // Locks parameters.database_directory (error if another session holds it), creates the
  // TDLib client and asks for its authorization state. `name` is used in log lines.
  static core::Result<std::unique_ptr<TdClient>> open(TdRuntime& runtime,
                                                      boost::asio::any_io_executor executor,
                                                      TdParameters parameters, std::string name);
  // Stops receiving. If the client is not closed yet, sends `close` and leaves the directory
  // lock with the runtime until TDLib reports it closed. Prefer co_await close() first.
  ~TdClient();
  TdClient(const TdClient&) = delete;
  TdClient& operator=(const TdClient&) = delete;

  // The answer as TDLib gives it, errors included (see is_error); never throws for TDLib or
  // timeouts. Adds "@extra" to match the answer.
  boost::asio::awaitable<boost::json::object> request(boost::json::object request,
                                                      std::chrono::milliseconds timeout = kDefaultTimeout);
  // The same with errors as core::Error: "sales: getChat failed: 400 Chat not found".
  boost::asio::awaitable<core::Result<boost::json::object>> send(
      boost::json::object request, std::chrono::milliseconds timeout = kDefaultTimeout);

  // Every update (messages without "@extra"), in order. Returns an id for remove_update_handler.
  int add_update_handler(UpdateHandler handler);
  void remove_update_handler(int handler_id);

  // The last authorization state object ({"@type":"authorizationStateWaitCode",…}); empty
  // before the first one arrives. The version rises with every state update.
  const boost::json::object& auth_state() const;
  std::string auth_state_type() const;
  std::uint64_t auth_state_version() const;
  // Waits until the version is above `seen_version`; nullopt when `timeout` passes first.
  boost::asio::awaitable<std::optional<boost::json::object>> wait_auth_change(
      std::uint64_t seen_version, std::chrono::milliseconds timeout);
  // Waits until the state is `state` (true) or Closed / the timeout (false).
  boost::asio::awaitable<bool> wait_auth_state(std::string state, std::chrono::milliseconds timeout);

  // Sends `close` and waits for authorizationStateClosed; false when it did not come in time.
  boost::asio::awaitable<bool> close(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  int id() const;
  const std::string& name() const;
  const std::string& database_directory() const;
  boost::asio::any_io_executor executor() const;

  struct State;  // shared with the runtime's posted handlers (which hold a weak_ptr)

 private:
  explicit TdClient(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace topicdesk::telegram::tdlib
