// The Topics API's requests to the relay: send a text to a user by user id, set or
// clear a dialog's status. Same rules as an operator in the topic; one transaction each.
#include <boost/json.hpp>

#include "core/presentation.h"
#include "core/utf8.h"
#include "relay/engine.h"
#include "relay/intercept.h"

namespace topicdesk::relay {
namespace json = boost::json;
using core::UnixMillis;
using store::Dialog;
using store::DialogStatus;

namespace {

constexpr std::string_view kApiMarker = "🔌";

// The status the conversation itself implies: whoever wrote last.
DialogStatus conversation_status(const Dialog& dialog) {
  return dialog.last_user_message_at >= dialog.last_operator_reply_at ? DialogStatus::kUserAnswered
                                                                      : DialogStatus::kSupportAnswered;
}

// "🔌 <sender>: text" for the topic. The prefix can push a text the user may get (4096) past
// Telegram's limit: then the copy is cut (UTF-16 units, as the API's own check counts) and ends
// with a visible marker, so the topic still shows what was sent.
std::string topic_copy(std::string_view lang, std::string_view sender, const std::string& text) {
  std::string copy = std::string(kApiMarker) + " " + std::string(sender) + ": " + text;
  if (core::utf16_length(copy) <= kMaxTextUnits) return copy;
  std::string marker = core::notice::cut_in_topic(lang);
  return core::utf16_truncate(copy, kMaxTextUnits - core::utf16_length(marker)) + marker;
}

std::string api_message_event_json(const std::string& text, std::string_view sender) {
  return json::serialize(
      json::object{{"content", "text"}, {"text", text}, {"via", "api"}, {"sender", sender}});
}

}  // namespace

std::optional<Engine::ApiSent> Engine::api_send_message(core::UserId user, const std::string& text,
                                                        std::string_view sender, UnixMillis now) {
  std::optional<ApiSent> sent;
  transaction([&] {
    if (!store_.user(context_.id, user)) return;
    ApiSent result;
    auto existing = store_.dialog_by_user(context_.id, user);
    if (existing) {
      result.dialog = *existing;
    } else {
      // Writing first: the dialog and its topic are opened for the user, without WELCOME
      // (the user did not come to us).
      result.dialog = open_dialog(DialogOrigin::kApi, core::Person{.id = user}, now);
      result.dialog_created = true;
    }
    Dialog& dialog = result.dialog;
    bool was_closed = dialog.status == DialogStatus::kClosed;
    if (was_closed && dialog.thread_id != 0) reopen_closed_topic(dialog, kPriorityOperatorReply, now);
    // The topic's copy is the message itself, recorded once, as the API's (not a notice).
    enqueue(
        job::kSendText,
        JobPayload{
            .dialog = dialog.id, .to = Side::kGroup, .text = topic_copy(operator_language(), sender, text)},
        kPriorityOperatorReply, now);
    record_text(dialog, store::HistoryAuthor::kApi, text, now, sender);
    enqueue(job::kSendText,
            JobPayload{.dialog = dialog.id, .to = Side::kUser, .text = text, .operator_message = true},
            kPriorityOperatorReply, now);
    set_status(dialog, DialogStatus::kSupportAnswered, now);
    dialog.last_operator_reply_at = now;
    dialog.last_operator_id = 0;  // a program through the API, not an operator
    store_.update_dialog(dialog);
    if (was_closed) event(dialog, "dialog_reopened", R"({"by":"api"})", now);
    event(dialog, "message_sent", api_message_event_json(text, sender), now);
    sent = std::move(result);
  });
  return sent;
}

std::optional<Dialog> Engine::api_set_status(core::DialogId id, std::optional<DialogStatus> status,
                                             UnixMillis now) {
  std::optional<Dialog> updated;
  transaction([&] {
    auto dialog = store_.dialog(id);
    if (!dialog || dialog->connection_id != context_.id) return;
    DialogStatus target = status.value_or(conversation_status(*dialog));
    if (target == DialogStatus::kClosed) {
      close_dialog(*dialog, now, "api");
    } else {
      bool was_closed = dialog->status == DialogStatus::kClosed;
      if (was_closed) reopen_closed_topic(*dialog, kPriorityOperatorReply, now);
      set_status(*dialog, target, now);
      if (was_closed) event(*dialog, "dialog_reopened", R"({"by":"api"})", now);
    }
    store_.update_dialog(*dialog);
    updated = std::move(dialog);
  });
  return updated;
}

}  // namespace topicdesk::relay
