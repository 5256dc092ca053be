#include "app/config.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/secret.h"
#include "telegram/redact.h"

namespace topicdesk::app {
namespace {

constexpr std::size_t kMaxConnections = 1000;
constexpr std::size_t kMaxNameLength = 32;
constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;
constexpr std::size_t kMaxHelpers = 20;
constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};

// The first mistake found; thrown inside the reader and turned into a Result at the edge.
struct Mistake {
  std::string message;
};

const std::vector<std::string_view>& keys_of(std::string_view table) {
  for (const auto& t : config_tables()) {
    if (t.path == table) return t.keys;
  }
  static const std::vector<std::string_view> kNone;
  return kNone;
}

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }

bool is_hex_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_env_name(std::string_view name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// A Bot API token: the bot's numeric id, a colon, and the secret part.
bool looks_like_bot_token(std::string_view token) {
  auto colon = token.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 20 || colon + 1 == token.size()) return false;
  auto id = token.substr(0, colon);
  auto secret = token.substr(colon + 1);
  return std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         secret.size() <= 256 && core::is_secret_text(secret);
}

bool starts_with_http(std::string_view url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

// Parameter values as text: strings as written, numbers and booleans in TOML spelling, arrays
// JSON-like with `"` and `\` escaped (what core::parse_list reads).
std::optional<std::string> render_parameter(const toml::node& node, int depth = 0) {
  if (const auto* s = node.as_string()) {
    if (depth == 0) return s->get();
    std::string out = "\"";
    for (char c : s->get()) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* b = node.as_boolean()) return std::string(b->get() ? "true" : "false");
  if (const auto* f = node.as_floating_point()) return fmt::format("{}", f->get());
  if (const auto* array = node.as_array(); array != nullptr && depth < 2) {
    std::string out = "[";
    for (std::size_t i = 0; i < array->size(); ++i) {
      auto item = render_parameter(*array->get(i), depth + 1);
      if (!item) return std::nullopt;
      if (i > 0) out += ',';
      out += *item;
    }
    return out + "]";
  }
  return std::nullopt;
}

class Reader {
 public:
  Reader(std::string file, const SecretSources& secrets) : file_(std::move(file)), secrets_(secrets) {}

  Config read(const toml::table& root) {
    Config config;
    config.path = file_;
    only_known_keys(root, "", keys_of(""));
    if (const auto* t = table_at(root, "server", "server")) config.server = read_server(*t);
    if (const auto* t = table_at(root, "storage", "storage")) config.storage = read_storage(*t);
    if (const auto* t = table_at(root, "cluster", "cluster")) config.cluster = read_cluster(*t);
    if (const auto* t = table_at(root, "retention", "retention")) config.retention = read_retention(*t);
    if (const auto* t = table_at(root, "telegram", "telegram")) config.telegram = read_telegram(*t);
    if (const auto* t = table_at(root, "logging", "logging")) config.logging = read_logging(*t);
    if (const auto* t = table_at(root, "api", "api")) config.api = read_api(*t);
    if (const auto* t = table_at(root, "tdlib", "tdlib")) config.tdlib = read_tdlib(*t);
    if (const auto* t = table_at(root, "payments", "payments")) config.payments = read_payments(*t);
    if (const auto* t = table_at(root, "setup", "setup")) config.setup = read_setup(*t);
    if (const auto* t = table_at(root, "ai", "ai")) config.ai = read_ai(*t);
    read_connections(root, config);
    for (const auto& c : config.connections) {
      if (c.parameters.ai != core::AiMode::kOff && !config.ai.enabled) {
        throw Mistake{
            fmt::format("{}:{}: connection {} has AI = {} but the file has no [ai] table (base_url, "
                        "model): see docs/ai.md",
                        file_, c.line, c.name, c.parameters.ai == core::AiMode::kDraft ? "draft" : "auto")};
      }
    }
    read_groups(root, config);
    if (config.tdlib.data_dir.empty()) {
      config.tdlib.data_dir =
          (std::filesystem::path(config.storage.sqlite_path).parent_path() / "tdlib").string();
    }
    return config;
  }

 private:
  [[noreturn]] void fail(const toml::source_region& where, std::string_view what) const {
    throw Mistake{fmt::format("{}:{}: {}", file_, where.begin.line, what)};
  }

  static std::string join(std::string_view path, std::string_view key) {
    return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
  }

  void only_known_keys(const toml::table& table, std::string_view path,
                       const std::vector<std::string_view>& known) const {
    for (auto&& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        std::string allowed;
        for (auto k : known) allowed += (allowed.empty() ? "" : ", ") + std::string(k);
        fail(key.source(), fmt::format("unknown key {} (allowed here: {})", join(path, key.str()), allowed));
      }
    }
  }

  const toml::table* table_at(const toml::table& parent, std::string_view key, std::string_view path) const {
    const toml::node* node = parent.get(key);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) fail(node->source(), fmt::format("{} must be a table", path));
    return node->as_table();
  }

  std::optional<std::string> string_at(const toml::table& t, std::string_view key,
                                       std::string_view path) const {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_string()) fail(node->source(), fmt::format("{} must be a string", join(path, key)));
    return node->as_string()->get();
  }

  std::optional<std::int64_t> integer_at(const toml::table& t, std::string_view key, std::string_view path,
                                         std::int64_t min, std::int64_t max) const {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_integer()) fail(node->source(), fmt::format("{} must be an integer", join(path, key)));
    std::int64_t value = node->as_integer()->get();
    if (value < min || value > max)
      fail(node->source(), fmt::format("{} must be {}..{}", join(path, key), min, max));
    return value;
  }

  std::optional<double> number_at(const toml::table& t, std::string_view key, std::string_view path,
                                  double min, double max) const {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    std::optional<double> value;
    if (node->is_integer()) value = static_cast<double>(node->as_integer()->get());
    if (node->is_floating_point()) value = node->as_floating_point()->get();
    if (!value || !(*value >= min && *value <= max)) {
      fail(node->source(), fmt::format("{} must be a number {}..{}", join(path, key), min, max));
    }
    return value;
  }

  std::optional<bool> boolean_at(const toml::table& t, std::string_view key, std::string_view path) const {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_boolean()) fail(node->source(), fmt::format("{} must be true or false", join(path, key)));
    return node->as_boolean()->get();
  }

  const toml::source_region& where(const toml::table& t, std::string_view key) const {
    return t.get(key)->source();
  }

  ServerConfig read_server(const toml::table& t) const {
    only_known_keys(t, "server", keys_of("server"));
    ServerConfig server;
    if (auto listen = string_at(t, "listen", "server")) {
      auto parsed = parse_host_port(*listen);
      if (!parsed) {
        fail(where(t, "listen"),
             "server.listen must be host:port with a port 1..65535, e.g. \"127.0.0.1:8080\"");
      }
      std::tie(server.listen_host, server.listen_port) = *parsed;
    }
    if (auto url = string_at(t, "public_url", "server")) {
      if (!starts_with_http(*url) || url->size() > 2048) {
        fail(where(t, "public_url"),
             "server.public_url must be an https:// address, e.g. \"https://desk.example.com\"");
      }
      while (!url->empty() && url->back() == '/') url->pop_back();
      server.public_url = *url;
    }
    return server;
  }

  ClusterConfig read_cluster(const toml::table& t) const {
    only_known_keys(t, "cluster", keys_of("cluster"));
    ClusterConfig cluster;
    cluster.lease_seconds =
        static_cast<int>(integer_at(t, "lease_seconds", "cluster", 2, 300).value_or(cluster.lease_seconds));
    if (auto advertise = string_at(t, "advertise", "cluster")) {
      if (!advertise->empty() && !parse_host_port(*advertise)) {
        fail(where(t, "advertise"),
             "cluster.advertise must be host:port with a port 1..65535: where the other instances reach this "
             "one's HTTP server, e.g. \"10.0.0.5:8080\"");
      }
      cluster.advertise = *advertise;
    }
    return cluster;
  }

  RetentionConfig read_retention(const toml::table& t) const {
    only_known_keys(t, "retention", keys_of("retention"));
    RetentionConfig retention;
    retention.history_days = static_cast<int>(
        integer_at(t, "history_days", "retention", 0, 36500).value_or(retention.history_days));
    return retention;
  }

  StorageConfig read_storage(const toml::table& t) const {
    only_known_keys(t, "storage", keys_of("storage"));
    StorageConfig storage;
    if (auto path = string_at(t, "sqlite", "storage")) {
      if (path->empty()) fail(where(t, "sqlite"), "storage.sqlite must be a file path (or \":memory:\")");
      storage.sqlite_path = *path;
    }
    if (string_at(t, "postgres", "storage")) {
      if (t.contains("sqlite")) {
        fail(where(t, "postgres"),
             "storage: set sqlite or postgres, not both (postgres keeps everything; "
             "remove the sqlite line)");
      }
      storage.postgres_uri = resolve_secret(t, "postgres", "storage", storage.postgres_source);
      // The value may be a password: say where it came from, never what it is.
      if (!storage.postgres_uri.starts_with("postgresql://") &&
          !storage.postgres_uri.starts_with("postgres://")) {
        fail(where(t, "postgres"),
             fmt::format(
                 "storage.postgres must be a libpq URI, postgresql://user@host:port/database (the value "
                 "from {} is not)",
                 storage.postgres_source));
      }
    }
    storage.event_retention_days = static_cast<int>(
        integer_at(t, "event_retention_days", "storage", 0, 36500).value_or(storage.event_retention_days));
    return storage;
  }

  TelegramConfig read_telegram(const toml::table& t) const {
    only_known_keys(t, "telegram", keys_of("telegram"));
    TelegramConfig telegram;
    if (auto base = string_at(t, "api_base", "telegram")) {
      if (!starts_with_http(*base) || base->size() > 2048) {
        fail(where(t, "api_base"),
             "telegram.api_base must be an http(s):// address, e.g. \"https://api.telegram.org\"");
      }
      while (!base->empty() && base->back() == '/') base->pop_back();
      telegram.api_base = *base;
    }
    telegram.poll_gather_ms = static_cast<int>(
        integer_at(t, "poll_gather_ms", "telegram", 0, 1000).value_or(telegram.poll_gather_ms));
    if (const auto* limits = table_at(t, "limits", "telegram.limits")) {
      constexpr std::string_view kPath = "telegram.limits";
      only_known_keys(*limits, kPath, keys_of(kPath));
      auto& l = telegram.limits;
      l.enabled = boolean_at(*limits, "enabled", kPath).value_or(l.enabled);
      l.chat_per_second =
          number_at(*limits, "chat_per_second", kPath, 0.01, 1000).value_or(l.chat_per_second);
      l.chat_burst =
          static_cast<int>(integer_at(*limits, "chat_burst", kPath, 1, 1000).value_or(l.chat_burst));
      l.group_per_minute = static_cast<int>(
          integer_at(*limits, "group_per_minute", kPath, 1, 100000).value_or(l.group_per_minute));
      l.bot_per_second = static_cast<int>(
          integer_at(*limits, "bot_per_second", kPath, 1, 100000).value_or(l.bot_per_second));
    }
    return telegram;
  }

  LoggingConfig read_logging(const toml::table& t) const {
    only_known_keys(t, "logging", keys_of("logging"));
    LoggingConfig logging;
    if (auto level = string_at(t, "level", "logging")) {
      if (std::find(std::begin(kLogLevels), std::end(kLogLevels), *level) == std::end(kLogLevels)) {
        fail(where(t, "level"),
             "logging.level must be one of trace, debug, info, warn, error, critical, off");
      }
      logging.level = *level;
    }
    return logging;
  }

  ApiConfig read_api(const toml::table& t) const {
    only_known_keys(t, "api", keys_of("api"));
    ApiConfig api;
    api.rate_per_second = number_at(t, "rate_per_second", "api", 0, 1e9).value_or(api.rate_per_second);
    api.burst = number_at(t, "burst", "api", 1, 1e9).value_or(api.burst);
    return api;
  }

  SetupConfig read_setup(const toml::table& t) const {
    only_known_keys(t, "setup", keys_of("setup"));
    SetupConfig setup;
    if (t.contains("token")) setup.token = resolve_secret(t, "token", "setup", setup.token_source);
    if (const toml::node* node = t.get("admins")) {
      const toml::array* list = node->as_array();
      if (list == nullptr) fail(node->source(), "setup.admins must be a list of user ids and \"@usernames\"");
      for (const auto& entry : *list) {
        std::string text;
        if (entry.is_integer()) {
          text = std::to_string(entry.as_integer()->get());
        } else if (entry.is_string()) {
          text = entry.as_string()->get();
        } else {
          fail(entry.source(), "setup.admins holds user ids (123456789) and \"@usernames\" only");
        }
        auto admins = setup::parse_admin_entry(text, setup.admins);
        if (!admins) fail(entry.source(), "setup.admins: " + admins.error().message);
        setup.admins = std::move(*admins);
      }
    }
    return setup;
  }

  PaymentsConfig read_payments(const toml::table& t) const {
    only_known_keys(t, "payments", keys_of("payments"));
    PaymentsConfig payments;
    if (t.contains("provider_token")) {
      payments.provider_token =
          resolve_secret(t, "provider_token", "payments", payments.provider_token_source);
    }
    return payments;
  }

  AiConfig read_ai(const toml::table& t) const {
    only_known_keys(t, "ai", keys_of("ai"));
    AiConfig ai;
    ai.enabled = true;
    for (std::string_view key : {"base_url", "model"}) {
      if (!t.contains(key))
        fail(t.source(),
             fmt::format("ai.{} is missing (e.g. {})", key,
                         key == "model" ? "model = \"llama3\"" : "base_url = \"http://127.0.0.1:8081/v1\""));
    }
    std::string base = *string_at(t, "base_url", "ai");
    if (!(base.starts_with("http://") || base.starts_with("https://")) || base.size() > 2048 ||
        base.find_first_of(" \t\n") != std::string::npos) {
      fail(where(t, "base_url"),
           "ai.base_url must be an http(s):// address, e.g. \"http://127.0.0.1:8081/v1\"");
    }
    while (!base.empty() && base.back() == '/') base.pop_back();
    ai.base_url = base;
    ai.model = *string_at(t, "model", "ai");
    if (ai.model.empty() || ai.model.size() > 256)
      fail(where(t, "model"), "ai.model must be the model's name, 1-256 characters");
    if (t.contains("api_key")) {
      std::string written = *string_at(t, "api_key", "ai");
      if (!written.starts_with("env:") && !written.starts_with("file:"))
        fail(where(t, "api_key"), "ai.api_key must be env:NAME or file:PATH (never the key itself)");
      ai.api_key = resolve_secret(t, "api_key", "ai", ai.api_key_source);
    }
    ai.timeout_seconds =
        static_cast<int>(integer_at(t, "timeout_seconds", "ai", 1, 600).value_or(ai.timeout_seconds));
    ai.daily_tokens = integer_at(t, "daily_tokens", "ai", 0, 1'000'000'000'000).value_or(ai.daily_tokens);
    ai.max_in_flight =
        static_cast<int>(integer_at(t, "max_in_flight", "ai", 1, 64).value_or(ai.max_in_flight));
    return ai;
  }

  TdlibConfig read_tdlib(const toml::table& t) const {
    only_known_keys(t, "tdlib", keys_of("tdlib"));
    TdlibConfig tdlib;
    if (auto library = string_at(t, "library", "tdlib")) tdlib.library = *library;
    if (auto dir = string_at(t, "data_dir", "tdlib")) tdlib.data_dir = *dir;
    if (t.contains("api_id")) {
      tdlib.api_id = static_cast<std::int32_t>(*integer_at(t, "api_id", "tdlib", 1, 2147483647));
    }
    if (t.contains("api_hash")) {
      std::string source;
      tdlib.api_hash = resolve_secret(t, "api_hash", "tdlib", source);
      if (tdlib.api_hash.size() != 32 ||
          !std::all_of(tdlib.api_hash.begin(), tdlib.api_hash.end(), is_hex_char)) {
        fail(where(t, "api_hash"),
             fmt::format("tdlib.api_hash ({}) must be the 32 hex digits my.telegram.org gives", source));
      }
    }
    return tdlib;
  }

  void read_connections(const toml::table& root, Config& config) const {
    const toml::node* node = root.get("connection");
    if (node == nullptr) return;
    const toml::array* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      fail(node->source(), "connection must be an array of tables: write each as [[connection]]");
    }
    if (array->size() > kMaxConnections)
      fail(node->source(), fmt::format("at most {} connections", kMaxConnections));
    for (std::size_t i = 0; i < array->size(); ++i) {
      config.connections.push_back(
          read_connection(*array->get(i)->as_table(), fmt::format("connection[{}]", i)));
    }
    check_connections_together(*array, config);
  }

  ConnectionConfig read_connection(const toml::table& t, const std::string& path) const {
    only_known_keys(t, path, keys_of("connection"));
    ConnectionConfig c;
    c.line = static_cast<int>(t.source().begin.line);
    auto required = [&](std::string_view key, std::string_view example) {
      if (!t.contains(key)) fail(t.source(), fmt::format("{} is missing (e.g. {} = {})", path, key, example));
    };

    required("name", "\"support\"");
    c.name = *string_at(t, "name", path);
    if (c.name.empty() || c.name.size() > kMaxNameLength ||
        !std::all_of(c.name.begin(), c.name.end(), is_name_char)) {
      fail(where(t, "name"), fmt::format("{}.name must be 1-32 of a-z, 0-9, _ and -", path));
    }

    if (auto mode = string_at(t, "mode", path)) {
      auto parsed = connection_mode_from_string(*mode);
      if (!parsed)
        fail(where(t, "mode"),
             fmt::format("{}.mode must be \"bot\", \"proxy\", \"mtproto\" or \"account\"", path));
      c.mode = *parsed;
    }

    required("token", "\"env:SUPPORT_BOT_TOKEN\"");
    c.token = resolve_secret(t, "token", path, c.token_source);
    if (!looks_like_bot_token(c.token)) {
      fail(where(t, "token"),
           fmt::format("{}.token ({}) does not look like a bot token (digits:secret, as @BotFather "
                       "gives it)",
                       path, c.token_source));
    }

    required("group_id", "-1001234567890");
    c.group_id = *integer_at(t, "group_id", path, std::numeric_limits<std::int64_t>::min(), -1);

    if (auto transport = string_at(t, "transport", path)) {
      if (*transport == "polling") {
        c.transport = TransportKind::kPolling;
      } else if (*transport == "webhook") {
        c.transport = TransportKind::kWebhook;
      } else {
        fail(where(t, "transport"), fmt::format("{}.transport must be \"polling\" or \"webhook\"", path));
      }
    }
    if (t.contains("webhook_secret")) {
      std::string source;
      c.webhook_secret = resolve_secret(t, "webhook_secret", path, source);
      if (!core::is_webhook_secret(c.webhook_secret)) {
        fail(where(t, "webhook_secret"),
             fmt::format("{}.webhook_secret ({}) must be 1-256 of A-Z, a-z, 0-9, _ and -", path, source));
      }
    } else if (c.transport == TransportKind::kWebhook) {
      fail(where(t, "transport"),
           fmt::format("{}.webhook_secret is required with transport = \"webhook\"", path));
    }
    if (const auto* params = table_at(t, "parameters", path + ".parameters"))
      read_parameters(*params, path, c);
    return c;
  }

  // `literal`, `env:NAME` or `file:PATH`; `source` says which, for messages without the secret.
  std::string resolve_secret(const toml::table& t, std::string_view key, const std::string& path,
                             std::string& source) const {
    return resolve_secret_value(*string_at(t, key, path), where(t, key), join(path, key), source);
  }

  // The same for a value already read (an item of a list), found at `at`, named `field` in messages.
  std::string resolve_secret_value(std::string value, const toml::source_region& at, const std::string& field,
                                   std::string& source) const {
    if (value.starts_with("env:")) {
      std::string name = value.substr(4);
      if (!is_env_name(name))
        fail(at, fmt::format("{}: \"env:\" must be followed by a variable name", field));
      source = "env:" + name;
      auto found = secrets_.env ? secrets_.env(name) : std::nullopt;
      if (!found || found->empty())
        fail(at, fmt::format("{}: environment variable {} is not set", field, name));
      return *found;
    }
    if (value.starts_with("file:")) {
      std::string file = value.substr(5);
      if (file.empty()) fail(at, fmt::format("{}: \"file:\" must be followed by a path", field));
      source = "file:" + file;
      if (!secrets_.read_file) fail(at, fmt::format("{}: secret files are not available here", field));
      auto content = secrets_.read_file(file);
      if (!content) fail(at, fmt::format("{}: {}", field, content.error().message));
      std::string secret = *content;
      while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' || secret.back() == ' '))
        secret.pop_back();
      if (secret.empty()) fail(at, fmt::format("{}: {} is empty", field, file));
      return secret;
    }
    source = "literal";
    if (value.empty()) fail(at, fmt::format("{} is empty", field));
    return value;
  }

  void read_parameters(const toml::table& t, const std::string& path, ConnectionConfig& c) const {
    const auto& known = core::known_parameter_names();
    // toml++ keeps keys sorted; walk them in file order so raw_parameters reads like the file.
    std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order;
    for (auto&& [key, node] : t) in_file_order.emplace_back(&key, &node);
    std::sort(in_file_order.begin(), in_file_order.end(), [](const auto& a, const auto& b) {
      const auto& x = a.first->source().begin;
      const auto& y = b.first->source().begin;
      return x.line != y.line ? x.line < y.line : x.column < y.column;
    });
    for (auto [key_ptr, node_ptr] : in_file_order) {
      const toml::key& key = *key_ptr;
      const toml::node& node = *node_ptr;
      std::string name(key.str());
      std::string field = fmt::format("{}.parameters.{}", path, name);
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        std::string hint;
        std::string upper = name;
        std::transform(upper.begin(), upper.end(), upper.begin(),
                       [](unsigned char ch) { return std::toupper(ch); });
        if (upper != name && std::find(known.begin(), known.end(), upper) != known.end()) {
          hint = fmt::format(" (parameter names are upper case: {})", upper);
        }
        fail(key.source(), fmt::format("unknown parameter {}{}", field, hint));
      }
      auto text = render_parameter(node);
      if (!text)
        fail(node.source(), fmt::format("{} must be a string, number, boolean or list of strings", field));
      // Checked one by one so the message can point at the line of the parameter at fault.
      auto single = core::parse_parameters({{name, *text}});
      if (!single) fail(node.source(), parameter_message(path, single.error().message));
      c.raw_parameters.emplace_back(std::move(name), std::move(*text));
    }
    auto all = core::parse_parameters(c.raw_parameters);
    if (!all) fail(t.source(), parameter_message(path, all.error().message));
    c.parameters = std::move(*all);
  }

  // core's messages start with the parameter name ("AUTOCLOSE must be ..."): qualify it.
  static std::string parameter_message(const std::string& path, const std::string& message) {
    return fmt::format("{}.parameters.{}", path, message);
  }

  void check_connections_together(const toml::array& array, const Config& config) const {
    std::set<std::string> names;
    for (std::size_t i = 0; i < config.connections.size(); ++i) {
      const auto& c = config.connections[i];
      const auto& t = *array.get(i)->as_table();
      if (!names.insert(c.name).second) {
        fail(where(t, "name"),
             fmt::format("connection[{}].name \"{}\" is used by another connection", i, c.name));
      }
      for (std::size_t j = 0; j < i; ++j) {
        if (config.connections[j].token == c.token) {
          fail(where(t, "token"),
               fmt::format("connection[{}].token is the same bot as connection[{}] (\"{}\"); "
                           "one connection per bot",
                           i, j, config.connections[j].name));
        }
      }
      const bool needs_tdlib = c.mode == ConnectionMode::kMtproto || c.mode == ConnectionMode::kAccount;
      if (needs_tdlib && (config.tdlib.api_id == 0 || config.tdlib.api_hash.empty())) {
        fail(where(t, "mode"), fmt::format("connection[{}].mode = \"{}\" needs [tdlib] api_id and api_hash "
                                           "(from https://my.telegram.org)",
                                           i, to_string(c.mode)));
      }
      if (c.mode != ConnectionMode::kBot && c.transport == TransportKind::kWebhook) {
        fail(where(t, "transport"),
             fmt::format("connection[{}].transport = \"webhook\" works with mode = \"bot\" only", i));
      }
      if (c.transport == TransportKind::kWebhook && config.server.public_url.empty()) {
        fail(where(t, "transport"),
             fmt::format("connection[{}].transport = \"webhook\" needs server.public_url, "
                         "the https:// address Telegram can reach",
                         i));
      }
    }
  }

  // [[group]]: what the desk knows of a backend group beyond its connections, its helper bots
  // (docs/helper-bots.md). Read after the connections: a group must be one of theirs, and a
  // helper must be none of their bots.
  void read_groups(const toml::table& root, Config& config) const {
    const toml::node* node = root.get("group");
    if (node == nullptr) return;
    const toml::array* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      fail(node->source(), "group must be an array of tables: write each as [[group]]");
    }
    if (array->size() > kMaxConnections)
      fail(node->source(), fmt::format("at most {} groups", kMaxConnections));
    for (std::size_t i = 0; i < array->size(); ++i) {
      const auto& t = *array->get(i)->as_table();
      std::string path = fmt::format("group[{}]", i);
      GroupConfig group = read_group(t, path, config);
      for (std::size_t j = 0; j < config.groups.size(); ++j) {
        if (config.groups[j].id == group.id) {
          fail(where(t, "id"),
               fmt::format("{}.id {} is listed by group[{}] too; write each group once", path, group.id, j));
        }
      }
      config.groups.push_back(std::move(group));
    }
  }

  GroupConfig read_group(const toml::table& t, const std::string& path, const Config& config) const {
    only_known_keys(t, path, keys_of("group"));
    GroupConfig group;
    group.line = static_cast<int>(t.source().begin.line);
    if (!t.contains("id")) fail(t.source(), fmt::format("{}.id is missing (e.g. id = -1001234567890)", path));
    group.id = *integer_at(t, "id", path, std::numeric_limits<std::int64_t>::min(), -1);
    const bool known = std::any_of(config.connections.begin(), config.connections.end(),
                                   [&](const ConnectionConfig& c) { return c.group_id == group.id; });
    if (!known) {
      fail(where(t, "id"), fmt::format("{}.id {} is no connection's group_id (connections: {}); a [[group]] "
                                       "describes the backend group of a [[connection]]",
                                       path, group.id, config.connection_names()));
    }
    const toml::node* helpers = t.get("helpers");
    if (helpers == nullptr) return group;
    const toml::array* list = helpers->as_array();
    if (list == nullptr) {
      fail(helpers->source(),
           fmt::format("{}.helpers must be a list of bot tokens, e.g. [\"env:HELPER_1\", \"env:HELPER_2\"]",
                       path));
    }
    if (list->size() > kMaxHelpers) {
      fail(helpers->source(), fmt::format("{}.helpers: at most {} helper bots per group", path, kMaxHelpers));
    }
    for (std::size_t k = 0; k < list->size(); ++k) {
      const toml::node& item = *list->get(k);
      std::string field = fmt::format("{}.helpers[{}]", path, k);
      if (!item.is_string())
        fail(item.source(), fmt::format("{} must be a string (\"env:NAME\" or \"file:PATH\")", field));
      HelperConfig helper;
      helper.token = resolve_secret_value(item.as_string()->get(), item.source(), field, helper.token_source);
      if (!looks_like_bot_token(helper.token)) {
        fail(item.source(),
             fmt::format("{} ({}) does not look like a bot token (digits:secret, as @BotFather "
                         "gives it)",
                         field, helper.token_source));
      }
      for (std::size_t j = 0; j < group.helpers.size(); ++j) {
        if (group.helpers[j].token == helper.token) {
          fail(item.source(),
               fmt::format("{} ({}) is the same bot as {}.helpers[{}] ({}); list each helper once", field,
                           helper.token_source, path, j, group.helpers[j].token_source));
        }
      }
      for (const auto& c : config.connections) {
        if (c.token == helper.token) {
          fail(item.source(),
               fmt::format("{} ({}) is the bot of connection \"{}\"; a helper must be another bot (a "
                           "connection's own bot posts in its group already)",
                           field, helper.token_source, c.name));
        }
      }
      group.helpers.push_back(std::move(helper));
    }
    return group;
  }

  std::string file_;
  const SecretSources& secrets_;
};

