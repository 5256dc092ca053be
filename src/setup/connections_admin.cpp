#include "setup/connections_admin.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/clock.h"
#include "core/parameter_problems.h"
#include "core/secret.h"
#include "integrations/api_keys.h"

namespace topicdesk::setup {

const char* to_string(ConnectionOrigin origin) {
  return origin == ConnectionOrigin::kFile ? "file" : "database";
}

const char* to_string(ConnectionState state) {
  switch (state) {
    case ConnectionState::kStarting:
      return "starting";
    case ConnectionState::kRunning:
      return "running";
    case ConnectionState::kStopped:
      return "stopped";
    case ConnectionState::kFailed:
      return "failed";
    case ConnectionState::kIncomplete:
      return "incomplete";
  }
  return "unknown";
}

namespace {

constexpr std::size_t kMaxNameLength = 32;
constexpr std::size_t kMaxParameters = 200;

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char ch) { return std::toupper(ch); });
  return text;
}

bool uses_tdlib(std::string_view mode) { return mode == "mtproto" || mode == "account"; }

// A refusal as a catalogue text (setup.toml, [setup.admin]).
i18n::Message refusal(std::string key, std::initializer_list<std::pair<std::string, std::string>> args = {}) {
  return i18n::Message{"setup.admin." + key, {args.begin(), args.end()}};
}

core::OutcomeStatus not_found(const std::string& name) {
  return {refusal("not_found", {{"name", name}}), core::ErrorCode::kNotFound};
}

}  // namespace

std::optional<i18n::Message> connection_name_problem(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || !std::all_of(name.begin(), name.end(), is_name_char))
    return refusal("name_rule");
  return std::nullopt;
}

std::optional<i18n::Message> connection_mode_problem(std::string_view mode) {
  if (mode == "bot" || mode == "proxy" || mode == "mtproto" || mode == "account") return std::nullopt;
  return refusal("mode_rule");
}

bool looks_like_bot_token(std::string_view token) {
  auto colon = token.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 20 || colon + 1 == token.size()) return false;
  auto id = token.substr(0, colon);
  auto secret = token.substr(colon + 1);
  return std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         secret.size() <= 256 && core::is_secret_text(secret);
}

core::UserId bot_id_of_token(std::string_view token) {
  auto colon = token.find(':');
  if (colon == std::string_view::npos) return 0;
  core::UserId id = 0;
  auto [end, ec] = std::from_chars(token.data(), token.data() + colon, id);
  return ec == std::errc() && end == token.data() + colon ? id : 0;
}

std::optional<i18n::Message> parameter_name_problem(const std::string& name) {
  const auto& known = core::known_parameter_names();
  if (std::find(known.begin(), known.end(), name) != known.end()) return std::nullopt;
  const std::string up = upper(name);
  if (up != name && std::find(known.begin(), known.end(), up) != known.end())
    return i18n::Message{"parameters.unknown_case", {{"name", name}, {"upper", up}}};
  return i18n::Message{"parameters.unknown_name", {{"name", name}}};
}

std::optional<i18n::Message> parameter_problem(const std::string& name, const std::string& value) {
  if (auto problem = parameter_name_problem(name)) return problem;
  return core::parameters_problem({{name, value}});
}

StoreConnectionAdmin::StoreConnectionAdmin(store::Store& store, ConnectionsAdminOptions options)
    : store_(store), options_(std::move(options)) {}

core::UnixMillis StoreConnectionAdmin::now() const {
  return options_.now ? options_.now() : core::unix_millis_now();
}

