#include "crm/broadcast.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <set>

#include "core/time_zone.h"
#include "core/utf8.h"
#include "crm/segment.h"
#include "crm/templates.h"
#include "i18n/catalog.h"

namespace topicdesk::crm {
namespace {

using store::BroadcastState;

std::vector<std::string_view> words_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (core::is_ascii_space(text[i]) || text[i] == ',' || text[i] == ';')) ++i;
    std::size_t start = i;
    while (i < text.size() && !core::is_ascii_space(text[i]) && text[i] != ',' && text[i] != ';') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

std::optional<std::int64_t> number(std::string_view word) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc() || end != word.data() + word.size()) return std::nullopt;
  return value;
}

bool valid_date(int y, int m, int d) { return y >= 1970 && y <= 9999 && core::is_civil_date(y, m, d); }

core::Result<WallTime> parse_at(const std::vector<std::string_view>& words, std::string_view language) {
  const std::string bad = i18n::text(language, "broadcasts.at_bad");
  if (words.empty() || words.size() > 2) return core::make_error(bad);
  WallTime t;
  std::string_view clock = words.back();
  if (words.size() == 2) {
    std::string_view date = words[0];
    if (date.size() != 10 || date[4] != '-' || date[7] != '-') return core::make_error(bad);
    auto y = number(date.substr(0, 4)), m = number(date.substr(5, 2)), d = number(date.substr(8, 2));
    if (!y || !m || !d || !valid_date(int(*y), int(*m), int(*d)))
      return core::make_error(i18n::text(language, "broadcasts.not_a_date", {{"date", std::string(date)}}));
    t.year = int(*y);
    t.month = int(*m);
    t.day = int(*d);
  }
  auto colon = clock.find(':');
  if (colon == std::string_view::npos) return core::make_error(bad);
  auto h = number(clock.substr(0, colon)), mi = number(clock.substr(colon + 1));
  if (!h || !mi || *h < 0 || *h > 23 || *mi < 0 || *mi > 59 || clock.size() - colon - 1 != 2)
    return core::make_error(i18n::text(language, "broadcasts.not_a_time", {{"time", std::string(clock)}}));
  t.hour = int(*h);
  t.minute = int(*mi);
  return t;
}

std::string with_thousands(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

bool is_keyword_recipient(std::string_view word) {
  std::string w = core::lower_ascii(word);
  return w == "test" || w == "all" || w == "list" || w == "file";
}

// Whether `bytes` are UTF-8 without control characters other than tab, line ends and form feed.
bool is_text(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F) return false;
      ++i;
      continue;
    }
    const int extra = (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
    if (extra < 0 || i + static_cast<std::size_t>(extra) >= bytes.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(bytes[i + static_cast<std::size_t>(k)]) & 0xC0) != 0x80) return false;
    }
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

}  // namespace

std::string usage_text(std::string_view language) { return i18n::text(language, "broadcasts.usage"); }

