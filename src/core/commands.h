// Operator commands typed in the backend group, and comments (`/ text`) that never leave it.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace topicdesk::core {

enum class CommandKind { kInfo, kClose, kHold, kWait, kBan, kUnban, kHelp, kStats, kCustom };

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

}  // namespace topicdesk::core
