// Broadcasts in General (docs/broadcasts.md): /send creates a broadcast of the message it
// replies to (its whole album; /send add chains more) or of a saved template (/send
// template:NAME), lists its recipients and asks for confirmation; /send confirm, cancel, pause,
// resume and status act on one. `/send file` has the dispatcher read its document first
// (job::kReadIdsFile) and makes the broadcast when the text comes back (kIdsFileRead).
// BROADCAST_MONTHLY_QUOTA is checked when a broadcast is made, confirmed and resumed. The Topics
// API makes and acts on broadcasts through the same functions (api_create_broadcast,
// api_broadcast_action). The sending itself is the broadcast sender's
// (relay/broadcast_sender.h), which picks up the state written here; when a broadcast ends the
// sender reports it and the CSV report is made and posted here.
#include <algorithm>
#include <boost/json.hpp>

#include "core/utf8.h"
#include "crm/broadcast.h"
#include "crm/broadcast_report.h"
#include "crm/broadcast_rows.h"
#include "crm/permissions.h"
#include "crm/segment_members.h"
#include "i18n/catalog.h"
#include "relay/engine.h"

namespace topicdesk::relay {
namespace json = boost::json;
namespace {

using store::BroadcastState;
using store::RecipientState;

// "/send: …": an error about what was written after /send.
std::string send_error_in(std::string_view language, const std::string& why) {
  return i18n::text(language, "broadcasts.send_error", {{"why", why}});
}

const core::TimeZone& zone_of(const core::Parameters& params) {
  static const core::TimeZone kUtc;
  return params.working_hours ? params.working_hours->zone : kUtc;
}

}  // namespace

void Engine::on_send_command(const core::Command& command, const core::Event& e, core::UnixMillis now) {
  auto request = crm::parse_send(command.args, operator_language());
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
    return post_in_general(crm::management_refused(operator_language(), "crm.send_broadcasts", actor), now);
  if (!request) return post_in_general(send_error_in(operator_language(), request.error().message), now);
  if (request->action == crm::SendAction::kCreate) return create_broadcast(*request, e, now);
  if (request->action == crm::SendAction::kAdd) return add_to_broadcast(*request, e, now);

  if (named && !b)
    return post_in_general(i18n::text(operator_language(), "broadcasts.no_such",
                                      {{"id", std::to_string(request->broadcast_id)}}),
                           now);
  if (!b) {  // the newest broadcast the action fits
    for (auto& candidate : store_.broadcasts_of(context_.id, 50)) {
      if (!crm::action_refused(operator_language(), request->action, candidate.state)) {
        b = std::move(candidate);
        break;
      }
    }
    if (!b)
      return post_in_general(
          i18n::text(operator_language(), "broadcasts.nothing_fits", {{"args", command.args}}), now);
  }
  if (request->action == crm::SendAction::kStatus) {
    return post_in_general(crm::progress_text(operator_language(), *b, store_.broadcast_counts(b->id), 0),
                           now);
  }
  if (auto why = crm::action_refused(operator_language(), request->action, b->state))
    return post_in_general(i18n::text(operator_language(), "broadcasts.action_refused",
                                      {{"id", std::to_string(b->id)}, {"why", *why}}),
                           now);

  if (auto over = broadcast_quota_refused(operator_language(), *b, request->action, now))
    return post_in_general(i18n::text(operator_language(), "broadcasts.quota_refused",
                                      {{"id", std::to_string(b->id)}, {"why", *over}}),
                           now);
  post_in_general(
      crm::state_changed_text(operator_language(), *b, apply_broadcast_action(*b, request->action, now)),
      now);
}

std::string Engine::apply_broadcast_action(store::Broadcast& b, crm::SendAction action,
                                           core::UnixMillis now) {
  const BroadcastState next = crm::state_after(action, b);
  std::string said;
  switch (action) {
    case crm::SendAction::kConfirm:
      said = next == BroadcastState::kScheduled
                 ? i18n::text(operator_language(), "broadcasts.confirmed_at",
                              {{"when", crm::format_wall_time(b.scheduled_at, zone_of(context_.params))}})
                 : i18n::text(operator_language(), "broadcasts.confirmed_now");
      break;
    case crm::SendAction::kCancel: {
      auto skipped = store_.skip_pending_broadcast_recipients(
          b.id, i18n::text(operator_language(), "broadcasts.skip_cancelled"));
      said = i18n::text(operator_language(), "broadcasts.cancelled", {{"count", std::to_string(skipped)}});
      if (b.started_at == 0 && b.state != BroadcastState::kRunning && b.state != BroadcastState::kPaused)
        b.finished_at = now;  // nothing was ever sent: no report
      break;
    }
    case crm::SendAction::kPause:
      said = i18n::text(operator_language(), "broadcasts.paused", {{"id", std::to_string(b.id)}});
      break;
    case crm::SendAction::kResume:
      said = i18n::text(operator_language(), "broadcasts.resumed");
      break;
    default:
      break;
  }
  b.state = next;
  store_.update_broadcast(b);
  return said;
}

std::optional<std::string> Engine::broadcast_quota_refused(std::string_view language,
                                                           const store::Broadcast& b, crm::SendAction action,
                                                           core::UnixMillis now) {
  // The monthly quota: a broadcast starts only when all its users fit what is left; one paused
  // by the quota goes on while anything is left (and pauses again when that is used).
  if (action != crm::SendAction::kConfirm && action != crm::SendAction::kResume) return std::nullopt;
  auto counts = store_.broadcast_counts(b.id);
  auto use = broadcast_quota_use(counts.pending + counts.sending, now);
  if (action == crm::SendAction::kResume && use.quota > 0 && use.left() > 0) use.needed = 0;
  auto over = crm::quota_refusal(use, broadcast_quota_renewal(now));
  if (!over) return std::nullopt;
  return i18n::text(
      language, action == crm::SendAction::kConfirm ? "broadcasts.cannot_start" : "broadcasts.cannot_go_on",
      {{"why", i18n::text(language, *over)}});
}

core::Result<std::vector<core::MessageId>> Engine::broadcast_messages(const core::Event& e) {
  const core::MessageId replied = e.replied.message_id != 0 ? e.replied.message_id : e.reply_to_message_id;
  if (e.replied.media_group_id.empty()) return std::vector<core::MessageId>{replied};
  // An album goes whole: the items the desk saw posted in the group (kept a day, as templates
  // keep them), in order; copyMessages keeps them one album in the user's chat.
  std::vector<core::MessageId> ids;
  bool has_replied = false;
  for (const auto& item : store_.album_items(context_.id, e.replied.media_group_id)) {
    ids.push_back(item.message_id);
    has_replied = has_replied || item.message_id == replied;
  }
  if (!has_replied || ids.size() < 2)
    return core::make_error(i18n::text(operator_language(), "broadcasts.album_not_whole"));
  std::sort(ids.begin(), ids.end());
  return ids;
}

crm::QuotaUse Engine::broadcast_quota_use(std::int64_t needed, core::UnixMillis now) {
  crm::QuotaUse use{.quota = context_.params.broadcast_monthly_quota, .needed = needed};
  if (use.quota > 0)
    use.used = store_.broadcast_sends_since(context_.id, crm::month_start(now, zone_of(context_.params)));
  return use;
}

std::string Engine::broadcast_quota_renewal(core::UnixMillis now) {
  const auto& zone = zone_of(context_.params);
  return crm::format_wall_time(crm::next_month_start(now, zone), zone);
}

void Engine::create_broadcast(const crm::SendRequest& request, const core::Event& e, core::UnixMillis now) {
  const bool file = request.kind == crm::RecipientsKind::kFile;
  if (file && (e.content != core::ContentKind::kDocument || e.file_id.empty()))
    return post_in_general(i18n::text(operator_language(), "broadcasts.file_attach"), now);
  const bool from_template = !request.template_name.empty();
  if (e.reply_to_message_id == 0 && !from_template) {
    if (file) return post_in_general(i18n::text(operator_language(), "broadcasts.file_reply_needed"), now);
    return post_in_general(i18n::text(operator_language(), "broadcasts.reply_needed",
                                      {{"usage", crm::usage_text(operator_language())}}),
                           now);
  }
  std::vector<core::MessageId> messages;
  if (!from_template) {
    auto replied = broadcast_messages(e);
    if (!replied) return post_in_general(send_error_in(operator_language(), replied.error().message), now);
    messages = std::move(*replied);
  }
  const core::UserId creator = e.sender_is_anonymous_admin ? 0 : e.from.id;
  core::UnixMillis scheduled_at = 0;
  std::string when;
  if (request.at) {
    auto at = crm::resolve_wall_time(*request.at, zone_of(context_.params), now, operator_language());
    if (!at) return post_in_general(send_error_in(operator_language(), at.error().message), now);
    scheduled_at = *at;
    when = crm::format_wall_time(*at, zone_of(context_.params));
  }
  if (file) {
    // Reading the document is I/O: the dispatcher fetches it (job::kReadIdsFile) and gives it
    // back as a kIdsFileRead event with this request; the broadcast is made then.
    json::array ids;
    for (auto id : messages) ids.push_back(id);
    json::object job{{"file_id", e.file_id},
                     {"request", json::object{{"message_ids", std::move(ids)},
                                              {"template", request.template_name},
                                              {"creator", creator},
                                              {"scheduled_at", scheduled_at},
                                              {"when", when}}}};
    enqueue(job::kReadIdsFile, JobPayload{.to = Side::kGroup, .text = json::serialize(job)},
            kPriorityOperatorReply, now);
    return;
  }
  post_made(make_broadcast(request, std::move(messages), creator, scheduled_at, now, operator_language()),
            when, now);
}

void Engine::post_made(const BroadcastMade& made, const std::string& when, core::UnixMillis now) {
  if (made.broadcast.id == 0) return post_in_general(send_error_in(operator_language(), made.said), now);
  if (!made.refused.empty())
    return post_in_general(i18n::text(operator_language(), "broadcasts.not_made",
                                      {{"id", std::to_string(made.broadcast.id)}, {"why", made.said}}),
                           now);
  post_in_general(crm::confirmation_text(operator_language(), made.broadcast, made.counts, when), now);
}

void Engine::on_ids_file_read(const core::Event& e, core::UnixMillis now) {
  if (table_file_read(e, now)) return;  // `/table import`'s CSV: engine_tables.cpp
  boost::system::error_code ec;
  json::value parsed = json::parse(e.text, ec);
  const json::object* answer = !ec && parsed.is_object() ? &parsed.as_object() : nullptr;
  const json::value* request = answer != nullptr ? answer->if_contains("request") : nullptr;
  if (request == nullptr || !request->is_object()) return;
  const json::object& r = request->as_object();
  auto integer = [&r](std::string_view key) -> std::int64_t {
    const auto* v = r.if_contains(key);
    return v != nullptr && v->is_int64() ? v->get_int64() : 0;
  };
  const std::string language = operator_language();
  const auto refused = [&language](const std::string& why) {
    return i18n::text(language, "broadcasts.file_not_made", {{"why", why}});
  };
  if (const auto* error = answer->if_contains("error"); error != nullptr && error->is_string())
    return post_in_general(refused(std::string(error->get_string())), now);
  const auto* content = answer->if_contains("content");
  if (content == nullptr || !content->is_string()) return;
  auto text = crm::ids_file_text(content->get_string(), language);
  if (!text) return post_in_general(refused(text.error().message), now);
  auto users = crm::parse_user_ids(*text, crm::kMaxListedUsers, language);
  if (!users)
    return post_in_general(
        refused(i18n::text(language, "broadcasts.file_has", {{"what", users.error().message}})), now);
  if (users->empty()) return post_in_general(refused(i18n::text(language, "broadcasts.file_no_ids")), now);
  std::vector<core::MessageId> messages;
  if (const auto* ids = r.if_contains("message_ids"); ids != nullptr && ids->is_array()) {
    for (const auto& id : ids->get_array()) {
      if (id.is_int64()) messages.push_back(id.get_int64());
    }
  }
  crm::SendRequest list;
  if (const auto* name = r.if_contains("template"); name != nullptr && name->is_string())
    list.template_name = std::string(name->get_string());
  if (messages.empty() && list.template_name.empty()) return;
  list.kind = crm::RecipientsKind::kList;
  list.recipients = "file of " + std::to_string(users->size());
  list.users = std::move(*users);
  const auto* when = r.if_contains("when");
  post_made(make_broadcast(list, std::move(messages), integer("creator"), integer("scheduled_at"), now,
                           operator_language()),
            when != nullptr && when->is_string() ? std::string(when->get_string()) : std::string(), now);
}

void Engine::add_to_broadcast(const crm::SendRequest& request, const core::Event& e, core::UnixMillis now) {
  if (e.reply_to_message_id == 0)
    return post_in_general(i18n::text(operator_language(), "broadcasts.add_reply_needed"), now);
  std::optional<store::Broadcast> b;
  if (request.broadcast_id != 0) {
    b = store_.broadcast(request.broadcast_id);
    if (!b || b->connection_id != context_.id)
      return post_in_general(i18n::text(operator_language(), "broadcasts.no_such",
                                        {{"id", std::to_string(request.broadcast_id)}}),
                             now);
  } else {
    for (auto& candidate : store_.broadcasts_of(context_.id, 50)) {
      if (candidate.state == BroadcastState::kConfirming) {
        b = std::move(candidate);
        break;
      }
    }
    if (!b) return post_in_general(i18n::text(operator_language(), "broadcasts.add_nothing_waits"), now);
  }
  if (auto why = crm::action_refused(operator_language(), crm::SendAction::kAdd, b->state))
    return post_in_general(i18n::text(operator_language(), "broadcasts.action_refused",
                                      {{"id", std::to_string(b->id)}, {"why", *why}}),
                           now);
  if (!b->template_name.empty())
    return post_in_general(i18n::text(operator_language(), "broadcasts.add_to_template",
                                      {{"id", std::to_string(b->id)}, {"name", b->template_name}}),
                           now);
  auto messages = broadcast_messages(e);
  if (!messages) return post_in_general(send_error_in(operator_language(), messages.error().message), now);
  std::vector<core::MessageId> all = b->message_ids;
  all.insert(all.end(), messages->begin(), messages->end());
  // copyMessages sends them in the order they were posted (its ids increase).
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  if (all.size() > crm::kMaxBroadcastMessages)
    return post_in_general(i18n::text(operator_language(), "broadcasts.add_too_many",
                                      {{"id", std::to_string(b->id)},
                                       {"count", std::to_string(all.size())},
                                       {"max", std::to_string(crm::kMaxBroadcastMessages)}}),
                           now);
  b->message_ids = std::move(all);
  store_.update_broadcast(*b);
  const std::string when =
      b->scheduled_at != 0 ? crm::format_wall_time(b->scheduled_at, zone_of(context_.params)) : std::string();
  post_in_general(crm::confirmation_text(operator_language(), *b, store_.broadcast_counts(b->id), when), now);
}

Engine::BroadcastMade Engine::make_broadcast(const crm::SendRequest& request,
                                             std::vector<core::MessageId> messages, core::UserId creator,
                                             core::UnixMillis scheduled_at, core::UnixMillis now,
                                             std::string_view reader) {
  BroadcastMade made;
  // General reads why in LANGUAGE, a caller outside the group in `reader`.
  const std::string language = operator_language();
  auto refuse = [&made](std::string field, core::ErrorCode code, std::string said, std::string refused) {
    made.field = std::move(field);
    made.code = code;
    made.said = std::move(said);
    made.refused = std::move(refused);
    return made;
  };
  auto refuse_for = [&](std::string field, core::ErrorCode code, const i18n::Message& why) {
    return refuse(std::move(field), code, i18n::text(language, why), i18n::text(reader, why));
  };
  store::Broadcast& b = made.broadcast;
  b.connection_id = context_.id;
  b.creator_id = creator;
  b.recipients = request.recipients;
  b.state = BroadcastState::kConfirming;
  b.created_at = now;
  b.scheduled_at = scheduled_at;
  if (!request.template_name.empty()) {
    auto t = store_.template_by_name(context_.id, request.template_name);
    if (!t)
      return refuse_for("template", core::ErrorCode::kNotFound,
                        {"broadcasts.no_template", {{"name", request.template_name}}});
    if (auto why = crm::template_broadcast_refused(*t, context_.account))
      return refuse_for("template", core::ErrorCode::kInvalid, *why);
    b.template_name = t->name;
  } else {
    b.from_chat_id = context_.group_id;
    b.message_ids = std::move(messages);
  }
  std::optional<crm::Segment> segment;
  if (request.kind == crm::RecipientsKind::kSegment) {
    segment = crm::parse_segment(request.segment).segment;
    if (auto unknown = unknown_segment_label(*segment, language))
      return refuse("recipients", core::ErrorCode::kNotFound, std::move(*unknown),
                    unknown_segment_label(*segment, reader).value_or(std::string()));
  }
  if (request.kind == crm::RecipientsKind::kTest && b.creator_id == 0)
    return refuse_for("recipients", core::ErrorCode::kInvalid, {"broadcasts.test_anonymous"});
  b.id = store_.add_broadcast(b);
  switch (request.kind) {
    case crm::RecipientsKind::kTest:
      store_.add_broadcast_recipients(b.id, {b.creator_id});
      break;
    case crm::RecipientsKind::kAll:
      store_.add_broadcast_recipients_all(b.id, context_.id);
      break;
    case crm::RecipientsKind::kFile:  // read first: on_ids_file_read makes it a list
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
      store_.add_broadcast_recipients(b.id, unknown, RecipientState::kSkipped,
                                      i18n::text(language, "broadcasts.skip_never_wrote"));
      store_.add_broadcast_recipients(b.id, blocked, RecipientState::kSkipped,
                                      i18n::text(language, "broadcasts.skip_blocked"));
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
      store_.add_broadcast_recipients(b.id, blocked, RecipientState::kSkipped,
                                      i18n::text(language, "broadcasts.skip_blocked"));
      break;
    }
  }
  made.counts = store_.broadcast_counts(b.id);
  if (made.counts.pending == 0) {
    made.field = "recipients";
    const i18n::Message why =
        made.counts.total() == 0
            ? i18n::Message{"broadcasts.nobody"}
            : i18n::Message{"broadcasts.none_can_get_it", {{"count", std::to_string(made.counts.total())}}};
    made.said = i18n::text(language, why);
    made.refused = i18n::text(reader, why);
  } else if (auto over = crm::quota_refusal(broadcast_quota_use(made.counts.pending, now),
                                            broadcast_quota_renewal(now))) {
    made.field = "recipients";
    made.code = core::ErrorCode::kConflict;
    made.said = i18n::text(language, *over);
    made.refused = i18n::text(reader, *over);
    store_.skip_pending_broadcast_recipients(
        b.id, i18n::text(language, "broadcasts.skip_not_made", {{"why", made.said}}));
    made.counts = store_.broadcast_counts(b.id);
  }
  if (!made.refused.empty()) {
    b.state = BroadcastState::kCancelled;
    b.finished_at = now;
    store_.update_broadcast(b);
  }
  return made;
}

