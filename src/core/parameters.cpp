#include "core/parameters.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>
#include <functional>
#include <map>
#include <set>

#include "core/parameter_problems.h"
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

// Why a value is refused, as a catalogue text (parameters.toml); nullopt: accepted.
using Problem = std::optional<i18n::Message>;
constexpr std::nullopt_t kAccepted = std::nullopt;
using Setter = std::function<Problem(Parameters&, const std::string& value)>;

// "{name} must be … (got \"{value}\")": `key` names what the parameter allows.
Problem wrong(std::string_view key, std::string_view name, std::string_view value) {
  return i18n::Message{"parameters." + std::string(key),
                       {{"name", std::string(name)}, {"value", std::string(value)}}};
}

// "{name}: {reason}…": a list, keyword rule or schedule that does not parse, with the reason its
// parser gives (a catalogue text, rendered in the same language; its English when it has none).
template <class T>
Problem unparsed(std::string_view key, std::string_view name, const Outcome<T>& failed) {
  i18n::Message problem{"parameters." + std::string(key), {{"name", std::string(name)}}};
  if (failed.text().key.empty()) {
    problem.args.emplace_back("reason", failed.error().message);
  } else {
    problem.nested.emplace_back("reason", failed.text());
  }
  return problem;
}

Setter boolean(bool Parameters::*field, std::string_view name) {
  return [field, name](Parameters& p, const std::string& value) -> Problem {
    std::string v = lower_ascii(trim(value));
    if (v == "true" || v == "on" || v == "yes" || v == "1") {
      p.*field = true;
    } else if (v == "false" || v == "off" || v == "no" || v == "0") {
      p.*field = false;
    } else {
      return wrong("boolean", name, value);
    }
    return kAccepted;
  };
}

Setter keywords(KeywordRule Parameters::*field, std::string_view name) {
  return [field, name](Parameters& p, const std::string& value) -> Problem {
    if (is_off(value)) {
      p.*field = KeywordRule();
      return kAccepted;
    }
    auto rule = parse_keyword_rule(value);
    if (!rule) {
      return unparsed("keywords", name, rule);
    }
    p.*field = std::move(*rule);
    return kAccepted;
  };
}

// A user id or @username of a list; nullopt when `word` is neither.
std::optional<UserRef> user_ref(const std::string& word) {
  if (auto id = to_integer(word); id && *id > 0) return UserRef{*id, {}};
  std::string username = word.starts_with('@') ? word.substr(1) : word;
  bool valid =
      username.size() >= 4 && username.size() <= 32 &&
      std::all_of(username.begin(), username.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      });
  if (!valid) return std::nullopt;
  return UserRef{0, lower_ascii(username)};
}

Setter users(std::vector<UserRef> Parameters::*field, std::string_view name) {
  return [field, name](Parameters& p, const std::string& value) -> Problem {
    (p.*field).clear();
    if (is_off(value)) return kAccepted;
    auto items = parse_list(value);
    if (!items) return unparsed("list", name, items);
    for (const auto& item : *items) {
      if (item.bracketed) return wrong("users_flat", name, value);
      auto ref = user_ref(item.words.front());
      if (!ref) return wrong("users", name, item.words.front());
      (p.*field).push_back(std::move(*ref));
    }
    return kAccepted;
  };
}

// "template:NAME" with NAME a template name (crm/templates.h has the rule with its reasons).
Problem check_template_reference(std::string_view parameter, const std::string& value) {
  auto name = template_reference(value);
  if (!name) return kAccepted;
  bool valid =
      !name->empty() && name->size() <= 32 &&
      ((name->front() >= 'a' && name->front() <= 'z') || (name->front() >= 'A' && name->front() <= 'Z'));
  for (char c : *name) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_');
  }
  if (valid) return kAccepted;
  return i18n::Message{"parameters.template_name", {{"name", std::string(parameter)}}};
}

}  // namespace

std::optional<std::string> template_reference(std::string_view value) {
  std::string trimmed = trim(value);
  constexpr std::string_view kPrefix = "template:";
  if (!lower_ascii(trimmed).starts_with(kPrefix)) return std::nullopt;
  return trim(std::string_view(trimmed).substr(kPrefix.size()));
}

