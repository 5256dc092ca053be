#include "crm/labels.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "core/utf8.h"
#include "i18n/catalog.h"

namespace topicdesk::crm {
namespace {

bool is_latin(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_name_char(char c) { return is_latin(c) || (c >= '0' && c <= '9') || c == '-' || c == '_'; }

// The first word of `text` and the rest, trimmed.
std::pair<std::string_view, std::string_view> split_word(std::string_view text) {
  std::size_t end = 0;
  while (end < text.size() && !core::is_ascii_space(text[end])) ++end;
  std::string_view rest = text.substr(end);
  while (!rest.empty() && core::is_ascii_space(rest.front())) rest.remove_prefix(1);
  while (!rest.empty() && core::is_ascii_space(rest.back())) rest.remove_suffix(1);
  return {text.substr(0, end), rest};
}

bool is_clear(std::string_view word) { return core::lower_ascii(word) == "clear"; }

core::Error usage_error(std::string_view language, std::string_view key, bool in_general,
                        std::initializer_list<i18n::Arg> args = {}) {
  return core::make_error(i18n::text(language, key, args) + "\n" + label_text::usage(language, in_general));
}

// Edits between two names, a swap of neighbours counting one (optimal string alignment).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string format_utc(core::UnixMillis millis) {
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min);
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

std::optional<i18n::Message> label_name_problem(std::string_view name) {
  const std::string shown(name);
  if (name.empty()) return i18n::Message{"labels.name_needed"};
  if (name.size() > kMaxLabelName)
    return i18n::Message{"labels.name_too_long", {{"name", shown}, {"max", std::to_string(kMaxLabelName)}}};
  if (!is_latin(name.front())) return i18n::Message{"labels.name_start", {{"name", shown}}};
  if (!std::all_of(name.begin(), name.end(), is_name_char))
    return i18n::Message{"labels.name_letters", {{"name", shown}}};
  const std::string key = core::lower_ascii(name);
  for (auto reserved : kReservedNames) {
    if (key == reserved) return i18n::Message{"labels.name_reserved", {{"name", shown}}};
  }
  return std::nullopt;
}

core::Result<std::string> label_key(std::string_view name, std::string_view language) {
  if (auto problem = label_name_problem(name)) return core::make_error(i18n::text(language, *problem));
  return core::lower_ascii(name);
}

core::Result<std::string> valid_ticker(std::string_view text, std::string_view language) {
  std::string ticker = core::trim(text);
  if (ticker.empty()) return core::make_error(i18n::text(language, "labels.ticker_empty"));
  if (core::utf16_length(ticker) > kMaxTicker) {
    return core::make_error(i18n::text(language, "labels.ticker_too_long",
                                       {{"ticker", ticker}, {"max", std::to_string(kMaxTicker)}}));
  }
  if (ticker.find('\n') != std::string::npos || ticker.find('#') != std::string::npos ||
      ticker.find("·") != std::string::npos || core::strip_bidi_controls(ticker) != ticker) {
    return core::make_error(i18n::text(language, "labels.ticker_unusable", {{"ticker", ticker}}));
  }
  return ticker;
}

core::Result<MarkRequest> parse_mark(std::string_view args, bool in_general, std::string_view language) {
  MarkRequest r;
  std::string trimmed = core::trim(args);
  auto [first, rest] = split_word(trimmed);
  if (first.empty()) return r;  // kList
  std::string word = core::lower_ascii(first);
  if (word == "help" && rest.empty()) {
    r.action = MarkAction::kHelp;
    return r;
  }
  if (!in_general) {
    if (word == "del") {
      auto [name, extra] = split_word(rest);
      if (name.empty()) return usage_error(language, "labels.del_which", false);
      if (!extra.empty()) return usage_error(language, "labels.del_one", false);
      r.action = MarkAction::kRemove;
      r.name = std::string(name);
      return r;
    }
    if (!rest.empty()) return usage_error(language, "labels.add_one", false);
    r.action = MarkAction::kAdd;
    r.name = std::string(first);
    return r;
  }
  if (word == "new") {
    auto [name, extra] = split_word(rest);
    if (name.empty()) return usage_error(language, "labels.new_needs_name", true);
    if (!extra.empty()) return usage_error(language, "labels.new_one_word", true);
    auto key = label_key(name, language);
    if (!key) return key.error();
    r.action = MarkAction::kNew;
    r.name = std::string(name);
    return r;
  }
  r.name = std::string(first);
  if (rest.empty()) {
    r.action = MarkAction::kShow;
    return r;
  }
  auto [property, value] = split_word(rest);
  std::string prop = core::lower_ascii(property);
  if (value.empty()) {
    return usage_error(language, "labels.needs_value", true, {{"property", std::string(property)}});
  }
  if (prop == "after") {
    if (is_clear(value)) {
      r.action = MarkAction::kAfterClear;
      return r;
    }
    r.action = MarkAction::kAfter;
    std::string_view list = value;
    while (!list.empty()) {
      auto comma = list.find(',');
      std::string name = core::trim(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      if (name.empty()) continue;
      if (name.find(' ') != std::string::npos) {
        return usage_error(language, "labels.separate_with_commas", true, {{"name", name}});
      }
      auto key = label_key(name, language);
      if (!key) return key.error();
      if (*key == core::lower_ascii(r.name))
        return core::make_error(i18n::text(language, "labels.not_itself", {{"name", r.name}}));
      bool seen = std::any_of(r.names.begin(), r.names.end(),
                              [&](const std::string& n) { return core::lower_ascii(n) == *key; });
      if (!seen) r.names.push_back(std::move(name));
    }
    if (r.names.empty()) return usage_error(language, "labels.after_needs_names", true);
    return r;
  }
  if (prop == "sends") {
    if (is_clear(value)) {
      r.action = MarkAction::kSendsClear;
      return r;
    }
    auto [name, extra] = split_word(value);
    if (!extra.empty() || name.size() > kMaxTemplateName) {
      return usage_error(language, "labels.template_one_word", true,
                         {{"max", std::to_string(kMaxTemplateName)}, {"value", std::string(value)}});
    }
    r.action = MarkAction::kSends;
    r.value = std::string(name);
    return r;
  }
  if (prop == "ticker") {
    if (is_clear(value)) {
      r.action = MarkAction::kTickerClear;
      return r;
    }
    auto ticker = valid_ticker(value, language);
    if (!ticker) return ticker.error();
    r.action = MarkAction::kTicker;
    r.value = std::move(*ticker);
    return r;
  }
  if (prop == "name") {
    auto [name, extra] = split_word(value);
    if (!extra.empty()) return usage_error(language, "labels.rename_one_word", true);
    auto key = label_key(name, language);
    if (!key) return key.error();
    r.action = MarkAction::kRename;
    r.value = std::string(name);
    return r;
  }
  return usage_error(language, "labels.not_a_property", true,
                     {{"name", std::string(first)}, {"property", std::string(property)}});
}

std::optional<std::string> closest_name(std::string_view wanted, const std::vector<std::string>& names) {
  std::string key = core::lower_ascii(wanted);
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& name : names) {
    std::string other = core::lower_ascii(name);
    std::size_t distance = edit_distance(key, other);
    if (other.starts_with(key) || key.starts_with(other)) distance = std::min<std::size_t>(distance, 1);
    if (!best || distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  // Near enough: a typo or two, fewer for short names.
  if (!best || best_distance > (key.size() <= 3 ? 1u : 2u)) return {};
  return best;
}

LabelPlan plan_set(const std::vector<std::int64_t>& carried, const store::Label& label) {
  LabelPlan plan;
  plan.add = std::find(carried.begin(), carried.end(), label.id) == carried.end();
  if (!plan.add) return plan;
  for (auto id : label.after) {
    if (id != label.id && std::find(carried.begin(), carried.end(), id) != carried.end())
      plan.remove.push_back(id);
  }
  return plan;
}

namespace label_text {

std::string usage(std::string_view lang, bool in_general) {
  return i18n::text(lang, in_general ? "labels.usage_general" : "labels.usage_topic");
}

std::string help(std::string_view lang, bool in_general) {
  return i18n::text(lang, in_general ? "labels.help_general" : "labels.help_topic");
}

std::string describe(std::string_view lang, const store::Label& label,
                     const std::vector<std::string>& after_names) {
  std::string out = "• " + label.name;
  if (!label.ticker.empty()) out += i18n::text(lang, "labels.with_ticker", {{"ticker", label.ticker}});
  if (!after_names.empty()) out += i18n::text(lang, "labels.with_removes", {{"names", joined(after_names)}});
  if (!label.sends.empty()) out += i18n::text(lang, "labels.with_sends", {{"template", label.sends}});
  return out;
}

std::string list(std::string_view lang, const std::vector<std::string>& lines) {
  if (lines.empty()) return i18n::text(lang, "labels.none_yet");
  std::string out = i18n::text(lang, "labels.list");
  for (const auto& line : lines) out += "\n" + line;
  return out;
}

std::string show(std::string_view lang, const store::Label& label,
                 const std::vector<std::string>& after_names, const std::vector<std::string>& topic_lines,
                 std::size_t total) {
  std::string out = "🏷 " + label.name;
  out +=
      "\n" + i18n::text(lang, "labels.ticker",
                        {{"ticker", label.ticker.empty() ? i18n::text(lang, "labels.none") : label.ticker}});
  out +=
      "\n" +
      i18n::text(lang, "labels.removes_when_set",
                 {{"names", after_names.empty() ? i18n::text(lang, "labels.nothing") : joined(after_names)}});
  out += "\n" +
         i18n::text(lang, "labels.sends",
                    {{"template", label.sends.empty() ? i18n::text(lang, "labels.nothing") : label.sends}});
  if (total == 0) return out + "\n" + i18n::text(lang, "labels.no_topic");
  out += "\n" + (total == 1 ? i18n::text(lang, "labels.carried_one")
                            : i18n::text(lang, "labels.carried", {{"count", std::to_string(total)}}));
  for (const auto& line : topic_lines) out += "\n" + line;
  if (total > topic_lines.size())
    out += "\n" + i18n::text(lang, "labels.more", {{"count", std::to_string(total - topic_lines.size())}});
  return out;
}

std::string topic_labels(std::string_view lang, const std::vector<store::Label>& labels) {
  if (labels.empty()) return i18n::text(lang, "labels.topic_none");
  std::vector<std::string> names;
  for (const auto& l : labels) names.push_back(l.ticker.empty() ? l.name : l.name + " " + l.ticker);
  return i18n::text(lang, "labels.topic_list", {{"names", joined(names)}});
}

std::string unknown(std::string_view lang, std::string_view name,
                    const std::optional<std::string>& suggestion) {
  std::string out = i18n::text(lang, "labels.unknown", {{"name", std::string(name)}});
  if (suggestion) out += " " + i18n::text(lang, "labels.did_you_mean", {{"name", *suggestion}});
  return out + " " + i18n::text(lang, "labels.lists_them");
}

std::string exists(std::string_view lang, std::string_view name) {
  return i18n::text(lang, "labels.exists", {{"name", std::string(name)}});
}

std::string created(std::string_view lang, const store::Label& label) {
  return i18n::text(lang, "labels.created", {{"name", label.name}});
}

std::string changed(std::string_view lang, const store::Label& label,
                    const std::vector<std::string>& after_names) {
  return i18n::text(lang, "labels.changed") + "\n" + describe(lang, label, after_names);
}

std::string renamed(std::string_view lang, std::string_view from, std::string_view to) {
  return i18n::text(lang, "labels.renamed", {{"from", std::string(from)}, {"to", std::string(to)}});
}

std::string added(std::string_view lang, std::string_view name, const std::vector<std::string>& removed,
                  std::string_view sent) {
  std::string out = fmt::format("🏷 + {}", name);
  if (!removed.empty()) out += " " + i18n::text(lang, "labels.removed_too", {{"names", joined(removed)}});
  if (!sent.empty()) out += fmt::format("; {}", sent);
  return out;
}

std::string already(std::string_view lang, std::string_view name) {
  return i18n::text(lang, "labels.already", {{"name", std::string(name)}});
}
std::string removed(std::string_view /*lang*/, std::string_view name) {
  return fmt::format("🏷 − {}", name);
}
std::string not_carried(std::string_view lang, std::string_view name) {
  return i18n::text(lang, "labels.not_carried", {{"name", std::string(name)}});
}
std::string too_many(std::string_view lang) {
  return i18n::text(lang, "labels.too_many", {{"max", std::to_string(kMaxLabels)}});
}

std::string info_lines(std::string_view lang, const std::vector<store::Label>& labels,
                       const std::vector<store::LabelChange>& history, const std::vector<std::string>& who) {
  std::string out;
  if (!labels.empty()) {
    std::vector<std::string> names;
    for (const auto& l : labels) names.push_back(l.name);
    out += "\n" + i18n::text(lang, "labels.info_labels", {{"names", joined(names)}});
  }
  if (history.empty()) return out;
  out += "\n" + i18n::text(lang, "labels.info_history");
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto& c = history[i];
    out += fmt::format("\n{} {} {}", format_utc(c.at), c.added ? "+" : "−", c.label_name);
    std::string by = i < who.size() ? who[i] : std::string();
    if (c.by == store::LabelChangeBy::kFunnel) {
      out += " " + i18n::text(lang, "labels.by_funnel");
    } else if (c.by == store::LabelChangeBy::kApi) {
      out += " " + i18n::text(lang, "labels.by_api");
    } else if (!by.empty()) {
      out += " " + i18n::text(lang, "labels.by", {{"name", by}});
    }
  }
  return out;
}

}  // namespace label_text

}  // namespace topicdesk::crm
