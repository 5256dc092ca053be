// Exports in the engine (docs/exports.md): /export [expression] in General posts the clients as
// a CSV file; /export here in a topic posts that conversation from the history as an HTML page
// and JSON Lines. The files are built inside the command's transaction and posted as documents
// (post_document); one too big for Telegram goes in parts (exports::files_to_post).
//
// Decisions:
// - Exports are the CRM's to manage (crm/permissions.h): with EXTENSIONS_ALLOWED set, only the
//   people it lists and the group's owner may export.
// - A file posted in the group can be opened by every operator of it, so with HIDE_INFO set the
//   clients are their pseudonyms whoever asks (as /segment's examples), and another
//   connection's clients always are (this engine cannot know whether that connection hides
//   them). The identities are for `topicdesk export` on the desk's machine.
// - Under HIDE_INFO the expression may not use field: terms (the file would tell which
//   pseudonyms have which values).
#include <fmt/format.h>

#include "core/utf8.h"
#include "crm/broadcast_report.h"
#include "crm/permissions.h"
#include "crm/segment.h"
#include "exports/exports.h"
#include "relay/engine.h"

namespace topicdesk::relay {
using core::Event;
using core::UnixMillis;

namespace {

constexpr std::size_t kMaxCaption = 1024;

std::string_view export_usage_general() {
  return "/export exports the clients as a CSV file; /export EXPRESSION only those a segment picks (/segment "
         "alone shows the syntax). /export here works in a topic: it exports that conversation.";
}

std::string_view export_usage_topic() {
  return "/export here posts this conversation as an HTML page and JSON Lines. The clients' CSV is made in "
         "General: /export [expression].";
}

std::string clients(std::size_t n) { return n == 1 ? "1 client" : fmt::format("{} clients", n); }

std::string date_of(UnixMillis now) { return crm::iso_utc(now).substr(0, 10); }

std::string cut_caption(std::string text) {
  if (text.size() <= kMaxCaption) return text;
  return core::utf16_truncate(text, kMaxCaption - 1) + "…";
}

}  // namespace

void Engine::on_export_command(const core::Command& command, const Event& e, UnixMillis now) {
  const auto& p = context_.params;
  const crm::Actor actor{
      .id = e.from.id, .username = e.from.username, .anonymous_admin = e.sender_is_anonymous_admin};
  if (!crm::may_manage(p, actor, context_.group_owner))
    return post_in_general(crm::management_refused(operator_language(), "crm.export", actor), now);
  std::string expression = core::trim(command.args);
  if (core::lower_ascii(expression) == "here")
    return post_in_general(std::string(export_usage_general()), now);
  if (core::lower_ascii(expression) == "help")
    return post_in_general(std::string(export_usage_general()), now);

  std::optional<crm::Segment> segment;
  if (!expression.empty()) {
    auto parsed = crm::parse_segment(expression);
    if (!parsed) {
      return post_in_general("⚠️ That segment does not parse: " + crm::describe(parsed.error) +
                                 ". /segment alone shows the syntax.",
                             now);
    }
    if (auto unknown = unknown_segment_label(*parsed.segment)) return post_in_general(*unknown, now);
    if (p.hide_info != core::HideInfo::kOff && parsed.segment->uses_fields()) {
      return post_in_general(
          "🔒 field: terms read custom fields, which HIDE_INFO hides: an export here cannot use them.", now);
    }
    segment = std::move(parsed.segment);
  }

  exports::ClientsQuery query{
      .group = context_.group_id,
      .segment = expression,
      .reveals =
          [&](core::ConnectionId id) { return id == context_.id && p.hide_info == core::HideInfo::kOff; },
      .now = now};
  auto doc = exports::clients_document(store_, query);
  if (!doc) return post_in_general("⚠️ /export: " + doc.error().message, now);
  const std::string what = segment ? segment->to_string() : std::string();
  if (doc->rows.empty()) {
    return post_in_general(
        segment ? "📤 No client is in " + what + ": nothing to export." : "📤 No clients yet.", now);
  }
  auto files = exports::files_to_post(*doc, "clients-" + date_of(now), "csv");
  if (!files) return post_in_general("⚠️ " + files.error().message, now);
  std::string caption = "📤 " + clients(doc->rows.size()) + (segment ? " in " + what : std::string());
  if (p.hide_info != core::HideInfo::kOff) caption += " (HIDE_INFO: pseudonyms only)";
  for (std::size_t i = 0; i < files->size(); ++i) {
    auto& file = (*files)[i];
    std::string part_caption =
        files->size() == 1 ? caption : fmt::format("{} — part {} of {}", caption, i + 1, files->size());
    post_document(0, std::move(file.name), std::move(file.bytes), cut_caption(std::move(part_caption)), now);
  }
}

void Engine::on_export_in_topic(const core::Command& command, const store::Dialog& dialog, const Event& e,
                                UnixMillis now) {
  const auto& p = context_.params;
  const crm::Actor actor{
      .id = e.from.id, .username = e.from.username, .anonymous_admin = e.sender_is_anonymous_admin};
  if (!crm::may_manage(p, actor, context_.group_owner))
    return post_in_topic(dialog, crm::management_refused(operator_language(), "crm.export", actor), kPriorityOperatorReply, now);
  std::string args = core::lower_ascii(core::trim(command.args));
  if (args != "here" && !args.empty())
    return post_in_topic(dialog, std::string(export_usage_topic()), kPriorityOperatorReply, now);

  auto conversation = exports::read_conversation(store_, dialog.id);
  if (conversation.entries.empty()) {
    return post_in_topic(dialog, "📤 The history holds no message of this conversation yet.",
                         kPriorityOperatorReply, now);
  }
  const bool reveal = p.hide_info == core::HideInfo::kOff;
  const std::string stem = fmt::format("conversation-{}-{}", dialog.id, date_of(now));
  auto html = exports::files_to_post(exports::transcript_html_document(conversation, reveal), stem, "html");
  auto jsonl =
      exports::files_to_post(exports::transcript_jsonl_document(conversation, reveal), stem, "jsonl");
  if (!html || !jsonl) {
    return post_in_topic(dialog, "⚠️ " + (!html ? html.error().message : jsonl.error().message),
                         kPriorityOperatorReply, now);
  }
  const std::string caption = fmt::format("📤 This conversation: {} messages{}", conversation.entries.size(),
                                          reveal ? "" : " (HIDE_INFO: the client by pseudonym)");
  for (auto* files : {&*html, &*jsonl}) {
    for (std::size_t i = 0; i < files->size(); ++i) {
      auto& file = (*files)[i];
      std::string part_caption =
          files->size() == 1 ? caption : fmt::format("{} — part {} of {}", caption, i + 1, files->size());
      post_document(dialog.id, std::move(file.name), std::move(file.bytes), std::move(part_caption), now);
    }
  }
}

}  // namespace topicdesk::relay
