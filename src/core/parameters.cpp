#include "core/parameters.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>
#include <functional>
#include <map>
#include <set>

#include "core/utf8.h"
#include "i18n/catalog.h"

namespace topicdesk::core {
namespace {

constexpr int kMaxAutocloseHours = 1000000;
constexpr int kMaxUnansweredAlertMinutes = 525600;      // a year
constexpr std::int64_t kMaxProxyOutageSeconds = 86400;  // a day
constexpr int kMaxPerMinute = 10000;
constexpr std::int64_t kMaxBroadcastMonthlyQuota = 1'000'000'000;
constexpr std::size_t kMaxWelcomeLength = 4096;

bool is_off(std::string_view value) {
  std::string v = lower_ascii(trim(value));
  return v.empty() || v == "off";
}

std::optional<std::int64_t> to_integer(std::string_view text) {
  std::string t = trim(text);
  std::int64_t value = 0;
  const char* end = t.data() + t.size();
  auto [ptr, ec] = std::from_chars(t.data(), end, value);
  if (ec != std::errc() || ptr != end || t.empty()) return std::nullopt;
  return value;
}

using Setter = std::function<Status(Parameters&, const std::string& value)>;

Error wrong(std::string_view name, std::string_view allowed, std::string_view value) {
  return make_error(std::string(name) + " must be " + std::string(allowed) + " (got \"" + std::string(value) +
                    "\")");
}

Setter boolean(bool Parameters::*field, std::string_view name) {
  return [field, name](Parameters& p, const std::string& value) -> Status {
    std::string v = lower_ascii(trim(value));
    if (v == "true" || v == "on" || v == "yes" || v == "1") {
      p.*field = true;
    } else if (v == "false" || v == "off" || v == "no" || v == "0") {
      p.*field = false;
    } else {
      return wrong(name, "true or false", value);
    }
    return Ok{};
  };
}

Setter keywords(KeywordRule Parameters::*field, std::string_view name) {
  return [field, name](Parameters& p, const std::string& value) -> Status {
    if (is_off(value)) {
      p.*field = KeywordRule();
      return Ok{};
    }
    auto rule = parse_keyword_rule(value);
    if (!rule) {
      return make_error(std::string(name) + ": " + rule.error().message +
                        " (allowed: OFF or \"w1\",\"w2\",[\"w3\",\"w4\"],[\"w5\",\"~w6\"])");
    }
    p.*field = std::move(*rule);
    return Ok{};
  };
}

Result<UserRef> user_ref(std::string_view name, const std::string& word) {
  if (auto id = to_integer(word); id && *id > 0) return UserRef{*id, {}};
  std::string username = word.starts_with('@') ? word.substr(1) : word;
  bool valid =
      username.size() >= 4 && username.size() <= 32 &&
      std::all_of(username.begin(), username.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      });
  if (!valid) return wrong(name, "a list of user ids or @usernames", word);
  return UserRef{0, lower_ascii(username)};
}

Setter users(std::vector<UserRef> Parameters::*field, std::string_view name) {
  return [field, name](Parameters& p, const std::string& value) -> Status {
    (p.*field).clear();
    if (is_off(value)) return Ok{};
    auto items = parse_list(value);
    if (!items) return make_error(std::string(name) + ": " + items.error().message);
    for (const auto& item : *items) {
      if (item.bracketed) return wrong(name, "a flat list of user ids or @usernames", value);
      auto ref = user_ref(name, item.words.front());
      if (!ref) return ref.error();
      (p.*field).push_back(std::move(*ref));
    }
    return Ok{};
  };
}

// "template:NAME" with NAME a template name (crm/templates.h has the rule with its reasons).
Status check_template_reference(std::string_view parameter, const std::string& value) {
  auto name = template_reference(value);
  if (!name) return Ok{};
  bool valid =
      !name->empty() && name->size() <= 32 &&
      ((name->front() >= 'a' && name->front() <= 'z') || (name->front() >= 'A' && name->front() <= 'Z'));
  for (char c : *name) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_');
  }
  if (valid) return Ok{};
  return make_error(std::string(parameter) +
                    ": template:NAME names a template: a Latin letter, then letters, digits, '-' or '_', at "
                    "most 32 characters");
}

}  // namespace

