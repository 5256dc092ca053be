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
#include "i18n/catalog.h"
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

std::string updates(std::string_view lang, std::int64_t n) {
  return n == 1 ? i18n::text(lang, "backlog.update_one")
                : i18n::text(lang, "backlog.updates", {{"count", std::to_string(n)}});
}
std::string dialog_count(std::string_view lang, std::int64_t n) {
  return n == 1 ? i18n::text(lang, "backlog.dialog_one")
                : i18n::text(lang, "backlog.dialogs", {{"count", std::to_string(n)}});
}

// "45 s", "12 min", "3 h 5 min", "2 d 4 h": how long ago, coarse.
std::string age(std::string_view lang, UnixMillis millis) {
  if (millis < 0) millis = 0;
  auto n = [](std::int64_t v) { return std::to_string(v); };
  if (millis < kMinute) return i18n::text(lang, "backlog.seconds", {{"count", n(millis / 1000)}});
  if (millis < kHour) return i18n::text(lang, "backlog.minutes", {{"count", n(millis / kMinute)}});
  if (millis < kDay) {
    const auto minutes = (millis % kHour) / kMinute;
    return minutes == 0 ? i18n::text(lang, "backlog.hours", {{"count", n(millis / kHour)}})
                        : i18n::text(lang, "backlog.hours_minutes",
                                     {{"hours", n(millis / kHour)}, {"minutes", n(minutes)}});
  }
  const auto hours = (millis % kDay) / kHour;
  return hours == 0
             ? i18n::text(lang, "backlog.days", {{"count", n(millis / kDay)}})
             : i18n::text(lang, "backlog.days_hours", {{"days", n(millis / kDay)}, {"hours", n(hours)}});
}

}  // namespace

std::string backlog_usage(std::string_view lang) { return i18n::text(lang, "backlog.usage"); }

std::string backlog_not_applicable(std::string_view lang, std::string_view connection, bool account) {
  return i18n::text(lang, account ? "backlog.not_applicable_account" : "backlog.not_applicable_bot",
                    {{"connection", std::string(connection)}});
}

void Engine::on_backlog_command(const core::Command& command, const Event& e, UnixMillis now) {
  const std::string args = core::lower_ascii(core::trim(command.args));
  const bool drop = args == "drop answered";
  if (!args.empty() && !drop) return post_in_general(backlog_usage(operator_language()), now);
  if (!context_.proxy)
    return post_in_general(backlog_not_applicable(operator_language(), context_.name, context_.account), now);
  if (drop) {
    const crm::Actor actor{e.from.id, e.from.username, e.sender_is_anonymous_admin};
    if (!crm::may_manage(context_.params, actor, context_.group_owner))
      return post_in_general(crm::management_refused(operator_language(), "crm.drop_updates", actor), now);
    return post_in_general(backlog_dropped(store_.proxy_drop_answered(context_.id)), now);
  }
  post_in_general(backlog_text(now), now);
}

std::string Engine::backlog_dropped(std::int64_t dropped) const {
  const auto& lang = operator_language();
  if (dropped == 0) return i18n::text(lang, "backlog.nothing_dropped", {{"connection", context_.name}});
  return i18n::text(lang, dropped == 1 ? "backlog.dropped_one" : "backlog.dropped",
                    {{"connection", context_.name}, {"count", std::to_string(dropped)}});
}

std::string Engine::backlog_text(UnixMillis now) {
  const auto& p = context_.params;
  const auto& lang = operator_language();
  const auto total = store_.proxy_backlog(context_.id);
  if (total.count == 0) return i18n::text(lang, "backlog.nothing_waits", {{"connection", context_.name}});
  std::string text = i18n::text(lang, "backlog.waiting",
                                {{"connection", context_.name},
                                 {"updates", updates(lang, total.count)},
                                 {"age", age(lang, now - total.oldest)}});

  // By age: under a minute, under an hour, under a day, older.
  const auto older = store_.proxy_backlog_older(context_.id, {now - kMinute, now - kHour, now - kDay});
  const std::int64_t buckets[] = {total.count - older[0], older[0] - older[1], older[1] - older[2], older[2]};
  const char* names[] = {"backlog.under_minute", "backlog.minute_to_hour", "backlog.hour_to_day",
                         "backlog.over_day"};
  std::string by_age;
  for (int i = 0; i < 4; ++i) {
    if (buckets[i] == 0) continue;
    by_age += fmt::format("{}{} {}", by_age.empty() ? "" : ", ", i18n::text(lang, names[i]), buckets[i]);
  }
  text += "\n" + i18n::text(lang, "backlog.by_age", {{"buckets", by_age}});

  // By dialog, oldest first.
  const auto totals = store_.proxy_backlog_totals(context_.id);
  const auto dialogs = store_.proxy_backlog_dialogs(context_.id, kBacklogDialogsShown);
  if (!dialogs.empty()) {
    text += "\n" + i18n::text(lang, "backlog.by_dialog",
                              {{"updates", updates(lang, totals.updates)},
                               {"dialogs", dialog_count(lang, totals.dialogs)},
                               {"answered", updates(lang, totals.answered)},
                               {"answered_dialogs", dialog_count(lang, totals.answered_dialogs)}});
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
      line = p.hide_info == core::HideInfo::kOff
                 ? i18n::text(lang, "backlog.no_dialog_yet", {{"chat", std::to_string(d.chat_id)}})
                 : i18n::text(lang, "backlog.user_without_dialog");
    }
    line += ": " + i18n::text(lang, "backlog.dialog_line",
                              {{"updates", updates(lang, d.count)}, {"age", age(lang, now - d.oldest)}});
    if (d.answered > 0) {
      line += d.answered == d.count
                  ? i18n::text(lang, "backlog.answered_meanwhile")
                  : i18n::text(lang, "backlog.some_answered", {{"count", std::to_string(d.answered)}});
    }
    if (dialog) {
      if (auto link = topic_link(dialog->group_id, dialog->thread_id); !link.empty()) line += " " + link;
    }
    text += "\n" + line;
  }
  if (totals.dialogs > static_cast<std::int64_t>(dialogs.size()))
    text +=
        "\n" + i18n::text(lang, "backlog.and_more",
                          {{"dialogs",
                            dialog_count(lang, totals.dialogs - static_cast<std::int64_t>(dialogs.size()))}});
  if (const auto others = total.count - totals.updates; others > 0)
    text += "\n" + i18n::text(lang, "backlog.not_of_a_dialog", {{"updates", updates(lang, others)}});

  text += "\n" + i18n::text(lang, p.proxy_backlog == core::ProxyBacklogMode::kUnanswered
                                      ? "backlog.mode_unanswered"
                                      : "backlog.mode_all");
  if (totals.answered > 0) text += "\n" + i18n::text(lang, "backlog.drop_hint");
  return text;
}

}  // namespace topicdesk::relay
