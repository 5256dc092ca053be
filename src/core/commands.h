// Operator commands typed in the backend group, and comments (`/ text`) that never leave it.
// command_table() is the one list of commands: the engine asks it whether a command works where
// it was typed (General or a topic), and /help is written from it.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/presentation.h"

namespace topicdesk::core {

enum class CommandKind {
  kInfo,
  kClose,
  kHold,
  kWait,
  kBan,
  kUnban,
  kHelp,
  kStats,
  kTake,
  kAssign,
  kUnassign,
  kShift,
  kMine,
  kCustom
};

struct Command {
  CommandKind kind = CommandKind::kCustom;
  std::string name;  // lowercased, without '/' and '@bot'
  std::string args;  // the rest of the text, trimmed
};

// "/ text" (slash, then whitespace): an internal comment that stays in the group.
bool is_comment(std::string_view text);

// `/name[@bot] [args]` → a command; nullopt for anything else, a comment, or a command
// addressed to another bot (`/close@other_bot`). `bot_username` may be empty (any suffix
// is then accepted); it is compared case-insensitively, with or without '@'.
std::optional<Command> parse_command(std::string_view text, std::string_view bot_username);

const char* to_string(CommandKind kind);

// Where an operator types a command: General or a user's topic.
enum class CommandPlace { kGeneral, kTopic };

struct CommandSpec {
  std::string_view name;  // without '/'
  CommandKind kind = CommandKind::kCustom;
  bool in_general = false;
  bool in_topic = false;
  bool account_only = false;  // works for personal-account connections only
  std::string_view args;      // shown in /help, e.g. "<value>"
  std::string_view summary;
  std::optional<TopicStatus> marks;  // /help shows this status's marker after the summary
};

// Every command topicdesk handles itself, in /help order.
const std::vector<CommandSpec>& command_table();
const CommandSpec* find_command(std::string_view name);
bool command_works(const CommandSpec& spec, CommandPlace place, bool account);
// Whether topicdesk handles `name` where it was typed (a hook may still handle others).
bool command_works(std::string_view name, CommandPlace place, bool account);

}  // namespace topicdesk::core