std::string Engine::broadcasts_of_template_note(std::string_view name) {
  std::string note;
  for (const auto& b : store_.broadcasts_of(context_.id, 50)) {
    if (b.finished_at != 0 || b.state == BroadcastState::kDone || b.state == BroadcastState::kCancelled ||
        core::lower_ascii(b.template_name) != core::lower_ascii(name))
      continue;
    note += (note.empty() ? "" : ", ") +
            ("#" + std::to_string(b.id) + " (" + crm::state_name(operator_language(), b.state) + ")");
  }
  if (note.empty()) return note;
  return "\n" + i18n::text(operator_language(), "broadcasts.template_note", {{"broadcasts", note}});
}

namespace {
// Thrown inside the API's transaction to roll a refused broadcast back.
struct NotMade {};
}  // namespace

Engine::BroadcastMade Engine::api_create_broadcast(const crm::SendRequest& request,
                                                   core::UnixMillis scheduled_at, bool confirm,
                                                   core::UnixMillis now, const BroadcastOrigin& origin) {
  BroadcastMade made;
  try {
    transaction([&] {
      made = make_broadcast(request, {}, origin.creator, scheduled_at, now, origin.language);
      if (made.broadcast.id == 0) return;
      if (!made.refused.empty()) throw NotMade{};
      store::Broadcast& b = made.broadcast;
      const std::string when = b.scheduled_at == 0
                                   ? std::string()
                                   : crm::format_wall_time(b.scheduled_at, zone_of(context_.params));
      if (!confirm) {
        post_in_general(crm::api_made_by_text(operator_language(), origin.by) + "\n" +
                            crm::confirmation_text(operator_language(), b, made.counts, when),
                        now);
        return;
      }
      b.state = crm::state_after(crm::SendAction::kConfirm, b);
      store_.update_broadcast(b);
      post_in_general(
          "🔌 " + crm::api_broadcast_started_text(operator_language(), b, made.counts, when, origin.by), now);
    });
  } catch (const NotMade&) {
    made.broadcast.id = 0;  // rolled back: nothing is kept
  }
  return made;
}