core::Result<std::string> read_secret_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return core::make_error(fmt::format("cannot read {}", path));
  if (!S_ISREG(info.st_mode)) return core::make_error(fmt::format("{} is not a regular file", path));
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return core::make_error(fmt::format("{} is readable by others (mode {:o}); run: chmod 600 {}", path,
                                        info.st_mode & 0777, path));
  }
  if (static_cast<std::size_t>(info.st_size) > kMaxSecretFileBytes) {
    return core::make_error(fmt::format("{} is too large for a secret", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::make_error(fmt::format("cannot read {}", path));
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

const std::vector<ConfigTable>& config_tables() {
  static const std::vector<ConfigTable> kTables = {
      {"",
       {"server", "storage", "retention", "cluster", "telegram", "logging", "api", "tdlib", "payments",
        "setup", "ai", "connection", "group"}},
      {"server", {"listen", "public_url"}},
      {"storage", {"sqlite", "postgres", "event_retention_days"}},
      {"retention", {"history_days"}},
      {"cluster", {"lease_seconds", "advertise"}},
      {"telegram", {"api_base", "poll_gather_ms", "limits"}},
      {"telegram.limits", {"enabled", "chat_per_second", "chat_burst", "group_per_minute", "bot_per_second"}},
      {"logging", {"level"}},
      {"api", {"rate_per_second", "burst"}},
      {"tdlib", {"library", "api_id", "api_hash", "data_dir"}},
      {"payments", {"provider_token"}},
      {"setup", {"token", "admins"}},
      {"ai", {"base_url", "model", "api_key", "timeout_seconds", "daily_tokens", "max_in_flight"}},
      {"connection", {"name", "mode", "token", "group_id", "transport", "webhook_secret", "parameters"}},
      {"group", {"id", "helpers"}},
  };
  return kTables;
}

const char* to_string(TransportKind kind) { return kind == TransportKind::kWebhook ? "webhook" : "polling"; }

SecretSources SecretSources::system() {
  SecretSources sources;
  sources.env = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  sources.read_file = read_secret_file;
  return sources;
}

core::Result<Config> parse_config(std::string_view text, const std::string& source_name,
                                  const SecretSources& secrets) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    return core::make_error(
        fmt::format("{}:{}: {}", source_name, error.source().begin.line, error.description()));
  }
  try {
    return Reader(source_name, secrets).read(root);
  } catch (const Mistake& mistake) {
    return core::make_error(mistake.message);
  }
}

core::Result<Config> load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::make_error(fmt::format("{}: cannot open the configuration file", path));
  std::ostringstream text;
  text << in.rdbuf();

  // file: secrets are relative to the configuration file's directory.
  auto secrets = SecretSources::system();
  auto base = std::filesystem::path(path).parent_path();
  secrets.read_file = [base](const std::string& file) {
    std::filesystem::path p(file);
    return read_secret_file(p.is_absolute() || base.empty() ? p.string() : (base / p).string());
  };
  return parse_config(text.str(), path, secrets);
}

