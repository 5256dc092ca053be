// The proxy program's backlog in the engine: /backlog in General shows what waits for the bot's
// own program (mode = "proxy") by age and by dialog; /backlog drop answered drops the updates of
// dialogs operators answered meanwhile (ProxyStore::proxy_drop_answered).
//
// Decisions (docs/backup-system.md):
// - Showing is a read: every operator may. Dropping changes what the program gets: it needs
//   crm::may_manage (EXTENSIONS_ALLOWED or the group's owner when that parameter is set).
// - Every connection answers for itself, naming itself: a proxy connection with its backlog, any
//   other that /backlog does not apply and why. In a group several connections share, each one
//   answers (a bot connection cannot know whether the others are proxies).
// - Only "drop answered" drops; anything else after /backlog gets the usage, and nothing changes.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "core/utf8.h"
#include "crm/permissions.h"
#include "relay/accounts.h"
#include "relay/engine.h"

namespace topicdesk::relay {
using core::Event;
using core::UnixMillis;

namespace {

constexpr int kBacklogDialogsShown = 10;
constexpr UnixMillis kMinute = 60'000;
constexpr UnixMillis kHour = 60 * kMinute;
constexpr UnixMillis kDay = 24 * kHour;

std::string updates(std::int64_t n) { return n == 1 ? "1 update" : fmt::format("{} updates", n); }
std::string dialog_count(std::int64_t n) { return n == 1 ? "1 dialog" : fmt::format("{} dialogs", n); }

// "45 s", "12 min", "3 h 5 min", "2 d 4 h": how long ago, coarse.
std::string age(UnixMillis millis) {
  if (millis < 0) millis = 0;
  if (millis < kMinute) return fmt::format("{} s", millis / 1000);
  if (millis < kHour) return fmt::format("{} min", millis / kMinute);
  if (millis < kDay) {
    const auto minutes = (millis % kHour) / kMinute;
    return minutes == 0 ? fmt::format("{} h", millis / kHour)
                        : fmt::format("{} h {} min", millis / kHour, minutes);
  }
  const auto hours = (millis % kDay) / kHour;
  return hours == 0 ? fmt::format("{} d", millis / kDay) : fmt::format("{} d {} h", millis / kDay, hours);
}

}  // namespace

std::string backlog_usage() {
  return "/backlog shows what waits for the bot's own program (proxy connections), by age and by dialog.\n"
         "/backlog drop answered drops the waiting updates of dialogs an operator answered after they "
         "came; nothing else is dropped.";
}

std::string backlog_not_applicable(std::string_view connection, bool account) {
  return fmt::format(
      "/backlog does not apply to {}: {}. Only a proxy connection (mode = \"proxy\") has a program of its "
      "own whose updates wait at the desk while it is away.",
      connection,
      account ? "it is a personal account; the account's own apps get every message from Telegram"
              : "the desk itself takes its updates from Telegram, and no program of yours queues any here");
}

void Engine::on_backlog_command(const core::Command& command, const Event& e, UnixMillis now) {
  const std::string args = core::lower_ascii(core::trim(command.args));
  const bool drop = args == "drop answered";
  if (!args.empty() && !drop) return post_in_general(backlog_usage(), now);
  if (!context_.proxy) return post_in_general(backlog_not_applicable(context_.name, context_.account), now);
  if (drop) {
    const crm::Actor actor{e.from.id, e.from.username, e.sender_is_anonymous_admin};
    if (!crm::may_manage(context_.params, actor, context_.group_owner))
      return post_in_general(crm::management_refused(operator_language(), "crm.drop_updates", actor), now);
    return post_in_general(backlog_dropped(store_.proxy_drop_answered(context_.id)), now);
  }
  post_in_general(backlog_text(now), now);
}

std::string Engine::backlog_dropped(std::int64_t dropped) const {
  if (dropped == 0)
    return fmt::format("📥 {}: no waiting update is of a dialog answered meanwhile; nothing was dropped.",
                       context_.name);
  return fmt::format(
      "📥 {}: dropped {} of dialogs operators answered meanwhile; the program will not get {}. The "
      "rest waits for it.",
      context_.name, updates(dropped), dropped == 1 ? "it" : "them");
}

std::string Engine::backlog_text(UnixMillis now) {
  const auto& p = context_.params;
  const auto total = store_.proxy_backlog(context_.id);
  if (total.count == 0)
    return fmt::format("📥 Nothing waits for {}'s program: it has taken every update.", context_.name);
  std::string text = fmt::format("📥 Waiting for {}'s program: {}, the oldest {} old.", context_.name,
                                 updates(total.count), age(now - total.oldest));

  // By age: under a minute, under an hour, under a day, older.
  const auto older = store_.proxy_backlog_older(context_.id, {now - kMinute, now - kHour, now - kDay});
  const std::int64_t buckets[] = {total.count - older[0], older[0] - older[1], older[1] - older[2], older[2]};
  const char* names[] = {"under 1 min", "1 min to 1 h", "1 h to 1 day", "over 1 day"};
  std::string by_age;
  for (int i = 0; i < 4; ++i) {
    if (buckets[i] == 0) continue;
    by_age += fmt::format("{}{} {}", by_age.empty() ? "" : ", ", names[i], buckets[i]);
  }
  text += "\nBy age: " + by_age + ".";

  // By dialog, oldest first.
  const auto totals = store_.proxy_backlog_totals(context_.id);
  const auto dialogs = store_.proxy_backlog_dialogs(context_.id, kBacklogDialogsShown);
  if (!dialogs.empty()) {
    text += fmt::format(
        "\nBy dialog, oldest first ({} in {}; {} answered meanwhile in {}):", updates(totals.updates),
        dialog_count(totals.dialogs), updates(totals.answered), dialog_count(totals.answered_dialogs));
  }
  for (const auto& d : dialogs) {
    auto dialog = d.dialog_id != 0 ? store_.dialog(d.dialog_id) : std::nullopt;
    std::string line;
    if (dialog) {
      core::UserView view{
          store_.user(context_.id, dialog->user_id).value_or(core::Person{.id = dialog->user_id}),
          dialog->pseudonym, p.hide_info, p.status_icons};
      line = std::string(core::status_marker(topic_status(dialog->status), p.status_icons)) + " " +
             core::display_name(view);
      if (p.hide_info == core::HideInfo::kOff) line += fmt::format(" #{}", dialog->user_id);
    } else {
      line = p.hide_info == core::HideInfo::kOff ? fmt::format("#{} (no dialog yet)", d.chat_id)
                                                 : std::string("a user without a dialog yet");
    }
    line += fmt::format(": {}, the oldest {} old", updates(d.count), age(now - d.oldest));
    if (d.answered > 0) {
      line += d.answered == d.count ? ", answered meanwhile"
                                    : fmt::format(", {} of them answered meanwhile", d.answered);
    }
    if (dialog) {
      if (auto link = topic_link(dialog->group_id, dialog->thread_id); !link.empty()) line += " " + link;
    }
    text += "\n" + line;
  }
  if (totals.dialogs > static_cast<std::int64_t>(dialogs.size()))
    text += fmt::format("\n…and {} more.",
                        dialog_count(totals.dialogs - static_cast<std::int64_t>(dialogs.size())));
  if (const auto others = total.count - totals.updates; others > 0)
    text += fmt::format("\nNot of a dialog (button presses, my_chat_member …): {}.", updates(others));

  text += p.proxy_backlog == core::ProxyBacklogMode::kUnanswered
              ? "\nPROXY_BACKLOG = unanswered: when the program comes back, the updates of dialogs answered "
                "meanwhile are dropped."
              : "\nPROXY_BACKLOG = all: when the program comes back it gets everything, as from Telegram.";
  if (totals.answered > 0) text += "\n/backlog drop answered drops the answered ones now.";
  return text;
}

}  // namespace topicdesk::relay