core::Result<store::Broadcast> Engine::api_broadcast_action(std::int64_t id, crm::SendAction action,
                                                            core::UnixMillis now,
                                                            const BroadcastOrigin& origin) {
  std::optional<core::Error> error;
  std::optional<store::Broadcast> b;
  transaction([&] {
    b = store_.broadcast(id);
    if (!b || b->connection_id != context_.id) {
      error = core::make_error(core::ErrorCode::kNotFound,
                               "connection " + context_.name + " has no broadcast #" + std::to_string(id));
      return;
    }
    if (auto why = crm::action_refused(origin.language, action, b->state)) {
      error = core::make_error(core::ErrorCode::kConflict, "broadcast #" + std::to_string(id) + ": " + *why);
      return;
    }
    if (auto over = broadcast_quota_refused(origin.language, *b, action, now)) {
      error = core::make_error(core::ErrorCode::kConflict, "broadcast #" + std::to_string(id) + " " + *over);
      return;
    }
    std::string said = apply_broadcast_action(*b, action, now);
    said = i18n::text(operator_language(), "broadcasts.changed_by", {{"what", said}, {"by", origin.by}});
    post_in_general("🔌 " + crm::state_changed_text(operator_language(), *b, said), now);
  });
  if (error) return *error;
  return *b;
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
  std::string csv =
      crm::report_csv(store_, context_.id, context_.params.hide_info, b->id, operator_language());
  b->report = csv;
  store_.update_broadcast(*b);
  std::string summary = crm::report_summary_text(operator_language(), *b, store_.broadcast_counts(b->id));
  if (b->state == BroadcastState::kCancelled && !b->template_name.empty()) {
    // The sender stopped it because its template was deleted: say so where it is read.
    const std::string gone = crm::template_gone_error(operator_language(), b->template_name);
    std::int64_t left_out = 0;
    for (core::UserId after = 0;;) {
      auto page = store_.broadcast_recipients(b->id, RecipientState::kSkipped, after, 1000);
      for (const auto& r : page) left_out += r.error == gone ? 1 : 0;
      if (page.size() < 1000) break;
      after = page.back().user_id;
    }
    if (left_out > 0)
      summary += "\n" + i18n::text(operator_language(), "broadcasts.template_deleted_note",
                                   {{"name", b->template_name}, {"count", std::to_string(left_out)}});
  }
  post_document(0, crm::report_file_name(b->id), std::move(csv), summary, now);
}

}  // namespace topicdesk::relay
