// The setup bot (docs/setup.md, "The setup bot"): connections made and run from a private chat
// with Telegram, with inline buttons, over setup::ConnectionAdmin (the same interface as
// `topicdesk connection …`).
//
//   /start         the connections and their state; New connection
//   New → Bot      the token (getMe; refused when invalid or already connected; a webhook or a
//                  running getUpdates elsewhere offers proxy or mtproto mode)
//   New → Account  the desk bot's token, then the account by QR code (a photo, replaced as the
//                  login link changes) or phone → code (typed with spaces) → 2FA password (its
//                  message deleted after use), through AccountSignIn
//   group          a startgroup deep link with the rights filled in; when the connection's bot
//                  is added to a group (my_chat_member, read with the bot's own getUpdates while
//                  the connection has no group yet) the doctor's checks say what to fix; a
//                  healthy group is kept and the connection starts; then the test message
//   card           state, group, instance id, Parameters, Stop/Start, Reset API key (shown once),
//                  Dashboard link, Doctor, Delete (confirmed)
//   /language      the admin's language for these texts
//
// Only admins (SetupAccess) are served; others get a polite refusal, and a one-time claim code
// makes its sender an admin. Every change goes through ConnectionAdmin with the admin's id as
// the actor, which logs it; refused input is answered with what was wrong and keeps nothing.
//
// Threading: every member function and coroutine runs on `executor` (a strand); the watchers of
// new connections' groups and account sign-ins are spawned on it too.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/ids.h"
#include "core/outcome.h"
#include "core/result.h"
#include "doctor/findings.h"
#include "i18n/catalog.h"
#include "setup/connection_admin.h"
#include "setup/setup_access.h"
#include "telegram/bot_api.h"
#include "telegram/tdlib/td_auth.h"

namespace topicdesk::setup {

struct AccountUser {
  core::UserId id = 0;
  std::string username;  // "" when none
  std::string name;      // first and last name
};

// Signing a personal account in for a new account connection (TDLib).
class AccountSignIn {
 public:
  virtual ~AccountSignIn() = default;
  // Signs the account in under session `name` (the connection's name), talking to the admin
  // through `dialog`. On failure nothing of the session remains, and the error says why in the
  // admin's language too (telegram::tdlib::login_error_text).
  virtual boost::asio::awaitable<core::Outcome<AccountUser>> sign_in(std::string name,
                                                                     telegram::tdlib::LoginDialog dialog) = 0;
  // Removes the signed-in session `name` (its connection could not be kept).
  virtual void forget(const std::string& name) = 0;
};

struct SetupBotDeps {
  telegram::BotApi* api = nullptr;  // the setup bot's own
  ConnectionAdmin* connections = nullptr;
  SetupAccess* access = nullptr;
  AccountSignIn* accounts = nullptr;  // nullptr: no [tdlib]; Account says what to configure
  // A Bot API client for another bot (getMe, getUpdates while picking the group, the checks).
  std::function<std::unique_ptr<telegram::BotApi>(const std::string& token)> api_for_token;
  // The token of a connection, for its checks; nullopt when not known (a file connection's
  // secret not resolvable, …).
  std::function<std::optional<std::string>(const std::string& name)> token_of;
  // A one-time dashboard login link for `admin`, or why there is none.
  std::function<core::Outcome<std::string>(const ConnectionSummary& connection, core::UserId admin)>
      dashboard_link;
  // The title of the connection's newest topic, or nullopt when it has none yet.
  std::function<std::optional<std::string>(const ConnectionSummary& connection)> latest_topic;
  std::function<core::UnixMillis()> now;
  std::string api_base;  // named by the doctor when Telegram cannot be reached
  // How long one getUpdates of a new connection's bot waits while its group is picked: also the
  // longest a healthy group waits to be kept after Check again.
  int group_poll_seconds = 5;
};

// The rights the startgroup link asks for (Bot API: "admin" parameter of a startgroup link).
inline constexpr const char* kGroupRights = "manage_topics+delete_messages+pin_messages";

class SetupBot {
 public:
  SetupBot(boost::asio::any_io_executor executor, SetupBotDeps deps);
  ~SetupBot();
  SetupBot(const SetupBot&) = delete;
  SetupBot& operator=(const SetupBot&) = delete;

