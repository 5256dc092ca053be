// The running desk: wires store, transports, engines, dispatcher, scheduler and the HTTP
// server on one Asio event loop (see docs/architecture.md, "Threads").
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "core/ids.h"
#include "core/parameters.h"
#include "telegram/flood_control.h"

namespace topicdesk::app {

// The configuration's own enums (app/config.h), under the names the runtime's code uses.
using Transport = TransportKind;
using Mode = ConnectionMode;

struct ConnectionSettings {
  std::string name;
  Mode mode = Mode::kBot;
  std::string token;  // the bot that drives the backend group (mode account: the desk bot)
  core::ChatId group_id = 0;
  Transport transport = Transport::kPolling;
  std::string webhook_secret;
  core::Parameters parameters;
};

struct RuntimeSettings {
  std::string listen_address = "127.0.0.1";
  unsigned short listen_port = 8080;
  std::string public_url;  // webhook mode: https://host the desk is reachable at
  std::string sqlite_path = "data/topicdesk.db";
  std::string api_base = "https://api.telegram.org";
  telegram::FloodLimits flood_limits;
  double api_rate_per_second = 50;  // [api]: Topics API token bucket per key; 0 = off
  double api_burst = 100;
  // [tdlib] for mtproto and account connections.
  std::string tdlib_library;  // empty = the npm package's libtdjson.so
  std::int32_t tdlib_api_id = 0;
  std::string tdlib_api_hash;
  std::string tdlib_data_dir;  // resolved: never empty when a connection needs TDLib
  std::vector<ConnectionSettings> connections;
};

class Runtime {
 public:
  explicit Runtime(RuntimeSettings settings);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Runs until SIGINT/SIGTERM or a fatal error; returns the process exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace topicdesk::app
