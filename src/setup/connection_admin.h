// Connections made and changed while the desk runs (docs/setup.md). Two front ends share this
// one interface: `topicdesk connection …` in the shell and the setup bot in Telegram. The desk
// implements it over the store; every change is applied without a restart (a parameter change
// on the connection's next event), and by every instance on a shared database.
//
// Contract:
// - Connections written in the configuration file are listed (origin kFile) but read-only:
//   every change to one is refused with kForbidden and a message that says to edit the file.
// - Every input is checked before anything is kept, with the TOML reader's rules and messages
//   (names [a-z0-9_-]{1,32}, parameter values as core::parse_parameters checks them); a refused
//   request leaves nothing half-made.
// - Tokens are secrets: never logged, never returned; `token_hint` shows the bot id only.
// - A refusal says why in English (error().message: the shell prints it) and in every catalogue
//   language (Outcome::message_in: the setup bot shows its admin's).
// - `actor` is who asked (a Telegram user id; 0 for the shell): every change is logged with it.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/outcome.h"
#include "core/parameters.h"
#include "core/result.h"
#include "i18n/catalog.h"

namespace topicdesk::setup {

enum class ConnectionOrigin { kFile, kDatabase };
enum class ConnectionState {
  kStarting,    // being brought up (getMe, the group's checks)
  kRunning,     // relaying
  kStopped,     // stopped by an admin; keeps its dialogs and settings
  kFailed,      // could not start: `problem` says why
  kIncomplete,  // made but not ready to run yet (no backend group chosen)
};
const char* to_string(ConnectionOrigin origin);
const char* to_string(ConnectionState state);

struct ConnectionSummary {
  std::string name;
  std::string mode;  // bot, proxy, mtproto, account
  ConnectionOrigin origin = ConnectionOrigin::kDatabase;
  ConnectionState state = ConnectionState::kIncomplete;
  i18n::Message problem;           // for kFailed: what to fix, for people (key "" when none)
  core::ConnectionId id = 0;       // the instance id; 0 until first started
  core::UserId bot_id = 0;         // the bot (or account); 0 until known
  std::string bot_username;        // "" until known
  core::ChatId group_id = 0;       // 0 until chosen
  core::RawParameters parameters;  // as set (name → text), in name order
};

struct NewConnection {
  std::string name;           // [a-z0-9_-]{1,32}, unique among file and database connections
  std::string mode = "bot";   // bot, proxy, mtproto, account
  std::string token;          // the bot's token (account: the desk bot's); a secret
  core::ChatId group_id = 0;  // 0: chosen later (set_group)
  core::RawParameters parameters;
};

class ConnectionAdmin {
 public:
  virtual ~ConnectionAdmin() = default;

  virtual std::vector<ConnectionSummary> list() = 0;  // file connections first, then by name
  virtual core::Outcome<ConnectionSummary> get(const std::string& name) = 0;
  // Keeps a new connection and starts it when it has a group. kConflict when the name or the
  // bot is taken.
  virtual core::Outcome<ConnectionSummary> add(const NewConnection& spec, core::UserId actor) = 0;
  virtual core::OutcomeStatus set_group(const std::string& name, core::ChatId group, core::UserId actor) = 0;
  // `value` "OFF" (any case) clears the parameter; anything else is checked as the TOML reader
  // checks it and refused with its message.
  virtual core::OutcomeStatus set_parameter(const std::string& name, const std::string& parameter,
                                            const std::string& value, core::UserId actor) = 0;
  virtual core::OutcomeStatus stop(const std::string& name, core::UserId actor) = 0;
  virtual core::OutcomeStatus start(const std::string& name, core::UserId actor) = 0;
  // Stops it and forgets its settings and token; its dialogs and history stay in the store.
  virtual core::OutcomeStatus remove(const std::string& name, core::UserId actor) = 0;
  // A new Topics API key, returned once; the old one stops working.
  virtual core::Outcome<std::string> reset_api_key(const std::string& name, core::UserId actor) = 0;
};

}  // namespace topicdesk::setup
