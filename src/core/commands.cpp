#include "core/commands.h"

#include <array>
#include <utility>

#include "core/utf8.h"

namespace topicdesk::core {
namespace {

constexpr std::size_t kMaxCommandName = 32;

constexpr std::array<std::pair<std::string_view, CommandKind>, 8> kBuiltins{{
    {"info", CommandKind::kInfo},
    {"close", CommandKind::kClose},
    {"hold", CommandKind::kHold},
    {"wait", CommandKind::kWait},
    {"ban", CommandKind::kBan},
    {"unban", CommandKind::kUnban},
    {"help", CommandKind::kHelp},
    {"stats", CommandKind::kStats},
}};

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

bool is_comment(std::string_view text) {
  return text.size() >= 2 && text[0] == '/' && is_ascii_space(text[1]);
}

std::optional<Command> parse_command(std::string_view text, std::string_view bot_username) {
  if (text.size() < 2 || text[0] != '/') return std::nullopt;
  std::size_t end = 1;
  while (end < text.size() && is_name_char(text[end])) ++end;
  if (end == 1 || end - 1 > kMaxCommandName) return std::nullopt;
  std::string name = lower_ascii(text.substr(1, end - 1));
  if (end < text.size() && text[end] == '@') {
    std::size_t suffix_end = end + 1;
    while (suffix_end < text.size() && is_name_char(text[suffix_end])) ++suffix_end;
    std::string addressee = lower_ascii(text.substr(end + 1, suffix_end - end - 1));
    std::string mine = lower_ascii(bot_username.starts_with('@') ? bot_username.substr(1) : bot_username);
    if (!mine.empty() && addressee != mine) return std::nullopt;
    end = suffix_end;
  }
  // "/path/to/file" or "/50%" is text, not a command.
  if (end < text.size() && !is_ascii_space(text[end])) return std::nullopt;
  Command command;
  command.name = name;
  command.args = trim(text.substr(end));
  for (const auto& [builtin, kind] : kBuiltins) {
    if (name == builtin) command.kind = kind;
  }
  return command;
}

const char* to_string(CommandKind kind) {
  for (const auto& [name, k] : kBuiltins) {
    if (k == kind) return name.data();
  }
  return "custom";
}

}  // namespace topicdesk::core
