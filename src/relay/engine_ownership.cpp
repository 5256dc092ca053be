// Dialog ownership in the engine: the operators registry learnt from the group, /take,
// /assign, /unassign (in a topic), /shift and /mine (in General), ASSIGN when a dialog opens
// or opens again, and UNANSWERED_ALERT.
//
// Decisions (docs/parameters.md ASSIGN and UNANSWERED_ALERT, docs/webhooks.md dialog_assigned):
// - An operator is a person who writes in the backend group (never a bot, the desk's own
//   account, or an anonymous admin); /assign names only operators the desk has seen there.
// - The owner stays through a close: a dialog that opens again goes back to its owner, and ASSIGN
//   only picks for dialogs nobody owns.
// - /shift and /mine are about the whole group (every connection sharing it); in a shared group
//   one connection answers them (answers_in_general).
// - UNANSWERED_ALERT announces a dialog once per wait (unanswered_alerted_at, compared with the
//   start of the wait), in General, from the periodic scan AUTOCLOSE runs in.
#include <boost/json.hpp>
#include <charconv>

#include "core/utf8.h"
#include "i18n/catalog.h"
#include "relay/accounts.h"
#include "relay/engine.h"
#include "relay/ownership.h"

namespace topicdesk::relay {
namespace json = boost::json;
using core::Event;
using core::UnixMillis;
using store::Dialog;
using store::DialogStatus;

namespace {

constexpr int kMineLimit = 50;
constexpr int kAlertBatch = 200;

json::value operator_json(const std::optional<store::Operator>& op, core::UserId id) {
  if (id == 0) return nullptr;
  return json::object{{"id", id}, {"name", operator_name(op, id)}};
}

}  // namespace

void Engine::learn_operator(const Event& e, UnixMillis now) {
  if (e.sender_is_anonymous_admin || e.from.is_bot || e.from.id <= 0) return;
  store_.upsert_operator(context_.group_id, e.from, now);
}

void Engine::set_owner(Dialog& dialog, core::UserId owner, std::string_view by, core::UserId by_operator,
                       UnixMillis now) {
  const core::UserId previous = dialog.owner_id;
  dialog.owner_id = owner;
  store_.update_dialog(dialog);
  retitle(dialog, now);
  json::object o{
      {"owner", operator_json(owner ? store_.operator_by_id(context_.group_id, owner) : std::nullopt, owner)},
      {"previous_owner_id", previous},
      {"by", by}};
  if (by_operator != 0)
    o["operator"] = operator_json(store_.operator_by_id(context_.group_id, by_operator), by_operator);
  event(dialog, "dialog_assigned", json::serialize(o), now);
}

void Engine::ownership_command(const core::Command& command, Dialog& dialog, const Event& e, UnixMillis now) {
  using core::CommandKind;
  auto answer = [&](std::string text) {
    post_in_topic(dialog, std::move(text), kPriorityOperatorReply, now);
  };
  if (command.kind == CommandKind::kShift || command.kind == CommandKind::kMine)
    return answer(ownership_notice::works_in_general(operator_language(), command.name));
  if (e.sender_is_anonymous_admin)
    return answer(i18n::text(operator_language(), "ownership.anonymous_cannot_own"));
  const auto group = context_.group_id;
  const std::string by = operator_name(store_.operator_by_id(group, e.from.id), e.from.id);

  if (command.kind == CommandKind::kUnassign) {
    if (dialog.owner_id == 0) return answer(ownership_notice::no_owner(operator_language()));
    set_owner(dialog, 0, "operator", e.from.id, now);
    return answer(ownership_notice::unassigned(operator_language(), by));
  }

  core::UserId target = e.from.id;
  if (command.kind == CommandKind::kAssign) {
    std::string who = core::trim(command.args);
    if (who.empty() || who.find_first_of(" \t\n") != std::string::npos)
      return answer(ownership_notice::assign_usage(operator_language()));
    std::optional<store::Operator> op;
    core::UserId id = 0;
    auto [end, ec] = std::from_chars(who.data(), who.data() + who.size(), id);
    if (ec == std::errc() && end == who.data() + who.size() && id > 0) {
      op = store_.operator_by_id(group, id);
    } else {
      op = store_.operator_by_username(group, who.starts_with('@') ? who.substr(1) : who);
    }
    if (!op) return answer(ownership_notice::unknown_operator(operator_language(), who));
    target = op->id;
  }
  const std::string owner_name = operator_name(store_.operator_by_id(group, target), target);
  if (dialog.owner_id == target)
    return answer(ownership_notice::already_owner(operator_language(), owner_name));
  set_owner(dialog, target, "operator", e.from.id, now);
  answer(target == e.from.id ? ownership_notice::taken(operator_language(), owner_name)
                             : ownership_notice::assigned(operator_language(), by, owner_name));
}

void Engine::ownership_general_command(const core::Command& command, const Event& e, UnixMillis now) {
  if (!answers_in_general()) return;
  const auto group = context_.group_id;
  if (e.sender_is_anonymous_admin)
    return post_in_general(i18n::text(operator_language(), "ownership.anonymous_no_shift"), now);
  if (command.kind == core::CommandKind::kShift) {
    std::string arg = core::lower_ascii(core::trim(command.args));
    if (arg.empty()) {
      std::vector<std::string> names;
      for (const auto& op : store_.operators_on_shift(group)) names.push_back(operator_name(op, op.id));
      return post_in_general(ownership_notice::shift_list(operator_language(), names), now);
    }
    if (arg != "on" && arg != "off")
      return post_in_general(ownership_notice::shift_usage(operator_language()), now);
    store_.set_on_shift(group, e.from.id, arg == "on");
    return post_in_general(
        ownership_notice::on_shift(operator_language(),
                                   operator_name(store_.operator_by_id(group, e.from.id), e.from.id),
                                   arg == "on"),
        now);
  }
  // /mine
  const auto& p = context_.params;
  auto owned = store_.open_dialogs_owned_by(group, e.from.id, kMineLimit + 1);
  const bool more = owned.size() > static_cast<std::size_t>(kMineLimit);
  if (more) owned.resize(kMineLimit);
  std::vector<std::string> lines;
  for (const auto& d : owned) {
    auto person = store_.user(d.connection_id, d.user_id).value_or(core::Person{.id = d.user_id});
    // Another connection's dialog goes by its pseudonym: this engine cannot know whether that
    // connection hides its users (HIDE_INFO), and General is read by every operator.
    const auto hide = d.connection_id == context_.id ? p.hide_info : core::HideInfo::kName;
    core::UserView view{person, d.pseudonym, hide, p.status_icons};
    std::string line = std::string(core::status_marker(topic_status(d.status), p.status_icons)) + " " +
                       core::display_name(view);
    if (d.thread_id != 0) line += ": " + topic_link(group, d.thread_id);
    lines.push_back(std::move(line));
  }
  post_in_general(ownership_notice::mine(operator_language(), lines, more), now);
}

void Engine::auto_assign(Dialog& dialog, UnixMillis now) {
  const auto mode = context_.params.assign;
  if (mode == core::AssignMode::kOff || dialog.owner_id != 0 || dialog.status == DialogStatus::kClosed)
    return;
  std::vector<core::UserId> on_shift;
  for (const auto& op : store_.operators_on_shift(context_.group_id)) on_shift.push_back(op.id);
  if (on_shift.empty()) return;  // nobody on shift: the dialog waits unassigned
  const bool rotating = mode == core::AssignMode::kRoundRobin;
  auto owner = pick_owner(mode, on_shift, rotating ? store_.rotation_last(context_.id) : 0,
                          rotating ? std::vector<std::pair<core::UserId, std::int64_t>>{}
                                   : store_.open_owned_counts(context_.group_id));
  if (owner == 0) return;
  if (rotating) store_.set_rotation_last(context_.id, owner);
  set_owner(dialog, owner, rotating ? "round_robin" : "least_open", 0, now);
  post_in_topic(
      dialog,
      ownership_notice::auto_assigned(
          operator_language(), operator_name(store_.operator_by_id(context_.group_id, owner), owner), mode),
      kPriorityNewDialog, now);
}

std::optional<Dialog> Engine::api_assign(core::DialogId id, core::UserId owner, UnixMillis now) {
  std::optional<Dialog> updated;
  transaction([&] {
    auto dialog = store_.dialog(id);
    if (!dialog || dialog->connection_id != context_.id) return;
    if (dialog->owner_id != owner) {
      set_owner(*dialog, owner, "api", 0, now);
      const std::string api = i18n::text(operator_language(), "ownership.topics_api");
      std::string name = owner ? operator_name(store_.operator_by_id(context_.group_id, owner), owner) : "";
      post_in_topic(*dialog,
                    owner ? ownership_notice::assigned(operator_language(), api, name)
                          : ownership_notice::unassigned(operator_language(), api),
                    kPriorityOperatorReply, now);
    }
    updated = std::move(dialog);
  });
  return updated;
}

std::string Engine::ownership_info(const Dialog& dialog) {
  if (dialog.owner_id == 0) return {};
  return "\n" +
         ownership_notice::info_line(
             operator_language(),
             operator_name(store_.operator_by_id(context_.group_id, dialog.owner_id), dialog.owner_id));
}

int Engine::unanswered_alerts(UnixMillis now) {
  const auto& p = context_.params;
  if (p.unanswered_alert_minutes <= 0) return 0;
  const UnixMillis threshold = static_cast<UnixMillis>(p.unanswered_alert_minutes) * 60'000;
  int announced = 0;
  transaction([&] {
    // The store's wall-time bound is a first cut; waiting_for_operators_ms decides (working time
    // under WORKING_HOURS). Oldest waits first: once one is not due, no later one is.
    for (auto& dialog : store_.dialogs_unannounced_waiting(context_.id, now - threshold + 1, kAlertBatch)) {
      const UnixMillis waited = waiting_for_operators_ms(dialog, now, p.working_hours);
      if (waited < threshold) break;
      auto person = store_.user(context_.id, dialog.user_id).value_or(core::Person{.id = dialog.user_id});
      std::string user = core::display_name({person, dialog.pseudonym, p.hide_info, p.status_icons});
      std::string link =
          dialog.thread_id != 0 ? topic_link(context_.group_id, dialog.thread_id) : std::string();
      auto owner =
          dialog.owner_id != 0 ? store_.operator_by_id(context_.group_id, dialog.owner_id) : std::nullopt;
      auto alert = unanswered_alert_text(operator_language(), user, waited, link, owner, dialog.owner_id);
      enqueue(job::kSendText,
              JobPayload{.dialog = 0,
                         .to = Side::kGroup,
                         .text = std::move(alert.text),
                         .entities_json = std::move(alert.entities_json)},
              kPriorityNormal, now);
      dialog.unanswered_alerted_at = now;
      store_.update_dialog(dialog);
      ++announced;
    }
  });
  return announced;
}

}  // namespace topicdesk::relay
