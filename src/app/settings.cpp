#include "app/settings.h"

#include <filesystem>

#include "app/config.h"

namespace topicdesk::app {

core::Result<LoadedSettings> load_settings(const std::string& config_path) {
  auto config = load_config(config_path);
  if (!config) return config.error();

  LoadedSettings loaded;
  loaded.log_level = config->logging.level;
  loaded.summary = config->redacted_summary();
  auto& rt = loaded.runtime;
  rt.listen_address = config->server.listen_host;
  rt.listen_port = config->server.listen_port;
  rt.public_url = config->server.public_url;
  rt.sqlite_path = config->storage.sqlite_path;
  rt.api_base = config->telegram.api_base;
  rt.flood_limits = config->telegram.limits;
  rt.api_rate_per_second = config->api.rate_per_second;
  rt.api_burst = config->api.burst;
  rt.tdlib_library = config->tdlib.library;
  rt.tdlib_api_id = config->tdlib.api_id;
  rt.tdlib_api_hash = config->tdlib.api_hash;
  rt.tdlib_data_dir = config->tdlib.data_dir.empty()
                          ? (std::filesystem::path(rt.sqlite_path).parent_path() / "tdlib").string()
                          : config->tdlib.data_dir;
  for (auto& c : config->connections) {
    rt.connections.push_back(ConnectionSettings{
        .name = c.name,
        .mode = c.mode,
        .token = c.token,
        .group_id = c.group_id,
        .transport = c.transport,
        .webhook_secret = c.webhook_secret,
        .parameters = c.parameters,
    });
  }
  return loaded;
}

}  // namespace topicdesk::app
