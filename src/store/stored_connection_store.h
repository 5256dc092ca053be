// Connections made at run time (docs/setup.md): what `topicdesk connection add` and the setup
// bot keep, beside the ones the configuration file names. One row per connection with its
// token (a secret: the store keeps it as given, the desk never logs it), its backend group,
// whether it should run, and its parameters as text (name → value, checked before they are
// kept, core::parse_parameters).
//
// Every change bumps one serial (stored_connections_serial) in the same transaction: a running
// desk reads that number every second or so and reads the rows again only when it moved, so
// changes made by another process (the shell, another instance) are seen cheaply.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/parameters.h"

namespace topicdesk::store {

struct StoredConnection {
  std::string name;           // [a-z0-9_-]{1,32}, unique
  std::string mode = "bot";   // bot, proxy, mtproto, account
  std::string token;          // a secret; never log it
  core::ChatId group_id = 0;  // 0: not chosen yet
  std::string transport = "polling";
  bool wanted_running = true;      // false: stopped by an admin
  core::RawParameters parameters;  // in name order
  core::UserId created_by = 0;     // who made it (a Telegram user id; 0: the shell)
  core::UnixMillis created_at = 0;
  core::UnixMillis updated_at = 0;
};

class StoredConnectionStore {
 public:
  virtual ~StoredConnectionStore() = default;
  // Keeps a new connection with its parameters, at once; false (nothing kept) when the name is
  // taken.
  virtual bool add_stored_connection(const StoredConnection& connection) = 0;
  virtual std::optional<StoredConnection> stored_connection(const std::string& name) = 0;
  virtual std::vector<StoredConnection> stored_connections() = 0;  // in name order
  // Each returns false when no connection has this name (nothing changes then).
  virtual bool set_stored_connection_group(const std::string& name, core::ChatId group_id,
                                           core::UnixMillis now) = 0;
  virtual bool set_stored_connection_running(const std::string& name, bool running, core::UnixMillis now) = 0;
  // nullopt removes the parameter.
  virtual bool set_stored_connection_parameter(const std::string& name, const std::string& parameter,
                                               const std::optional<std::string>& value,
                                               core::UnixMillis now) = 0;
  // Forgets the connection, its token and parameters (its dialogs stay with its instance id).
  virtual bool remove_stored_connection(const std::string& name) = 0;
  // Grows with every change above (never goes back); 0 before the first.
  virtual std::int64_t stored_connections_serial() = 0;
};

}  // namespace topicdesk::store
