#include "relay/ownership.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "core/utf8.h"
#include "i18n/catalog.h"

namespace topicdesk::relay {
namespace json = boost::json;

core::UserId pick_owner(core::AssignMode mode, const std::vector<core::UserId>& on_shift,
                        core::UserId last_assigned,
                        const std::vector<std::pair<core::UserId, std::int64_t>>& open_counts) {
  if (mode == core::AssignMode::kOff || on_shift.empty()) return 0;
  if (mode == core::AssignMode::kRoundRobin) {
    auto next = std::upper_bound(on_shift.begin(), on_shift.end(), last_assigned);
    return next == on_shift.end() ? on_shift.front() : *next;
  }
  auto open_of = [&](core::UserId id) -> std::int64_t {
    for (const auto& [owner, count] : open_counts)
      if (owner == id) return count;
    return 0;
  };
  core::UserId best = on_shift.front();
  for (core::UserId id : on_shift) {
    if (open_of(id) < open_of(best) || (open_of(id) == open_of(best) && id < best)) best = id;
  }
  return best;
}

core::UnixMillis waiting_for_operators_ms(const store::Dialog& dialog, core::UnixMillis now,
                                          const std::optional<core::WorkingHours>& hours) {
  if (dialog.status != store::DialogStatus::kUserAnswered) return 0;
  if (hours) return core::working_ms_between(*hours, dialog.status_changed_at, now);
  return std::max<core::UnixMillis>(0, now - dialog.status_changed_at);
}

namespace {

std::string full_name(const store::Operator& op) {
  std::string name = core::strip_bidi_controls(op.first_name);
  std::string last = core::strip_bidi_controls(op.last_name);
  if (!last.empty()) name += (name.empty() ? "" : " ") + last;
  return core::trim(name);
}

std::string minutes_text(std::string_view lang, core::UnixMillis ms) {
  auto minutes = ms / 60'000;
  if (minutes < 120) return i18n::text(lang, "ownership.minutes", {{"minutes", std::to_string(minutes)}});
  return i18n::text(lang, "ownership.hours_minutes",
                    {{"hours", std::to_string(minutes / 60)}, {"minutes", std::to_string(minutes % 60)}});
}

}  // namespace

std::string operator_name(const std::optional<store::Operator>& op, core::UserId id) {
  if (!op) return fmt::format("id {}", id);
  std::string name = full_name(*op);
  if (name.empty()) return op->username.empty() ? fmt::format("id {}", id) : "@" + op->username;
  if (!op->username.empty()) name += " (@" + op->username + ")";
  return name;
}

std::string operator_short_name(const std::optional<store::Operator>& op, core::UserId id) {
  if (op) {
    std::string first = core::trim(core::strip_bidi_controls(op->first_name));
    if (!first.empty()) return first;
    if (!op->username.empty()) return op->username;
  }
  return std::to_string(id);
}

MentionText unanswered_alert_text(std::string_view lang, std::string_view user_name,
                                  core::UnixMillis waited_ms, std::string_view link,
                                  const std::optional<store::Operator>& owner, core::UserId owner_id) {
  MentionText out;
  out.text = i18n::text(lang, "ownership.alert",
                        {{"user", std::string(user_name)}, {"waited", minutes_text(lang, waited_ms)}});
  if (!link.empty()) out.text += fmt::format(": {}", link);
  if (owner_id == 0) {
    out.text += "\n" + i18n::text(lang, "ownership.alert_nobody");
    return out;
  }
  out.text += "\n" + i18n::text(lang, "ownership.alert_owner");
  if (owner && !owner->username.empty()) {
    out.text += "@" + owner->username;  // a username mention notifies
    return out;
  }
  std::string name = owner ? full_name(*owner) : std::string();
  if (name.empty()) name = i18n::text(lang, "ownership.operator_id", {{"id", std::to_string(owner_id)}});
  json::object entity{{"type", "text_mention"},
                      {"offset", core::utf16_length(out.text)},
                      {"length", core::utf16_length(name)},
                      {"user", json::object{{"id", owner_id}, {"is_bot", false}, {"first_name", name}}}};
  out.text += name;
  out.entities_json = json::serialize(json::array{entity});
  return out;
}

std::string dialog_topic_title(store::Store& store, const store::Dialog& dialog, const core::UserView& user,
                               core::TopicStatus status) {
  std::string owner;
  if (dialog.owner_id != 0)
    owner = operator_short_name(store.operator_by_id(dialog.group_id, dialog.owner_id), dialog.owner_id);
  std::vector<std::string> tickers;
  for (const auto& label : store.dialog_labels(dialog.id)) {
    if (!label.ticker.empty()) tickers.push_back(label.ticker);
  }
  return core::topic_title(user, status, owner, tickers);
}

namespace ownership_notice {

std::string taken(std::string_view lang, std::string_view owner) {
  return i18n::text(lang, "ownership.taken", {{"owner", std::string(owner)}});
}
std::string assigned(std::string_view lang, std::string_view by, std::string_view owner) {
  return i18n::text(lang, "ownership.assigned", {{"by", std::string(by)}, {"owner", std::string(owner)}});
}
std::string auto_assigned(std::string_view lang, std::string_view owner, core::AssignMode mode) {
  return i18n::text(lang, "ownership.auto_assigned",
                    {{"owner", std::string(owner)},
                     {"mode", mode == core::AssignMode::kRoundRobin ? "round_robin" : "least_open"}});
}
std::string unassigned(std::string_view lang, std::string_view by) {
  return i18n::text(lang, "ownership.unassigned", {{"by", std::string(by)}});
}
std::string already_owner(std::string_view lang, std::string_view owner) {
  return i18n::text(lang, "ownership.already_owner", {{"owner", std::string(owner)}});
}
std::string no_owner(std::string_view lang) { return i18n::text(lang, "ownership.no_owner"); }
std::string assign_usage(std::string_view lang) { return i18n::text(lang, "ownership.assign_usage"); }
std::string unknown_operator(std::string_view lang, std::string_view who) {
  return i18n::text(lang, "ownership.unknown_operator", {{"who", std::string(who)}});
}
std::string works_in_general(std::string_view lang, std::string_view command) {
  return i18n::text(lang, "ownership.works_in_general", {{"command", std::string(command)}});
}
std::string shift_usage(std::string_view lang) { return i18n::text(lang, "ownership.shift_usage"); }
std::string on_shift(std::string_view lang, std::string_view who, bool on) {
  return i18n::text(lang, on ? "ownership.on_shift" : "ownership.off_shift", {{"who", std::string(who)}});
}
std::string shift_list(std::string_view lang, const std::vector<std::string>& names) {
  if (names.empty()) return i18n::text(lang, "ownership.nobody_on_shift");
  std::string out = i18n::text(lang, "ownership.on_shift_list", {{"count", std::to_string(names.size())}});
  for (const auto& name : names) out += "\n• " + name;
  return out;
}
std::string mine(std::string_view lang, const std::vector<std::string>& lines, bool more) {
  if (lines.empty()) return i18n::text(lang, "ownership.mine_none");
  std::string out = i18n::text(lang, more ? "ownership.mine_first" : "ownership.mine",
                               {{"count", std::to_string(lines.size())}});
  for (const auto& line : lines) out += "\n" + line;
  return out;
}
std::string info_line(std::string_view lang, std::string_view owner) {
  return i18n::text(lang, "ownership.info_line", {{"owner", std::string(owner)}});
}

}  // namespace ownership_notice

}  // namespace topicdesk::relay