  // One update of the setup bot (message, callback_query); never throws for outside input.
  boost::asio::awaitable<void> handle(boost::json::object update);
  // Cancels the group watchers and sign-ins in progress.
  void stop();

  struct Session;
  struct GroupPick;

 private:
  using Keyboard = boost::json::array;

  boost::asio::awaitable<void> on_message(const boost::json::object& message);
  boost::asio::awaitable<void> on_callback(const boost::json::object& query);
  boost::asio::awaitable<void> on_text(Session& session, core::UserId admin,
                                       const boost::json::object& message, std::string text);

  boost::asio::awaitable<void> show_home(Session& session, std::int64_t edit_message);
  boost::asio::awaitable<void> show_card(Session& session, const std::string& name,
                                         std::int64_t edit_message);
  boost::asio::awaitable<void> show_parameters(Session& session, const std::string& name,
                                               std::int64_t edit_message);
  boost::asio::awaitable<void> show_parameter(Session& session, const std::string& name,
                                              const std::string& parameter, std::int64_t edit_message);
  boost::asio::awaitable<void> show_doctor(Session& session, const std::string& name);
  boost::asio::awaitable<void> on_token(Session& session, core::UserId admin, std::string token);
  boost::asio::awaitable<void> add_connection(Session& session, core::UserId admin, std::string mode);
  boost::asio::awaitable<void> begin_account_sign_in(Session& session, core::UserId admin, std::string phone);
  boost::asio::awaitable<void> sign_in_account(core::UserId admin, std::string name, std::string phone);
  boost::asio::awaitable<void> offer_group(Session& session, core::UserId admin,
                                           const ConnectionSummary& connection);
  boost::asio::awaitable<void> watch_group(std::string name);
  boost::asio::awaitable<void> check_group(std::string name, core::ChatId group, std::string title);
  boost::asio::awaitable<void> keep_group(std::string name);
  boost::asio::awaitable<void> check_test_message(Session& session, const std::string& name);
  boost::asio::awaitable<std::optional<std::string>> ask(core::UserId admin,
                                                         std::chrono::milliseconds timeout);

  // Bot API helpers: sends or edits in place (edit_message != 0); returns the message's id.
  boost::asio::awaitable<std::int64_t> say(const Session& session, std::string text, Keyboard keyboard = {},
                                           std::int64_t edit_message = 0);
  // A text of the admin's language; placeholders by name and value (no braced lists: these are
  // coroutine arguments, which GCC miscompiles when braced).
  std::string t(const Session& session, std::string_view key) const;
  std::string t(const Session& session, std::string_view key, std::string_view n1, std::string v1) const;
  std::string t(const Session& session, std::string_view key, std::string_view n1, std::string v1,
                std::string_view n2, std::string v2) const;
  std::string t(const Session& session, std::string_view key, std::string_view n1, std::string v1,
                std::string_view n2, std::string v2, std::string_view n3, std::string v3) const;
  std::string t(const Session& session, std::string_view key, std::string_view n1, std::string v1,
                std::string_view n2, std::string v2, std::string_view n3, std::string v3, std::string_view n4,
                std::string v4) const;
  // The doctor's findings in the admin's language: "✅ what", "❌ what\n   → fix", "ℹ️ what";
  // only those to fix when `fixes_only`.
  std::string findings_text(const Session& session, const doctor::Findings& findings, bool fixes_only) const;

  Session& session_of(core::UserId admin, core::ChatId chat, std::string_view language_code = {});
  void log_action(core::UserId admin, std::string_view what) const;

  boost::asio::any_io_executor executor_;
  SetupBotDeps deps_;
  std::map<core::UserId, std::unique_ptr<Session>> sessions_;
  std::map<std::string, std::unique_ptr<GroupPick>> picks_;  // by connection name
  std::shared_ptr<bool> alive_;
};

}  // namespace topicdesk::setup
