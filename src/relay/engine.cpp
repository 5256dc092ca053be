#include "relay/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "core/event_json.h"
#include "core/presentation.h"
#include "i18n/catalog.h"
#include "relay/album_state.h"
#include "relay/coalescing.h"
#include "relay/intercept.h"
#include "relay/ownership.h"
#include "store/lease_store.h"

namespace topicdesk::relay {
namespace json = boost::json;
using core::Event;
using core::EventKind;
using core::UnixMillis;
using store::Dialog;
using store::DialogStatus;

namespace {

constexpr UnixMillis kMillisPerHour = 3'600'000;
constexpr int kAutocloseBatch = 500;

// The job that mirrors an edit of this content; empty when Telegram cannot edit it.
std::string_view edit_job_kind(core::ContentKind kind) {
  if (kind == core::ContentKind::kText) return job::kEditText;
  return takes_caption(kind) ? job::kEditCaption : std::string_view();
}

// The lane whose album must go before another message (or an edit) sent to `to`.
AlbumLane lane_to(Side to) { return to == Side::kGroup ? AlbumLane::kUser : AlbumLane::kOperator; }

std::string message_event_json(const Event& e, core::UserId operator_id) {
  json::object o;
  o["message_id"] = e.message_id;
  o["content"] = core::to_string(e.content);
  if (!e.text.empty()) o["text"] = e.text;
  if (operator_id != 0) o["operator_id"] = operator_id;
  return json::serialize(o);
}

std::string_view origin_name(DialogOrigin origin) {
  switch (origin) {
    case DialogOrigin::kUserMessage:
      return "user";
    case DialogOrigin::kIntercepted:
      return "intercepted";
    case DialogOrigin::kOperatorNew:
      return "operator";
    case DialogOrigin::kMonitoredGroup:
      return "group";
    case DialogOrigin::kApi:
      return "api";
  }
  return "";
}

core::Person person_of(const Event& e) {
  core::Person person = e.from;
  if (person.id == 0) person.id = e.chat_id;
  return person;
}

// "Never twice in a row": set when WELCOME was sent, cleared by an answer or a close.
std::string welcomed_key(core::DialogId dialog) { return "welcomed:" + std::to_string(dialog); }

}  // namespace

core::TopicStatus topic_status(DialogStatus status) {
  switch (status) {
    case DialogStatus::kUserAnswered:
      return core::TopicStatus::kUserAnswered;
    case DialogStatus::kSupportAnswered:
      return core::TopicStatus::kSupportAnswered;
    case DialogStatus::kClosed:
      return core::TopicStatus::kClosed;
  }
  return core::TopicStatus::kUserAnswered;
}

std::string start_parameter(std::string_view text) {
  constexpr std::string_view kStart = "/start ";
  if (!text.starts_with(kStart)) return {};
  std::string_view rest = text.substr(kStart.size());
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\n')) rest.remove_suffix(1);
  return std::string(rest);
}

std::string start_parameter_key(core::DialogId dialog) { return "start:" + std::to_string(dialog); }
std::string topic_closed_key(core::DialogId dialog) { return "topic_closed:" + std::to_string(dialog); }
std::string topic_name_key(core::ThreadId thread) { return "topic_name:" + std::to_string(thread); }

std::string channel_chat_key(core::UserId chat) { return "channel:" + std::to_string(chat); }

std::optional<core::ConnectionId> owner_of_thread(store::Store& store, core::ChatId group,
                                                  core::ThreadId thread) {
  auto dialog = store.dialog_by_thread(group, thread);
  if (!dialog) return std::nullopt;
  return dialog->connection_id;
}

Engine::Engine(store::Store& store, ConnectionContext context) : store_(store), context_(std::move(context)) {
  if (context_.pseudonym_secret.empty()) context_.pseudonym_secret = store_.install_secret();
}

void Engine::transaction(const std::function<void()>& body) {
  store_.transaction([&] {
    if (fences_ != nullptr) fences_->check(context_.id);
    body();
  });
}

void Engine::handle(const Event& event, UnixMillis now) {
  transaction([&] { route(event, now); });
}

void Engine::handle_inbox(const store::InboxEntry& entry, UnixMillis now) {
  transaction([&] { handle_inbox_entry(entry, now); });
}

void Engine::handle_inbox_batch(const std::vector<store::InboxEntry>& entries, UnixMillis now) {
  try {
    transaction([&] {
      for (const auto& entry : entries) handle_inbox_entry(entry, now);
    });
  } catch (const store::LeaseLost&) {
    throw;  // another instance runs the connection now: none of these entries is ours to handle
  } catch (const store::StoreError& error) {
    // The database failed (a held write lock, a full disk), not an entry: every entry alone
    // would fail the same way, each waiting for the lock on the event loop. The caller keeps
    // the entries pending and retries the batch (relay/inbox.h).
    if (error.transient()) throw;
    spdlog::error("connection {}: inbox batch failed ({}), handling entries one by one", context_.name,
                  error.what());
    for (const auto& entry : entries) handle_inbox(entry, now);
  } catch (const std::exception& error) {
    spdlog::error("connection {}: inbox batch failed ({}), handling entries one by one", context_.name,
                  error.what());
    for (const auto& entry : entries) handle_inbox(entry, now);
  }
}

void Engine::handle_inbox_entry(const store::InboxEntry& entry, UnixMillis now) {
  auto event = core::event_from_json(entry.payload);
  if (event) {
    route(*event, now);
  } else {
    spdlog::error("connection {}: inbox entry {} is malformed, skipped: {}", context_.name, entry.id,
                  event.error().message);
  }
  store_.inbox_done(entry.id);
}

void Engine::route(const Event& e, UnixMillis now) {
  if (route_account_event(e, now)) return;  // accounts: engine_accounts.cpp
  switch (e.kind) {
    case EventKind::kUserMessage:
      return on_user_message(e, now);
    case EventKind::kUserEdit:
      return on_user_edit(e, now);
    case EventKind::kUserReaction:
      return on_user_reaction(e, now);
    case EventKind::kUserBlockedBot:
      return on_user_blocked(e, true, now);
    case EventKind::kUserUnblockedBot:
      return on_user_blocked(e, false, now);
    case EventKind::kOperatorMessage:
      return on_operator_message(e, now);
    case EventKind::kOperatorEdit:
      return on_operator_edit(e, now);
    case EventKind::kOperatorReaction:
      return on_operator_reaction(e, now);
    case EventKind::kTopicClosedInApp:
      return on_topic_closed_in_app(e, now);
    case EventKind::kTopicReopenedInApp:
      return on_topic_reopened_in_app(e, now);
    case EventKind::kOutgoingSeen:
      return on_outgoing_seen(e, now);  // engine_intercept.cpp
    case EventKind::kOutgoingEdit:
      return on_outgoing_edit(e, now);  // engine_intercept_edit.cpp
    case EventKind::kUserResolved:
    case EventKind::kStoryPosted:
      return;  // route_account_event
    case EventKind::kDeliveryFailed:
      return on_delivery_failed(e, now);  // engine_outcomes.cpp
    case EventKind::kDeliveryRepeated:
      return on_delivery_repeated(e, now);  // engine_outcomes.cpp
    case EventKind::kHookAnswered:
      return on_hook_answered(e, now);  // engine_outcomes.cpp
    case EventKind::kSessionProblem:
      return on_session_problem(e, now);  // engine_outcomes.cpp
    case EventKind::kButtonPressed:
      return on_button_pressed(e, now);  // engine_ratings.cpp
    case EventKind::kBroadcastEnded:
      return on_broadcast_ended(e, now);  // engine_broadcasts.cpp
    case EventKind::kIdsFileRead:
      return on_ids_file_read(e, now);  // engine_broadcasts.cpp
    case EventKind::kHelperLeft:
      return on_helper_left(e, now);  // engine_outcomes.cpp
    case EventKind::kGroupBacklog:
      return on_group_backlog(e, now);  // engine_group_lane.cpp
    case EventKind::kPreCheckout:
      return on_pre_checkout(e, now);  // engine_payments.cpp
    case EventKind::kPaymentReceived:
      return on_payment_received(e, now);  // engine_payments.cpp
    case EventKind::kGroupButtonPressed:
      return on_ai_button(e, now);  // engine_ai.cpp
    case EventKind::kAiAnswered:
      return on_ai_answered(e, now);  // engine_ai.cpp
  }
}

// ---- the user's side -------------------------------------------------------------------

bool Engine::user_may_write(const Event& e) const {
  const auto& p = context_.params;
  if (e.sender_is_bot || e.is_service) return false;
  if (std::find(p.ignore_chats.begin(), p.ignore_chats.end(), e.chat_id) != p.ignore_chats.end())
    return false;
  if (!p.white_list.empty() && !core::matches_user(p.white_list, person_of(e).id, e.from.username))
    return false;
  return true;
}

void Engine::on_user_message(const Event& e, UnixMillis now) {
  if (!user_may_write(e)) return;
  core::Person person = person_of(e);
  auto dialog = store_.dialog_by_user(context_.id, person.id);
  if (dialog && dialog->banned) return;
  // A closed dialog's next message may be its rating's digit or comment (engine_ratings.cpp).
  if (dialog && dialog->status == DialogStatus::kClosed && take_rating_reply(*dialog, e, now)) return;
  // PRIVATE_KEYWORDS: only matching messages open a dialog; an existing dialog takes everything.
  const auto& p = context_.params;
  if (!dialog && !p.private_keywords.empty() && !p.private_keywords.matches(e.text)) return;
  store_.upsert_user(context_.id, person, now);

  if (p.restricted_frontend.matches(e.text)) {
    withhold_user_message(dialog, person.id, now);
    return;
  }

  const bool closed = dialog && dialog->status == DialogStatus::kClosed;
  const bool fresh = !dialog || closed;
  if (!dialog) {
    dialog = open_dialog(DialogOrigin::kUserMessage, person, now, e.text);
  } else if (closed) {
    if (reopen_dialog(*dialog, now)) welcome(*dialog, person, now);  // "WELCOME at the next contact"
  } else {
    set_status(*dialog, DialogStatus::kUserAnswered, now);
  }
  dialog->last_user_message_at = now;
  dialog->user_blocked_bot = false;  // they wrote: the chat works again
  store_.update_dialog(*dialog);

  if (!e.media_group_id.empty()) {
    gather_album(*dialog, AlbumLane::kUser, e, now);
  } else {
    flush_album(*dialog, AlbumLane::kUser, now);
    JobPayload copy{.dialog = dialog->id,
                    .to = Side::kGroup,
                    .message_id = e.message_id,
                    .reply_to = e.reply_to_message_id};
    if (context_.group_has_helpers && e.content == core::ContentKind::kText && !e.text.empty()) {
      copy.text = e.text;  // a helper posts it as a text (relay/group_posters.h)
      copy.entities_json = e.entities_json;
    }
    coalescing::carry_plain_text(copy, e, now);  // may be merged with the next ones (relay/coalescing.h)
    enqueue(job::kCopyToTopic, copy, fresh ? kPriorityNewDialog : kPriorityNormal, now,
            user_message_slot(*dialog, now));
  }
  record_message(*dialog, store::HistoryAuthor::kUser, e, now);  // engine_history.cpp
  if (dialog->status != DialogStatus::kClosed)                   // engine_hours.cpp
    away_reply(*dialog, person, e, fresh ? kPriorityNewDialog : kPriorityNormal, now);
  event(*dialog, "message_received", message_event_json(e, 0), now);
  ai_on_user_message(*dialog, e, fresh, now);  // engine_ai.cpp
}

// RESTRICTED_FRONTEND matched: the user is told (unless SILENT_MODE: an error in processing
// their message), the operators see that something was withheld.
void Engine::withhold_user_message(const std::optional<Dialog>& dialog, core::UserId user, UnixMillis now) {
  if (!context_.params.silent_mode) {
    JobPayload notice{.to = Side::kUser, .text = core::notice::restricted_for_user(user_language(user))};
    if (dialog) {
      notice.dialog = dialog->id;
      record_text(*dialog, store::HistoryAuthor::kDesk, notice.text, now);
    } else {
      notice.chat = user;  // no dialog yet: addressed by chat id
    }
    enqueue(job::kSendText, notice, kPriorityNormal, now);
  }
  if (dialog)
    post_in_topic(*dialog, core::notice::user_message_withheld(operator_language()), kPriorityNormal, now);
}

void Engine::on_user_edit(const Event& e, UnixMillis now) {
  if (!user_may_write(e)) return;
  auto dialog = store_.dialog_by_user(context_.id, person_of(e).id);
  if (!dialog || dialog->banned) return;
  if (auto link = store_.link_by_user_message(dialog->id, e.message_id);
      link && link->direction == store::LinkDirection::kIntercepted) {
    return on_outgoing_edit(as_outgoing_edit(e), now);  // not the user's message after all
  }
  if (context_.params.restricted_frontend.matches(e.text)) return;
  mirror_edit(*dialog, Side::kGroup, e, kPriorityNormal, now);
  record_edit(*dialog, false, e, now);
}

void Engine::on_user_reaction(const Event& e, UnixMillis now) {
  if (!user_may_write(e)) return;
  auto dialog = store_.dialog_by_user(context_.id, person_of(e).id);
  if (!dialog || dialog->banned) return;
  flush_album(*dialog, AlbumLane::kUser, now);
  enqueue(
      job::kSetReaction,
      JobPayload{
          .dialog = dialog->id, .to = Side::kGroup, .message_id = e.message_id, .reactions = e.new_reactions},
      kPriorityBulk, now);
}

void Engine::on_user_blocked(const Event& e, bool blocked, UnixMillis now) {
  auto dialog = store_.dialog_by_user(context_.id, e.chat_id);
  if (!dialog || dialog->user_blocked_bot == blocked) return;
  dialog->user_blocked_bot = blocked;
  store_.update_dialog(*dialog);
  post_in_topic(*dialog,
                blocked ? core::notice::user_blocked_bot(operator_language())
                        : core::notice::user_unblocked_bot(operator_language()),
                kPriorityNormal, now);
  event(*dialog, blocked ? "user_blocked_bot" : "user_unblocked_bot", "{}", now);
}

// ---- the backend group -----------------------------------------------------------------

bool Engine::is_human_operator_event(const Event& e) const {
  if (e.chat_id != context_.group_id) return false;
  if (e.sender_is_bot || e.from.id == context_.bot_id || e.from.id == core::kTelegramServiceUserId)
    return false;
  // accounts: the account's posts are its copies, unless its own session says the owner wrote
  if (context_.account_id != 0 && e.from.id == context_.account_id && !e.by_account_owner) return false;
  return true;
}

std::optional<Dialog> Engine::own_dialog_by_thread(core::ThreadId thread) const {
  if (thread == 0) return std::nullopt;
  auto dialog = store_.dialog_by_thread(context_.group_id, thread);
  if (!dialog || dialog->connection_id != context_.id) return std::nullopt;
  return dialog;
}

void Engine::on_operator_message(const Event& e, UnixMillis now) {
  if (!is_human_operator_event(e) || e.is_service) return;
  learn_operator(e, now);                                      // engine_ownership.cpp
  if (!e.media_group_id.empty()) remember_album_item(e, now);  // templates: engine_templates.cpp
  if (e.thread_id == 0) return on_general_message(e, now);
  auto dialog = own_dialog_by_thread(e.thread_id);
  if (!dialog) dialog = dialog_for_unknown_topic(e, now);  // engine_topics.cpp
  if (!dialog) return;
  if (core::is_comment(e.text)) return record_message(*dialog, store::HistoryAuthor::kComment, e, now);
  if (auto command = core::parse_command(e.text, context_.bot_username)) {
    return run_command(*command, *dialog, e, now);
  }
  if (core::parse_command(e.text, "")) return;  // addressed to another bot in the group

  const auto& p = context_.params;
  if (p.restricted_backend.matches(e.text)) {
    post_in_topic(*dialog, core::notice::operator_message_withheld(operator_language()),
                  kPriorityOperatorReply, now);
    return;
  }
  if (p.reply_only && e.reply_to_message_id == 0)  // stays in the topic as a note
    return record_message(*dialog, store::HistoryAuthor::kComment, e, now);

  if (!e.media_group_id.empty()) {
    gather_album(*dialog, AlbumLane::kOperator, e, now);
  } else {
    flush_album(*dialog, AlbumLane::kOperator, now);
    enqueue(job::kCopyToUser,
            JobPayload{.dialog = dialog->id,
                       .to = Side::kUser,
                       .message_id = e.message_id,
                       .reply_to = e.reply_to_message_id,
                       .operator_message = true,
                       .quote_position = e.quote_position},
            kPriorityOperatorReply, now);
  }
  record_message(*dialog, store::HistoryAuthor::kOperator, e, now);
  bool was_closed = dialog->status == DialogStatus::kClosed;
  // The operator goes on in a topic the desk closed in Telegram: it is opened there too.
  if (was_closed) reopen_closed_topic(*dialog, kPriorityOperatorReply, now);
  set_status(*dialog, DialogStatus::kSupportAnswered, now);
  dialog->last_operator_reply_at = now;
  dialog->last_operator_id = e.sender_is_anonymous_admin ? 0 : e.from.id;
  store_.update_dialog(*dialog);
  if (e.by_account_owner)
    post_in_topic(*dialog, core::notice::account_owner_answered(operator_language()), kPriorityOperatorReply,
                  now);
  if (was_closed) event(*dialog, "dialog_reopened", R"({"by":"operator"})", now);
  // Anonymous admins are delivered but never attributed to a person.
  event(*dialog, "message_sent", message_event_json(e, e.sender_is_anonymous_admin ? 0 : e.from.id), now);
  ai_on_operator_answer(*dialog, now);  // engine_ai.cpp
}

void Engine::on_operator_edit(const Event& e, UnixMillis now) {
  if (!is_human_operator_event(e)) return;
  auto link = store_.link_by_group_message(context_.group_id, e.message_id);
  // A copy of a user's (or an intercepted) message changes only when the desk mirrors an edit;
  // TDLib sessions report that as a group edit without its sender. Sending it back to the user
  // would edit the original again, and again.
  if (link && link->direction != store::LinkDirection::kGroupToUser) return;
  std::optional<Dialog> dialog = own_dialog_by_thread(e.thread_id);
  if (!dialog && link && link->connection_id == context_.id) dialog = store_.dialog(link->dialog_id);
  if (!dialog) return;
  if (core::is_comment(e.text)) return record_edit(*dialog, true, e, now);
  if (core::parse_command(e.text, "")) return;
  if (context_.params.restricted_backend.matches(e.text)) {
    post_in_topic(*dialog, core::notice::operator_message_withheld(operator_language()),
                  kPriorityOperatorReply, now);
    return;
  }
  mirror_edit(*dialog, Side::kUser, e, kPriorityOperatorReply, now);
  record_edit(*dialog, true, e, now);
}

// Edits the linked copy with the new text or caption and its formatting.
void Engine::mirror_edit(const Dialog& dialog, Side to, const Event& e, int priority, UnixMillis now) {
  std::string_view kind = edit_job_kind(e.content);
  if (kind.empty()) return;
  flush_album(dialog, lane_to(to), now);
  enqueue(kind,
          JobPayload{.dialog = dialog.id,
                     .to = to,
                     .message_id = e.message_id,
                     .text = e.text,
                     .entities_json = e.entities_json},
          priority, now);
}

void Engine::on_operator_reaction(const Event& e, UnixMillis now) {
  if (!is_human_operator_event(e)) return;
  // Reactions carry no thread: the link of the message tells the dialog.
  auto link = store_.link_by_group_message(context_.group_id, e.message_id);
  if (!link || link->connection_id != context_.id) return;
  auto dialog = store_.dialog(link->dialog_id);
  if (!dialog) return;
  enqueue(
      job::kSetReaction,
      JobPayload{
          .dialog = dialog->id, .to = Side::kUser, .message_id = e.message_id, .reactions = e.new_reactions},
      kPriorityBulk, now);
}

void Engine::on_topic_closed_in_app(const Event& e, UnixMillis now) {
  if (!is_human_operator_event(e)) return;
  auto dialog = own_dialog_by_thread(e.thread_id);
  if (!dialog) return;
  store_.state_set(context_.id, topic_closed_key(dialog->id), "1");
  close_dialog(*dialog, now, "app");
  store_.update_dialog(*dialog);
}

void Engine::on_topic_reopened_in_app(const Event& e, UnixMillis now) {
  if (!is_human_operator_event(e)) return;
  auto dialog = own_dialog_by_thread(e.thread_id);
  if (!dialog) return;
  store_.state_set(context_.id, topic_closed_key(dialog->id), "");
  if (dialog->status != DialogStatus::kClosed) return;
  set_status(*dialog, DialogStatus::kUserAnswered, now);
  store_.update_dialog(*dialog);
  event(*dialog, "dialog_reopened", R"({"by":"app"})", now);
}

bool Engine::answers_in_general() const {
  // In a shared group only the connection with the lowest id answers General's commands.
  for (const auto& connection : store_.connections()) {
    if (connection.group_id == context_.group_id && connection.id < context_.id) return false;
  }
  return true;
}

void Engine::on_general_message(const Event& e, UnixMillis now) {
  auto command = core::parse_command(e.text, context_.bot_username);
  if (!command) return;
  if (command->name == "new") return on_new_command(*command, e, now);      // accounts
  if (command->name == "story") return on_story_command(*command, e, now);  // accounts
  if (command->name == "hours") return on_hours_command(*command, e, now);  // engine_hours.cpp
  if (command->name == "mark") return on_mark_general(*command, e, now);    // engine_labels.cpp
  if (command->name == "send") return on_send_command(*command, e, now);    // engine_broadcasts.cpp
  // With a range (today, week …): analytics, engine_stats.cpp; alone: the counts below.
  if (command->name == "stats" && !command->args.empty()) return on_stats_command(*command, e, now);
  // Only what core::command_table() says works in General (what /help lists there).
  if (!core::command_works(command->name, core::CommandPlace::kGeneral, context_.account)) return;
  if (command->kind == core::CommandKind::kShift || command->kind == core::CommandKind::kMine)
    return ownership_general_command(*command, e, now);  // engine_ownership.cpp
  // Every connection answers /backlog for itself (its own program's queue).
  if (command->name == "backlog") return on_backlog_command(*command, e, now);  // engine_backlog.cpp
  if (!answers_in_general()) return;
  if (command->name == "table") return table_command(*command, nullptr, e, now);
  if (command->name == "template" || command->name == "t")
    return template_command(*command, nullptr, e, now);                         // engine_templates.cpp
  if (command->name == "segment") return on_segment_command(*command, e, now);  // engine_segments.cpp
  if (command->name == "export") return on_export_command(*command, e, now);    // engine_export.cpp
  if (command->name == "web") return on_web_command(*command, e, now);          // engine_web.cpp
  const auto& icons = context_.params.status_icons;
  if (command->kind == core::CommandKind::kHelp)
    return post_in_general(core::help_text(operator_language(), true, context_.account, icons), now);
  auto counts = store_.count_dialogs(context_.group_id);
  post_in_general(core::stats_text(operator_language(),
                                   {counts.user_answered, counts.support_answered, counts.closed}, icons),
                  now);
}

void Engine::run_command(const core::Command& command, Dialog& dialog, const Event& e, UnixMillis now) {
  using core::CommandKind;
  const auto& p = context_.params;
  if (command.name == "template" || command.name == "t")
    return template_command(command, &dialog, e, now);                           // engine_templates.cpp
  if (command.name == "table") return table_command(command, &dialog, e, now);   // engine_tables.cpp
  if (command.name == "mark") return on_mark_in_topic(command, dialog, e, now);  // engine_labels.cpp
  if (command.name == "export") return on_export_in_topic(command, dialog, e, now);
  if (command.name == "invoice") return on_invoice_command(command, dialog, e, now);  // engine_payments.cpp
  if (command.name == "refund") return on_refund_command(command, dialog, now);       // engine_payments.cpp
  if (command.name == "ai") return on_ai_command(command, dialog, e, now);            // engine_ai.cpp
  switch (command.kind) {
    case CommandKind::kInfo: {
      const bool sees = core::sees_hidden_info(p, e.from.id, e.from.username, e.sender_is_anonymous_admin);
      if (p.hide_info == core::HideInfo::kCommand && !sees) {
        return post_in_topic(dialog, core::notice::info_refused(operator_language()), kPriorityOperatorReply,
                             now);
      }
      post_in_topic(dialog, info_for(dialog, sees), kPriorityOperatorReply, now);
      return request_info_hooks(dialog, e, now);  // hooks listed for "info"
    }
    case CommandKind::kClose:
      close_dialog(dialog, now, "operator");
      break;
    case CommandKind::kHold:
    case CommandKind::kWait: {
      bool was_closed = dialog.status == DialogStatus::kClosed;
      if (was_closed) reopen_closed_topic(dialog, kPriorityOperatorReply, now);
      set_status(
          dialog,
          command.kind == CommandKind::kHold ? DialogStatus::kUserAnswered : DialogStatus::kSupportAnswered,
          now);
      if (was_closed) event(dialog, "dialog_reopened", R"({"by":"operator"})", now);
      break;
    }
    case CommandKind::kBan:
    case CommandKind::kUnban: {
      bool ban = command.kind == CommandKind::kBan;
      if (dialog.banned != ban) {
        dialog.banned = ban;
        post_in_topic(
            dialog,
            ban ? core::notice::banned(operator_language()) : core::notice::unbanned(operator_language()),
            kPriorityOperatorReply, now);
      }
      break;
    }
    case CommandKind::kHelp:
      return post_in_topic(dialog,
                           core::help_text(operator_language(), false, context_.account, p.status_icons),
                           kPriorityOperatorReply, now);
    case CommandKind::kStats: {
      auto counts = store_.count_dialogs(context_.group_id);
      return post_in_topic(
          dialog,
          core::stats_text(operator_language(),
                           {counts.user_answered, counts.support_answered, counts.closed}, p.status_icons),
          kPriorityOperatorReply, now);
    }
    case CommandKind::kTake:
    case CommandKind::kAssign:
    case CommandKind::kUnassign:
    case CommandKind::kShift:
    case CommandKind::kMine:
      return ownership_command(command, dialog, e, now);  // engine_ownership.cpp
    case CommandKind::kCustom:
      return run_custom_command(command, dialog, e, now);  // engine_integrations.cpp
  }
  store_.update_dialog(dialog);
}

// ---- dialog lifecycle ------------------------------------------------------------------

std::string_view Engine::chat_kind_of(core::UserId user) const {
  if (user > 0) return "private";
  return store_.state_get(context_.id, channel_chat_key(user)) ? "channel" : "group";
}

Dialog Engine::open_dialog(DialogOrigin origin, const core::Person& person, UnixMillis now,
                           std::string_view first_text) {
  const auto& p = context_.params;
  const bool by_user = origin == DialogOrigin::kUserMessage;
  // Nobody waits for the desk when it wrote first (the program, the owner, the API).
  const bool answered = origin == DialogOrigin::kIntercepted || origin == DialogOrigin::kApi;
  // LEAVE_CLOSED: a chat of a listed kind that writes gets a closed topic, without WELCOME.
  const bool incoming = by_user || origin == DialogOrigin::kMonitoredGroup;
  const bool stays_closed = incoming && core::leaves_closed(p, chat_kind_of(person.id));
  Dialog dialog = store_.create_dialog(context_.id, person.id, context_.group_id, now);
  dialog.pseudonym = user_pseudonym(context_.pseudonym_secret, context_.id, person.id);
  dialog.status = stays_closed ? DialogStatus::kClosed
                  : answered   ? DialogStatus::kSupportAnswered
                               : DialogStatus::kUserAnswered;
  dialog.status_changed_at = now;
  store_.update_dialog(dialog);
  std::string start = by_user ? start_parameter(first_text) : std::string();
  if (!start.empty()) store_.state_set(context_.id, start_parameter_key(dialog.id), start);

  enqueue(job::kCreateTopic, JobPayload{.dialog = dialog.id}, kPriorityNewDialog, now,  // and the card
          new_topic_slot(now));
  if (stays_closed) {
    store_.state_set(context_.id, topic_closed_key(dialog.id), "1");
    enqueue(job::kCloseTopic, JobPayload{.dialog = dialog.id}, kPriorityNewDialog, now);
  } else if (by_user) {
    welcome(dialog, person, now);
  }
  if (p.auto_info)
    post_in_topic(dialog, info_for(dialog, p.hide_info == core::HideInfo::kOff), kPriorityNewDialog, now);
  json::object o{{"user_id", person.id}};
  if (!by_user) o["by"] = origin_name(origin);
  if (!start.empty()) o["start"] = start;
  event(dialog, "dialog_created", json::serialize(o), now);
  auto_assign(dialog, now);  // engine_ownership.cpp
  return dialog;
}

// WELCOME to the user, with their own name; never twice in a row (welcomed_key).
void Engine::welcome(const Dialog& dialog, const core::Person& person, UnixMillis now) {
  const auto& p = context_.params;
  if (!p.welcome) return;
  if (auto welcomed = store_.state_get(context_.id, welcomed_key(dialog.id)); welcomed && *welcomed == "1")
    return;
  store_.state_set(context_.id, welcomed_key(dialog.id), "1");
  if (auto name = core::template_reference(*p.welcome)) {  // engine_templates.cpp
    if (dialog.user_id > 0) send_template_reply(dialog, "WELCOME", *name, kPriorityNewDialog, now);
    return;
  }
  core::UserView view{person, dialog.pseudonym, p.hide_info, p.status_icons};
  // The built-in welcome (WELCOME not set) speaks the user's language; a business's stays as written.
  std::string text = p.welcome->empty() ? i18n::text(user_language(person), "dialog.welcome",
                                                     {{"title", core::welcome_text("{title}", view)}})
                                        : core::welcome_text(*p.welcome, view);
  send_to_user(dialog, std::move(text), kPriorityNewDialog, now);
}

void Engine::reopen_closed_topic(const Dialog& dialog, int priority, UnixMillis now) {
  auto closed = store_.state_get(context_.id, topic_closed_key(dialog.id));
  if (!(closed && *closed == "1") && !context_.params.new_topic_after_close) return;
  store_.state_set(context_.id, topic_closed_key(dialog.id), "");
  enqueue(job::kReopenTopic, JobPayload{.dialog = dialog.id}, priority, now);
}

bool Engine::reopen_dialog(Dialog& dialog, UnixMillis now) {
  const auto& p = context_.params;
  // LEAVE_CLOSED: the message goes into the closed topic; only an operator opens it again.
  if (core::leaves_closed(p, chat_kind_of(dialog.user_id))) return false;
  if (p.new_topic_after_close) {
    // NEW_TOPIC_AFTER_CLOSE: the old topic stays closed as history; the conversation goes on in a new one.
    if (dialog.thread_id != 0)
      store_.state_set(context_.id, history_topic_key(dialog.thread_id), std::to_string(dialog.id));
    dialog.thread_id = 0;
    store_.update_dialog(dialog);
    store_.state_set(context_.id, topic_closed_key(dialog.id), "");
    enqueue(job::kCreateTopic, JobPayload{.dialog = dialog.id}, kPriorityNewDialog, now);
  } else if (auto closed = store_.state_get(context_.id, topic_closed_key(dialog.id));
             closed && *closed == "1") {
    store_.state_set(context_.id, topic_closed_key(dialog.id), "");
    enqueue(job::kReopenTopic, JobPayload{.dialog = dialog.id}, kPriorityNewDialog, now);
  }
  set_status(dialog, DialogStatus::kUserAnswered, now);
  if (p.auto_info)
    post_in_topic(dialog, info_for(dialog, p.hide_info == core::HideInfo::kOff), kPriorityNewDialog, now);
  auto_assign(dialog, now);  // engine_ownership.cpp
  event(dialog, "dialog_reopened",
        p.new_topic_after_close ? R"({"by":"user","new_topic":true})" : R"({"by":"user"})", now);
  return true;
}

void Engine::close_dialog(Dialog& dialog, UnixMillis now, std::string_view by) {
  if (dialog.status == DialogStatus::kClosed) return;
  const auto& p = context_.params;
  auto person = store_.user(context_.id, dialog.user_id).value_or(core::Person{.id = dialog.user_id});
  if (p.new_topic_after_close && dialog.thread_id != 0) {
    // The title and the close target this topic for good, even after a new one replaces it.
    dialog.status = DialogStatus::kClosed;
    dialog.status_changed_at = now;
    std::string title = dialog_topic_title(
        store_, dialog, {person, dialog.pseudonym, p.hide_info, p.status_icons}, core::TopicStatus::kClosed);
    enqueue(job::kSetTopicTitle, JobPayload{.dialog = dialog.id, .thread = dialog.thread_id, .text = title},
            kPriorityNormal, now);
    if (by != "app")
      enqueue(job::kCloseTopic, JobPayload{.dialog = dialog.id, .thread = dialog.thread_id}, kPriorityNormal,
              now);
  } else {
    set_status(dialog, DialogStatus::kClosed, now);
    if (core::leaves_closed(p, chat_kind_of(dialog.user_id)) && dialog.thread_id != 0 && by != "app") {
      // LEAVE_CLOSED: the topic is closed in Telegram too, until an operator writes in it.
      store_.state_set(context_.id, topic_closed_key(dialog.id), "1");
      enqueue(job::kCloseTopic, JobPayload{.dialog = dialog.id}, kPriorityNormal, now);
    }
  }
  store_.state_set(context_.id, welcomed_key(dialog.id), "");  // the next contact is welcomed again
  if (p.close_message) {
    // CLOSE_MESSAGE: the built-in text (empty) or the connection's, with the user's own name.
    std::string text = p.close_message->empty()
                           ? core::notice::dialog_closed_for_user(user_language(person), by == "autoclose")
                           : core::welcome_text(*p.close_message, {person, dialog.pseudonym, p.hide_info});
    send_to_user(dialog, std::move(text), kPriorityNormal, now);
  }
  event(dialog, "dialog_closed", json::serialize(json::object{{"by", by}}), now);
  ask_rating(dialog, now);  // CSAT: engine_ratings.cpp
}

void Engine::set_status(Dialog& dialog, DialogStatus status, UnixMillis now) {
  if (status == DialogStatus::kSupportAnswered) store_.state_set(context_.id, welcomed_key(dialog.id), "");
  if (dialog.status == status) return;
  dialog.status = status;
  dialog.status_changed_at = now;
  retitle(dialog, now);
}

void Engine::retitle(const Dialog& dialog, UnixMillis now) {
  if (dialog.thread_id == 0) {
    // No topic yet: the job follows the topic's creation in the dialog's queue and is done without a
    // call when the topic was created with the current title.
    enqueue(job::kSetTopicTitle, JobPayload{.dialog = dialog.id}, kPriorityNormal, now);
    return;
  }
  // A pending title job computes the title when it runs, and one that is running now sends again
  // when the title changed meanwhile (the dispatcher's title rule): either covers this change.
  auto job = make_job(context_.id, job::kSetTopicTitle, JobPayload{.dialog = dialog.id}, kPriorityBulk, now);
  job.queue_key = title_queue_key(dialog.id);
  if (store_.outbox_queue_pending(job.queue_key)) return;
  store_.outbox_add(job);
}

int Engine::autoclose(UnixMillis now) {
  int hours = context_.params.autoclose_hours;
  if (hours <= 0) return 0;
  UnixMillis before = now - static_cast<UnixMillis>(hours) * kMillisPerHour;
  int closed = 0;
  transaction([&] {
    // Due: waiting since `before` or earlier, counted from the operator's last message, not the
    // first (the store applies the whole rule, so every returned dialog is due).
    for (auto& dialog : store_.dialogs_waiting_since(context_.id, before + 1, kAutocloseBatch)) {
      close_dialog(dialog, now, "autoclose");
      store_.update_dialog(dialog);
      ++closed;
    }
  });
  return closed;
}

// ---- albums ----------------------------------------------------------------------------

void Engine::gather_album(const Dialog& dialog, AlbumLane lane, const Event& e, UnixMillis now,
                          std::string_view opening_note) {
  std::string key = album_key(dialog.id, lane);
  std::optional<AlbumState> album;
  if (auto timer = store_.timer_get(context_.id, key)) album = album_from_json(timer->payload);
  if (album && album->media_group_id != e.media_group_id) {
    flush_album(dialog, lane, now);
    album.reset();
  }
  if (!album) {
    if (!opening_note.empty()) post_in_topic(dialog, std::string(opening_note), kPriorityNormal, now);
    album = AlbumState{e.media_group_id, album_payload(dialog.id, lane)};
    if (lane == AlbumLane::kUser) album->not_before = user_message_slot(dialog, now);  // one album, one slot
  }
  auto& ids = album->payload.message_ids;
  if (std::find(ids.begin(), ids.end(), e.message_id) == ids.end()) ids.push_back(e.message_id);
  std::sort(ids.begin(), ids.end());
  if (album->payload.reply_to == 0) album->payload.reply_to = e.reply_to_message_id;
  store_.timer_set(context_.id, key, now + kAlbumGatherMillis, album_to_json(*album));
}

void Engine::flush_album(const Dialog& dialog, AlbumLane lane, UnixMillis now) {
  auto timer = store_.timer_get(context_.id, album_key(dialog.id, lane));
  if (!timer) return;
  emit_album(timer->payload, now);
  store_.timer_delete(timer->id);
}

void Engine::emit_album(const std::string& payload, UnixMillis now) {
  auto album = album_from_json(payload);
  if (!album || album->payload.message_ids.empty()) {
    spdlog::error("connection {}: album timer with a malformed payload dropped", context_.name);
    return;
  }
  bool to_user = album->payload.to == Side::kUser;
  enqueue(to_user ? job::kCopyAlbumToUser : job::kCopyAlbumToTopic, album->payload,
          to_user ? kPriorityOperatorReply : kPriorityNormal, now, album->not_before);
}

void Engine::on_timer(const store::Timer& timer, UnixMillis now) {
  transaction([&] {
    // Re-read inside the transaction: a later album part may have pushed the timer back.
    auto current = store_.timer_get(context_.id, timer.key);
    if (!current || current->due_at > now) return;
    if (current->key.starts_with(kAlbumKeyPrefix)) emit_album(current->payload, now);
    store_.timer_delete(current->id);
  });
}

// ---- output helpers --------------------------------------------------------------------

void Engine::enqueue(std::string_view kind, const JobPayload& payload, int priority, UnixMillis now,
                     UnixMillis not_before) {
  auto job = make_job(context_.id, kind, payload, priority, now);
  job.not_before = not_before;
  store_.outbox_add(job);
}

void Engine::post_in_topic(const Dialog& dialog, std::string text, int priority, UnixMillis now) {
  record_text(dialog, store::HistoryAuthor::kNotice, text, now);
  enqueue(job::kSendText, JobPayload{.dialog = dialog.id, .to = Side::kGroup, .text = std::move(text)},
          priority, now);
}

void Engine::post_in_general(std::string text, UnixMillis now) {
  enqueue(job::kSendText, JobPayload{.dialog = 0, .to = Side::kGroup, .text = std::move(text)},
          kPriorityOperatorReply, now);
}

void Engine::post_document(core::DialogId dialog, std::string file_name, std::string bytes,
                           std::string caption, UnixMillis now) {
  enqueue(job::kSendDocument,
          JobPayload{.dialog = dialog,
                     .to = Side::kGroup,
                     .text = std::move(caption),
                     .document_name = std::move(file_name),
                     .document = std::move(bytes)},
          kPriorityNormal, now);
}

void Engine::send_to_user(const Dialog& dialog, std::string text, int priority, UnixMillis now) {
  if (dialog.user_id < 0) return;  // accounts: a monitored group gets no service texts
  record_text(dialog, store::HistoryAuthor::kDesk, text, now);
  enqueue(job::kSendText, JobPayload{.dialog = dialog.id, .to = Side::kUser, .text = std::move(text)},
          priority, now);
}

std::string Engine::user_language(const core::Person& person) const {
  return i18n::resolve(person.language_code, context_.params.language);
}

std::string Engine::user_language(core::UserId user) {
  auto person = store_.user(context_.id, user);
  return i18n::resolve(person ? person->language_code : std::string(), context_.params.language);
}

std::string Engine::info_for(const Dialog& dialog, bool reveal) {
  core::InfoView info;
  info.user.person = store_.user(context_.id, dialog.user_id).value_or(core::Person{.id = dialog.user_id});
  info.user.pseudonym = dialog.pseudonym;
  info.user.hide_info = context_.params.hide_info;
  info.user.icons = context_.params.status_icons;
  info.start_parameter = store_.state_get(context_.id, start_parameter_key(dialog.id)).value_or("");
  info.status = topic_status(dialog.status);
  info.created_at = dialog.created_at;
  info.banned = dialog.banned;
  info.user_blocked_bot = dialog.user_blocked_bot;
  info.reveal = reveal;
  return core::info_text(operator_language(), info) + ownership_info(dialog) + label_info(dialog) +
         payment_info(dialog) + (reveal ? integration_info(dialog) : std::string());
}

void Engine::event(const Dialog& dialog, std::string_view type, std::string payload, UnixMillis now) {
  store_.append_event(context_.id, dialog.id, std::string(type), payload, now);
}

}  // namespace topicdesk::relay
