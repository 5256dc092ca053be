// Edits of intercepted messages (docs/parameters.md INTERCEPT_EXTERNAL): the
// bot's program (editMessageText / Caption / ReplyMarkup / Media through the proxy), the other
// MTProto session or the account owner's app edited a message that was copied into the topic.
// The copy follows, presented as the first copy was: marker line, formatting, buttons as text.
//
// Decisions:
// - Only messages that were copied follow. Whether a copy exists is decided when the edit job
//   runs (the dispatcher skips an edit without a linked copy): the first copy may still wait in
//   the same outbox queue, which keeps the order "copy, then edit".
// - An edit changes no dialog status and opens no dialog: it is not a new answer.
// - Content Telegram cannot edit (stickers, locations …) is not followed. Replaced media
//   (editMessageMedia) cannot be mirrored by an edit: the topic gets a fresh marked copy of the
//   message ("· new media"), which then takes the later edits.
#include "core/event.h"
#include "relay/engine.h"
#include "relay/intercept.h"

namespace topicdesk::relay {
using core::ContentKind;
using core::Event;
using core::UnixMillis;

// TDLib's edit updates do not say who sent the message, and the adapter remembers what was sent
// from elsewhere only while it runs: after a restart such an edit arrives as the user's. The
// message's link tells: the edit belongs to whoever sends from elsewhere on this connection.
Event Engine::as_outgoing_edit(const Event& user_edit) const {
  Event edit = user_edit;
  edit.kind = core::EventKind::kOutgoingEdit;
  edit.from = core::Person{.id = context_.account ? context_.account_id : context_.bot_id,
                           .is_bot = !context_.account};
  edit.sender_is_bot = !context_.account;
  return edit;
}

void Engine::on_outgoing_edit(const Event& e, UnixMillis now) {
  if (!context_.params.intercept_external || e.is_service) return;
  if (e.chat_id <= 0 || e.chat_id == context_.group_id) return;  // only private chats are copied
  auto dialog = store_.dialog_by_user(context_.id, e.chat_id);
  if (!dialog) return;                                 // never copied: no dialog was opened for it
  flush_album(*dialog, AlbumLane::kIntercepted, now);  // an album still gathering is copied first, as it was

  const bool is_text = e.content == ContentKind::kText;
  if (!is_text && !takes_caption(e.content)) return;
  record_edit(*dialog, false, e, now);
  const bool fresh_copy =
      e.media_replaced && store_.link_by_user_message(dialog->id, e.message_id).has_value();
  auto marked = fresh_copy
                    ? mark_intercepted(operator_language(), e, kMaxCaptionUnits, kMediaReplacedNote)
                    : mark_intercepted(operator_language(), e, is_text ? kMaxTextUnits : kMaxCaptionUnits);
  const auto kind = fresh_copy ? job::kInterceptCopy : is_text ? job::kInterceptEditText : job::kEditCaption;
  enqueue(kind,
          JobPayload{.dialog = dialog->id,
                     .to = Side::kGroup,
                     .message_id = e.message_id,
                     .text = std::move(marked.text),
                     .entities_json = std::move(marked.entities_json)},
          kPriorityNormal, now);
}

}  // namespace topicdesk::relay