std::optional<std::string> template_reference(std::string_view value) {
  std::string trimmed = trim(value);
  constexpr std::string_view kPrefix = "template:";
  if (!lower_ascii(trimmed).starts_with(kPrefix)) return std::nullopt;
  return trim(std::string_view(trimmed).substr(kPrefix.size()));
}

namespace {

Status set_welcome(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.welcome.reset();
    return Ok{};
  }
  if (auto checked = check_template_reference("WELCOME", value); !checked) return checked;
  if (utf16_length(value) > kMaxWelcomeLength)
    return wrong("WELCOME", "OFF or a text of at most 4096 characters", "…");
  p.welcome = value;
  return Ok{};
}

Status set_close_message(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  if (v == "off" || v == "false") {
    p.close_message.reset();
    return Ok{};
  }
  if (v.empty() || v == "default" || v == "on" || v == "true") {
    p.close_message = std::string();
    return Ok{};
  }
  if (utf16_length(value) > kMaxWelcomeLength)
    return wrong("CLOSE_MESSAGE", "OFF, default or a text of at most 4096 characters", "…");
  p.close_message = value;
  return Ok{};
}

Status set_csat(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.csat.reset();
    return Ok{};
  }
  // The edited question also carries the score and a line about comments.
  constexpr std::size_t kMaxQuestionLength = 3500;
  if (trim(value).empty() || utf16_length(value) > kMaxQuestionLength)
    return wrong("CSAT", "OFF or the question, a text of at most 3500 characters", "…");
  p.csat = value;
  return Ok{};
}

// Every word of a list, brackets or not: `"private","group"` and `["private","group"]` (what a
// TOML array becomes) both give two words.
Result<std::vector<std::string>> flat_words(std::string_view name, const std::string& value) {
  auto items = parse_list(value);
  if (!items) return make_error(std::string(name) + ": " + items.error().message);
  std::vector<std::string> out;
  for (const auto& item : *items) {
    for (const auto& word : item.words) out.push_back(trim(word));
  }
  return out;
}

// The product's list of chat kinds; the yes/no of earlier topicdesk versions still works:
// true is NEW_TOPIC_AFTER_CLOSE (what it meant), false leaves every topic to open again.
Status set_leave_closed(Parameters& p, const std::string& value) {
  p.leave_closed.clear();
  std::string v = lower_ascii(trim(value));
  if (v == "true" || v == "yes" || v == "on" || v == "1") {
    p.new_topic_after_close = true;
    return Ok{};
  }
  if (is_off(value) || v == "false" || v == "no" || v == "0" || v == "[]") return Ok{};
  static constexpr std::string_view kAllowed =
      "a list of chat kinds \"private\", \"group\", \"channel\" (or OFF)";
  auto words = flat_words("LEAVE_CLOSED", value);
  if (!words) return wrong("LEAVE_CLOSED", kAllowed, value);
  for (const auto& word : *words) {
    std::string kind = lower_ascii(word);
    if (kind != "private" && kind != "group" && kind != "channel")
      return wrong("LEAVE_CLOSED", kAllowed, value);
    if (std::find(p.leave_closed.begin(), p.leave_closed.end(), kind) == p.leave_closed.end())
      p.leave_closed.push_back(kind);
  }
  return Ok{};
}

constexpr std::size_t kMaxStatusIconBytes = 32;

Status set_status_icons(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  if (v.empty() || v == "default") {
    p.status_icons = StatusIcons{};
    return Ok{};
  }
  static constexpr std::string_view kAllowed =
      "three markers: waiting for operators, waiting for the user, closed (e.g. \"🟢\",\"🟡\",\"⚪\")";
  auto words = flat_words("STATUS_ICONS", value);
  if (!words || words->size() != 3) return wrong("STATUS_ICONS", kAllowed, value);
  for (const auto& word : *words) {
    bool plain = word.size() <= kMaxStatusIconBytes &&
                 std::none_of(word.begin(), word.end(), [](char c) { return is_ascii_space(c) || c == '#'; });
    if (word.empty() || !plain) return wrong("STATUS_ICONS", kAllowed, value);
  }
  if ((*words)[0] == (*words)[1] || (*words)[1] == (*words)[2] || (*words)[0] == (*words)[2])
    return wrong("STATUS_ICONS", "three different markers", value);
  p.status_icons = StatusIcons{(*words)[0], (*words)[1], (*words)[2]};
  return Ok{};
}