const FileConnection* StoreConnectionAdmin::file_connection(const std::string& name) const {
  for (const auto& c : options_.file_connections) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

core::ConnectionId StoreConnectionAdmin::instance_id(const std::string& name) {
  for (const auto& record : store_.connections()) {
    if (record.name == name) return record.id;
  }
  return 0;
}

ConnectionSummary StoreConnectionAdmin::summary_of(const FileConnection& c) {
  ConnectionSummary s;
  s.name = c.name;
  s.mode = c.mode;
  s.origin = ConnectionOrigin::kFile;
  s.state = ConnectionState::kRunning;  // the file's connections run whenever the desk does
  s.group_id = c.group_id;
  s.parameters = c.parameters;
  std::sort(s.parameters.begin(), s.parameters.end());
  s.bot_id = bot_id_of_token(c.token);
  s.id = instance_id(c.name);
  if (options_.live) {
    if (auto live = options_.live(c.name)) {
      s.state = live->state;
      s.problem = live->problem;
      if (live->id != 0) s.id = live->id;
      if (live->bot_id != 0) s.bot_id = live->bot_id;
      s.bot_username = live->bot_username;
    }
  }
  return s;
}

ConnectionSummary StoreConnectionAdmin::summary_of(const store::StoredConnection& c) {
  ConnectionSummary s;
  s.name = c.name;
  s.mode = c.mode;
  s.origin = ConnectionOrigin::kDatabase;
  s.group_id = c.group_id;
  s.parameters = c.parameters;
  s.bot_id = bot_id_of_token(c.token);
  s.id = instance_id(c.name);
  s.state = !c.wanted_running ? ConnectionState::kStopped
            : c.group_id == 0 ? ConnectionState::kIncomplete
                              : ConnectionState::kRunning;
  if (options_.live && s.state == ConnectionState::kRunning) {
    if (auto live = options_.live(c.name)) {
      s.state = live->state;
      s.problem = live->problem;
    }
  }
  if (options_.live) {
    if (auto live = options_.live(c.name)) {
      if (live->id != 0) s.id = live->id;
      if (live->bot_id != 0) s.bot_id = live->bot_id;
      s.bot_username = live->bot_username;
    }
  }
  return s;
}

std::vector<ConnectionSummary> StoreConnectionAdmin::list() {
  std::vector<ConnectionSummary> out;
  for (const auto& c : options_.file_connections) out.push_back(summary_of(c));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& c : store_.stored_connections()) {
    if (file_connection(c.name) == nullptr) out.push_back(summary_of(c));
  }
  return out;
}

core::Outcome<ConnectionSummary> StoreConnectionAdmin::get(const std::string& name) {
  if (const auto* file = file_connection(name)) return summary_of(*file);
  auto stored = store_.stored_connection(name);
  if (!stored) return {refusal("not_found", {{"name", name}}), core::ErrorCode::kNotFound};
  return summary_of(*stored);
}

core::Outcome<store::StoredConnection> StoreConnectionAdmin::editable(const std::string& name) {
  if (file_connection(name) != nullptr) {
    return {refusal("in_file", {{"name", name}, {"file", options_.config_path}}),
            core::ErrorCode::kForbidden};
  }
  auto stored = store_.stored_connection(name);
  if (!stored) return {refusal("not_found", {{"name", name}}), core::ErrorCode::kNotFound};
  return std::move(*stored);
}

void StoreConnectionAdmin::changed(const std::string& what, const std::string& name, core::UserId actor) {
  spdlog::info("connection {}: {} by {}", name, what,
               actor == 0 ? std::string("the shell") : fmt::format("user {}", actor));
  if (options_.changed) options_.changed();
}

core::Outcome<ConnectionSummary> StoreConnectionAdmin::add(const NewConnection& spec, core::UserId actor) {
  if (auto problem = connection_name_problem(spec.name)) return *problem;
  if (auto problem = connection_mode_problem(spec.mode)) return *problem;
  if (uses_tdlib(spec.mode) && !options_.tdlib_configured)
    return refusal("needs_tdlib", {{"mode", spec.mode}, {"file", options_.config_path}});
  if (!looks_like_bot_token(spec.token)) return refusal("token_shape");
  if (spec.group_id > 0) return refusal("group_id");
  if (spec.parameters.size() > kMaxParameters)
    return refusal("too_many_parameters", {{"count", std::to_string(kMaxParameters)}});
  core::RawParameters parameters;
  for (const auto& [parameter, value] : spec.parameters) {
    if (auto problem = parameter_problem(parameter, value)) return *problem;
    parameters.emplace_back(parameter, value);
  }
  if (auto problem = core::parameters_problem(parameters)) return *problem;
  std::sort(parameters.begin(), parameters.end());

  const auto bot = bot_id_of_token(spec.token);
  const auto conflict = core::ErrorCode::kConflict;
  if (file_connection(spec.name) != nullptr)
    return {refusal("name_taken_file", {{"name", spec.name}, {"file", options_.config_path}}), conflict};
  for (const auto& c : options_.file_connections) {
    if (bot_id_of_token(c.token) == bot) return {refusal("same_bot", {{"name", c.name}}), conflict};
  }
  for (const auto& c : store_.stored_connections()) {
    if (c.name == spec.name) return {refusal("name_taken", {{"name", spec.name}}), conflict};
    if (bot_id_of_token(c.token) == bot) return {refusal("same_bot", {{"name", c.name}}), conflict};
  }

  store::StoredConnection row;
  row.name = spec.name;
  row.mode = spec.mode;
  row.token = spec.token;
  row.group_id = spec.group_id;
  row.parameters = std::move(parameters);
  row.created_by = actor;
  row.created_at = now();
  row.updated_at = row.created_at;
  if (!store_.add_stored_connection(row)) return {refusal("name_taken", {{"name", spec.name}}), conflict};
  changed(fmt::format("added (mode {}, bot {}, group {})", spec.mode, bot, spec.group_id), spec.name, actor);
  return summary_of(row);
}

