#include "relay/ownership.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "core/utf8.h"

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

std::string minutes_text(core::UnixMillis ms) {
  auto minutes = ms / 60'000;
  if (minutes < 120) return fmt::format("{} min", minutes);
  return fmt::format("{} h {} min", minutes / 60, minutes % 60);
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

MentionText unanswered_alert_text(std::string_view user_name, core::UnixMillis waited_ms,
                                  std::string_view link, const std::optional<store::Operator>& owner,
                                  core::UserId owner_id) {
  MentionText out;
  out.text = fmt::format("⏰ {} has waited {} for an answer", user_name, minutes_text(waited_ms));
  if (!link.empty()) out.text += fmt::format(": {}", link);
  if (owner_id == 0) {
    out.text += "\nNobody owns this dialog: /take it in the topic.";
    return out;
  }
  out.text += "\nOwner: ";
  if (owner && !owner->username.empty()) {
    out.text += "@" + owner->username;  // a username mention notifies
    return out;
  }
  std::string name = owner ? full_name(*owner) : std::string();
  if (name.empty()) name = fmt::format("operator {}", owner_id);
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

std::string taken(std::string_view owner) { return fmt::format("👤 {} took this dialog.", owner); }
std::string assigned(std::string_view by, std::string_view owner) {
  return fmt::format("👤 {} gave this dialog to {}.", by, owner);
}
std::string auto_assigned(std::string_view owner, core::AssignMode mode) {
  return fmt::format("👤 This dialog goes to {} (ASSIGN={}).", owner,
                     mode == core::AssignMode::kRoundRobin ? "round_robin" : "least_open");
}
std::string unassigned(std::string_view by) {
  return fmt::format("👤 {} left this dialog without an owner.", by);
}
std::string already_owner(std::string_view owner) {
  return fmt::format("👤 {} already owns this dialog.", owner);
}
std::string no_owner() { return "👤 Nobody owns this dialog."; }
std::string assign_usage() { return "Usage: /assign @username or /assign <operator id>"; }
std::string unknown_operator(std::string_view who) {
  return fmt::format(
      "❓ {} is not an operator the desk knows. Operators become known once they write in this group.", who);
}
std::string works_in_general(std::string_view command) {
  return fmt::format("/{} works in the General topic.", command);
}
std::string shift_usage() { return "Usage: /shift on, /shift off, or /shift to see who is on shift"; }
std::string on_shift(std::string_view who, bool on) {
  return on ? fmt::format("🟢 {} is on shift.", who) : fmt::format("⚪ {} is off shift.", who);
}
std::string shift_list(const std::vector<std::string>& names) {
  if (names.empty()) return "Nobody is on shift.";
  std::string out = fmt::format("On shift ({}):", names.size());
  for (const auto& name : names) out += "\n• " + name;
  return out;
}
std::string mine(const std::vector<std::string>& lines, bool more) {
  if (lines.empty()) return "You own no open dialogs.";
  std::string out = more ? fmt::format("Your open dialogs (the first {}):", lines.size())
                         : fmt::format("Your open dialogs ({}):", lines.size());
  for (const auto& line : lines) out += "\n" + line;
  return out;
}
std::string info_line(std::string_view owner) { return fmt::format("owner: {}", owner); }

}  // namespace ownership_notice

}  // namespace topicdesk::relay