Status set_intercepted_status(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  if (v == "true" || v == "yes" || v == "on" || v == "1" || v == "all") {
    p.intercepted_status = InterceptedStatus::kAll;
  } else if (v == "false" || v == "no" || v == "off" || v == "0" || v == "none") {
    p.intercepted_status = InterceptedStatus::kNone;
  } else if (v == "owner") {
    p.intercepted_status = InterceptedStatus::kOwner;
  } else {
    return wrong("INTERCEPTED_STATUS", "true, false or owner", value);
  }
  return Ok{};
}

Status set_autoclose(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.autoclose_hours = 0;
    return Ok{};
  }
  auto hours = to_integer(value);
  if (!hours || *hours < 1 || *hours > kMaxAutocloseHours)
    return wrong("AUTOCLOSE", "OFF or hours 1..1000000", value);
  p.autoclose_hours = static_cast<int>(*hours);
  return Ok{};
}

Status set_assign(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  if (is_off(value)) {
    p.assign = AssignMode::kOff;
  } else if (v == "round_robin") {
    p.assign = AssignMode::kRoundRobin;
  } else if (v == "least_open") {
    p.assign = AssignMode::kLeastOpen;
  } else {
    return wrong("ASSIGN", "OFF, round_robin or least_open", value);
  }
  return Ok{};
}

Status set_unanswered_alert(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.unanswered_alert_minutes = 0;
    return Ok{};
  }
  auto minutes = to_integer(value);
  if (!minutes || *minutes < 1 || *minutes > kMaxUnansweredAlertMinutes)
    return wrong("UNANSWERED_ALERT", "OFF or minutes 1..525600", value);
  p.unanswered_alert_minutes = static_cast<int>(*minutes);
  return Ok{};
}

Status set_backlog_notice(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.backlog_notice_minutes = 0;
    return Ok{};
  }
  auto minutes = to_integer(value);
  if (!minutes || *minutes < 1 || *minutes > 1440)
    return wrong("BACKLOG_NOTICE", "OFF or minutes 1..1440", value);
  p.backlog_notice_minutes = static_cast<int>(*minutes);
  return Ok{};
}

Status set_daily_digest(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.daily_digest_minute.reset();
    return Ok{};
  }
  std::string v = trim(value);
  const bool shaped = v.size() == 5 && v[2] == ':' && std::isdigit(static_cast<unsigned char>(v[0])) &&
                      std::isdigit(static_cast<unsigned char>(v[1])) &&
                      std::isdigit(static_cast<unsigned char>(v[3])) &&
                      std::isdigit(static_cast<unsigned char>(v[4]));
  const int hours = shaped ? (v[0] - '0') * 10 + (v[1] - '0') : 0;
  const int minutes = shaped ? (v[3] - '0') * 10 + (v[4] - '0') : 0;
  if (!shaped || hours > 23 || minutes > 59)
    return wrong("DAILY_DIGEST", "OFF or a time of day HH:MM", value);
  p.daily_digest_minute = hours * 60 + minutes;
  return Ok{};
}

Status set_proxy_backlog(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  if (v == "all") {
    p.proxy_backlog = ProxyBacklogMode::kAll;
  } else if (v == "unanswered") {
    p.proxy_backlog = ProxyBacklogMode::kUnanswered;
  } else {
    return wrong("PROXY_BACKLOG", "all or unanswered", value);
  }
  return Ok{};
}

Status set_proxy_outage(Parameters& p, const std::string& value) {
  auto seconds = to_integer(value);
  if (!seconds || *seconds < 1 || *seconds > kMaxProxyOutageSeconds)
    return wrong("PROXY_OUTAGE", "seconds 1..86400", value);
  p.proxy_outage_seconds = static_cast<int>(*seconds);
  return Ok{};
}

