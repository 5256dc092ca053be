#include "app/commands.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <tuple>

#include "app/config.h"
#include "app/doctor.h"
#include "app/open_store.h"
#include "app/process_resources.h"
#include "app/redacting_sink.h"
#include "app/runtime.h"
#include "app/setup_wiring.h"
#include "store/migrations/migrations.h"
#include "store/postgres/postgres_probe.h"
#include "store/store.h"
#include "telegram/redact.h"

namespace topicdesk::app {
namespace {

void setup_logging(const std::string& level) {
  auto terminal = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("topicdesk", std::make_shared<RedactingSink>(terminal));
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

// Secrets without a recognisable shape, so that the log sink hides them wherever they appear.
void register_secrets(const Config& settings) {
  telegram::register_secret(settings.tdlib.api_hash);
  telegram::register_secret(settings.payments.provider_token);
  for (const auto& password : postgres_uri_passwords(settings.storage.postgres_uri))
    telegram::register_secret(password);
  for (const auto& c : settings.connections) {
    telegram::register_secret(c.token);
    telegram::register_secret(c.webhook_secret);
    telegram::register_secret(c.parameters.webhooks_secret);
  }
  for (const auto& g : settings.groups) {
    for (const auto& h : g.helpers) telegram::register_secret(h.token);
  }
}

// Loads the configuration or prints why it cannot be used.
std::optional<Config> load_or_explain(const std::string& config_path) {
  auto loaded = load_config(config_path);
  if (!loaded) {
    std::cerr << telegram::redact_secrets(loaded.error().message) << "\n";  // may quote a WEBHOOKS URL
    return std::nullopt;
  }
  register_secrets(*loaded);  // before anything can print a database error
  return std::move(loaded).value();
}

}  // namespace

const char* version() { return "0.1.0"; }

int run_command(const std::string& config_path, const std::string& listen) {
  auto loaded = load_or_explain(config_path);
  if (!loaded) return 2;
  if (!listen.empty()) {
    auto parsed = parse_host_port(listen);
    if (!parsed) {
      std::cerr << "--listen " << listen << ": must be host:port with a port 1..65535, e.g. 127.0.0.1:8081\n";
      return 2;
    }
    std::tie(loaded->server.listen_host, loaded->server.listen_port) = *parsed;
  }
  setup_logging(loaded->logging.level);
  spdlog::info("topicdesk {} starting: {}", version(), loaded->redacted_summary());
  spdlog::info("process: {}", prepare_process_resources());
  try {
    Runtime runtime(std::move(*loaded));
    runtime.add_component(make_setup_bot);  // the setup bot, when [setup] token is set
    return runtime.run();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}

int doctor_command(const std::string& config_path) {
  auto loaded = load_or_explain(config_path);
  if (!loaded) return 2;
  return run_doctor(*loaded, std::cout) ? 0 : 1;
}

int migrate_command(const std::string& config_path) {
  auto loaded = load_or_explain(config_path);
  if (!loaded) return 2;
  const auto& storage = loaded->storage;
  std::string server;
  if (storage.uses_postgres()) {
    // Asked first, so that a wrong address or a newer schema is said plainly.
    const auto probe = store::probe_postgres(storage.postgres_uri);
    if (!probe.reachable) {
      std::cerr << "migrate: cannot use " << storage.describe() << ": " << probe.error << "\n";
      return 1;
    }
    if (probe.schema_version > store::migrations::newest_version()) {
      std::cerr << "migrate: " << storage.describe() << " has schema version " << probe.schema_version
                << ", newer than this topicdesk knows (" << store::migrations::newest_version()
                << "): run the topicdesk version that wrote it, or a newer one\n";
      return 1;
    }
    server = " (PostgreSQL " + probe.server_version + ")";
  }
  try {
    auto store = open_store(storage, store::OpenAs::kTool);  // applies migrations
    std::cout << "database " << storage.describe() << server << " is at schema version "
              << store->schema_version() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "migrate: " << telegram::redact_secrets(e.what()) << "\n";
    return 1;
  }
}

}  // namespace topicdesk::app