core::Result<SendRequest> parse_send(std::string_view args, std::string_view language) {
  auto words = words_of(args);
  if (words.empty()) return core::make_error(usage_text(language));
  SendRequest r;
  // `template:NAME` first: the template is the content, the rest names the recipients.
  if (core::lower_ascii(words[0]).starts_with("template:")) {
    std::string name(words[0].substr(9));
    if (auto valid = check_template_name(name, language); !valid)
      return core::make_error(i18n::text(language, "broadcasts.bad_template",
                                         {{"word", std::string(words[0])}, {"why", valid.error().message}}));
    r.template_name = std::move(name);
    words.erase(words.begin());
    if (words.empty())
      return core::make_error(i18n::text(language, "broadcasts.whom_template",
                                         {{"name", r.template_name}, {"usage", usage_text(language)}}));
  }
  std::string first = core::lower_ascii(words[0]);
  static const std::pair<std::string_view, SendAction> kActions[] = {
      {"confirm", SendAction::kConfirm}, {"go", SendAction::kConfirm},    {"cancel", SendAction::kCancel},
      {"pause", SendAction::kPause},     {"resume", SendAction::kResume}, {"status", SendAction::kStatus},
      {"add", SendAction::kAdd},
  };
  for (const auto& [name, action] : kActions) {
    if (first != name) continue;
    r.action = action;
    if (!r.template_name.empty())
      return core::make_error(i18n::text(language, "broadcasts.takes_no_template", {{"action", first}}));
    if (words.size() > 2)
      return core::make_error(i18n::text(language, "broadcasts.takes_one_number", {{"action", first}}));
    if (words.size() == 2) {
      std::string_view id = words[1];
      if (id.starts_with('#')) id.remove_prefix(1);
      auto n = number(id);
      if (!n || *n <= 0)
        return core::make_error(
            i18n::text(language, "broadcasts.not_a_number", {{"word", std::string(words[1])}}));
      r.broadcast_id = *n;
    }
    return r;
  }
  // Recipients, then maybe "at TIME": the last "at" that one or two words of a time follow (a
  // segment may name a label "at"). A list or a keyword followed by a bad time says what is wrong.
  auto at = words.end();
  for (auto it = words.begin(); it != words.end(); ++it) {
    if (core::lower_ascii(*it) == "at" && words.end() - it <= 3) {
      at = it;
      break;
    }
  }
  std::vector<std::string_view> who(words.begin(), at);
  if (at != words.end()) {
    auto when = parse_at(std::vector<std::string_view>(at + 1, words.end()), language);
    if (when) {
      r.at = *when;
    } else if (!who.empty() && is_keyword_recipient(who[0])) {
      return when.error();
    } else {
      who.assign(words.begin(), words.end());  // "at" belongs to the expression
    }
  }
  if (who.empty())
    return core::make_error(i18n::text(language, "broadcasts.whom", {{"usage", usage_text(language)}}));
  std::string kind = core::lower_ascii(who[0]);
  if (kind == "file") {
    if (who.size() > 1)
      return core::make_error(i18n::text(language, "broadcasts.no_more_words", {{"kind", "file"}}));
    r.kind = RecipientsKind::kFile;
    r.recipients = "file";
    return r;
  }
  if (kind == "test" || kind == "all") {
    if (who.size() > 1)
      return core::make_error(i18n::text(language, "broadcasts.no_more_words", {{"kind", kind}}));
    r.kind = kind == "test" ? RecipientsKind::kTest : RecipientsKind::kAll;
    r.recipients = kind;
    return r;
  }
  if (kind == "list") {
    if (who.size() == 1) return core::make_error(i18n::text(language, "broadcasts.list_empty"));
    if (who.size() - 1 > kMaxListedUsers)
      return core::make_error(
          i18n::text(language, "broadcasts.list_too_long", {{"max", with_thousands(kMaxListedUsers)}}));
    std::set<core::UserId> seen;
    for (std::size_t i = 1; i < who.size(); ++i) {
      auto id = number(who[i]);
      if (!id || *id <= 0)
        return core::make_error(
            i18n::text(language, "broadcasts.list_not_id", {{"word", std::string(who[i])}}));
      if (seen.insert(*id).second) r.users.push_back(*id);
    }
    r.kind = RecipientsKind::kList;
    r.recipients = "list of " + std::to_string(r.users.size());
    return r;
  }
  // Anything else is a segment expression.
  std::string expression;
  for (auto w : who) expression += (expression.empty() ? "" : " ") + std::string(w);
  auto parsed = parse_segment(expression);
  if (!parsed) {
    return core::make_error(i18n::text(language, "broadcasts.not_a_segment",
                                       {{"word", std::string(who[0])},
                                        {"error", describe(parsed.error, language)},
                                        {"usage", usage_text(language)}}));
  }
  r.kind = RecipientsKind::kSegment;
  r.segment = parsed.segment->to_string();
  r.recipients = "segment " + r.segment;
  return r;
}