// OFF (0) or a number of things a minute, 1..10000.
Setter per_minute(int Parameters::*field, std::string_view name) {
  return [field, name](Parameters& p, const std::string& value) -> Status {
    if (is_off(value)) {
      p.*field = 0;
      return Ok{};
    }
    auto n = to_integer(value);
    if (!n || *n < 1 || *n > kMaxPerMinute) return wrong(name, "OFF or a number a minute 1..10000", value);
    p.*field = static_cast<int>(*n);
    return Ok{};
  };
}

Status set_broadcast_monthly_quota(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.broadcast_monthly_quota = 0;
    return Ok{};
  }
  auto n = to_integer(value);
  if (!n || *n < 1 || *n > kMaxBroadcastMonthlyQuota)
    return wrong("BROADCAST_MONTHLY_QUOTA", "OFF or a number of users a month 1..1000000000", value);
  p.broadcast_monthly_quota = *n;
  return Ok{};
}

Status set_hide_info(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  if (v == "off" || v.empty() || v == "false") {
    p.hide_info = HideInfo::kOff;
  } else if (v == "name") {
    p.hide_info = HideInfo::kName;
  } else if (v == "command") {
    p.hide_info = HideInfo::kCommand;
  } else {
    return wrong("HIDE_INFO", "OFF, name or command", value);
  }
  return Ok{};
}

Status set_ignore_chats(Parameters& p, const std::string& value) {
  p.ignore_chats.clear();
  if (is_off(value)) return Ok{};
  auto items = parse_list(value);
  if (!items) return make_error("IGNORE_CHATS: " + items.error().message);
  for (const auto& item : *items) {
    auto id = item.bracketed ? std::nullopt : to_integer(item.words.front());
    if (!id || *id == 0) return wrong("IGNORE_CHATS", "a list of chat ids", value);
    p.ignore_chats.push_back(*id);
  }
  return Ok{};
}

Status set_icon_color(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  std::optional<std::int64_t> color;
  if (v.starts_with("0x") || v.starts_with('#')) {
    std::string_view hex = std::string_view(v).substr(v.starts_with('#') ? 1 : 2);
    std::int64_t parsed = 0;
    auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), parsed, 16);
    if (ec == std::errc() && ptr == hex.data() + hex.size() && !hex.empty()) color = parsed;
  } else {
    color = to_integer(v);
  }
  if (!color ||
      std::find(std::begin(kTopicColors), std::end(kTopicColors), *color) == std::end(kTopicColors)) {
    return wrong("ICON_COLOR", "one of 0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F", value);
  }
  p.icon_color = static_cast<int>(*color);
  return Ok{};
}

// Integrations: hooks
constexpr std::size_t kMaxWebhookSecret = 256;

Result<WebhookTarget> webhook_target(const std::string& url, const boost::json::value& list) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  bool web = parsed && (parsed->scheme() == "http" || parsed->scheme() == "https") &&
             !parsed->host().empty() && !parsed->has_userinfo() && !parsed->has_fragment();
  if (!web) return make_error("WEBHOOKS: \"" + url + "\" is not an http:// or https:// URL with a host");
  if (!list.is_array())
    return make_error("WEBHOOKS: the value for " + url + " must be a list of event names and /commands");
  WebhookTarget target{url, {}, {}};
  for (const auto& item : list.get_array()) {
    if (!item.is_string()) return make_error("WEBHOOKS: " + url + " lists a value that is not a string");
    std::string name = trim(std::string(item.get_string()));
    if (name.starts_with('/') || name == "info") {
      std::string command = lower_ascii(name.starts_with('/') ? name.substr(1) : name);
      bool valid =
          !command.empty() && command.size() <= 32 && std::all_of(command.begin(), command.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
          });
      if (!valid)
        return make_error("WEBHOOKS: " + url + ": \"" + name + "\" is not a /command (letters, digits, _)");
      target.commands.push_back(command);
      continue;
    }
    const auto& known = webhook_event_names();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list_text;
      for (const auto& k : known) list_text += (list_text.empty() ? "" : ", ") + k;
      return make_error("WEBHOOKS: " + url + ": unknown event \"" + name + "\" (known: " + list_text +
                        ", info, or a /command)");
    }
    target.events.push_back(name);
  }
  return target;
}