namespace {

Problem set_welcome(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.welcome.reset();
    return kAccepted;
  }
  if (auto checked = check_template_reference("WELCOME", value)) return checked;
  if (utf16_length(value) > kMaxWelcomeLength) return wrong("text", "WELCOME", "…");
  p.welcome = value;
  return kAccepted;
}

Problem set_close_message(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  if (v == "off" || v == "false") {
    p.close_message.reset();
    return kAccepted;
  }
  if (v.empty() || v == "default" || v == "on" || v == "true") {
    p.close_message = std::string();
    return kAccepted;
  }
  if (utf16_length(value) > kMaxWelcomeLength) return wrong("close_message", "CLOSE_MESSAGE", "…");
  p.close_message = value;
  return kAccepted;
}

Problem set_csat(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.csat.reset();
    return kAccepted;
  }
  // The edited question also carries the score and a line about comments.
  constexpr std::size_t kMaxQuestionLength = 3500;
  if (trim(value).empty() || utf16_length(value) > kMaxQuestionLength) return wrong("csat", "CSAT", "…");
  p.csat = value;
  return kAccepted;
}

// Every word of a list, brackets or not: `"private","group"` and `["private","group"]` (what a
// TOML array becomes) both give two words.
std::optional<std::vector<std::string>> flat_words(const std::string& value) {
  auto items = parse_list(value);
  if (!items) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : *items) {
    for (const auto& word : item.words) out.push_back(trim(word));
  }
  return out;
}

// The product's list of chat kinds; the yes/no of earlier topicdesk versions still works:
// true is NEW_TOPIC_AFTER_CLOSE (what it meant), false leaves every topic to open again.
Problem set_leave_closed(Parameters& p, const std::string& value) {
  p.leave_closed.clear();
  std::string v = lower_ascii(trim(value));
  if (v == "true" || v == "yes" || v == "on" || v == "1") {
    p.new_topic_after_close = true;
    return kAccepted;
  }
  if (is_off(value) || v == "false" || v == "no" || v == "0" || v == "[]") return kAccepted;
  auto words = flat_words(value);
  if (!words) return wrong("leave_closed", "LEAVE_CLOSED", value);
  for (const auto& word : *words) {
    std::string kind = lower_ascii(word);
    if (kind != "private" && kind != "group" && kind != "channel")
      return wrong("leave_closed", "LEAVE_CLOSED", value);
    if (std::find(p.leave_closed.begin(), p.leave_closed.end(), kind) == p.leave_closed.end())
      p.leave_closed.push_back(kind);
  }
  return kAccepted;
}

constexpr std::size_t kMaxStatusIconBytes = 32;

Problem set_status_icons(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  if (v.empty() || v == "default") {
    p.status_icons = StatusIcons{};
    return kAccepted;
  }
  auto words = flat_words(value);
  if (!words || words->size() != 3) return wrong("status_icons", "STATUS_ICONS", value);
  for (const auto& word : *words) {
    bool plain = word.size() <= kMaxStatusIconBytes &&
                 std::none_of(word.begin(), word.end(), [](char c) { return is_ascii_space(c) || c == '#'; });
    if (word.empty() || !plain) return wrong("status_icons", "STATUS_ICONS", value);
  }
  if ((*words)[0] == (*words)[1] || (*words)[1] == (*words)[2] || (*words)[0] == (*words)[2])
    return wrong("status_icons_different", "STATUS_ICONS", value);
  p.status_icons = StatusIcons{(*words)[0], (*words)[1], (*words)[2]};
  return kAccepted;
}

Problem set_intercepted_status(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  if (v == "true" || v == "yes" || v == "on" || v == "1" || v == "all") {
    p.intercepted_status = InterceptedStatus::kAll;
  } else if (v == "false" || v == "no" || v == "off" || v == "0" || v == "none") {
    p.intercepted_status = InterceptedStatus::kNone;
  } else if (v == "owner") {
    p.intercepted_status = InterceptedStatus::kOwner;
  } else {
    return wrong("intercepted_status", "INTERCEPTED_STATUS", value);
  }
  return kAccepted;
}

Problem set_autoclose(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.autoclose_hours = 0;
    return kAccepted;
  }
  auto hours = to_integer(value);
  if (!hours || *hours < 1 || *hours > kMaxAutocloseHours) return wrong("autoclose", "AUTOCLOSE", value);
  p.autoclose_hours = static_cast<int>(*hours);
  return kAccepted;
}