core::Result<std::vector<core::UserId>> parse_user_ids(std::string_view text, std::size_t max_users,
                                                       std::string_view language) {
  std::vector<core::UserId> out;
  std::set<core::UserId> seen;
  int line_number = 0;
  std::vector<int> bad_lines;
  while (!text.empty()) {
    ++line_number;
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    for (auto word : words_of(line)) {
      auto id = number(word);
      if (!id || *id <= 0) {
        bad_lines.push_back(line_number);
        break;
      }
      if (seen.insert(*id).second) out.push_back(*id);
      if (out.size() > max_users)
        return core::make_error(i18n::text(language, "broadcasts.ids_too_many",
                                           {{"max", with_thousands(static_cast<std::int64_t>(max_users))}}));
    }
  }
  if (!bad_lines.empty()) {
    std::string lines;
    for (std::size_t i = 0; i < bad_lines.size() && i < 10; ++i)
      lines += (i ? ", " : "") + std::to_string(bad_lines[i]);
    if (bad_lines.size() > 10)
      lines = i18n::text(language, "broadcasts.ids_and_more",
                         {{"lines", lines}, {"count", std::to_string(bad_lines.size() - 10)}});
    return core::make_error(
        i18n::text(language, bad_lines.size() > 1 ? "broadcasts.ids_bad_lines" : "broadcasts.ids_bad_line",
                   {{"lines", lines}}));
  }
  return out;
}

core::Result<std::string_view> ids_file_text(std::string_view bytes, std::string_view language) {
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  if (!is_text(bytes)) return core::make_error(i18n::text(language, "broadcasts.not_a_text_file"));
  return bytes;
}

core::UnixMillis month_start(core::UnixMillis now, const core::TimeZone& zone) {
  const std::int64_t now_s = now / 1000;
  const std::int64_t local = now_s + zone.offset_at(now_s);
  const std::int64_t days = local / 86400 - (local % 86400 < 0 ? 1 : 0);
  const core::CivilDate date = core::civil_from_days(days);
  return zone.to_utc(core::days_from_civil(date.year, date.month, 1) * 86400) * 1000;
}

core::UnixMillis next_month_start(core::UnixMillis now, const core::TimeZone& zone) {
  const std::int64_t now_s = now / 1000;
  const std::int64_t local = now_s + zone.offset_at(now_s);
  const std::int64_t days = local / 86400 - (local % 86400 < 0 ? 1 : 0);
  const core::CivilDate date = core::civil_from_days(days);
  const int year = date.month == 12 ? date.year + 1 : date.year;
  const int month = date.month == 12 ? 1 : date.month + 1;
  return zone.to_utc(core::days_from_civil(year, month, 1) * 86400) * 1000;
}

std::optional<i18n::Message> quota_refusal(const QuotaUse& use, const std::string& renews) {
  if (use.quota <= 0 || use.needed <= use.left()) return std::nullopt;
  return i18n::Message{"broadcasts.over_quota",
                       {{"quota", with_thousands(use.quota)},
                        {"used", with_thousands(use.used)},
                        {"left", with_thousands(use.left())},
                        {"needed", with_thousands(use.needed)},
                        {"renews", renews}}};
}

std::string quota_paused_text(std::string_view language, const store::Broadcast& b, const QuotaUse& use,
                              const std::string& renews) {
  return i18n::text(language, "broadcasts.quota_paused",
                    {{"id", std::to_string(b.id)},
                     {"quota", with_thousands(use.quota)},
                     {"waiting", with_thousands(use.needed)},
                     {"renews", renews}});
}

