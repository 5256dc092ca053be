// Working hours in the relay: the away reply (AWAY_MESSAGE outside WORKING_HOURS) and /hours.
// Both decide by the date Telegram gave the message, not by when the engine handles it, so a
// message that waited in the inbox is judged by when it was written.
#include <string>

#include "core/working_hours.h"
#include "i18n/catalog.h"
#include "relay/accounts.h"
#include "relay/engine.h"

namespace topicdesk::relay {
using core::Event;
using core::UnixMillis;
using store::Dialog;

namespace {

// When the user wrote: the message's date; `now` for an event without one.
UnixMillis written_at(const Event& e, UnixMillis now) { return e.date > 0 ? e.date : now; }

std::string away_note(std::string_view lang, const core::WorkingHours& hours, UnixMillis at) {
  auto opening = core::next_opening(hours, at);
  if (!opening) return i18n::text(lang, "hours.away_sent_no_opening");
  return i18n::text(lang, "hours.away_sent", {{"time", core::format_local_time(lang, hours, *opening, at)}});
}

}  // namespace

std::string away_reply_key(core::DialogId dialog) { return "away_day:" + std::to_string(dialog); }

void Engine::away_reply(const Dialog& dialog, const core::Person& person, const Event& e, int priority,
                        UnixMillis now) {
  const auto& p = context_.params;
  if (!p.working_hours || !p.away_message || dialog.user_id < 0) return;
  const UnixMillis at = written_at(e, now);
  if (core::is_open(*p.working_hours, at)) return;
  // Once a calendar day (in the schedule's zone) per dialog.
  const std::string day = std::to_string(core::local_day(*p.working_hours, at));
  if (auto sent = store_.state_get(context_.id, away_reply_key(dialog.id)); sent && *sent == day) return;
  store_.state_set(context_.id, away_reply_key(dialog.id), day);
  if (auto name = core::template_reference(*p.away_message)) {  // engine_templates.cpp
    send_template_reply(dialog, "AWAY_MESSAGE", *name, kPriorityNewDialog, now);
  } else {
    core::UserView view{person, dialog.pseudonym, p.hide_info, p.status_icons};
    send_to_user(dialog, core::welcome_text(*p.away_message, view), kPriorityNewDialog, now);
  }
  post_in_topic(dialog, away_note(operator_language(), *p.working_hours, at), priority, now);
}

void Engine::on_hours_command(const core::Command& command, const Event& e, UnixMillis now) {
  if (!general_command_is_mine("hours", parse_instance_request(command.args).instance, now)) return;
  const auto& hours = context_.params.working_hours;
  std::string text = "i" + std::to_string(context_.id) + " " + context_.name + "\n";
  if (!hours) {
    text += i18n::text(operator_language(), "hours.off");
  } else {
    text += core::describe_working_hours(operator_language(), *hours, written_at(e, now));
  }
  const auto& away = context_.params.away_message;
  text += "\n" + i18n::text(operator_language(), away ? "hours.away_on" : "hours.away_off");
  post_in_general(std::move(text), now);
}

}  // namespace topicdesk::relay
