// Message history: what the relay passes is recorded (store/history_store.h) in the same
// transaction that relays it, one row per message (an album: one per part). Decisions
// (docs/history.md):
// - The store keeps what was said, as the receiver got it: names and texts as they are, even
//   under HIDE_INFO (readers hide them); a template as rendered for the user.
// - The user's side (kUser, kIntercepted) is found again by the message's id in the private
//   chat, the group's (kOperator, kComment) by its id in the group; the desk's own sends and
//   the Topics API's have no id when they are recorded (the send happens later).
// - Notices the desk posts in a dialog's topic are recorded (kNotice); General's are not: they
//   belong to no dialog. Commands typed in a topic are not recorded, their answers are.
#include "core/event_json.h"
#include "relay/engine.h"

namespace topicdesk::relay {
using core::Event;
using core::UnixMillis;
using store::Dialog;
using store::HistoryAuthor;
using store::HistoryEntry;

namespace {

std::string full_name(const core::Person& person) {
  if (person.last_name.empty()) return person.first_name;
  if (person.first_name.empty()) return person.last_name;
  return person.first_name + " " + person.last_name;
}

HistoryEntry entry_of(const Dialog& dialog, HistoryAuthor author, UnixMillis at) {
  HistoryEntry entry;
  entry.connection_id = dialog.connection_id;
  entry.dialog_id = dialog.id;
  entry.author = author;
  entry.at = at;
  return entry;
}

}  // namespace

void Engine::record_message(const Dialog& dialog, HistoryAuthor author, const Event& e, UnixMillis now) {
  HistoryEntry entry = entry_of(dialog, author, e.date != 0 ? e.date : now);
  if (!e.sender_is_anonymous_admin) {  // an anonymous admin is never attributed to a person
    entry.sender_id = e.from.id;
    entry.sender_name = full_name(e.from);
  }
  entry.message_id = e.message_id;
  entry.content = core::to_string(e.content);
  entry.text = e.text;
  entry.entities_json = e.entities_json;
  entry.file_id = e.file_id;
  entry.media_group_id = e.media_group_id;
  entry.reply_to = e.reply_to_message_id;
  store_.add_history(entry);
}

void Engine::record_edit(const Dialog& dialog, bool in_group, const Event& e, UnixMillis now) {
  store_.edit_history(dialog.id, in_group, e.message_id, e.text, e.entities_json, e.date != 0 ? e.date : now);
}

void Engine::record_text(const Dialog& dialog, HistoryAuthor author, std::string_view text, UnixMillis now,
                         std::string_view sender_name) {
  if (dialog.id == 0) return;
  HistoryEntry entry = entry_of(dialog, author, now);
  entry.sender_name = sender_name;
  entry.content = "text";
  entry.text = text;
  store_.add_history(entry);
}

void Engine::record_template_part(const Dialog& dialog, const TemplateSender& who,
                                  const store::TemplatePart& part, std::string_view album_key,
                                  UnixMillis now) {
  const HistoryAuthor author = who.operator_id != 0 ? HistoryAuthor::kOperator : HistoryAuthor::kDesk;
  HistoryEntry entry = entry_of(dialog, author, now);
  entry.sender_id = who.operator_id;
  entry.sender_name = who.operator_name;
  if (part.kind != store::TemplatePartKind::kAlbum) {
    entry.content = store::to_string(part.kind);
    entry.text = part.text;
    entry.entities_json = part.entities_json;
    entry.file_id = part.file_id;
    store_.add_history(entry);
    return;
  }
  // An album: a row per item, tied together by `album_key` as Telegram's media group would.
  entry.media_group_id = album_key;
  for (const auto& item : part.album) {
    entry.content = store::to_string(item.kind);
    entry.text = item.caption;
    entry.entities_json = item.caption_entities_json;
    entry.file_id = item.file_id;
    store_.add_history(entry);
  }
}

}  // namespace topicdesk::relay