Problem set_assign(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  if (is_off(value)) {
    p.assign = AssignMode::kOff;
  } else if (v == "round_robin") {
    p.assign = AssignMode::kRoundRobin;
  } else if (v == "least_open") {
    p.assign = AssignMode::kLeastOpen;
  } else {
    return wrong("assign", "ASSIGN", value);
  }
  return kAccepted;
}

Problem set_unanswered_alert(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.unanswered_alert_minutes = 0;
    return kAccepted;
  }
  auto minutes = to_integer(value);
  if (!minutes || *minutes < 1 || *minutes > kMaxUnansweredAlertMinutes)
    return wrong("unanswered_alert", "UNANSWERED_ALERT", value);
  p.unanswered_alert_minutes = static_cast<int>(*minutes);
  return kAccepted;
}

Problem set_backlog_notice(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.backlog_notice_minutes = 0;
    return kAccepted;
  }
  auto minutes = to_integer(value);
  if (!minutes || *minutes < 1 || *minutes > 1440) return wrong("backlog_notice", "BACKLOG_NOTICE", value);
  p.backlog_notice_minutes = static_cast<int>(*minutes);
  return kAccepted;
}

Problem set_daily_digest(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.daily_digest_minute.reset();
    return kAccepted;
  }
  std::string v = trim(value);
  const bool shaped = v.size() == 5 && v[2] == ':' && std::isdigit(static_cast<unsigned char>(v[0])) &&
                      std::isdigit(static_cast<unsigned char>(v[1])) &&
                      std::isdigit(static_cast<unsigned char>(v[3])) &&
                      std::isdigit(static_cast<unsigned char>(v[4]));
  const int hours = shaped ? (v[0] - '0') * 10 + (v[1] - '0') : 0;
  const int minutes = shaped ? (v[3] - '0') * 10 + (v[4] - '0') : 0;
  if (!shaped || hours > 23 || minutes > 59) return wrong("daily_digest", "DAILY_DIGEST", value);
  p.daily_digest_minute = hours * 60 + minutes;
  return kAccepted;
}

Problem set_proxy_backlog(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  if (v == "all") {
    p.proxy_backlog = ProxyBacklogMode::kAll;
  } else if (v == "unanswered") {
    p.proxy_backlog = ProxyBacklogMode::kUnanswered;
  } else {
    return wrong("proxy_backlog", "PROXY_BACKLOG", value);
  }
  return kAccepted;
}

Problem set_proxy_outage(Parameters& p, const std::string& value) {
  auto seconds = to_integer(value);
  if (!seconds || *seconds < 1 || *seconds > kMaxProxyOutageSeconds)
    return wrong("proxy_outage", "PROXY_OUTAGE", value);
  p.proxy_outage_seconds = static_cast<int>(*seconds);
  return kAccepted;
}

// OFF (0) or a number of things a minute, 1..10000.
Setter per_minute(int Parameters::*field, std::string_view name) {
  return [field, name](Parameters& p, const std::string& value) -> Problem {
    if (is_off(value)) {
      p.*field = 0;
      return kAccepted;
    }
    auto n = to_integer(value);
    if (!n || *n < 1 || *n > kMaxPerMinute) return wrong("per_minute", name, value);
    p.*field = static_cast<int>(*n);
    return kAccepted;
  };
}

Problem set_broadcast_monthly_quota(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.broadcast_monthly_quota = 0;
    return kAccepted;
  }
  auto n = to_integer(value);
  if (!n || *n < 1 || *n > kMaxBroadcastMonthlyQuota)
    return wrong("broadcast_monthly_quota", "BROADCAST_MONTHLY_QUOTA", value);
  p.broadcast_monthly_quota = *n;
  return kAccepted;
}

Problem set_hide_info(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  if (v == "off" || v.empty() || v == "false") {
    p.hide_info = HideInfo::kOff;
  } else if (v == "name") {
    p.hide_info = HideInfo::kName;
  } else if (v == "command") {
    p.hide_info = HideInfo::kCommand;
  } else {
    return wrong("hide_info", "HIDE_INFO", value);
  }
  return kAccepted;
}