Status set_webhooks(Parameters& p, const std::string& value) {
  p.webhooks.clear();
  if (is_off(value)) return Ok{};
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(value, ec);
  if (ec || !parsed.is_object()) {
    return make_error(
        "WEBHOOKS must be OFF or a JSON object {\"https://host/path\": [\"dialog_created\", \"/command\"]}");
  }
  for (const auto& [url, list] : parsed.get_object()) {
    auto target = webhook_target(std::string(url), list);
    if (!target) return target.error();
    p.webhooks.push_back(std::move(*target));
  }
  return Ok{};
}

Status set_webhooks_secret(Parameters& p, const std::string& value) {
  std::string secret = trim(value);
  if (secret.size() > kMaxWebhookSecret) return wrong("WEBHOOKS_SECRET", "at most 256 characters", "…");
  if (!secret.empty() && secret.size() < 16)
    return wrong("WEBHOOKS_SECRET", "empty or at least 16 characters", "…");
  p.webhooks_secret = secret;
  return Ok{};
}

Status set_working_hours(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.working_hours.reset();
    return Ok{};
  }
  auto hours = parse_working_hours(value);
  if (!hours) {
    return make_error("WORKING_HOURS: " + hours.error().message +
                      " (allowed: OFF or \"Europe/Berlin; mon-fri 09:00-18:00; sat 10:00-14:00; holidays "
                      "2026-12-25\")");
  }
  p.working_hours = std::move(*hours);
  return Ok{};
}

Status set_away_message(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.away_message.reset();
    return Ok{};
  }
  if (auto checked = check_template_reference("AWAY_MESSAGE", value); !checked) return checked;
  if (utf16_length(value) > kMaxWelcomeLength)
    return wrong("AWAY_MESSAGE", "OFF or a text of at most 4096 characters", "…");
  p.away_message = value;
  return Ok{};
}

// "/name args…" with {payload}, {invoice}, {title}, {amount}, {currency}, {charge} (payments/invoice.h).
Status set_language(Parameters& p, const std::string& value) {
  std::string v = trim(value);
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto& known = i18n::languages();
  if (std::find(known.begin(), known.end(), v) == known.end()) {
    std::string names;
    for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
    return wrong("LANGUAGE", "one of " + names, value);
  }
  p.language = v;
  return Ok{};
}

Status set_payment_hook(Parameters& p, const std::string& value) {
  std::string v = trim(value);
  if (is_off(v)) {
    p.payment_hook.clear();
    return Ok{};
  }
  std::size_t end = 1;
  while (end < v.size() && (std::isalnum(static_cast<unsigned char>(v[end])) != 0 || v[end] == '_')) ++end;
  const bool command =
      v.size() > 1 && v[0] == '/' && end > 1 && end <= 33 && (end == v.size() || v[end] == ' ');
  if (!command || v.size() > 512 || v.find('\n') != std::string::npos)
    return wrong("PAYMENT_HOOK", "OFF or a command line such as /activate {payload}", value);
  p.payment_hook = v;
  return Ok{};
}

// The AI consultant (docs/ai.md).
constexpr std::size_t kMaxAiPromptLength = 16000;
constexpr int kMaxAiDelayMinutes = 7 * 24 * 60;

Status set_ai(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  if (is_off(value)) {
    p.ai = AiMode::kOff;
  } else if (v == "draft") {
    p.ai = AiMode::kDraft;
  } else if (v == "auto") {
    p.ai = AiMode::kAuto;
  } else {
    return wrong("AI", "OFF, draft or auto", value);
  }
  return Ok{};
}

