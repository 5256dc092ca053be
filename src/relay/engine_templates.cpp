// Message templates in the relay: /template (save, add, del, show) and /t in the backend group,
// and Engine::send_template, the one way a template reaches a user (/t, WELCOME and
// AWAY_MESSAGE = "template:NAME", labels' `sends`, broadcasts). Rendering and the rules are
// crm/template_render.h and crm/templates.h; the store is store::TemplateStore.
#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/utf8.h"
#include "crm/permissions.h"
#include "crm/template_render.h"
#include "crm/templates.h"
#include "i18n/catalog.h"
#include "relay/engine.h"
#include "relay/template_values.h"

namespace topicdesk::relay {
namespace json = boost::json;
using core::Event;
using core::UnixMillis;
using store::Dialog;

namespace {

// Album items seen in the group are kept this long (a template is saved from a recent album).
constexpr UnixMillis kAlbumItemTtl = 24LL * 3'600'000;
constexpr int kAlbumExpireBatch = 100;

std::optional<store::TemplatePartKind> album_item_kind(core::ContentKind kind) {
  switch (kind) {
    case core::ContentKind::kPhoto:
      return store::TemplatePartKind::kPhoto;
    case core::ContentKind::kVideo:
      return store::TemplatePartKind::kVideo;
    case core::ContentKind::kDocument:
      return store::TemplatePartKind::kDocument;
    case core::ContentKind::kAudio:
      return store::TemplatePartKind::kAudio;
    default:
      return std::nullopt;
  }
}

json::value call_json(const crm::PartCall& call) {
  return json::object{{"method", call.method}, {"params", call.params}};
}

// "save NAME" → {"save", "NAME"}; the name is what follows, trimmed.
std::pair<std::string, std::string> split_args(std::string_view args) {
  std::string trimmed = core::trim(args);
  auto space = trimmed.find_first_of(" \t\n");
  if (space == std::string::npos) return {core::lower_ascii(trimmed), ""};
  return {core::lower_ascii(trimmed.substr(0, space)), core::trim(std::string_view(trimmed).substr(space))};
}

}  // namespace

void Engine::remember_album_item(const Event& e, UnixMillis now) {
  auto kind = album_item_kind(e.content);
  if (!kind || e.file_id.empty() || e.media_group_id.empty()) return;
  store_.add_album_item(store::AlbumItem{
      .connection_id = context_.id,
      .media_group_id = e.media_group_id,
      .message_id = e.message_id,
      .media = {*kind, e.file_id, e.text, e.entities_json},
      .seen_at = now,
  });
  store_.expire_album_items(now - kAlbumItemTtl, kAlbumExpireBatch);
}

std::optional<std::string> Engine::send_template(const Dialog& dialog, std::string_view name,
                                                 const TemplateSender& who, UnixMillis now) {
  auto t = store_.template_by_name(context_.id, name);
  if (!t) return i18n::text(operator_language(), "templates.not_found", {{"name", std::string(name)}});
  if (t->parts.empty()) return i18n::text(operator_language(), "templates.no_parts", {{"name", t->name}});
  crm::TemplateValues values = template_values(store_, context_.id, dialog, who.operator_name, false);
  values.language = operator_language();
  auto rendered = crm::render_template(*t, values);
  if (!rendered) return rendered.error().message;
  std::vector<store::TemplatePart> topic_parts = *rendered;
  if (who.copy_in_topic && context_.params.hide_info != core::HideInfo::kOff) {
    crm::TemplateValues masked = template_values(store_, context_.id, dialog, who.operator_name, true);
    masked.language = context_.params.language;
    auto hidden = crm::render_template(*t, masked);
    if (!hidden) return hidden.error().message;
    topic_parts = std::move(*hidden);
  }
  std::string marker = "📋 " + t->name;
  if (!who.operator_name.empty()) marker += " · " + who.operator_name;
  flush_album(dialog, AlbumLane::kOperator, now);  // the operator's album goes first, as it was sent first
  for (std::size_t i = 0; i < rendered->size(); ++i) {
    json::object calls{{"user", call_json(crm::part_call((*rendered)[i]))}};
    if (who.copy_in_topic) calls["topic"] = call_json(crm::part_call(topic_parts[i], marker));
    enqueue(job::kTemplatePart,
            JobPayload{.dialog = dialog.id,
                       .to = Side::kUser,
                       .text = json::serialize(calls),
                       .operator_message = who.operator_id != 0 || who.answers},
            who.priority, now);
    record_template_part(dialog, who, (*rendered)[i], fmt::format("template:{}:{}:{}", t->id, now, i), now);
  }
  if (who.answers) {
    Dialog updated = store_.dialog(dialog.id).value_or(dialog);
    bool was_closed = updated.status == store::DialogStatus::kClosed;
    if (was_closed) reopen_closed_topic(updated, kPriorityOperatorReply, now);
    set_status(updated, store::DialogStatus::kSupportAnswered, now);
    updated.last_operator_reply_at = now;
    if (who.operator_id != 0) updated.last_operator_id = who.operator_id;
    store_.update_dialog(updated);
    if (was_closed) event(updated, "dialog_reopened", json::serialize(json::object{{"by", who.by}}), now);
  }
  json::object o{{"content", "template"}, {"template", t->name}, {"parts", t->parts.size()}, {"by", who.by}};
  if (who.operator_id != 0) o["operator_id"] = who.operator_id;
  event(dialog, "message_sent", json::serialize(o), now);
  return std::nullopt;
}

// WELCOME and AWAY_MESSAGE = "template:NAME": the template to the user; when it cannot be
// sent, the topic says why and the user gets nothing.
void Engine::send_template_reply(const Dialog& dialog, std::string_view parameter, std::string_view name,
                                 int priority, UnixMillis now) {
  TemplateSender who{.by = std::string(core::lower_ascii(parameter)),
                     .answers = false,
                     .copy_in_topic = false,
                     .priority = priority};
  if (auto refused = send_template(dialog, name, who, now)) {
    post_in_topic(
        dialog,
        i18n::text(
            operator_language(), "templates.reply_not_sent",
            {{"parameter", std::string(parameter)}, {"name", std::string(name)}, {"reason", *refused}}),
        priority, now);
  }
}

void Engine::template_command(const core::Command& command, Dialog* dialog, const Event& e, UnixMillis now) {
  auto answer = [&](std::string text) {
    if (dialog != nullptr)
      post_in_topic(*dialog, std::move(text), kPriorityOperatorReply, now);
    else
      post_in_general(std::move(text), now);
  };
  const crm::Actor actor{e.from.id, e.from.username, e.sender_is_anonymous_admin};
  if (command.name == "t") {
    std::string name = core::trim(command.args);
    if (name.empty())
      return answer(crm::template_list_text(operator_language(), store_.templates(context_.id)));
    if (dialog == nullptr) return answer(i18n::text(operator_language(), "templates.t_in_topic"));
    TemplateSender who{.operator_id = e.sender_is_anonymous_admin ? 0 : e.from.id,
                       .operator_name = e.sender_is_anonymous_admin ? std::string() : e.from.first_name,
                       .by = "operator"};
    if (auto refused = send_template(*dialog, name, who, now))
      return answer(
          i18n::text(operator_language(), "templates.not_sent", {{"name", name}, {"reason", *refused}}));
    return;
  }
  auto [action, name] = split_args(command.args);
  if (action == "show") {
    auto t = store_.template_by_name(context_.id, name);
    if (!t)
      return answer(i18n::text(operator_language(), "templates.no_such_list",
                               {{"name", name.empty() ? "NAME" : name}}));
    answer(crm::template_show_text(operator_language(), *t, crm::template_variables(*t)));
    for (const auto& part : t->parts) {
      json::object calls{
          {"topic", call_json(crm::part_call(part, i18n::text(operator_language(), "templates.preview_of",
                                                              {{"name", t->name}})))}};
      enqueue(job::kTemplatePart,
              JobPayload{.dialog = dialog != nullptr ? dialog->id : 0,
                         .to = Side::kGroup,
                         .text = json::serialize(calls)},
              kPriorityOperatorReply, now);
    }
    return;
  }
  if (action != "save" && action != "add" && action != "del")
    return answer(i18n::text(operator_language(), "templates.usage"));
  if (!crm::may_manage(context_.params, actor, context_.group_owner))
    return answer(crm::management_refused(operator_language(), "crm.manage_templates", actor));
  if (auto valid = crm::check_template_name(name, operator_language()); !valid)
    return answer(i18n::text(operator_language(), name.empty() ? "templates.no_name" : "templates.not_a_name",
                             {{"reason", valid.error().message}}));
  auto existing = store_.template_by_name(context_.id, name);
  if (action == "del") {
    if (!existing) return answer(i18n::text(operator_language(), "templates.no_such", {{"name", name}}));
    store_.delete_template(context_.id, name);
    return answer(i18n::text(operator_language(), "templates.deleted", {{"name", existing->name}}) +
                  broadcasts_of_template_note(existing->name));
  }
  if (e.replied.message_id == 0) {
    return answer(
        i18n::text(operator_language(), "templates.reply_to_keep", {{"action", action}, {"name", name}}));
  }
  if (action == "add" && !existing)
    return answer(i18n::text(operator_language(), "templates.add_needs_save", {{"name", name}}));
  if (action == "add" && existing->parts.size() >= crm::kMaxTemplateParts) {
    return answer(i18n::text(operator_language(), "templates.full",
                             {{"name", existing->name}, {"count", std::to_string(crm::kMaxTemplateParts)}}));
  }
  std::vector<store::AlbumItem> album;
  if (!e.replied.media_group_id.empty()) album = store_.album_items(context_.id, e.replied.media_group_id);
  auto part = crm::part_from_message(e.replied, album, operator_language());
  if (!part)
    return answer(i18n::text(operator_language(), "templates.not_saved", {{"reason", part.error().message}}));
  store::Template t;
  if (action == "add") t = *existing;
  t.connection_id = context_.id;
  t.name = action == "add" ? existing->name : name;
  if (action == "save") t.parts.clear();
  t.parts.push_back(std::move(*part));
  t.saved_by = e.sender_is_anonymous_admin ? 0 : e.from.id;
  t.saved_by_name = e.sender_is_anonymous_admin ? std::string() : e.from.first_name;
  t.updated_at = now;
  auto saved = store_.save_template(t);
  std::string what = crm::describe_part(saved.parts.back(), operator_language());
  if (action == "add") {
    return answer(i18n::text(operator_language(), "templates.added",
                             {{"name", saved.name},
                              {"part", std::to_string(saved.parts.size())},
                              {"max", std::to_string(crm::kMaxTemplateParts)},
                              {"what", what}}));
  }
  answer(i18n::text(operator_language(), existing ? "templates.replaced" : "templates.saved",
                    {{"name", saved.name}, {"what", what}}));
}

}  // namespace topicdesk::relay