Problem set_ignore_chats(Parameters& p, const std::string& value) {
  p.ignore_chats.clear();
  if (is_off(value)) return kAccepted;
  auto items = parse_list(value);
  if (!items) return unparsed("list", "IGNORE_CHATS", items);
  for (const auto& item : *items) {
    auto id = item.bracketed ? std::nullopt : to_integer(item.words.front());
    if (!id || *id == 0) return wrong("ignore_chats", "IGNORE_CHATS", value);
    p.ignore_chats.push_back(*id);
  }
  return kAccepted;
}

Problem set_icon_color(Parameters& p, const std::string& value) {
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
    return wrong("icon_color", "ICON_COLOR", value);
  }
  p.icon_color = static_cast<int>(*color);
  return kAccepted;
}

// Integrations: hooks
constexpr std::size_t kMaxWebhookSecret = 256;

// One WEBHOOKS entry into `target`.
Problem webhook_target(const std::string& url, const boost::json::value& list, WebhookTarget& target) {
  auto about = [&url](std::string key, std::string_view field, std::string value) -> Problem {
    i18n::Message m{"parameters." + key, {{"name", "WEBHOOKS"}, {"url", url}}};
    if (!field.empty()) m.args.emplace_back(std::string(field), std::move(value));
    return m;
  };
  auto parsed = boost::urls::parse_absolute_uri(url);
  bool web = parsed && (parsed->scheme() == "http" || parsed->scheme() == "https") &&
             !parsed->host().empty() && !parsed->has_userinfo() && !parsed->has_fragment();
  if (!web) return about("webhooks_url", {}, {});
  if (!list.is_array()) return about("webhooks_list", {}, {});
  target = WebhookTarget{url, {}, {}};
  for (const auto& item : list.get_array()) {
    if (!item.is_string()) return about("webhooks_not_string", {}, {});
    std::string name = trim(std::string(item.get_string()));
    if (name.starts_with('/') || name == "info") {
      std::string command = lower_ascii(name.starts_with('/') ? name.substr(1) : name);
      bool valid =
          !command.empty() && command.size() <= 32 && std::all_of(command.begin(), command.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
          });
      if (!valid) return about("webhooks_command", "command", name);
      target.commands.push_back(command);
      continue;
    }
    const auto& known = webhook_event_names();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list_text;
      for (const auto& k : known) list_text += (list_text.empty() ? "" : ", ") + k;
      auto problem = about("webhooks_event", "event", name);
      problem->args.emplace_back("known", list_text);
      return problem;
    }
    target.events.push_back(name);
  }
  return kAccepted;
}

Problem set_webhooks(Parameters& p, const std::string& value) {
  p.webhooks.clear();
  if (is_off(value)) return kAccepted;
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(value, ec);
  if (ec || !parsed.is_object()) return i18n::Message{"parameters.webhooks", {{"name", "WEBHOOKS"}}};
  for (const auto& [url, list] : parsed.get_object()) {
    WebhookTarget target;
    if (auto problem = webhook_target(std::string(url), list, target)) return problem;
    p.webhooks.push_back(std::move(target));
  }
  return kAccepted;
}

Problem set_webhooks_secret(Parameters& p, const std::string& value) {
  std::string secret = trim(value);
  if (secret.size() > kMaxWebhookSecret) return wrong("webhooks_secret_long", "WEBHOOKS_SECRET", "…");
  if (!secret.empty() && secret.size() < 16) return wrong("webhooks_secret_short", "WEBHOOKS_SECRET", "…");
  p.webhooks_secret = secret;
  return kAccepted;
}

Problem set_working_hours(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.working_hours.reset();
    return kAccepted;
  }
  auto hours = parse_working_hours(value);
  if (!hours) {
    return unparsed("working_hours", "WORKING_HOURS", hours);
  }
  p.working_hours = std::move(*hours);
  return kAccepted;
}

Problem set_away_message(Parameters& p, const std::string& value) {
  if (is_off(value)) {
    p.away_message.reset();
    return kAccepted;
  }
  if (auto checked = check_template_reference("AWAY_MESSAGE", value)) return checked;
  if (utf16_length(value) > kMaxWelcomeLength) return wrong("text", "AWAY_MESSAGE", "…");
  p.away_message = value;
  return kAccepted;
}