core::Result<core::UnixMillis> resolve_wall_time(const WallTime& at, const core::TimeZone& zone,
                                                 core::UnixMillis now, std::string_view language) {
  const std::int64_t now_s = now / 1000;
  const std::int64_t clock = at.hour * 3600 + at.minute * 60;
  if (at.year != 0) {
    std::int64_t local = core::days_from_civil(at.year, at.month, at.day) * 86400 + clock;
    std::int64_t utc = zone.to_utc(local);
    if (utc <= now_s) return core::make_error(i18n::text(language, "broadcasts.time_passed"));
    return utc * 1000;
  }
  const std::int64_t local_now = now_s + zone.offset_at(now_s);
  std::int64_t day = local_now / 86400 - (local_now % 86400 < 0 ? 1 : 0);
  for (int i = 0; i < 3; ++i) {
    std::int64_t utc = zone.to_utc((day + i) * 86400 + clock);
    if (utc > now_s) return utc * 1000;
  }
  return core::make_error(i18n::text(language, "broadcasts.time_not_soon"));
}

std::string format_wall_time(core::UnixMillis at, const core::TimeZone& zone) {
  std::int64_t s = at / 1000;
  std::int64_t local = s + zone.offset_at(s);
  std::int64_t days = local / 86400 - (local % 86400 < 0 ? 1 : 0);
  std::int64_t secs = local - days * 86400;
  core::CivilDate date = core::civil_from_days(days);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d ", date.year, date.month, date.day,
                int(secs / 3600), int(secs / 60 % 60));
  return buf + zone.name();
}

namespace {

// The recipients as kept on the broadcast ("list of 3", "file of 3", "segment vip", "all",
// "test": the Topics API returns them as they are) in the operators' language; "all", "test" and
// the expression are what /send takes and stay as typed.
std::string recipients_shown(std::string_view language, const std::string& recipients) {
  static constexpr std::pair<std::string_view, std::string_view> kForms[] = {
      {"list of ", "broadcasts.what_list"}, {"file of ", "broadcasts.what_file"}};
  for (const auto& [prefix, key] : kForms) {
    if (recipients.starts_with(prefix) && number(std::string_view(recipients).substr(prefix.size())))
      return i18n::text(language, key, {{"count", recipients.substr(prefix.size())}});
  }
  if (recipients.starts_with("segment "))
    return i18n::text(language, "broadcasts.what_segment", {{"expression", recipients.substr(8)}});
  return recipients;
}

std::string what_text(std::string_view language, const store::Broadcast& b) {
  if (b.template_name.empty()) return recipients_shown(language, b.recipients);
  return i18n::text(language, "broadcasts.what_template",
                    {{"name", b.template_name}, {"recipients", recipients_shown(language, b.recipients)}});
}

std::string recipients_text(std::string_view language, std::int64_t count) {
  return i18n::text(language, count == 1 ? "broadcasts.recipients_one" : "broadcasts.recipients_many",
                    {{"count", with_thousands(count)}});
}

std::string left_out_text(std::string_view language, const store::BroadcastCounts& counts) {
  if (counts.skipped <= 0) return {};
  return i18n::text(language, "broadcasts.left_out", {{"count", with_thousands(counts.skipped)}});
}

}  // namespace

std::string confirmation_text(std::string_view language, const store::Broadcast& b,
                              const store::BroadcastCounts& counts, const std::string& when) {
  const std::string id = std::to_string(b.id);
  std::string details = left_out_text(language, counts);
  if (b.message_ids.size() > 1)
    details +=
        i18n::text(language, "broadcasts.messages_each", {{"count", std::to_string(b.message_ids.size())}});
  std::string text = i18n::text(language, "broadcasts.confirmation",
                                {{"id", id},
                                 {"what", what_text(language, b)},
                                 {"recipients", recipients_text(language, counts.pending)},
                                 {"details", details}});
  text += "\n";
  text += when.empty() ? i18n::text(language, "broadcasts.sent_on_confirm")
                       : i18n::text(language, "broadcasts.scheduled_for", {{"when", when}});
  text += "\n" + i18n::text(language, "broadcasts.confirm_or_cancel", {{"id", id}});
  return text;
}

