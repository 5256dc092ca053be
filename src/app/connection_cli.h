// `topicdesk connection add|set|stop|start|remove|list` (docs/setup.md): what the setup bot does
// from Telegram, from the shell. Each works on the store the configuration names, whether the
// desk runs or not: a running desk applies the change within a second or two, without a restart.
// Connections of the configuration file are listed and refused for changes ("edit the file").
//
// Output: what was done on stdout; a refusal on stderr as "connection: what and why" (exit 1;
// 2 for a configuration or an argument that cannot be used). A token is never printed.
#pragma once
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"

namespace topicdesk::app {

struct ConnectionCliOptions {
  std::string config_path = "topicdesk.toml";
  std::string action;  // add, set, stop, start, remove, list
  std::string name;
  // add
  std::string mode = "bot";
  std::string token;                    // the token, env:NAME or file:PATH (relative to the current folder)
  std::optional<core::ChatId> group;    // add, and set NAME --group ID
  std::vector<std::string> parameters;  // add: NAME=VALUE
  // set NAME PARAMETER VALUE
  std::string parameter;
  std::string value;
};

int connection_command(const ConnectionCliOptions& options, std::ostream& out, std::ostream& err);

}  // namespace topicdesk::app
