// The configuration file (TOML), read into one typed struct and checked as a whole.
// Every mistake is reported as `file:line: key what is wrong`, e.g.
//   topicdesk.toml:12: connection[0].parameters.AUTOCLOSE must be OFF or hours 1..1000000 (got "0")
// Unknown keys are mistakes too. Secrets (`env:NAME`, `file:PATH`) are resolved at load and
// never appear in messages or in redacted_summary(). The README's "Configuration" section and
// docs/parameters.md describe the file for users.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ids.h"
#include "core/parameters.h"
#include "core/result.h"
#include "setup/setup_access.h"
#include "telegram/flood_control.h"

namespace topicdesk::app {

struct ServerConfig {
  std::string listen_host = "127.0.0.1";  // from listen = "host:port"
  unsigned short listen_port = 8080;
  std::string public_url;  // webhook mode: the https:// address Telegram reaches the desk at
};

// Where the desk keeps everything: an SQLite file (the default), or PostgreSQL when
// `postgres` is set ([storage] postgres = "env:TOPICDESK_PG", a libpq URI).
struct StorageConfig {
  std::string sqlite_path = "data/topicdesk.db";  // with postgres: only TDLib's data_dir default
  std::string postgres_uri;                       // resolved secret (it may hold the password); never log it
  std::string postgres_source;                    // "literal", "env:NAME" or "file:PATH", safe to show
  int event_retention_days = 0;  // events (they hold message texts) older than this are purged; 0 = kept

  bool uses_postgres() const { return !postgres_uri.empty(); }
  // The database for messages: the SQLite path, or the URI without its credentials.
  std::string describe() const;
};

// The passwords a libpq URI holds (`user:password@`, `?password=`), as written and decoded,
// for telegram::register_secret: a password echoed alone by an error text is hidden too.
std::vector<std::string> postgres_uri_passwords(std::string_view uri);

struct TelegramConfig {
  std::string api_base = "https://api.telegram.org";  // without a trailing slash
  telegram::FloodLimits limits;                       // [telegram.limits]
  // After a small getUpdates batch, wait this long before the next one, so that what arrives
  // meanwhile is committed as one batch (docs/performance.md); 0: never wait.
  int poll_gather_ms = 100;
};

// [retention]: how long the desk keeps what it records about conversations.
struct RetentionConfig {
  int history_days = 0;  // message history (store/history_store.h) older than this is purged; 0 = kept
};

// [cluster]: several instances on one PostgreSQL database (docs/several-instances.md).
struct ClusterConfig {
  int lease_seconds = 10;  // a dead instance's connections move within this
  std::string advertise;   // "host:port" the other instances reach this one's HTTP at; empty: from listen
};

// "host:port" (a port 1..65535; "[::1]:8080" for IPv6), or nullopt.
std::optional<std::pair<std::string, unsigned short>> parse_host_port(std::string_view text);

// [api]: the Topics API's per-key token bucket (docs/api.md).
struct ApiConfig {
  double rate_per_second = 50;  // 0 = no limit
  double burst = 100;
};

// [payments] (docs/payments.md): invoices in currencies other than Telegram Stars (XTR).
struct PaymentsConfig {
  std::string provider_token;         // resolved secret; never log it
  std::string provider_token_source;  // "literal", "env:NAME" or "file:PATH", safe to show
};

// [setup]: the setup bot (docs/setup.md, "The setup bot").
struct SetupConfig {
  std::string token;         // resolved secret; empty: no setup bot; never log it
  std::string token_source;  // "literal", "env:NAME" or "file:PATH", safe to show
  setup::AdminList admins;   // who may use it, besides those who claimed it (in the store)

