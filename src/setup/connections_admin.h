// setup::ConnectionAdmin over the store (connection_admin.h holds the contract): connections of
// the configuration file are shown read-only; connections made at run time are kept in the
// store (store/stored_connection_store.h) and checked with the TOML reader's rules first, so a
// refused request keeps nothing.
//
// The same object serves the shell (`topicdesk connection …`, which knows nothing of a running
// desk: states come from what is kept) and the running desk (which passes `live`, its view of
// each connection, and `changed`, called after every kept change so it applies it at once).
// Other processes' changes reach a running desk through the store's change serial.
//
// Parameters: `value` OFF (any case) turns a parameter off where the parameter knows OFF (as
// `WELCOME = "OFF"` does in the file); for one that does not, OFF gives it back its default.
// DEFAULT (any case) always gives the parameter back its default.
//
// Not thread-safe: call it from one thread (the desk's relay loop).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/outcome.h"
#include "core/parameters.h"
#include "core/result.h"
#include "i18n/catalog.h"
#include "setup/connection_admin.h"
#include "store/store.h"

namespace topicdesk::setup {

// A [[connection]] of the configuration file, as far as the admin needs it.
struct FileConnection {
  std::string name;
  std::string mode;   // bot, proxy, mtproto, account
  std::string token;  // a secret: only its bot id is ever used (the same bot may not be added twice)
  core::ChatId group_id = 0;
  core::RawParameters parameters;
};

// What the running desk knows of a connection now.
struct LiveStatus {
  ConnectionState state = ConnectionState::kStarting;
  i18n::Message problem;  // why it does not run (setup.problem.*); key "" when it runs
  core::ConnectionId id = 0;
  core::UserId bot_id = 0;
  std::string bot_username;
};

struct ConnectionsAdminOptions {
  std::string config_path = "topicdesk.toml";  // named in the refusals of file connections
  std::vector<FileConnection> file_connections;
  bool tdlib_configured = false;  // mode mtproto and account need [tdlib] api_id and api_hash
  // The running desk's view of a connection; unset (the shell) or nullopt: from what is kept.
  std::function<std::optional<LiveStatus>(const std::string& name)> live;
  // Called after every change that was kept (the running desk applies it at once).
  std::function<void()> changed;
  std::function<core::UnixMillis()> now;  // unset: the system clock
};

class StoreConnectionAdmin final : public ConnectionAdmin {
 public:
  StoreConnectionAdmin(store::Store& store, ConnectionsAdminOptions options);

  std::vector<ConnectionSummary> list() override;
  core::Outcome<ConnectionSummary> get(const std::string& name) override;
  core::Outcome<ConnectionSummary> add(const NewConnection& spec, core::UserId actor) override;
  core::OutcomeStatus set_group(const std::string& name, core::ChatId group, core::UserId actor) override;
  core::OutcomeStatus set_parameter(const std::string& name, const std::string& parameter,
                                    const std::string& value, core::UserId actor) override;
  core::OutcomeStatus stop(const std::string& name, core::UserId actor) override;
  core::OutcomeStatus start(const std::string& name, core::UserId actor) override;
  core::OutcomeStatus remove(const std::string& name, core::UserId actor) override;
  core::Outcome<std::string> reset_api_key(const std::string& name, core::UserId actor) override;

 private:
  const FileConnection* file_connection(const std::string& name) const;
  // kNotFound for an unknown name, kForbidden for a file connection, else the kept connection.
  core::Outcome<store::StoredConnection> editable(const std::string& name);
  ConnectionSummary summary_of(const FileConnection& c);
  ConnectionSummary summary_of(const store::StoredConnection& c);
  core::ConnectionId instance_id(const std::string& name);
  core::UnixMillis now() const;
  void changed(const std::string& what, const std::string& name, core::UserId actor);

  store::Store& store_;
  ConnectionsAdminOptions options_;
};

// The rules the configuration reader applies to a connection, with its messages (without the
// file's `connection[N].` prefix; catalogue texts, English as the reader's). nullopt: fine.
std::optional<i18n::Message> connection_name_problem(std::string_view name);
std::optional<i18n::Message> connection_mode_problem(std::string_view mode);
bool looks_like_bot_token(std::string_view token);
// The bot id a token starts with (0 when it has none).
core::UserId bot_id_of_token(std::string_view token);
// "unknown parameter NAME" (with a hint when only its case is wrong), or nullopt.
std::optional<i18n::Message> parameter_name_problem(const std::string& name);
// A parameter `name` = `value` alone, as the reader checks it: known name, valid value.
std::optional<i18n::Message> parameter_problem(const std::string& name, const std::string& value);

}  // namespace topicdesk::setup
