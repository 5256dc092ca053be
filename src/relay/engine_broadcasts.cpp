// Broadcasts in General (docs/broadcasts.md): /send creates a broadcast of the message it
// replies to, lists its recipients and asks for confirmation; /send confirm, cancel, pause,
// resume and status act on one. The sending itself is the broadcast sender's
// (relay/broadcast_sender.h), which picks up the state written here; when a broadcast ends the
// sender reports it and the CSV report is made and posted here.
#include "crm/broadcast.h"
#include "crm/broadcast_report.h"
#include "crm/permissions.h"
#include "crm/segment_members.h"
#include "relay/engine.h"

namespace topicdesk::relay {
namespace {

using store::BroadcastState;
using store::RecipientState;

const core::TimeZone& zone_of(const core::Parameters& params) {
  static const core::TimeZone kUtc;
  return params.working_hours ? params.working_hours->zone : kUtc;
}

}  // namespace

void Engine::on_send_command(const core::Command& command, const core::Event& e, core::UnixMillis now) {
  auto request = crm::parse_send(command.args);
  // In a backend group shared by several connections, the one that answers General's commands
  // makes broadcasts; a broadcast named by number is its own connection's.
  const bool named = request && request->action != crm::SendAction::kCreate && request->broadcast_id != 0;
  std::optional<store::Broadcast> b;
  if (named) {
    b = store_.broadcast(request->broadcast_id);
    if (b && b->connection_id != context_.id) return;
    if (!b && !answers_in_general()) return;
  } else if (!answers_in_general()) {
    return;
  }
  const crm::Actor actor{e.from.id, e.from.username, e.sender_is_anonymous_admin};
  if (!crm::may_manage(context_.params, actor, context_.group_owner))
    return post_in_general(crm::management_refused("send broadcasts", actor), now);
  if (!request) return post_in_general("/send: " + request.error().message, now);
  if (request->action == crm::SendAction::kCreate) return create_broadcast(*request, e, now);

  if (named && !b)
    return post_in_general("/send: there is no broadcast #" + std::to_string(request->broadcast_id), now);
  if (!b) {  // the newest broadcast the action fits
    for (auto& candidate : store_.broadcasts_of(context_.id, 50)) {
      if (!crm::action_refused(request->action, candidate.state)) {
        b = std::move(candidate);
        break;
      }
    }
    if (!b) return post_in_general("/send " + command.args + ": no broadcast to do that to", now);
  }
  if (request->action == crm::SendAction::kStatus) {
    return post_in_general(crm::progress_text(*b, store_.broadcast_counts(b->id), 0), now);
  }
  if (auto why = crm::action_refused(request->action, b->state))
    return post_in_general("/send: broadcast #" + std::to_string(b->id) + ": " + *why, now);

  const BroadcastState next = crm::state_after(request->action, *b);
  std::string said;
  switch (request->action) {
    case crm::SendAction::kConfirm:
      said = next == BroadcastState::kScheduled
                 ? "is confirmed: it goes out at " +
                       crm::format_wall_time(b->scheduled_at, zone_of(context_.params))
                 : "is confirmed: sending now (progress below)";
      break;
    case crm::SendAction::kCancel: {
      auto skipped = store_.skip_pending_broadcast_recipients(b->id, "cancelled");
      said = "is cancelled; " + std::to_string(skipped) + " recipients left out";
      if (b->started_at == 0 && b->state != BroadcastState::kRunning && b->state != BroadcastState::kPaused)
        b->finished_at = now;  // nothing was ever sent: no report
      break;
    }
    case crm::SendAction::kPause:
      said = "is paused; /send resume #" + std::to_string(b->id) + " goes on";
      break;
    case crm::SendAction::kResume:
      said = "goes on";
      break;
    default:
      break;
  }
  b->state = next;
  store_.update_broadcast(*b);
  post_in_general(crm::state_changed_text(*b, said), now);
}

void Engine::create_broadcast(const crm::SendRequest& request, const core::Event& e, core::UnixMillis now) {
  if (e.reply_to_message_id == 0)
    return post_in_general("/send: reply with it to the message to send. " + crm::usage_text(), now);
  store::Broadcast b;
  b.connection_id = context_.id;
  b.creator_id = e.sender_is_anonymous_admin ? 0 : e.from.id;
  b.from_chat_id = context_.group_id;
  b.message_ids = {e.reply_to_message_id};
  b.recipients = request.recipients;
  b.state = BroadcastState::kConfirming;
  b.created_at = now;
  std::string when;
  if (request.at) {
    auto at = crm::resolve_wall_time(*request.at, zone_of(context_.params), now);
    if (!at) return post_in_general("/send: " + at.error().message, now);
    b.scheduled_at = *at;
    when = crm::format_wall_time(*at, zone_of(context_.params));
  }
  std::optional<crm::Segment> segment;
  if (request.kind == crm::RecipientsKind::kSegment) {
    segment = crm::parse_segment(request.segment).segment;
    if (auto unknown = unknown_segment_label(*segment)) return post_in_general("/send: " + *unknown, now);
  }
  if (request.kind == crm::RecipientsKind::kTest && b.creator_id == 0)
    return post_in_general("/send test goes to its sender: write it under your own name, not anonymously",
                           now);
  b.id = store_.add_broadcast(b);
  switch (request.kind) {
    case crm::RecipientsKind::kTest:
      store_.add_broadcast_recipients(b.id, {b.creator_id});
      break;
    case crm::RecipientsKind::kAll:
      store_.add_broadcast_recipients_all(b.id, context_.id);
      break;
    case crm::RecipientsKind::kList: {
      std::vector<core::UserId> pending, unknown, blocked;
      for (auto user : request.users) {
        auto dialog = store_.dialog_by_user(context_.id, user);
        if (!dialog) {
          unknown.push_back(user);
        } else if (dialog->user_blocked_bot) {
          blocked.push_back(user);
        } else {
          pending.push_back(user);
        }
      }
      store_.add_broadcast_recipients(b.id, pending);
      store_.add_broadcast_recipients(b.id, unknown, RecipientState::kSkipped, "never wrote to the bot");
      store_.add_broadcast_recipients(b.id, blocked, RecipientState::kSkipped, "blocked the bot");
      break;
    }
    case crm::RecipientsKind::kSegment: {
      // Picked now, when the broadcast is made: the confirmation counts exactly who gets it.
      std::vector<core::UserId> pending, blocked;
      crm::for_each_segment_member(store_, context_.id, [&](const crm::SegmentMember& member) {
        if (member.dialog.user_id > 0 && segment->matches(member.subject, now))
          (member.dialog.user_blocked_bot ? blocked : pending).push_back(member.dialog.user_id);
        return true;
      });
      store_.add_broadcast_recipients(b.id, pending);
      store_.add_broadcast_recipients(b.id, blocked, RecipientState::kSkipped, "blocked the bot");
      break;
    }
  }
  auto counts = store_.broadcast_counts(b.id);
  if (counts.pending == 0) {
    b.state = BroadcastState::kCancelled;
    b.finished_at = now;
    store_.update_broadcast(b);
    std::string why = counts.total() == 0
                          ? "there is nobody to send it to"
                          : "none of the " + std::to_string(counts.total()) +
                                " listed users can get it (never wrote to the bot, or blocked it)";
    return post_in_general("/send: broadcast #" + std::to_string(b.id) + " is not made: " + why, now);
  }
  post_in_general(crm::confirmation_text(b, counts, when), now);
}

void Engine::on_broadcast_ended(const core::Event& e, core::UnixMillis now) {
  std::int64_t id = 0;
  try {
    id = std::stoll(e.text);
  } catch (const std::exception&) {
    return;
  }
  auto b = store_.broadcast(id);
  // Replayed after the report was made (or not this connection's): nothing more to post.
  if (!b || b->connection_id != context_.id || !b->report.empty()) return;
  constexpr int kPage = 1000;
  std::string csv = crm::report_csv_header();
  core::UserId after = 0;
  for (;;) {
    auto page = store_.broadcast_recipients(b->id, std::nullopt, after, kPage);
    for (const auto& r : page) {
      after = r.user_id;
      auto person = store_.user(context_.id, r.user_id).value_or(core::Person{.id = r.user_id});
      auto dialog = store_.dialog_by_user(context_.id, r.user_id);
      core::UserView view{person, dialog ? dialog->pseudonym : std::string(), context_.params.hide_info, {}};
      csv += crm::report_csv_row(crm::ReportRow{.user_id = r.user_id,
                                                .name = core::display_name(view),
                                                .state = r.state,
                                                .error = r.error,
                                                .message_ids = r.message_ids,
                                                .sent_at = r.sent_at,
                                                .attempts = r.attempts});
    }
    if (static_cast<int>(page.size()) < kPage) break;
  }
  b->report = csv;
  store_.update_broadcast(*b);
  post_document(0, crm::report_file_name(b->id), std::move(csv),
                crm::report_summary_text(*b, store_.broadcast_counts(b->id)), now);
}

}  // namespace topicdesk::relay