  bool enabled() const { return !token.empty(); }
};

// [ai] (docs/ai.md): the OpenAI-compatible chat-completions server of the AI consultant, for
// every connection whose AI parameter is not OFF.
struct AiConfig {
  bool enabled = false;                // the file has an [ai] table
  std::string base_url;                // "http(s)://host[:port]/v1": <base_url>/chat/completions is called
  std::string model;                   // the model's name as the server knows it
  std::string api_key;                 // resolved secret, sent as a Bearer token; never log it; empty: none
  std::string api_key_source;          // "env:NAME" or "file:PATH", safe to show; empty: no key
  int timeout_seconds = 30;            // one call's deadline
  std::int64_t daily_tokens = 200000;  // tokens a connection may spend a UTC day; 0 = no limit
  int max_in_flight = 4;               // calls at once, over all connections
};

struct LoggingConfig {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
};

enum class TransportKind { kPolling, kWebhook };
const char* to_string(TransportKind kind);

// What the connection is (docs/architecture.md, "Transports"):
//   bot      topicdesk alone drives the bot (polling or webhook)
//   proxy    the bot has its own program; topicdesk serves the Bot API to it at /bot<token>/
//   mtproto  the bot has its own program; topicdesk logs in as the bot a second time (TDLib)
//   account  a personal account signed in through TDLib; `token` is the desk bot in the group
enum class ConnectionMode { kBot, kProxy, kMtproto, kAccount };
const char* to_string(ConnectionMode mode);
std::optional<ConnectionMode> connection_mode_from_string(std::string_view text);

// [tdlib]: needed by mtproto and account connections.
struct TdlibConfig {
  std::string library;  // path to libtdjson.so; empty = the npm package under node_modules
  std::int32_t api_id = 0;
  std::string api_hash;  // resolved secret; never log it
  std::string data_dir;  // one database directory per session below it; as written or <sqlite dir>/tdlib
};

struct ConnectionConfig {
  std::string name;  // [a-z0-9_-]{1,32}, unique
  ConnectionMode mode = ConnectionMode::kBot;
  std::string token;         // resolved secret; never log it (mode account: the desk bot's token)
  std::string token_source;  // "literal", "env:NAME" or "file:PATH", safe to show
  core::ChatId group_id = 0;
  TransportKind transport = TransportKind::kPolling;
  std::string webhook_secret;  // resolved; required for webhook
  // [connection.parameters] as written: strings as-is, numbers and booleans as text, arrays
  // JSON-like (`["w1",["w3","w4"]]`), in file order. `parameters` is the same, checked and typed.
  core::RawParameters raw_parameters;
  core::Parameters parameters;
  int line = 0;  // where the [[connection]] table starts
};

// A helper bot of a backend group (docs/helper-bots.md): another bot, admin of the group, that
// posts copies when the connections' own bots have spent the group's budget.
struct HelperConfig {
  std::string token;         // resolved secret; never log it
  std::string token_source;  // "literal", "env:NAME" or "file:PATH", safe to show
};

// [[group]]: a backend group of one or more connections, with its helper bots.
struct GroupConfig {
  core::ChatId id = 0;
  std::vector<HelperConfig> helpers;
  int line = 0;  // where the [[group]] table starts
};

struct Config {
  std::string path;
  ServerConfig server;
  StorageConfig storage;
  RetentionConfig retention;
  ClusterConfig cluster;
  TelegramConfig telegram;
  LoggingConfig logging;
  ApiConfig api;
  TdlibConfig tdlib;
  PaymentsConfig payments;
  SetupConfig setup;
  AiConfig ai;
  std::vector<ConnectionConfig> connections;
  std::vector<GroupConfig> groups;

  // One line for the log at start-up: everything but the secrets.
  std::string redacted_summary() const;
  // The [[connection]] named `name`, or nullptr.
  const ConnectionConfig* find_connection(std::string_view name) const;
  // The [[group]] with this id, or nullptr.
  const GroupConfig* find_group(core::ChatId id) const;
  // "a, b, c", or "none": for messages that name a connection that is not there.
  std::string connection_names() const;
};

// Where secrets come from; tests replace both.
struct SecretSources {
  std::function<std::optional<std::string>(const std::string& name)> env;
  // Reads a secret file; an error when it cannot be read or is group/world readable.
  std::function<core::Result<std::string>(const std::string& path)> read_file;
  static SecretSources system();
};

// The keys each table of the file may hold; the reader refuses any other. `path` is "" for the
// top level, "connection" for each [[connection]] ([connection.parameters] holds parameters,
// core::known_parameter_names()).
struct ConfigTable {
  std::string_view path;
  std::vector<std::string_view> keys;
};
const std::vector<ConfigTable>& config_tables();

// Reads and checks a configuration file. Relative `file:` paths are relative to the file's
// directory.
core::Result<Config> load_config(const std::string& path);
// The same for text already in memory; `source_name` is used in messages.
core::Result<Config> parse_config(std::string_view text, const std::string& source_name,
                                  const SecretSources& secrets);

}  // namespace topicdesk::app