std::string api_broadcast_started_text(std::string_view language, const store::Broadcast& b,
                                       const store::BroadcastCounts& counts, const std::string& when,
                                       const std::string& by) {
  const std::string id = std::to_string(b.id);
  std::string details = left_out_text(language, counts);
  details += when.empty() ? i18n::text(language, "broadcasts.api_sending_now")
                          : i18n::text(language, "broadcasts.api_goes_out_at", {{"when", when}});
  std::string text = i18n::text(language, "broadcasts.api_started",
                                {{"id", id},
                                 {"what", what_text(language, b)},
                                 {"by", by},
                                 {"recipients", recipients_text(language, counts.pending)},
                                 {"details", details}});
  return text + "\n" + i18n::text(language, "broadcasts.cancel_hint", {{"id", id}});
}

std::string api_made_by_text(std::string_view language, const std::string& by) {
  return i18n::text(language, "broadcasts.api_made_by", {{"by", by}});
}

std::string progress_text(std::string_view language, const store::Broadcast& b,
                          const store::BroadcastCounts& c, double per_second) {
  const std::string state = b.state == BroadcastState::kRunning
                                ? i18n::text(language, "broadcasts.state_sending")
                                : state_name(language, b.state);
  std::string text = i18n::text(language, "broadcasts.progress",
                                {{"id", std::to_string(b.id)},
                                 {"state", state},
                                 {"finished", with_thousands(c.finished())},
                                 {"total", with_thousands(c.total())}});
  text += "\n" + i18n::text(language, "broadcasts.progress_counts",
                            {{"sent", with_thousands(c.sent)},
                             {"blocked", with_thousands(c.blocked)},
                             {"failed", with_thousands(c.failed)},
                             {"skipped", with_thousands(c.skipped)}});
  if (b.state == BroadcastState::kRunning && per_second > 0) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f", per_second);
    text += "\n" + i18n::text(language, "broadcasts.progress_rate", {{"rate", rate}});
  }
  return text;
}

std::string report_summary_text(std::string_view language, const store::Broadcast& b,
                                const store::BroadcastCounts& c) {
  return i18n::text(
      language,
      b.state == BroadcastState::kCancelled ? "broadcasts.report_cancelled" : "broadcasts.report_done",
      {{"id", std::to_string(b.id)},
       {"sent", with_thousands(c.sent)},
       {"blocked", with_thousands(c.blocked)},
       {"failed", with_thousands(c.failed)},
       {"skipped", with_thousands(c.skipped)},
       {"total", with_thousands(c.total())}});
}

std::string state_changed_text(std::string_view language, const store::Broadcast& b, std::string_view what) {
  return i18n::text(language, "broadcasts.state_changed",
                    {{"id", std::to_string(b.id)}, {"what", std::string(what)}});
}

std::string state_name(std::string_view language, store::BroadcastState state) {
  switch (state) {
    case BroadcastState::kConfirming:
      return i18n::text(language, "broadcasts.state_confirming");
    case BroadcastState::kScheduled:
      return i18n::text(language, "broadcasts.state_scheduled");
    case BroadcastState::kRunning:
      return i18n::text(language, "broadcasts.state_running");
    case BroadcastState::kPaused:
      return i18n::text(language, "broadcasts.state_paused");
    case BroadcastState::kCancelled:
      return i18n::text(language, "broadcasts.state_cancelled");
    case BroadcastState::kDone:
      return i18n::text(language, "broadcasts.state_done");
  }
  return store::to_string(state);
}

