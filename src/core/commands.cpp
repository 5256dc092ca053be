#include "core/commands.h"

#include "core/utf8.h"

namespace topicdesk::core {
namespace {

constexpr std::size_t kMaxCommandName = 32;

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
  if (const CommandSpec* spec = find_command(name)) command.kind = spec->kind;  // kCustom: /link, /set, hooks
  return command;
}

const std::vector<CommandSpec>& command_table() {
  using K = CommandKind;
  static const std::vector<CommandSpec> kTable = {
      {"info", K::kInfo, false, true, false, "", "the user's card and the dialog status", std::nullopt},
      {"close", K::kClose, false, true, false, "",
       "close the dialog (the user's next message opens it again)", std::nullopt},
      {"hold", K::kHold, false, true, false, "", "mark as waiting for operators", TopicStatus::kUserAnswered},
      {"wait", K::kWait, false, true, false, "", "mark as waiting for the user",
       TopicStatus::kSupportAnswered},
      {"ban", K::kBan, false, true, false, "", "stop relaying this user's messages", std::nullopt},
      {"unban", K::kUnban, false, true, false, "", "relay this user's messages again", std::nullopt},
      {"link", K::kCustom, false, true, false, "[account]", "show or set the user's account in your system",
       std::nullopt},
      {"unlink", K::kCustom, false, true, false, "", "remove the linked account", std::nullopt},
      {"set", K::kCustom, false, true, false, "[field] [value]",
       "show, set or remove the dialog's custom fields", std::nullopt},
      {"new", K::kCustom, true, false, true, "@username or +phone",
       "write first to a user from the account (a new topic)", std::nullopt},
      {"story", K::kCustom, true, false, true, "[caption]",
       "in reply to a photo or video: post it as the account's story for the users who had a dialog",
       std::nullopt},
      {"t", K::kCustom, true, true, false, "[name]",
       "list the templates; in a topic, send the template NAME to the user", std::nullopt},
      {"template", K::kCustom, true, true, false, "save|add|del|show NAME",
       "in reply to a message: keep it as a template (add: one more part); show or delete one", std::nullopt},
      {"ai", K::kCustom, false, true, false, "on | off | QUESTION",
       "the AI consultant in this dialog: switch it on or off, or ask it a question (the answer is a "
       "comment)",
       std::nullopt},
      {"table", K::kCustom, true, true, false, "[NAME [page]] | import|export|drop NAME",
       "shared data tables: list them or show one; in General, in reply to a CSV file, import one "
       "(docs/tables.md)",
       std::nullopt},
      {"invoice", K::kCustom, false, true, false,
       "AMOUNT CURRENCY TITLE [| description] | TABLE ROW | cancel [ID]",
       "send the user an invoice (XTR: Telegram Stars; TABLE ROW: from a table's price), or cancel an open "
       "one",
       std::nullopt},
      {"refund", K::kCustom, false, true, false, "[charge id]", "refund the dialog's last Stars payment",
       std::nullopt},
      {"take", K::kTake, false, true, false, "", "own this dialog yourself", std::nullopt},
      {"assign", K::kAssign, false, true, false, "@operator or id",
       "give this dialog to an operator who has written in the group", std::nullopt},
      {"unassign", K::kUnassign, false, true, false, "", "leave this dialog without an owner", std::nullopt},
      {"shift", K::kShift, true, false, false, "[on|off]", "go on or off shift, or see who is on shift",
       std::nullopt},
      {"mine", K::kMine, true, false, false, "", "your open dialogs, with links", std::nullopt},
      {"hours", K::kCustom, true, false, false, "[i<ID>]",
       "the working hours, whether the desk is open now and when that changes", std::nullopt},
      {"mark", K::kCustom, true, true, false, "[NAME | del NAME | new NAME | help]",
       "labels: in a topic, list, add or remove them; in General, list and manage them (/mark help)",
       std::nullopt},
      {"segment", K::kCustom, true, false, false, "[expression]",
       "count the users an expression picks and show a few, e.g. vip and last_message<7d (a dry run)",
       std::nullopt},
      {"send", K::kCustom, true, false, false, "[template:NAME] test|all|list ID…|file|EXPRESSION [at TIME]",
       "in reply to a message (an album's item: the album), or with template:NAME: send it to many users (a "
       "broadcast; file: as a document's caption; add, confirm, cancel, pause, resume, status)",
       std::nullopt},
      {"export", K::kCustom, true, true, false, "[expression] | here",
       "in General: the clients as a CSV file (a segment expression narrows it); in a topic, /export here: "
       "this conversation as HTML and JSON Lines",
       std::nullopt},
      {"backlog", K::kCustom, true, false, false, "[drop answered]",
       "proxy connections: what waits for the bot's own program, by age and by dialog; drop answered: drop "
       "the updates of dialogs operators answered meanwhile",
       std::nullopt},
      {"web", K::kCustom, true, false, false, "[logout all|everyone]",
       "a one-time link to the web dashboard (10 minutes); logout all: end your dashboard sessions",
       std::nullopt},
      {"stats", K::kStats, true, true, false, "",
       "open, waiting and closed dialogs; in General, /stats today, yesterday, week or month: analytics",
       std::nullopt},
      {"help", K::kHelp, true, true, false, "", "this list", std::nullopt},
  };
  return kTable;
}

const CommandSpec* find_command(std::string_view name) {
  for (const auto& spec : command_table()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool command_works(const CommandSpec& spec, CommandPlace place, bool account) {
  if (spec.account_only && !account) return false;
  return place == CommandPlace::kGeneral ? spec.in_general : spec.in_topic;
}

bool command_works(std::string_view name, CommandPlace place, bool account) {
  const CommandSpec* spec = find_command(name);
  return spec != nullptr && command_works(*spec, place, account);
}

const char* to_string(CommandKind kind) {
  if (kind == CommandKind::kCustom) return "custom";
  for (const auto& spec : command_table()) {
    if (spec.kind == kind) return spec.name.data();
  }
  return "custom";
}

}  // namespace topicdesk::core