Status set_ai_prompt(Parameters& p, const std::string& value) {
  std::string v = trim(value);
  if (is_off(v)) {
    p.ai_prompt.clear();
    return Ok{};
  }
  if (lower_ascii(v.substr(0, 5)) == "file:") {
    if (trim(std::string_view(v).substr(5)).empty())
      return wrong("AI_PROMPT", "OFF, a text or file:PATH of a text file", value);
    p.ai_prompt = "file:" + trim(std::string_view(v).substr(5));
    return Ok{};
  }
  if (utf16_length(v) > kMaxAiPromptLength)
    return wrong("AI_PROMPT", "OFF, file:PATH or a text of at most 16000 characters", "…");
  p.ai_prompt = v;
  return Ok{};
}

Status set_ai_knowledge(Parameters& p, const std::string& value) {
  std::string v = trim(value);
  if (is_off(v)) {
    p.ai_knowledge.clear();
    return Ok{};
  }
  if (v.size() > 4096 || v.find('\n') != std::string::npos || v.find('\0') != std::string::npos)
    return wrong("AI_KNOWLEDGE", "OFF or the path of a folder of Markdown files", value);
  p.ai_knowledge = v;
  return Ok{};
}

Status set_ai_delay(Parameters& p, const std::string& value) {
  auto minutes = to_integer(value);
  if (!minutes || *minutes < 0 || *minutes > kMaxAiDelayMinutes)
    return wrong("AI_DELAY", "minutes 0..10080", value);
  p.ai_delay_minutes = static_cast<int>(*minutes);
  return Ok{};
}

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> kTable = {
      {"WELCOME", set_welcome},
      {"AUTOCLOSE", set_autoclose},
      {"SILENT_MODE", boolean(&Parameters::silent_mode, "SILENT_MODE")},
      {"PRIVATE_KEYWORDS", keywords(&Parameters::private_keywords, "PRIVATE_KEYWORDS")},
      {"HIDE_INFO", set_hide_info},
      {"EXTENSIONS_ALLOWED", users(&Parameters::extensions_allowed, "EXTENSIONS_ALLOWED")},
      {"REPLY_ONLY", boolean(&Parameters::reply_only, "REPLY_ONLY")},
      {"AUTO_INFO", boolean(&Parameters::auto_info, "AUTO_INFO")},
      {"IGNORE_CHATS", set_ignore_chats},
      {"WHITE_LIST", users(&Parameters::white_list, "WHITE_LIST")},
      {"RESTRICTED_KEYWORDS_FRONTEND",
       keywords(&Parameters::restricted_frontend, "RESTRICTED_KEYWORDS_FRONTEND")},
      {"RESTRICTED_KEYWORDS_BACKEND",
       keywords(&Parameters::restricted_backend, "RESTRICTED_KEYWORDS_BACKEND")},
      {"CLOSE_MESSAGE", set_close_message},
      {"CSAT", set_csat},
      {"LEAVE_CLOSED", set_leave_closed},
      {"NEW_TOPIC_AFTER_CLOSE", boolean(&Parameters::new_topic_after_close, "NEW_TOPIC_AFTER_CLOSE")},
      {"ICON_COLOR", set_icon_color},
      {"STATUS_ICONS", set_status_icons},
      {"INTERCEPTED_STATUS", set_intercepted_status},
      {"INTERCEPT_EXTERNAL", boolean(&Parameters::intercept_external, "INTERCEPT_EXTERNAL")},
      {"PROXY_PRIVATE_WEBHOOKS", boolean(&Parameters::proxy_private_webhooks, "PROXY_PRIVATE_WEBHOOKS")},
      {"PROXY_BACKLOG", set_proxy_backlog},
      {"PROXY_OUTAGE", set_proxy_outage},
      {"CUSTOM_COMMANDS", boolean(&Parameters::custom_commands, "CUSTOM_COMMANDS")},
      {"PAYMENT_HOOK", set_payment_hook},
      {"LANGUAGE", set_language},
      {"AI", set_ai},
      {"AI_PROMPT", set_ai_prompt},
      {"AI_KNOWLEDGE", set_ai_knowledge},
      {"AI_DELAY", set_ai_delay},
      {"NEW_TOPICS_PER_MINUTE", per_minute(&Parameters::new_topics_per_minute, "NEW_TOPICS_PER_MINUTE")},
      {"USER_MESSAGES_PER_MINUTE",
       per_minute(&Parameters::user_messages_per_minute, "USER_MESSAGES_PER_MINUTE")},
      {"COALESCE", boolean(&Parameters::coalesce, "COALESCE")},
      {"BACKLOG_NOTICE", set_backlog_notice},
      {"BROADCAST_MONTHLY_QUOTA", set_broadcast_monthly_quota},
      {"WEBHOOKS", set_webhooks},
      {"WEBHOOKS_SECRET", set_webhooks_secret},
      {"ASSIGN", set_assign},
      {"UNANSWERED_ALERT", set_unanswered_alert},
      {"DAILY_DIGEST", set_daily_digest},
      // accounts
      {"MONITOR_PRIVATE", boolean(&Parameters::monitor_private, "MONITOR_PRIVATE")},
      {"MONITOR_GROUPS", boolean(&Parameters::monitor_groups, "MONITOR_GROUPS")},
      {"MONITOR_CHANNELS", boolean(&Parameters::monitor_channels, "MONITOR_CHANNELS")},
      {"GROUPS_KEYWORDS", keywords(&Parameters::groups_keywords, "GROUPS_KEYWORDS")},
      // working hours
      {"WORKING_HOURS", set_working_hours},
      {"AWAY_MESSAGE", set_away_message},
  };
  return kTable;
}

}  // namespace

