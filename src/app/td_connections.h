// TDLib sessions of the running desk (docs/accounts.md):
//
//   mode "mtproto"  the desk signs in as the bot a second time (checkAuthenticationBotToken);
//                   every update comes from this session (no getUpdates: the bot's own program
//                   keeps polling); user-side calls go through the session, so the desk's own
//                   sends are never mistaken for the program's.
//   mode "account"  a personal account signed in beforehand (`topicdesk connect account`);
//                   its private chats (and, with MONITOR_GROUPS / MONITOR_CHANNELS, its groups
//                   and channels) are the frontend; the desk bot (`token`) polls and drives the
//                   backend group as usual. Of the backend group the session passes on only
//                   what the owner wrote there from their own app (Event::by_account_owner).
//
// A session that cannot be used (no library, never signed in, revoked, bad token) is reported
// once in the backend group's General topic and in the log, and recorded in the store for
// `doctor`; the rest of the desk keeps running and the session's jobs wait in the outbox.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/runtime.h"
#include "core/ids.h"
#include "store/store.h"
#include "telegram/bot_api.h"
#include "telegram/update_parser.h"

namespace topicdesk::telegram::tdlib {
class TdRuntime;
}

namespace topicdesk::app {

bool uses_tdlib(ConnectionMode mode);

// The session directory of a connection: <tdlib data_dir>/<name>.
std::string session_directory(const Config& settings, const std::string& connection_name);

// Store state keys (per connection) the desk writes and `doctor` reads.
inline constexpr const char* kSessionStateKey =
    "td_session_state";  // "ready", "missing", "revoked", "error: …"
inline constexpr const char* kSessionNoticeKey = "td_session_notice";  // the last problem posted in General
inline constexpr const char* kAccountIdKey = "td_account_id";          // the account's user id, once known

// Account connections: the desk bot's updates outside the backend group (private chats with
// the desk bot) are not the account's business; they are dropped before the inbox.
void keep_backend_group_only(std::vector<telegram::Incoming>& batch, core::ChatId group_id);

// The General-topic notice for a session problem; `state` as in kSessionStateKey.
std::string session_notice(const ConnectionConfig& connection, const std::string& state);

class TdConnections {
 public:
  struct Hooks {
    // Events into the connection's inbox (relay::Inbox::commit); returns once they are
    // durable, throws when the store failed. TDLib does not deliver an update twice, so the
    // session keeps what could not be committed and tries again with a capped backoff.
    std::function<void(core::ConnectionId, std::vector<telegram::Incoming>)> commit;
    // The account's user id is known (engine: its posts in the group are not operators').
    std::function<void(core::ConnectionId, core::UserId)> account_known;
    // A session problem for the operators (core::EventKind::kSessionProblem) into the inbox
    // (relay::Inbox::add_event), inside the transaction that records the session's state.
    std::function<void(core::ConnectionId, const core::Event&)> add_event;
  };

  TdConnections(boost::asio::any_io_executor executor, store::Store& store, const Config& settings,
                Hooks hooks);
  ~TdConnections();
  TdConnections(const TdConnections&) = delete;
  TdConnections& operator=(const TdConnections&) = delete;

  // The BotApi of the connection's session, for the dispatcher (calls before the session is
  // ready answer as a network error, so jobs wait); nullptr for modes without TDLib.
  telegram::BotApi* frontend_for(const ConnectionConfig& connection);
  // Opens and signs in (mtproto) or resumes (account) the session in the background.
  void start(const ConnectionConfig& connection, core::ConnectionId id);
  // Closes every session (TDLib databases are flushed); returns when done or after a deadline.
  void stop();
  // The process's TDLib runtime (TDLib has one receive loop per process), loaded on first use;
  // nullptr when the library cannot be loaded. Signing accounts in (the setup bot) uses it too.
  telegram::tdlib::TdRuntime* runtime();

  struct Session;

 private:
  struct Shared;
  boost::asio::awaitable<void> keep_alive(Session& session);   // open, go live, reopen when signed out
  boost::asio::awaitable<std::string> open(Session& session);  // the state reached ("ready", …)
  boost::asio::awaitable<void> close(Session& session);
  void on_update(Session& session, const boost::json::object& update);
  void on_auth_state(Session& session, const boost::json::object& update);
  void deliver(Session& session, const boost::json::object& update);
  void commit_undelivered(Session& session);
  void report(Session& session, const std::string& state);

  boost::asio::any_io_executor executor_;
  store::Store& store_;
  const Config& settings_;
  Hooks hooks_;
  bool stopping_ = false;
  std::shared_ptr<Shared> shared_;  // the TDLib runtime, loaded on first use
  std::map<std::string, std::unique_ptr<Session>> sessions_;
};

}  // namespace topicdesk::app
