// The subcommands of the topicdesk binary. Each returns the process exit code.
#pragma once
#include <string>

namespace topicdesk::app {

struct DemoOptions {
  std::string tgsim_path;
  std::string data_dir = "data/demo";
  int sim_port = 8081;
  int desk_port = 8080;
  std::string language;  // LANGUAGE of the demo connection (docs/languages.md); empty: English
};

// `listen` ("host:port"), when not empty, replaces [server] listen.
int run_command(const std::string& config_path, const std::string& listen = "");
int doctor_command(const std::string& config_path);
int migrate_command(const std::string& config_path);
int demo_command(const DemoOptions& options);
// Topics API: apikey.cpp
int apikey_reset_command(const std::string& config_path, const std::string& connection_name);
// Integrations: hooks (webhooks_cli.cpp)
int webhooks_status_command(const std::string& config_path, bool show_secret);
const char* version();

}  // namespace topicdesk::app