std::optional<std::string> action_refused(std::string_view language, SendAction action,
                                          store::BroadcastState state) {
  const bool confirming = state == BroadcastState::kConfirming;
  const bool scheduled = state == BroadcastState::kScheduled;
  const bool running = state == BroadcastState::kRunning;
  const bool paused = state == BroadcastState::kPaused;
  const auto refused = [&](std::string_view key) {
    return i18n::text(language, key, {{"state", state_name(language, state)}});
  };
  switch (action) {
    case SendAction::kConfirm:
      if (confirming) return std::nullopt;
      return refused("broadcasts.refused_confirm");
    case SendAction::kCancel:
      if (confirming || scheduled || running || paused) return std::nullopt;
      return refused("broadcasts.refused_over");
    case SendAction::kPause:
      if (running || scheduled) return std::nullopt;
      return refused("broadcasts.refused_pause");
    case SendAction::kResume:
      if (paused) return std::nullopt;
      return refused("broadcasts.refused_resume");
    case SendAction::kAdd:
      if (confirming) return std::nullopt;
      return refused("broadcasts.refused_add");
    case SendAction::kStatus:
    case SendAction::kCreate:
      return std::nullopt;
  }
  return std::nullopt;
}

store::BroadcastState state_after(SendAction action, const store::Broadcast& b) {
  switch (action) {
    case SendAction::kConfirm:
    case SendAction::kResume:
      return b.scheduled_at != 0 && b.started_at == 0 ? BroadcastState::kScheduled : BroadcastState::kRunning;
    case SendAction::kCancel:
      return BroadcastState::kCancelled;
    case SendAction::kPause:
      return BroadcastState::kPaused;
    case SendAction::kAdd:
    case SendAction::kStatus:
    case SendAction::kCreate:
      return b.state;
  }
  return b.state;
}

std::optional<i18n::Message> template_broadcast_refused(const store::Template& t, bool account_connection) {
  if (t.parts.empty()) return i18n::Message{"templates.no_parts", {{"name", t.name}}};
  if (!account_connection) return std::nullopt;
  for (std::size_t i = 0; i < t.parts.size(); ++i) {
    if (t.parts[i].kind == store::TemplatePartKind::kText) continue;
    return i18n::Message{"broadcasts.template_has_media",
                         {{"name", t.name}, {"part", std::to_string(i + 1)}}};
  }
  return std::nullopt;
}

std::string template_gone_error(std::string_view language, std::string_view name) {
  return i18n::text(language, "broadcasts.skip_template_deleted", {{"name", std::string(name)}});
}

core::Result<core::UnixMillis> parse_iso_instant(std::string_view text) {
  const std::string bad =
      "must be ISO 8601 with a zone, e.g. 2026-12-24T18:30:00+01:00 or 2026-12-24T17:30:00Z";
  auto digits = [&](std::size_t at, std::size_t n) -> std::optional<int> {
    if (at + n > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2);
  if (text.size() < 17 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' || !y || !mo || !d || !h ||
      !mi)
    return core::make_error(bad);
  if (!valid_date(*y, *mo, *d) || *h > 23 || *mi > 59)
    return core::make_error("is not a valid date and time");
  std::size_t i = 16;
  int sec = 0;
  if (i < text.size() && text[i] == ':') {
    auto s = digits(i + 1, 2);
    if (!s || *s > 59) return core::make_error(bad);
    sec = *s;
    i += 3;
    if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
      ++i;
      const std::size_t start = i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
      if (i == start) return core::make_error(bad);
    }
  }
  std::int64_t offset = 0;
  std::string_view zone = text.substr(i);
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (!zone.empty() && (zone[0] == '+' || zone[0] == '-')) {
    std::optional<int> zh, zm;
    if (zone.size() == 6 && zone[3] == ':') {
      zh = digits(i + 1, 2);
      zm = digits(i + 4, 2);
    } else if (zone.size() == 5) {
      zh = digits(i + 1, 2);
      zm = digits(i + 3, 2);
    } else if (zone.size() == 3) {
      zh = digits(i + 1, 2);
      zm = 0;
    }
    if (!zh || !zm || *zh > 23 || *zm > 59) return core::make_error(bad);
    offset = (*zh * 3600 + *zm * 60) * (zone[0] == '-' ? -1 : 1);
  } else {
    return core::make_error(bad);
  }
  std::int64_t local = core::days_from_civil(*y, *mo, *d) * 86400 + *h * 3600 + *mi * 60 + sec;
  return (local - offset) * 1000;
}

}  // namespace topicdesk::crm