const char* to_string(ConnectionMode mode) {
  switch (mode) {
    case ConnectionMode::kBot:
      return "bot";
    case ConnectionMode::kProxy:
      return "proxy";
    case ConnectionMode::kMtproto:
      return "mtproto";
    case ConnectionMode::kAccount:
      return "account";
  }
  return "bot";
}

std::optional<ConnectionMode> connection_mode_from_string(std::string_view text) {
  for (auto mode :
       {ConnectionMode::kBot, ConnectionMode::kProxy, ConnectionMode::kMtproto, ConnectionMode::kAccount}) {
    if (text == to_string(mode)) return mode;
  }
  return std::nullopt;
}

std::string StorageConfig::describe() const {
  if (!uses_postgres()) return "sqlite " + sqlite_path;
  return fmt::format("postgres {} (from {})", telegram::redact_secrets(postgres_uri), postgres_source);
}

std::vector<std::string> postgres_uri_passwords(std::string_view uri) {
  auto decoded = [](std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
          std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
        out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        out += text[i];
      }
    }
    return out;
  };
  std::vector<std::string> passwords;
  auto add = [&](std::string_view raw) {
    if (raw.empty()) return;
    passwords.emplace_back(raw);
    if (auto plain = decoded(raw); plain != raw) passwords.push_back(plain);
  };
  const auto scheme = uri.find("://");
  if (scheme == std::string_view::npos) return passwords;
  const auto rest = uri.substr(scheme + 3);
  // user:password@ comes before the first '/', '?' of the authority; the password may hold '@'.
  const auto authority = rest.substr(0, rest.find_first_of("/?"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const auto userinfo = authority.substr(0, at);
    if (const auto colon = userinfo.find(':'); colon != std::string_view::npos)
      add(userinfo.substr(colon + 1));
  }
  if (const auto query = rest.find('?'); query != std::string_view::npos) {
    auto params = rest.substr(query + 1);
    while (!params.empty()) {
      const auto amp = params.find('&');
      const auto param = params.substr(0, amp);
      if (param.starts_with("password=")) add(param.substr(9));
      if (amp == std::string_view::npos) break;
      params.remove_prefix(amp + 1);
    }
  }
  return passwords;
}