// Integrations: hooks
const std::vector<std::string>& webhook_event_names() {
  static const std::vector<std::string> kNames = {
      "dialog_created",      "dialog_reopened",  "dialog_closed",   "message_received", "message_sent",
      "message_intercepted", "dialog_assigned",  "csat_received",   "label_added",      "label_removed",
      "invoice_sent",        "payment_received", "payment_refunded"};
  return kNames;
}

bool WebhookTarget::wants_event(std::string_view type) const {
  return std::find(events.begin(), events.end(), type) != events.end();
}

bool WebhookTarget::wants_command(std::string_view name) const {
  return std::find(commands.begin(), commands.end(), name) != commands.end();
}

bool leaves_closed(const Parameters& p, std::string_view chat_kind) {
  return std::find(p.leave_closed.begin(), p.leave_closed.end(), chat_kind) != p.leave_closed.end();
}

bool matches_user(const std::vector<UserRef>& list, UserId id, std::string_view username) {
  std::string lowered = lower_ascii(username);
  return std::any_of(list.begin(), list.end(), [&](const UserRef& ref) {
    return (ref.id != 0 && ref.id == id) || (!ref.username.empty() && ref.username == lowered);
  });
}

bool sees_hidden_info(const Parameters& p, UserId id, std::string_view username, bool anonymous_admin) {
  return p.hide_info == HideInfo::kOff ||
         (!anonymous_admin && matches_user(p.extensions_allowed, id, username));
}

const std::vector<std::string>& known_parameter_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> out;
    for (const auto& [name, setter] : setters()) out.push_back(name);
    return out;
  }();
  return kNames;
}

Result<Parameters> parse_parameters(const RawParameters& raw) {
  Parameters params;
  std::set<std::string> seen;
  // NEW_TOPIC_AFTER_CLOSE, when given, wins over what an old LEAVE_CLOSED = true meant, wherever
  // it stands.
  RawParameters ordered = raw;
  std::stable_partition(ordered.begin(), ordered.end(),
                        [](const auto& entry) { return entry.first != "NEW_TOPIC_AFTER_CLOSE"; });
  for (const auto& [name, value] : ordered) {
    auto setter = setters().find(name);
    if (setter == setters().end()) {
      std::string known;
      for (const auto& n : known_parameter_names()) known += (known.empty() ? "" : ", ") + n;
      return make_error("unknown parameter " + name + " (known: " + known + ")");
    }
    if (!seen.insert(name).second) return make_error("parameter " + name + " is given twice");
    if (auto status = setter->second(params, value); !status) return status.error();
  }
  return params;
}

}  // namespace topicdesk::core
