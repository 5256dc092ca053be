// Segments in the engine: /segment EXPRESSION in General, a dry run that counts the users the
// expression picks (crm/segment.h) and shows a few of them; nothing is sent to anyone.
//
// Decisions (docs/segments.md):
// - /segment is a read, so every operator may use it (no crm::may_manage); HIDE_INFO still
//   applies. General is read by every operator, so with HIDE_INFO set the examples go by their
//   pseudonyms whoever asks (as /mine does), and another connection's users always do (this
//   engine cannot know whether that connection hides its users).
// - Custom fields are hidden from operators not on EXTENSIONS_ALLOWED under HIDE_INFO: their
//   expressions may not use field: terms, and an allowed operator's field: expression gets the
//   count without examples (General would show everyone which users have which values).
// - In a group several connections share, one connection answers (answers_in_general) and
//   counts the users of every connection of the group; connection:NAME narrows to one.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string>
#include <vector>

#include "core/utf8.h"
#include "crm/segment.h"
#include "crm/segment_members.h"
#include "i18n/catalog.h"
#include "relay/accounts.h"
#include "relay/engine.h"

namespace topicdesk::relay {
using core::Event;
using core::UnixMillis;

namespace {

constexpr std::size_t kSegmentExamples = 5;

std::string users(std::string_view lang, std::int64_t n) {
  return n == 1 ? i18n::text(lang, "segments.users_one")
                : i18n::text(lang, "segments.users", {{"count", std::to_string(n)}});
}

}  // namespace

std::optional<std::string> Engine::unknown_segment_label(const crm::Segment& segment) {
  return unknown_segment_label(segment, operator_language());
}

std::optional<std::string> Engine::unknown_segment_label(const crm::Segment& segment,
                                                         std::string_view language) {
  for (const auto& node : segment.nodes()) {
    if (node.op != crm::Segment::Op::kLabel) continue;
    bool known = false;
    for (const auto& connection : store_.connections()) {
      if (connection.group_id == context_.group_id && store_.label_by_key(connection.id, node.text))
        known = true;
    }
    if (!known) return unknown_label(node.text, language);
  }
  return std::nullopt;
}

void Engine::on_segment_command(const core::Command& command, const Event& e, UnixMillis now) {
  const auto& p = context_.params;
  std::string expression = core::trim(command.args);
  if (expression.empty()) return post_in_general(crm::segment_help(operator_language()), now);
  auto parsed = crm::parse_segment(expression);
  if (!parsed) {
    return post_in_general(i18n::text(operator_language(), "exports.segment_does_not_parse",
                                      {{"reason", crm::describe(parsed.error, operator_language())}}),
                           now);
  }
  const crm::Segment& segment = *parsed.segment;
  if (auto unknown = unknown_segment_label(segment)) return post_in_general(*unknown, now);
  const bool hidden = p.hide_info != core::HideInfo::kOff;
  const bool sees = core::sees_hidden_info(p, e.from.id, e.from.username, e.sender_is_anonymous_admin);
  if (hidden && segment.uses_fields() && !sees) {
    return post_in_general(i18n::text(operator_language(), "segments.fields_hidden"), now);
  }
  const bool examples_allowed = !(hidden && segment.uses_fields());

  std::int64_t total = 0;
  std::vector<std::string> counts;
  std::vector<std::string> lines;
  std::size_t sharing = 0;
  for (const auto& connection : store_.connections()) {
    if (connection.group_id != context_.group_id) continue;
    ++sharing;
    std::size_t room = examples_allowed ? kSegmentExamples - std::min(lines.size(), kSegmentExamples) : 0;
    auto found = crm::users_matching(store_, connection.id, segment, now, {.limit = room});
    total += found.count;
    counts.push_back(fmt::format("{} {}", connection.name, found.count));
    for (const auto& member : found.members) {
      const auto& d = member.dialog;
      const auto hide = d.connection_id == context_.id ? p.hide_info : core::HideInfo::kName;
      core::UserView view{member.user.value_or(core::Person{.id = d.user_id}), d.pseudonym, hide,
                          p.status_icons};
      std::string line = std::string(core::status_marker(topic_status(d.status), p.status_icons)) + " " +
                         core::display_name(view);
      if (hide == core::HideInfo::kOff) line += fmt::format(" #{}", d.user_id);
      if (auto link = topic_link(d.group_id, d.thread_id); !link.empty()) line += ": " + link;
      lines.push_back(std::move(line));
    }
  }
  const auto& lang = operator_language();
  std::string text = "🎯 " + segment.to_string() + ": " + users(lang, total);
  if (sharing > 1) text += fmt::format(" ({})", fmt::join(counts, ", "));
  text += ". " + i18n::text(lang, "segments.dry_run");
  if (!lines.empty()) {
    text += "\n" + i18n::text(lang, lines.size() < static_cast<std::size_t>(total) ? "segments.for_example"
                                                                                   : "segments.they_are");
    for (const auto& line : lines) text += "\n" + line;
  } else if (total > 0 && !examples_allowed) {
    text += "\n" + i18n::text(lang, "segments.no_examples");
  }
  post_in_general(std::move(text), now);
}

}  // namespace topicdesk::relay