const ConnectionConfig* Config::find_connection(std::string_view name) const {
  for (const auto& c : connections) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const GroupConfig* Config::find_group(core::ChatId id) const {
  for (const auto& g : groups) {
    if (g.id == id) return &g;
  }
  return nullptr;
}

std::string Config::connection_names() const {
  std::string names;
  for (const auto& c : connections) names += (names.empty() ? "" : ", ") + c.name;
  return names.empty() ? "none" : names;
}

std::optional<std::pair<std::string, unsigned short>> parse_host_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::uint32_t port = 0;
  std::string_view port_text = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
    return std::nullopt;
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);  // [::1]:8080
  return std::pair{host, static_cast<unsigned short>(port)};
}

std::string Config::redacted_summary() const {
  std::string out = fmt::format("config {}: listen {}:{}", path, server.listen_host, server.listen_port);
  if (!server.public_url.empty()) out += fmt::format(", public_url {}", server.public_url);
  out += fmt::format(", {}, api_base {}, flood limits {}, log level {}", storage.describe(),
                     telegram.api_base, telegram.limits.enabled ? "on" : "off", logging.level);
  for (const auto& c : connections) {
    out += fmt::format("; connection {} (mode {}, token {}, group {}, {}", c.name, to_string(c.mode),
                       c.token_source, c.group_id, to_string(c.transport));
    for (const auto& [name, value] : c.raw_parameters) {
      // The signing secret is never shown; WEBHOOKS URLs lose their credentials and secret queries.
      const bool secret = name == "WEBHOOKS_SECRET" && !value.empty();
      out += fmt::format(", {}={}", name,
                         secret ? std::string(telegram::kRedacted) : telegram::redact_secrets(value));
    }
    out += ")";
  }
  if (ai.enabled)
    out += fmt::format("; ai {} model {} (key {}, timeout {} s, {} tokens a day)",
                       telegram::redact_secrets(ai.base_url), ai.model,
                       ai.api_key_source.empty() ? "none" : ai.api_key_source, ai.timeout_seconds,
                       ai.daily_tokens);
  if (connections.empty()) out += "; no connections";
  for (const auto& g : groups) {
    out += fmt::format("; group {} (helpers", g.id);
    for (const auto& h : g.helpers) out += " " + h.token_source;
    out += g.helpers.empty() ? " none)" : ")";
  }
  if (setup.enabled()) {
    out += fmt::format("; setup bot (token {}, {} admin(s) listed)", setup.token_source,
                       setup.admins.ids.size() + setup.admins.usernames.size());
  }
  return out;
}

}  // namespace topicdesk::app