// "/name args…" with {payload}, {invoice}, {title}, {amount}, {currency}, {charge} (payments/invoice.h).
Problem set_language(Parameters& p, const std::string& value) {
  std::string v = trim(value);
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto& known = i18n::languages();
  if (std::find(known.begin(), known.end(), v) == known.end()) {
    std::string names;
    for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
    return i18n::Message{"parameters.language",
                         {{"name", "LANGUAGE"}, {"languages", names}, {"value", value}}};
  }
  p.language = v;
  return kAccepted;
}

Problem set_payment_hook(Parameters& p, const std::string& value) {
  std::string v = trim(value);
  if (is_off(v)) {
    p.payment_hook.clear();
    return kAccepted;
  }
  std::size_t end = 1;
  while (end < v.size() && (std::isalnum(static_cast<unsigned char>(v[end])) != 0 || v[end] == '_')) ++end;
  const bool command =
      v.size() > 1 && v[0] == '/' && end > 1 && end <= 33 && (end == v.size() || v[end] == ' ');
  if (!command || v.size() > 512 || v.find('\n') != std::string::npos)
    return wrong("payment_hook", "PAYMENT_HOOK", value);
  p.payment_hook = v;
  return kAccepted;
}

// The AI consultant (docs/ai.md).
constexpr std::size_t kMaxAiPromptLength = 16000;
constexpr int kMaxAiDelayMinutes = 7 * 24 * 60;

Problem set_ai(Parameters& p, const std::string& value) {
  std::string v = lower_ascii(trim(value));
  if (is_off(value)) {
    p.ai = AiMode::kOff;
  } else if (v == "draft") {
    p.ai = AiMode::kDraft;
  } else if (v == "auto") {
    p.ai = AiMode::kAuto;
  } else {
    return wrong("ai", "AI", value);
  }
  return kAccepted;
}

Problem set_ai_prompt(Parameters& p, const std::string& value) {
  std::string v = trim(value);
  if (is_off(v)) {
    p.ai_prompt.clear();
    return kAccepted;
  }
  if (lower_ascii(v.substr(0, 5)) == "file:") {
    if (trim(std::string_view(v).substr(5)).empty()) return wrong("ai_prompt_file", "AI_PROMPT", value);
    p.ai_prompt = "file:" + trim(std::string_view(v).substr(5));
    return kAccepted;
  }
  if (utf16_length(v) > kMaxAiPromptLength) return wrong("ai_prompt_text", "AI_PROMPT", "…");
  p.ai_prompt = v;
  return kAccepted;
}

Problem set_ai_knowledge(Parameters& p, const std::string& value) {
  std::string v = trim(value);
  if (is_off(v)) {
    p.ai_knowledge.clear();
    return kAccepted;
  }
  if (v.size() > 4096 || v.find('\n') != std::string::npos || v.find('\0') != std::string::npos)
    return wrong("ai_knowledge", "AI_KNOWLEDGE", value);
  p.ai_knowledge = v;
  return kAccepted;
}

Problem set_ai_delay(Parameters& p, const std::string& value) {
  auto minutes = to_integer(value);
  if (!minutes || *minutes < 0 || *minutes > kMaxAiDelayMinutes) return wrong("ai_delay", "AI_DELAY", value);
  p.ai_delay_minutes = static_cast<int>(*minutes);
  return kAccepted;
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

namespace {

// The parameters `raw` gives, into `params`; the first problem stops.
Problem apply(const RawParameters& raw, Parameters& params) {
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
      return i18n::Message{"parameters.unknown", {{"name", name}, {"known", known}}};
    }
    if (!seen.insert(name).second) return i18n::Message{"parameters.twice", {{"name", name}}};
    if (auto problem = setter->second(params, value)) return problem;
  }
  return kAccepted;
}

}  // namespace

Result<Parameters> parse_parameters(const RawParameters& raw) {
  Parameters params;
  if (auto problem = apply(raw, params)) return make_error(i18n::text(i18n::kFallbackLanguage, *problem));
  return params;
}

std::optional<i18n::Message> parameters_problem(const RawParameters& raw) {
  Parameters params;
  return apply(raw, params);
}

}  // namespace topicdesk::core