core::OutcomeStatus StoreConnectionAdmin::set_group(const std::string& name, core::ChatId group,
                                                    core::UserId actor) {
  auto c = editable(name);
  if (!c) return c.failure<core::Ok>();
  if (group >= 0) return refusal("group_id");
  if (!store_.set_stored_connection_group(name, group, now())) return not_found(name);
  changed(fmt::format("backend group set to {}", group), name, actor);
  return core::Ok{};
}

core::OutcomeStatus StoreConnectionAdmin::set_parameter(const std::string& name, const std::string& parameter,
                                                        const std::string& value, core::UserId actor) {
  auto c = editable(name);
  if (!c) return c.failure<core::Ok>();
  if (auto problem = parameter_name_problem(parameter)) return *problem;
  const std::string word = upper(value);
  std::optional<std::string> kept = value;
  if (word == "DEFAULT") {
    kept.reset();
  } else if (word == "OFF" && core::parse_parameters({{parameter, "OFF"}})) {
    kept = "OFF";
  } else if (word == "OFF") {
    kept.reset();
  }
  if (kept) {
    if (auto problem = parameter_problem(parameter, *kept)) return *problem;
  }
  // The whole set as it would be: parameters that depend on each other stay consistent.
  core::RawParameters next;
  for (const auto& [n, v] : c->parameters) {
    if (n != parameter) next.emplace_back(n, v);
  }
  if (kept) next.emplace_back(parameter, *kept);
  if (auto problem = core::parameters_problem(next)) return *problem;
  if (!store_.set_stored_connection_parameter(name, parameter, kept, now())) return not_found(name);
  // Never the value itself in the log: WEBHOOKS_SECRET and WEBHOOKS' URLs may be secrets.
  changed(kept ? fmt::format("parameter {} set", parameter) : fmt::format("parameter {} cleared", parameter),
          name, actor);
  return core::Ok{};
}

core::OutcomeStatus StoreConnectionAdmin::stop(const std::string& name, core::UserId actor) {
  auto c = editable(name);
  if (!c) return c.failure<core::Ok>();
  if (!c->wanted_running) return core::Ok{};
  if (!store_.set_stored_connection_running(name, false, now())) return not_found(name);
  changed("stopped", name, actor);
  return core::Ok{};
}

core::OutcomeStatus StoreConnectionAdmin::start(const std::string& name, core::UserId actor) {
  auto c = editable(name);
  if (!c) return c.failure<core::Ok>();
  if (c->wanted_running) return core::Ok{};
  if (!store_.set_stored_connection_running(name, true, now())) return not_found(name);
  changed("started", name, actor);
  return core::Ok{};
}

core::OutcomeStatus StoreConnectionAdmin::remove(const std::string& name, core::UserId actor) {
  auto c = editable(name);
  if (!c) return c.failure<core::Ok>();
  if (!store_.remove_stored_connection(name)) return not_found(name);
  changed("removed (its dialogs and history stay)", name, actor);
  return core::Ok{};
}

core::Outcome<std::string> StoreConnectionAdmin::reset_api_key(const std::string& name, core::UserId actor) {
  auto c = editable(name);
  if (!c) return c.failure<std::string>();
  auto id = instance_id(name);
  // A connection that never ran yet is registered now; the desk fills in its bot id at start.
  if (id == 0) id = store_.ensure_connection(name, bot_id_of_token(c->token), c->group_id);
  auto key = integrations::reset_api_key(store_, id, now());
  if (!key) return key.error();
  spdlog::info("connection {}: Topics API key reset by {}", name,
               actor == 0 ? std::string("the shell") : fmt::format("user {}", actor));
  return key;
}

}  // namespace topicdesk::setup
