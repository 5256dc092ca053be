// `topicdesk apikey reset --config FILE --connection NAME`: makes a new Topics API key for a
// connection, prints it once (stdout: the key alone, for scripts) and stores only its hash.
// The old key stops working; a running desk notices within seconds (integrations/api_keys.h).
#include <iostream>

#include "app/commands.h"
#include "app/config.h"
#include "app/open_store.h"
#include "core/clock.h"
#include "integrations/api_keys.h"
#include "store/store.h"

namespace topicdesk::app {

namespace {

// The connection's id in the store; a connection that never ran yet is registered now (the
// desk fills in its bot id when it starts).
core::ConnectionId connection_id(store::Store& store, const ConnectionConfig& connection) {
  for (const auto& record : store.connections()) {
    if (record.name == connection.name) return record.id;
  }
  return store.ensure_connection(connection.name, 0, connection.group_id);
}

}  // namespace

int apikey_reset_command(const std::string& config_path, const std::string& connection_name) {
  auto loaded = load_config(config_path);
  if (!loaded) {
    std::cerr << loaded.error().message << "\n";
    return 2;
  }
  const ConnectionConfig* connection = loaded->find_connection(connection_name);
  if (!connection) {
    std::cerr << "apikey: " << config_path << " has no connection named \"" << connection_name
              << "\" (connections: " << loaded->connection_names() << ")\n";
    return 2;
  }
  try {
    auto store = open_store(loaded->storage, store::OpenAs::kTool);
    auto id = connection_id(*store, *connection);
    auto key = integrations::reset_api_key(*store, id, core::unix_millis_now());
    if (!key) {
      std::cerr << "apikey: " << key.error().message << "\n";
      return 1;
    }
    std::cout << *key << "\n";
    std::cerr << "New API key of connection " << connection->name << " (instance " << id
              << "). It is shown only now; the previous key no longer works.\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "apikey: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace topicdesk::app
