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
#include "i18n/catalog.h"
#include "relay/engine.h"

namespace topicdesk::relay {
using core::Event;
using core::UnixMillis;

namespace {

constexpr std::size_t kMaxCaption = 1024;

std::string clients(std::string_view lang, std::size_t n) {
  return n == 1 ? i18n::text(lang, "exports.clients_one")
                : i18n::text(lang, "exports.clients", {{"count", std::to_string(n)}});
}

// "… — part 2 of 3" when a file had to be split.
std::string part_caption(std::string_view lang, const std::string& caption, std::size_t part,
                         std::size_t parts) {
  if (parts == 1) return caption;
  return i18n::text(lang, "exports.part",
                    {{"caption", caption}, {"part", std::to_string(part)}, {"parts", std::to_string(parts)}});
}

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
    return post_in_general(i18n::text(operator_language(), "exports.usage_general"), now);
  if (core::lower_ascii(expression) == "help")
    return post_in_general(i18n::text(operator_language(), "exports.usage_general"), now);

  std::optional<crm::Segment> segment;
  if (!expression.empty()) {
    auto parsed = crm::parse_segment(expression);
    if (!parsed) {
      return post_in_general(i18n::text(operator_language(), "exports.segment_does_not_parse",
                                        {{"reason", crm::describe(parsed.error, operator_language())}}),
                             now);
    }
    if (auto unknown = unknown_segment_label(*parsed.segment)) return post_in_general(*unknown, now);
    if (p.hide_info != core::HideInfo::kOff && parsed.segment->uses_fields()) {
      return post_in_general(i18n::text(operator_language(), "exports.fields_hidden"), now);
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
  if (!doc)
    return post_in_general(
        i18n::text(operator_language(), "exports.failed", {{"reason", doc.error().message}}), now);
  const std::string what = segment ? segment->to_string() : std::string();
  if (doc->rows.empty()) {
    return post_in_general(segment ? i18n::text(operator_language(), "exports.nobody_in", {{"segment", what}})
                                   : i18n::text(operator_language(), "exports.no_clients"),
                           now);
  }
  const auto& lang = operator_language();
  auto files = exports::files_to_post(lang, *doc, "clients-" + date_of(now), "csv");
  if (!files) return post_in_general("⚠️ " + files.error().message, now);
  std::string caption = clients(lang, doc->rows.size());
  if (segment) caption += " " + i18n::text(lang, "exports.in_segment", {{"segment", what}});
  if (p.hide_info != core::HideInfo::kOff) caption += " " + i18n::text(lang, "exports.pseudonyms_only");
  for (std::size_t i = 0; i < files->size(); ++i) {
    auto& file = (*files)[i];
    post_document(0, std::move(file.name), std::move(file.bytes),
                  cut_caption(part_caption(lang, caption, i + 1, files->size())), now);
  }
}

void Engine::on_export_in_topic(const core::Command& command, const store::Dialog& dialog, const Event& e,
                                UnixMillis now) {
  const auto& p = context_.params;
  const crm::Actor actor{
      .id = e.from.id, .username = e.from.username, .anonymous_admin = e.sender_is_anonymous_admin};
  if (!crm::may_manage(p, actor, context_.group_owner))
    return post_in_topic(dialog, crm::management_refused(operator_language(), "crm.export", actor),
                         kPriorityOperatorReply, now);
  std::string args = core::lower_ascii(core::trim(command.args));
  if (args != "here" && !args.empty())
    return post_in_topic(dialog, i18n::text(operator_language(), "exports.usage_topic"),
                         kPriorityOperatorReply, now);

  auto conversation = exports::read_conversation(store_, dialog.id);
  if (conversation.entries.empty()) {
    return post_in_topic(dialog, i18n::text(operator_language(), "exports.no_history"),
                         kPriorityOperatorReply, now);
  }
  const bool reveal = p.hide_info == core::HideInfo::kOff;
  const std::string stem = fmt::format("conversation-{}-{}", dialog.id, date_of(now));
  const auto& lang = operator_language();
  auto html = exports::files_to_post(lang, exports::transcript_html_document(conversation, reveal, lang),
                                     stem, "html");
  auto jsonl =
      exports::files_to_post(lang, exports::transcript_jsonl_document(conversation, reveal), stem, "jsonl");
  if (!html || !jsonl) {
    return post_in_topic(dialog, "⚠️ " + (!html ? html.error().message : jsonl.error().message),
                         kPriorityOperatorReply, now);
  }
  const std::string caption =
      i18n::text(operator_language(), reveal ? "exports.conversation" : "exports.conversation_hidden",
                 {{"count", std::to_string(conversation.entries.size())}});
  for (auto* files : {&*html, &*jsonl}) {
    for (std::size_t i = 0; i < files->size(); ++i) {
      auto& file = (*files)[i];
      post_document(dialog.id, std::move(file.name), std::move(file.bytes),
                    part_caption(operator_language(), caption, i + 1, files->size()), now);
    }
  }
}

}  // namespace topicdesk::relay
