#include "app/connection_cli.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ostream>

#include "app/config.h"
#include "app/open_store.h"
#include "setup/connections_admin.h"
#include "store/store.h"
#include "telegram/redact.h"

namespace topicdesk::app {
namespace {

// A token as given: the token itself, env:NAME or file:PATH (a file only its owner may read).
core::Result<std::string> resolve_token(const std::string& given) {
  const auto sources = SecretSources::system();
  std::string token;
  if (given.starts_with("env:")) {
    const std::string name = given.substr(4);
    auto value = name.empty() ? std::nullopt : sources.env(name);
    if (!value || value->empty())
      return core::make_error(fmt::format("--token: environment variable {} is not set", name));
    token = *value;
  } else if (given.starts_with("file:")) {
    const std::string path = given.substr(5);
    if (path.empty()) return core::make_error("--token: \"file:\" must be followed by a path");
    auto content = sources.read_file(path);
    if (!content) return core::make_error("--token: " + content.error().message);
    token = *content;
  } else {
    token = given;
  }
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
    token.pop_back();
  if (token.empty()) return core::make_error("--token is empty");
  return token;
}

std::string shown_value(const std::string& name, const std::string& value) {
  if (name == "WEBHOOKS_SECRET" && !value.empty()) return "(secret)";
  return value;
}

std::string parameters_text(const core::RawParameters& parameters) {
  std::string out;
  for (const auto& [name, value] : parameters) {
    out += fmt::format("{}{}={}", out.empty() ? "" : ", ", name, shown_value(name, value));
  }
  return out.empty() ? "-" : out;
}

void print_table(const std::vector<setup::ConnectionSummary>& list, std::ostream& out) {
  if (list.empty()) {
    out << "no connections yet: topicdesk connection add --name NAME --token env:VAR --group -100…\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"NAME", "ORIGIN", "STATE", "MODE", "GROUP", "INSTANCE", "PARAMETERS"});
  for (const auto& c : list) {
    rows.push_back({c.name, to_string(c.origin), to_string(c.state), c.mode,
                    c.group_id == 0 ? "-" : std::to_string(c.group_id),
                    c.id == 0 ? "-" : std::to_string(c.id), parameters_text(c.parameters)});
  }
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

int refused(std::ostream& err, const core::Error& error) {
  err << "connection: " << telegram::redact_secrets(error.message) << "\n";
  return 1;
}

}  // namespace

int connection_command(const ConnectionCliOptions& o, std::ostream& out, std::ostream& err) {
  // The admin's log lines are for the desk's log; here the output says what was done.
  spdlog::set_level(spdlog::level::warn);
  auto loaded = load_config(o.config_path);
  if (!loaded) {
    err << telegram::redact_secrets(loaded.error().message) << "\n";
    return 2;
  }
  for (const auto& c : loaded->connections) telegram::register_secret(c.token);
  try {
    auto store = open_store(loaded->storage, store::OpenAs::kTool);
    setup::ConnectionsAdminOptions options;
    options.config_path = o.config_path;
    for (const auto& c : loaded->connections)
      options.file_connections.push_back({c.name, to_string(c.mode), c.token, c.group_id, c.raw_parameters});
    options.tdlib_configured = loaded->tdlib.api_id != 0 && !loaded->tdlib.api_hash.empty();
    setup::StoreConnectionAdmin admin(*store, std::move(options));
    constexpr core::UserId kShell = 0;

    if (o.action == "list") {
      print_table(admin.list(), out);
      return 0;
    }
    if (o.action == "add") {
      auto token = resolve_token(o.token);
      if (!token) return refused(err, token.error());
      telegram::register_secret(*token);
      setup::NewConnection spec;
      spec.name = o.name;
      spec.mode = o.mode;
      spec.token = *token;
      spec.group_id = o.group.value_or(0);
      for (const auto& p : o.parameters) {
        auto eq = p.find('=');
        if (eq == std::string::npos || eq == 0) {
          err << "connection: --param " << p << ": must be NAME=VALUE, e.g. --param AUTOCLOSE=24\n";
          return 2;
        }
        spec.parameters.emplace_back(p.substr(0, eq), p.substr(eq + 1));
      }
      auto added = admin.add(spec, kShell);
      if (!added) return refused(err, added.error());
      out << fmt::format(
                 "Added connection {} (mode {}, bot {}, {}).", added->name, added->mode, added->bot_id,
                 added->group_id == 0
                     ? "no backend group yet: topicdesk connection set " + added->name + " --group -100…"
                     : "backend group " + std::to_string(added->group_id))
          << " A running desk starts it within a few seconds; otherwise at `topicdesk run`.\n";
      return 0;
    }
    if (o.action == "set") {
      if (o.group) {
        auto st = admin.set_group(o.name, *o.group, kShell);
        if (!st) return refused(err, st.error());
        out << fmt::format("Connection {}: backend group {}.\n", o.name, *o.group);
        return 0;
      }
      if (o.parameter.empty()) {
        err << "connection set: give PARAMETER VALUE (e.g. WELCOME \"Hello!\"; OFF turns it off, DEFAULT "
               "gives "
               "back its default) or --group ID\n";
        return 2;
      }
      auto st = admin.set_parameter(o.name, o.parameter, o.value, kShell);
      if (!st) return refused(err, st.error());
      out << fmt::format("Connection {}: {} changed; a running desk applies it to the next event.\n", o.name,
                         o.parameter);
      return 0;
    }
    if (o.action == "stop" || o.action == "start" || o.action == "remove") {
      auto st = o.action == "stop"    ? admin.stop(o.name, kShell)
                : o.action == "start" ? admin.start(o.name, kShell)
                                      : admin.remove(o.name, kShell);
      if (!st) return refused(err, st.error());
      if (o.action == "stop")
        out << fmt::format(
            "Connection {} stopped; what users write meanwhile waits in Telegram for its start.\n", o.name);
      else if (o.action == "start")
        out << fmt::format("Connection {} started.\n", o.name);
      else
        out << fmt::format("Connection {} removed; its dialogs and history stay in the store.\n", o.name);
      return 0;
    }
    err << "connection: unknown action " << o.action << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << "connection: " << telegram::redact_secrets(e.what()) << "\n";
    return 1;
  }
}

}  // namespace topicdesk::app
