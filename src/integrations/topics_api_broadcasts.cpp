#include "integrations/topics_api_broadcasts.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <set>

#include "core/utf8.h"
#include "crm/broadcast.h"
#include "crm/broadcast_rows.h"
#include "crm/segment.h"
#include "crm/templates.h"
#include "integrations/topics_api_call.h"

namespace topicdesk::integrations {
namespace json = boost::json;
using store::BroadcastState;

namespace {

constexpr std::int64_t kDefaultReportLimit = 100;
constexpr std::int64_t kMaxReportLimit = 1000;
constexpr core::UnixMillis kMaxScheduleAhead = 366LL * 86'400'000;

json::value seconds_or_null(core::UnixMillis at) {
  return at == 0 ? json::value(nullptr) : json::value(at / 1000);
}

json::object broadcast_json(store::Store& store, const store::Broadcast& b) {
  auto c = store.broadcast_counts(b.id);
  return {{"id", b.id},
          {"state", store::to_string(b.state)},
          {"template", b.template_name.empty() ? json::value(nullptr) : json::value(b.template_name)},
          {"recipients", b.recipients},
          {"created_by", b.creator_id == 0 ? json::value(nullptr) : json::value(b.creator_id)},
          {"created_at", b.created_at / 1000},
          {"scheduled_at", seconds_or_null(b.scheduled_at)},
          {"started_at", seconds_or_null(b.started_at)},
          {"finished_at", seconds_or_null(b.finished_at)},
          {"counts", json::object{{"total", c.total()},
                                  {"pending", c.pending},
                                  {"sending", c.sending},
                                  {"sent", c.sent},
                                  {"failed", c.failed},
                                  {"blocked", c.blocked},
                                  {"skipped", c.skipped}}},
          {"report_ready", b.finished_at != 0 && !b.report.empty()}};
}

ApiResponse invalid(std::string_view code, const std::string& message) {
  return api_error(core::ErrorCode::kInvalid, code, message);
}

// The recipients field: "all", a segment expression, or a list of user ids.
std::variant<crm::SendRequest, ApiResponse> recipients_of(const json::object& request,
                                                          const core::Parameters& params) {
  crm::SendRequest r;
  const auto* value = request.if_contains("recipients");
  if (value == nullptr || value->is_null())
    return api_error(core::ErrorCode::kInvalid, "missing_field",
                     "field \"recipients\" is required: \"all\", a segment expression or a list of user ids");
  if (const auto* list = value->if_array()) {
    if (list->empty()) return invalid("invalid_field", "field \"recipients\" must not be an empty list");
    if (list->size() > kMaxApiListedUsers)
      return invalid(
          "invalid_field",
          fmt::format("field \"recipients\" lists {} user ids; at most {} (use \"all\" or a segment "
                      "for more)",
                      list->size(), kMaxApiListedUsers));
    std::set<core::UserId> seen;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& id = (*list)[i];
      std::optional<std::int64_t> user;
      if (id.is_int64() && id.get_int64() > 0) user = id.get_int64();
      if (id.is_uint64() && id.get_uint64() <= static_cast<std::uint64_t>(kMaxId)) user = id.get_uint64();
      if (!user)
        return invalid("invalid_field",
                       fmt::format("field \"recipients\": item {} is not a user id (a positive integer)", i));
      if (seen.insert(*user).second) r.users.push_back(*user);
    }
    r.kind = crm::RecipientsKind::kList;
    r.recipients = "list of " + std::to_string(r.users.size());
    return r;
  }
  if (!value->is_string())
    return invalid("invalid_field",
                   "field \"recipients\" must be \"all\", a segment expression or a list of user ids");
  std::string text = core::trim(std::string_view(value->get_string()));
  if (text.empty()) return invalid("invalid_field", "field \"recipients\" must not be empty");
  if (core::lower_ascii(text) == "all") {
    r.kind = crm::RecipientsKind::kAll;
    r.recipients = "all";
    return r;
  }
  auto parsed = crm::parse_segment(text);
  if (!parsed) {
    json::object error{
        {"code", "invalid_segment"},
        {"message", "field \"recipients\": not \"all\" and not a segment: " + crm::describe(parsed.error)},
        {"column", parsed.error.column},
        {"token", parsed.error.token}};
    return ApiResponse{400, json::serialize(json::object{{"ok", false}, {"error", std::move(error)}})};
  }
  if (params.hide_info != core::HideInfo::kOff && parsed.segment->uses_fields())
    return api_error(
        core::ErrorCode::kForbidden, "fields_hidden",
        "field \"recipients\": field: terms read custom fields, which HIDE_INFO hides from the API");
  r.kind = crm::RecipientsKind::kSegment;
  r.segment = parsed.segment->to_string();
  r.recipients = "segment " + r.segment;
  return r;
}

// scheduled_at: Unix seconds or ISO 8601 with a zone; 0 when absent.
std::variant<core::UnixMillis, ApiResponse> scheduled_at_of(const json::object& request,
                                                            core::UnixMillis now) {
  const auto* value = request.if_contains("scheduled_at");
  if (value == nullptr || value->is_null()) return core::UnixMillis{0};
  core::UnixMillis at = 0;
  if (value->is_int64() || value->is_uint64()) {
    const std::int64_t seconds = value->is_int64() ? value->get_int64() : kMaxId;
    if (seconds <= 0 || seconds > kMaxId / 1000)
      return invalid("invalid_field", "field \"scheduled_at\" must be Unix seconds or ISO 8601 with a zone");
    at = seconds * 1000;
  } else if (value->is_string()) {
    auto parsed = crm::parse_iso_instant(value->get_string());
    if (!parsed) return invalid("invalid_field", "field \"scheduled_at\" " + parsed.error().message);
    at = *parsed;
  } else {
    return invalid("invalid_field", "field \"scheduled_at\" must be Unix seconds or ISO 8601 with a zone");
  }
  if (at <= now) return invalid("invalid_field", "field \"scheduled_at\" is in the past");
  if (at - now > kMaxScheduleAhead)
    return invalid("invalid_field", "field \"scheduled_at\" is more than a year ahead");
  return at;
}

ApiResponse create(store::Store& store, relay::Engine& engine, const json::object& request,
                   core::UnixMillis now, const std::function<void()>& on_outbox) {
  const auto& context = engine.context();
  Fields f(request);
  auto name = f.text("template", true, crm::kMaxTemplateName + 8);
  if (f.failed()) return f.error();
  if (auto valid = crm::check_template_name(*name); !valid)
    return invalid("invalid_field", "field \"template\": " + valid.error().message);
  if (f.present("confirm") && !request.at("confirm").is_bool())
    return invalid("invalid_field", "field \"confirm\" must be true or false");
  const bool confirm = !f.present("confirm") || request.at("confirm").as_bool();
  auto recipients = recipients_of(request, context.params);
  if (auto* error = std::get_if<ApiResponse>(&recipients)) return *error;
  auto at = scheduled_at_of(request, now);
  if (auto* error = std::get_if<ApiResponse>(&at)) return *error;
  crm::SendRequest r = std::get<crm::SendRequest>(std::move(recipients));
  r.template_name = *name;
  auto made = engine.api_create_broadcast(r, std::get<core::UnixMillis>(at), confirm, now);
  if (made.broadcast.id == 0) {
    std::string code = "invalid_field";
    if (made.code == core::ErrorCode::kNotFound)
      code = made.field == "template" ? "unknown_template" : "unknown_label";
    if (made.field == "recipients" && made.code == core::ErrorCode::kInvalid) code = "no_recipients";
    return api_error(made.code, code, fmt::format("field \"{}\": {}", made.field, made.refused));
  }
  if (on_outbox) on_outbox();
  auto stored = store.broadcast(made.broadcast.id);
  return ok({{"broadcast", broadcast_json(store, stored.value_or(made.broadcast))}});
}

// The broadcast named by broadcast_id, this connection's, or the error to answer.
std::variant<store::Broadcast, ApiResponse> named(store::Store& store,
                                                  const relay::ConnectionContext& context, Fields& f) {
  auto id = f.integer("broadcast_id", true, 1, kMaxId);
  if (f.failed()) return f.error();
  auto b = store.broadcast(*id);
  if (!b || b->connection_id != context.id)
    return api_error(
        core::ErrorCode::kNotFound, "unknown_broadcast",
        fmt::format("field \"broadcast_id\": connection {} has no broadcast {}", context.name, *id));
  return *b;
}

ApiResponse report(store::Store& store, const relay::ConnectionContext& context, const store::Broadcast& b,
                   Fields& f) {
  auto format = f.text("format", false, 8);
  auto state = f.text("status", false, 16);
  auto limit = f.integer("limit", false, 1, kMaxReportLimit);
  auto after = f.integer("after", false, 0, kMaxId);
  if (f.failed()) return f.error();
  const bool csv = format && *format == "csv";
  if (format && !csv && *format != "json")
    return invalid("invalid_field", "field \"format\" must be json or csv");
  std::optional<store::RecipientState> only;
  if (state) {
    only = store::recipient_state_from_string(*state);
    if (!only || *only == store::RecipientState::kSending)
      return invalid("invalid_field", "field \"status\" must be pending, sent, failed, blocked or skipped");
  }
  const auto hide = context.params.hide_info;
  auto page = crm::report_page(store, context.id, hide, b.id, only, after.value_or(0),
                               static_cast<int>(limit.value_or(kDefaultReportLimit)));
  json::object result{{"broadcast", broadcast_json(store, b)}};
  result["next_after"] = page.more ? json::value(page.rows.back().user_id) : json::value(nullptr);
  if (csv) {
    std::string text = after.value_or(0) == 0 ? crm::report_csv_header() : std::string();
    for (const auto& row : page.rows) text += crm::report_csv_row(row);
    result["csv"] = std::move(text);
    return ok(std::move(result));
  }
  json::array rows;
  for (std::size_t i = 0; i < page.rows.size(); ++i) {
    const auto& row = page.rows[i];
    json::array ids;
    for (auto id : row.message_ids) ids.push_back(id);
    json::object o{{"user_id", row.user_id}, {"hidden", hide != core::HideInfo::kOff}};
    if (hide != core::HideInfo::kOff)
      o["pseudonym"] = page.pseudonyms[i];
    else
      o["name"] = row.name;
    o["status"] = store::to_string(row.state);
    o["error"] = crm::report_error(row);
    o["message_ids"] = std::move(ids);
    o["sent_at"] = seconds_or_null(row.sent_at);
    rows.push_back(std::move(o));
  }
  result["rows"] = std::move(rows);
  return ok(std::move(result));
}

}  // namespace

