// Intercepted messages: kOutgoingSeen events become marked copies in the topic.
//
// Decisions (docs/parameters.md, INTERCEPT_EXTERNAL):
// - INTERCEPTED_STATUS says which answers count as a support answer (the dialog becomes
//   support_answered, as if an operator had replied in the topic, and AUTOCLOSE counts from it):
//   `owner` (the default) only a human's (an account's owner writing from their own app), since
//   the bot's program answering does not mean a human took care of the user; `true` the
//   program's too (the desk as a backup of a bot that answers by itself); `false` none. An
//   answer that does not count leaves the status as it is (a closed dialog stays closed).
// - A message to a user without a dialog opens one (support_answered: nobody waits for us), with
//   topic and card but no WELCOME; not for users who could not open one themselves
//   (IGNORE_CHATS, WHITE_LIST, PRIVATE_KEYWORDS).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "core/event_json.h"
#include "core/utf8.h"
#include "i18n/catalog.h"
#include "relay/album_state.h"
#include "relay/engine.h"
#include "relay/intercept.h"

namespace topicdesk::relay {
namespace json = boost::json;
using core::Event;
using core::UnixMillis;
using store::Dialog;
using store::DialogStatus;

namespace {

// `answers`: the desk counted it as the support's answer (INTERCEPTED_STATUS); analytics reads it.
std::string intercepted_event_json(const Event& e, bool by_human, bool answers) {
  json::object o;
  o["message_id"] = e.message_id;
  o["content"] = core::to_string(e.content);
  if (!e.text.empty()) o["text"] = e.text;
  o["by"] = by_human ? "owner" : "program";
  if (answers) o["answers"] = true;
  return json::serialize(o);
}

}  // namespace

void Engine::on_outgoing_seen(const Event& e, UnixMillis now) {
  if (!context_.params.intercept_external || e.is_service) return;
  auto dialog = dialog_for_intercepted(e, now);
  if (!dialog) return;
  const bool by_human = sent_by_human(e);
  flush_album(*dialog, AlbumLane::kUser, now);  // the user's album written before this answer goes first

  if (!e.media_group_id.empty()) {
    // Albums are copied as they are after a marker line; messages known only by id (a copy
    // call's answer) are gathered the same way, under their call's batch id.
    const bool copied = e.media_group_id.starts_with(core::kCopiedBatchPrefix);
    gather_album(*dialog, AlbumLane::kIntercepted, e, now,
                 copied ? intercept_copied_marker(operator_language(), by_human)
                        : intercept_album_marker(operator_language(), by_human));
  } else {
    flush_album(*dialog, AlbumLane::kIntercepted, now);
    JobPayload copy{.dialog = dialog->id,
                    .to = Side::kGroup,
                    .message_id = e.message_id,
                    .reply_to = e.reply_to_message_id};
    if (e.content == core::ContentKind::kText || takes_caption(e.content)) {
      auto marked = mark_intercepted(
          operator_language(), e, e.content == core::ContentKind::kText ? kMaxTextUnits : kMaxCaptionUnits);
      copy.text = std::move(marked.text);
      copy.entities_json = std::move(marked.entities_json);
    }
    enqueue(e.content == core::ContentKind::kText ? job::kInterceptText : job::kInterceptCopy, copy,
            kPriorityNormal, now);
  }
  record_message(*dialog, store::HistoryAuthor::kIntercepted, e, now);  // engine_history.cpp
  const auto counted = context_.params.intercepted_status;
  const bool answers =
      counted == core::InterceptedStatus::kAll || (counted == core::InterceptedStatus::kOwner && by_human);
  if (answers) {
    bool was_closed = dialog->status == DialogStatus::kClosed;
    set_status(*dialog, DialogStatus::kSupportAnswered, now);
    dialog->last_operator_reply_at = now;
    dialog->last_operator_id = by_human ? e.from.id : 0;
    store_.update_dialog(*dialog);
    if (was_closed)
      event(*dialog, "dialog_reopened", by_human ? R"({"by":"owner"})" : R"({"by":"program"})", now);
  }
  event(*dialog, "message_intercepted", intercepted_event_json(e, by_human, answers), now);
}

// The dialog of the user the message went to; opened when the user could have opened one.
std::optional<Dialog> Engine::dialog_for_intercepted(const Event& e, UnixMillis now) {
  const auto& p = context_.params;
  const core::UserId user = e.chat_id;  // a private chat's id is the user's id
  if (user <= 0 || user == context_.group_id) return std::nullopt;
  if (std::find(p.ignore_chats.begin(), p.ignore_chats.end(), e.chat_id) != p.ignore_chats.end())
    return std::nullopt;
  if (auto dialog = store_.dialog_by_user(context_.id, user)) return dialog;
  if (!p.white_list.empty()) {
    auto known = store_.user(context_.id, user);
    if (!core::matches_user(p.white_list, user, known ? known->username : "")) return std::nullopt;
  }
  if (!p.private_keywords.empty()) return std::nullopt;  // only the user's own words open a dialog
  return open_dialog(DialogOrigin::kIntercepted, core::Person{.id = user}, now);
}

// ---- presentation (intercept.h) --------------------------------------------------------

bool sent_by_human(const Event& e) { return !e.sender_is_bot && !e.from.is_bot; }

std::string intercept_marker(std::string_view lang, bool by_human) {
  return i18n::text(lang, by_human ? "notices.intercepted_by_owner" : "notices.intercepted_by_program");
}

std::string intercept_album_marker(std::string_view lang, bool by_human) {
  return intercept_marker(lang, by_human) + " " + i18n::text(lang, "notices.album_below");
}

std::string intercept_copied_marker(std::string_view lang, bool by_human) {
  return intercept_marker(lang, by_human) + " " + i18n::text(lang, "notices.copied_below");
}

bool takes_caption(core::ContentKind content) {
  using core::ContentKind;
  switch (content) {
    case ContentKind::kPhoto:
    case ContentKind::kVideo:
    case ContentKind::kAnimation:
    case ContentKind::kDocument:
    case ContentKind::kAudio:
    case ContentKind::kVoice:
      return true;
    default:
      return false;
  }
}

namespace {

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// "[Label]" plus where the button leads, for the operators' eyes, in `lang`.
std::string button_as_text(std::string_view lang, const json::object& button) {
  std::string out = "[" + string_field(button, "text");
  if (auto url = string_field(button, "url"); !url.empty()) out += " ↗ " + url;
  if (const auto* app = button.if_contains("web_app"); app && app->is_object()) {
    out += " ▸ " + i18n::text(lang, "notices.button_web_app") + " " + string_field(app->get_object(), "url");
  }
  if (const auto* login = button.if_contains("login_url"); login && login->is_object()) {
    out += " ↗ " + i18n::text(lang, "notices.button_login") + " " + string_field(login->get_object(), "url");
  }
  if (button.contains("pay")) out += " (" + i18n::text(lang, "notices.button_pay") + ")";
  return out + "]";
}

// Shifts every entity by `units` (the marker in front of the text) and keeps only those that
// end before `limit`.
std::string shift_entities(std::string_view entities_json, std::size_t units, std::size_t limit) {
  if (entities_json.empty()) return {};
  boost::system::error_code ec;
  json::value v = json::parse(entities_json, ec);
  if (ec || !v.is_array()) return {};
  json::array out;
  for (auto& item : v.get_array()) {
    auto* entity = item.if_object();
    if (!entity) continue;
    const auto* offset = entity->if_contains("offset");
    const auto* length = entity->if_contains("length");
    if (!offset || !length || !offset->is_int64() || !length->is_int64()) continue;
    const std::int64_t start = offset->get_int64();
    const std::int64_t size = length->get_int64();
    const auto room = static_cast<std::int64_t>(limit) - static_cast<std::int64_t>(units);
    if (start < 0 || size <= 0 || start > room || size > room - start) continue;  // outside the text
    const std::int64_t moved = start + static_cast<std::int64_t>(units);
    (*entity)["offset"] = moved;
    out.push_back(std::move(item));
  }
  return out.empty() ? std::string() : json::serialize(out);
}

}  // namespace

std::string buttons_as_text(std::string_view lang, std::string_view reply_markup_json) {
  if (reply_markup_json.empty()) return {};
  boost::system::error_code ec;
  json::value v = json::parse(reply_markup_json, ec);
  if (ec || !v.is_object()) return {};
  const auto* keyboard = v.get_object().if_contains("inline_keyboard");
  if (!keyboard || !keyboard->is_array()) return {};
  std::string out;
  for (const auto& row : keyboard->get_array()) {
    if (!row.is_array() || row.get_array().empty()) continue;
    std::string line = "⌨️";
    for (const auto& button : row.get_array()) {
      if (button.is_object()) line += " " + button_as_text(lang, button.get_object());
    }
    if (!out.empty()) out += "\n";
    out += line;
  }
  return out;
}

MarkedText mark_intercepted(std::string_view lang, const Event& e, std::size_t max_units,
                            std::string_view note) {
  std::string head = intercept_marker(lang, sent_by_human(e));
  if (!note.empty()) head += " · " + i18n::text(lang, note);
  head += "\n";
  const std::size_t head_units = core::utf16_length(head);
  std::string text = head + e.text;
  const std::size_t body_end = core::utf16_length(text);
  if (auto buttons = buttons_as_text(lang, e.reply_markup_json); !buttons.empty()) text += "\n\n" + buttons;

  std::size_t limit = body_end;
  if (core::utf16_length(text) > max_units) {
    constexpr std::string_view kEllipsis = "…";
    text = core::utf16_truncate(text, max_units - core::utf16_length(kEllipsis));
    limit = std::min(limit, core::utf16_length(text));
    text += kEllipsis;
  }
  return MarkedText{std::move(text), shift_entities(e.entities_json, head_units, limit)};
}

}  // namespace topicdesk::relay
