#include "core/presentation.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <ctime>

#include "core/commands.h"
#include "core/utf8.h"
#include "i18n/catalog.h"

namespace topicdesk::core {
namespace {

constexpr std::array<std::string_view, 32> kAdjectives{
    "Amber", "Blue",   "Brave",  "Bright", "Calm",  "Clever", "Coral",  "Crimson",
    "Eager", "Gentle", "Golden", "Green",  "Happy", "Honest", "Indigo", "Jolly",
    "Kind",  "Lively", "Lucky",  "Mellow", "Misty", "Noble",  "Olive",  "Quiet",
    "Rapid", "Silver", "Snowy",  "Sunny",  "Swift", "Teal",   "Violet", "Witty"};
constexpr std::array<std::string_view, 32> kAnimals{
    "Badger", "Bear",   "Beaver", "Bison", "Crane", "Dolphin", "Eagle",  "Falcon", "Ferret", "Fox",   "Gecko",
    "Heron",  "Ibis",   "Koala",  "Lark",  "Lemur", "Lynx",    "Marten", "Moose",  "Newt",   "Otter", "Owl",
    "Panda",  "Puffin", "Raven",  "Robin", "Seal",  "Swan",    "Tiger",  "Turtle", "Walrus", "Wolf"};

bool hidden(const UserView& user) { return user.hide_info != HideInfo::kOff; }

const StatusIcons kProductIcons{};

// The name as the user set it, without bidi controls (core::strip_bidi_controls).
std::string full_name(const Person& person) {
  std::string name = strip_bidi_controls(person.first_name);
  std::string last = strip_bidi_controls(person.last_name);
  if (!last.empty()) name += (name.empty() ? "" : " ") + last;
  return name;
}

// A right-to-left name is isolated, so that what follows it ("#id", ":") stays where it is
// written; other names are shown as they are.
std::string shown(std::string name) { return has_rtl(name) ? bidi_isolate(name) : name; }

// FSI and PDI around an isolated name, in UTF-16 units.
constexpr std::size_t kIsolateUnits = 2;

std::string format_utc(UnixMillis millis) {
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min);
}

void append_details(std::string& out, std::string_view lang, const UserView& user,
                    std::string_view start_parameter) {
  const Person& p = user.person;
  if (hidden(user)) {
    out += fmt::format("👤 {}\n", user.pseudonym);
  } else {
    std::string name = full_name(p);
    out += fmt::format("👤 {}\n", name.empty() ? i18n::text(lang, "cards.no_name") : shown(name));
    if (!p.username.empty()) out += fmt::format("@{}\n", p.username);
    out += i18n::text(lang, "cards.id", {{"id", std::to_string(p.id)}}) + "\n";
    if (!p.phone.empty()) out += i18n::text(lang, "cards.phone", {{"phone", p.phone}}) + "\n";
  }
  if (!p.language_code.empty())
    out += i18n::text(lang, "cards.language", {{"language", p.language_code}}) + "\n";
  if (!start_parameter.empty())
    out += i18n::text(lang, "cards.start", {{"start", std::string(start_parameter)}}) + "\n";
}

std::string without_trailing_newline(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace

std::string_view status_marker(TopicStatus status, const StatusIcons& icons) {
  switch (status) {
    case TopicStatus::kUserAnswered:
      return icons.user_answered;
    case TopicStatus::kSupportAnswered:
      return icons.support_answered;
    case TopicStatus::kClosed:
      return icons.closed;
  }
  return "";
}

std::string_view status_name(TopicStatus status) {
  switch (status) {
    case TopicStatus::kUserAnswered:
      return "user_answered";
    case TopicStatus::kSupportAnswered:
      return "support_answered";
    case TopicStatus::kClosed:
      return "closed";
  }
  return "";
}

std::string pseudonym_from_digest(std::uint64_t h) {
  return fmt::format("{} {} {}", kAdjectives[h % kAdjectives.size()], kAnimals[(h >> 8) % kAnimals.size()],
                     1000 + (h >> 16) % 9000);
}

namespace {
std::string plain_display_name(const UserView& user) {
  if (hidden(user)) return user.pseudonym;
  std::string name = full_name(user.person);
  if (name.empty()) name = "User";
  return name;
}
}  // namespace

std::string display_name(const UserView& user) { return shown(plain_display_name(user)); }

namespace {

// " 👤 Olga": the owner's short name after the title, without '#' (so the user's " #id" stays the
// last one) and bidi controls, at most kMaxOwnerUnits.
constexpr std::string_view kOwnerMark = " 👤 ";
constexpr std::size_t kMaxOwnerUnits = 24;

std::string owner_tail(std::string_view owner) {
  std::string name = strip_bidi_controls(owner);
  std::erase(name, '#');
  name = trim(name);
  if (name.empty()) return {};
  name = utf16_truncate(name, kMaxOwnerUnits - (has_rtl(name) ? kIsolateUnits : 0));
  return std::string(kOwnerMark) + shown(name);
}

// The user id of " #<digits>" ending the title or followed by the owner's mark; 0: none.
UserId title_user_id(std::string_view title) {
  for (std::size_t hash = title.rfind(" #"); hash != std::string_view::npos;
       hash = hash == 0 ? std::string_view::npos : title.rfind(" #", hash - 1)) {
    std::string_view digits = title.substr(hash + 2);
    UserId id = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    std::string_view rest(end, static_cast<std::size_t>(digits.data() + digits.size() - end));
    if (ec == std::errc() && id != 0 && (rest.empty() || rest.starts_with(kOwnerMark))) return id;
  }
  return 0;
}

}  // namespace

std::string topic_title(const UserView& user, TopicStatus status, std::string_view owner,
                        const std::vector<std::string>& tickers) {
  std::string suffix =
      (hidden(user) ? std::string() : fmt::format(" #{}", user.person.id)) + owner_tail(owner);
  std::string prefix = std::string(status_marker(status, user.icons)) + " ";
  std::size_t room = kMaxTopicTitle - utf16_length(prefix) - utf16_length(suffix);
  std::string name = plain_display_name(user);
  name =
      has_rtl(name) ? bidi_isolate(utf16_truncate(name, room - kIsolateUnits)) : utf16_truncate(name, room);
  // The tickers take what the name left, whole ones only.
  std::size_t left = room - utf16_length(name);
  std::string shown_tickers;
  for (const auto& ticker : tickers) {
    if (ticker.empty()) continue;
    std::string next = shown_tickers.empty() ? ticker : shown_tickers + " " + ticker;
    if (utf16_length(next) + utf16_length(kTickerSeparator) > left) break;
    shown_tickers = std::move(next);
  }
  if (!shown_tickers.empty()) prefix += shown_tickers + std::string(kTickerSeparator);
  return prefix + name + suffix;
}

std::optional<TitleRef> parse_topic_title(std::string_view title, const StatusIcons& icons) {
  static const StatusIcons kEarlierIcons{"🟢", "🟡", "⚪"};
  bool marked = false;
  for (const StatusIcons* set : {&icons, static_cast<const StatusIcons*>(&kProductIcons), &kEarlierIcons}) {
    for (auto status : {TopicStatus::kUserAnswered, TopicStatus::kSupportAnswered, TopicStatus::kClosed}) {
      std::string prefix = std::string(status_marker(status, *set)) + " ";
      if (!marked && title.starts_with(prefix)) {
        title.remove_prefix(prefix.size());
        marked = true;
      }
    }
  }
  // Tickers end with the separator; neither they nor a pseudonym hold a '·'.
  if (std::size_t tickers = title.find(kTickerSeparator); tickers != std::string_view::npos)
    title.remove_prefix(tickers + kTickerSeparator.size());
  if (!marked || title.empty()) return std::nullopt;
  // " #<id>" at the end or before the owner (a monitored group's id is negative).
  if (UserId id = title_user_id(title)) return TitleRef{.user = id};
  // A pseudonym never holds the owner's mark: what follows it is the owner.
  if (std::size_t owner = title.find(kOwnerMark); owner != std::string_view::npos)
    title = title.substr(0, owner);
  return TitleRef{.pseudonym = std::string(title)};
}

std::string user_card(std::string_view lang, const UserView& user, std::string_view start_parameter) {
  std::string out = i18n::text(lang, "cards.new_dialog") + "\n";
  append_details(out, lang, user, start_parameter);
  return without_trailing_newline(out);
}

std::string info_text(std::string_view lang, const InfoView& info) {
  std::string out = i18n::text(lang, "cards.dialog_info") + "\n";
  UserView user = info.user;
  if (!info.reveal && user.hide_info == HideInfo::kOff) user.hide_info = HideInfo::kName;
  if (info.reveal) user.hide_info = HideInfo::kOff;
  append_details(out, lang, user, info.start_parameter);
  out += i18n::text(lang, "cards.status",
                    {{"marker", std::string(status_marker(info.status, info.user.icons))},
                     {"status", i18n::text(lang, "cards.status_" + std::string(status_name(info.status)))}}) +
         "\n";
  if (info.created_at > 0)
    out += i18n::text(lang, "cards.since", {{"time", format_utc(info.created_at)}}) + "\n";
  if (info.banned) out += i18n::text(lang, "cards.banned") + "\n";
  if (info.user_blocked_bot) out += i18n::text(lang, "cards.user_blocked_bot") + "\n";
  return without_trailing_newline(out);
}

std::string help_text(std::string_view lang, bool in_general_topic, bool account, const StatusIcons& icons) {
  const CommandPlace place = in_general_topic ? CommandPlace::kGeneral : CommandPlace::kTopic;
  std::string out = i18n::text(lang, in_general_topic ? "cards.help_general" : "cards.help_topic") + "\n";
  for (const auto& spec : command_table()) {
    if (!command_works(spec, place, account)) continue;
    // A command whose concern has no catalogue line keeps the table's English summary.
    const std::string key = "commands." + std::string(spec.name);
    const std::string summary = i18n::has_key(key) ? i18n::text(lang, key) : std::string(spec.summary);
    const std::string command = fmt::format("/{}{}{}", spec.name, spec.args.empty() ? "" : " ", spec.args);
    out += i18n::text(lang, "cards.help_line", {{"command", command}, {"summary", summary}});
    if (spec.marks) out += fmt::format(" ({})", status_marker(*spec.marks, icons));
    out += '\n';
  }
  return out + i18n::text(lang, in_general_topic ? "cards.help_general_end" : "cards.help_topic_end");
}

std::string stats_text(std::string_view lang, const StatsView& stats, const StatusIcons& icons) {
  return i18n::text(lang, "cards.stats",
                    {{"user_marker", icons.user_answered},
                     {"user_answered", std::to_string(stats.user_answered)},
                     {"support_marker", icons.support_answered},
                     {"support_answered", std::to_string(stats.support_answered)},
                     {"closed_marker", icons.closed},
                     {"closed", std::to_string(stats.closed)},
                     {"open", std::to_string(stats.user_answered + stats.support_answered)}});
}

std::string welcome_text(std::string_view welcome_template, const UserView& user) {
  std::string out;
  UserView own = user;
  own.hide_info = HideInfo::kOff;  // the user is told their own name, never the operators' pseudonym
  std::string name = display_name(own);
  constexpr std::string_view kPlaceholder = "{title}";
  std::size_t pos = 0;
  while (true) {
    std::size_t found = welcome_template.find(kPlaceholder, pos);
    out +=
        welcome_template.substr(pos, found == std::string_view::npos ? std::string_view::npos : found - pos);
    if (found == std::string_view::npos) break;
    out += name;
    pos = found + kPlaceholder.size();
  }
  return out;
}

namespace notice {
std::string user_blocked_bot(std::string_view lang) { return i18n::text(lang, "notices.user_blocked_bot"); }
std::string user_unblocked_bot(std::string_view lang) {
  return i18n::text(lang, "notices.user_unblocked_bot");
}
std::string not_delivered(std::string_view lang, std::string_view reason) {
  return i18n::text(lang, "notices.not_delivered", {{"reason", std::string(reason)}});
}
std::string user_message_not_copied(std::string_view lang, std::string_view reason) {
  return i18n::text(lang, "notices.user_message_not_copied", {{"reason", std::string(reason)}});
}
std::string user_message_withheld(std::string_view lang) {
  return i18n::text(lang, "notices.user_message_withheld");
}
std::string operator_message_withheld(std::string_view lang) {
  return i18n::text(lang, "notices.operator_message_withheld");
}
std::string new_topics_held(std::string_view lang, int per_minute) {
  return i18n::text(lang, "notices.new_topics_held", {{"count", std::to_string(per_minute)}});
}
std::string user_messages_held_in_topic(std::string_view lang, int per_minute) {
  return i18n::text(lang, "notices.user_messages_held", {{"count", std::to_string(per_minute)}});
}
std::string user_messages_held_for_user(std::string_view lang) {
  return i18n::text(lang, "dialog.messages_held");
}
std::string helper_left(std::string_view lang, std::string_view name, std::string_view reason) {
  return i18n::text(lang, "notices.helper_left",
                    {{"name", std::string(name)}, {"reason", std::string(reason)}});
}
std::string restricted_for_user(std::string_view lang) { return i18n::text(lang, "dialog.restricted"); }
std::string dialog_closed_for_user(std::string_view lang, bool automatically) {
  return i18n::text(lang, automatically ? "dialog.closed_automatically" : "dialog.closed");
}
std::string message_not_relayed_for_user(std::string_view lang) {
  return i18n::text(lang, "dialog.not_relayed");
}
std::string banned(std::string_view lang) { return i18n::text(lang, "notices.banned"); }
std::string unbanned(std::string_view lang) { return i18n::text(lang, "notices.unbanned"); }
std::string info_refused(std::string_view lang) { return i18n::text(lang, "notices.info_refused"); }
std::string linked_account_hidden(std::string_view lang) {
  return i18n::text(lang, "notices.linked_account_hidden");
}
std::string fields_hidden(std::string_view lang) { return i18n::text(lang, "notices.fields_hidden"); }
std::string unknown_command(std::string_view lang, std::string_view name) {
  return i18n::text(lang, "notices.unknown_command", {{"name", std::string(name)}});
}
std::string reply_only_note(std::string_view lang) { return i18n::text(lang, "notices.reply_only"); }
std::string orphan_topic_relayed(std::string_view lang, std::string_view link) {
  return i18n::text(lang, "notices.orphan_topic_relayed", {{"link", std::string(link)}});
}
std::string orphan_topic_adopted(std::string_view lang) {
  return i18n::text(lang, "notices.orphan_topic_adopted");
}
std::string history_topic(std::string_view lang, std::string_view link) {
  return link.empty() ? i18n::text(lang, "notices.history_topic")
                      : i18n::text(lang, "notices.history_topic_link", {{"link", std::string(link)}});
}
std::string unknown_topic(std::string_view lang, const StatusIcons& icons) {
  return i18n::text(lang, "notices.unknown_topic",
                    {{"markers", icons.user_answered + " " + icons.support_answered + " " + icons.closed}});
}
std::string cut_in_topic(std::string_view lang) { return i18n::text(lang, "notices.cut_in_topic"); }
std::string account_owner_answered(std::string_view lang) {
  return i18n::text(lang, "notices.account_owner_answered");
}
}  // namespace notice

}  // namespace topicdesk::core