std::optional<ApiResponse> broadcast_action(store::Store& store, relay::Engine& engine,
                                            std::string_view action, const json::object& request,
                                            core::UnixMillis now, const std::function<void()>& on_outbox) {
  static const std::pair<std::string_view, crm::SendAction> kChanges[] = {
      {"confirm_broadcast", crm::SendAction::kConfirm},
      {"pause_broadcast", crm::SendAction::kPause},
      {"resume_broadcast", crm::SendAction::kResume},
      {"cancel_broadcast", crm::SendAction::kCancel},
  };
  const auto& context = engine.context();
  if (action == "create_broadcast") return create(store, engine, request, now, on_outbox);
  const bool status = action == "broadcast_status";
  const bool report_rows = action == "broadcast_report";
  const crm::SendAction* change = nullptr;
  for (const auto& [name, what] : kChanges) {
    if (action == name) change = &what;
  }
  if (!status && !report_rows && change == nullptr) return std::nullopt;
  Fields f(request);
  auto b = named(store, context, f);
  if (auto* error = std::get_if<ApiResponse>(&b)) return *error;
  const auto& broadcast = std::get<store::Broadcast>(b);
  if (status) return ok({{"broadcast", broadcast_json(store, broadcast)}});
  if (report_rows) return report(store, context, broadcast, f);
  auto changed = engine.api_broadcast_action(broadcast.id, *change, now);
  if (!changed) {
    const bool conflict = changed.error().code == core::ErrorCode::kConflict;
    return api_error(changed.error().code, conflict ? "invalid_state" : "unknown_broadcast",
                     "field \"broadcast_id\": " + changed.error().message);
  }
  if (on_outbox) on_outbox();
  return ok({{"broadcast", broadcast_json(store, *changed)}});
}

}  // namespace topicdesk::integrations
