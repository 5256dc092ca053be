// The dashboard's broadcasts page (list, progress, report; making one from a template and a
// segment, and confirming, pausing, resuming or cancelling it) and its connections page (the
// parameters as configured and the doctor's latest findings). Broadcasts are made and change
// state through the connection's engine, as the Topics API does (relay/engine.h, "Broadcasts"),
// so General is told who did what.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/utf8.h"
#include "crm/broadcast.h"
#include "crm/segment.h"
#include "crm/templates.h"
#include "http/error_status.h"
#include "web/dashboard_support.h"

namespace topicdesk::web {
namespace json = boost::json;
using core::UnixMillis;
using http::Response;

namespace {

// Parameters whose value is a secret, or may hold one (URLs with credentials): shown as hidden.
constexpr std::array<std::string_view, 2> kSecretParameters = {"WEBHOOKS_SECRET", "WEBHOOKS"};

constexpr std::array<std::pair<std::string_view, crm::SendAction>, 4> kActions = {{
    {"confirm", crm::SendAction::kConfirm},
    {"pause", crm::SendAction::kPause},
    {"resume", crm::SendAction::kResume},
    {"cancel", crm::SendAction::kCancel},
}};

// What General is told: "Ann (@ann) on the dashboard", in the language General reads; refusals
// come back in the page's.
relay::BroadcastOrigin origin_of(const store::Operator& op, const relay::ConnectionContext& ctx,
                                 std::string_view page_language) {
  return {i18n::text(ctx.params.language, "web.on_the_dashboard", {{"name", operator_name(op)}}), op.id,
          std::string(page_language)};
}

// The doctor's latest findings of a connection, in the page's language.
json::value findings_json(const doctor::FindingsBoard* board, core::ConnectionId id,
                          std::string_view language) {
  auto latest = board != nullptr ? board->latest(id) : std::nullopt;
  if (!latest) return nullptr;
  json::array items;
  for (const auto& f : latest->findings.items) {
    items.push_back(json::object{{"level", doctor::to_string(f.level)},
                                 {"what", doctor::what_text(f, language)},
                                 {"fix", doctor::fix_text(f, language)}});
  }
  return json::object{{"checked_at", latest->checked_at},
                      {"healthy", latest->findings.healthy()},
                      {"items", std::move(items)}};
}

}  // namespace

Response Dashboard::broadcasts(const Viewer& v) {
  json::array out;
  for (const auto* c : v.connections) {
    const auto& ctx = v.context(*c);
    for (const auto& b : store_.broadcasts_of(ctx.id, 100)) {
      auto counts = store_.broadcast_counts(b.id);
      out.push_back(json::object{{"id", b.id},
                                 {"connection", ctx.name},
                                 {"state", store::to_string(b.state)},
                                 {"recipients", b.recipients},
                                 {"template", b.template_name},
                                 {"created_at", b.created_at},
                                 {"started_at", b.started_at},
                                 {"finished_at", b.finished_at},
                                 {"total", counts.total()},
                                 {"finished", counts.finished()},
                                 {"sent", counts.sent},
                                 {"failed", counts.failed},
                                 {"blocked", counts.blocked},
                                 {"skipped", counts.skipped},
                                 {"report", !b.report.empty() && v.sees(*c)},
                                 {"actions", actions_json(v, *c, b.state)}});
    }
  }
  return json_ok({{"broadcasts", std::move(out)}});
}

Response Dashboard::broadcast_report(const Viewer& v, const http::Request& request) {
  auto id = parse_int(param(query_of(request), "id"));
  if (!id) return json_refused(400, v.text("web.error.broadcast_id_required"));
  auto b = store_.broadcast(*id);
  const DashboardConnection* c = b ? v.connection(b->connection_id) : nullptr;
  if (!b || c == nullptr) return json_refused(404, v.text("web.error.no_broadcast"));
  // The report names every recipient: HIDE_INFO keeps it from those who may not see them.
  if (!v.sees(*c)) return json_refused(403, v.text("web.error.report_hidden"));
  if (b->report.empty()) return json_refused(404, v.text("web.error.report_pending"));
  return csv_download(b->report, fmt::format("broadcast-{}.csv", b->id));
}

Response Dashboard::connections(const Viewer& v) {
  json::array out;
  for (const auto* c : v.connections) {
    const auto& ctx = v.context(*c);
    json::array params;
    for (const auto& [name, value] : c->parameters) {
      const bool secret =
          std::find(kSecretParameters.begin(), kSecretParameters.end(), name) != kSecretParameters.end();
      params.push_back(
          json::object{{"name", name}, {"value", secret ? v.text("web.connections.hidden_value") : value}});
    }
    out.push_back(json::object{{"id", ctx.id},
                               {"name", ctx.name},
                               {"findings", findings_json(options_.findings, ctx.id, v.language)},
                               {"mode", c->mode},
                               {"transport", c->transport},
                               {"bot_username", ctx.bot_username},
                               {"group_id", ctx.group_id},
                               {"parameters", std::move(params)}});
  }
  return json_ok({{"connections", std::move(out)}});
}

// What the viewer may do to a broadcast in `state` now (nothing unless they manage broadcasts).
json::array Dashboard::actions_json(const Viewer& v, const DashboardConnection& c,
                                    store::BroadcastState state) {
  json::array out;
  if (!v.manages(c)) return out;
  for (const auto& [name, action] : kActions) {
    if (!crm::action_refused("en", action, state)) out.emplace_back(name);
  }
  return out;
}

// A broadcast of a saved template to "all" or a segment, made unconfirmed: the answer (and
// General) says how many it reaches, and the operator confirms it with broadcast_action.
Response Dashboard::create_broadcast(const Viewer& v, const http::Request& request, UnixMillis now) {
  auto body = json_body(request);
  if (!body)
    return json_refused(
        400, v.text("web.error.expected_json", {{"fields", "connection_id, template, recipients"}}));
  const auto* c = v.connection(int_field(*body, "connection_id").value_or(0));
  if (c == nullptr) return json_refused(404, v.text("web.error.no_connection"));
  if (!v.manages(*c)) return json_refused(403, v.text("web.error.may_not_send"));
  crm::SendRequest r;
  r.template_name = core::trim(string_field(*body, "template"));
  if (auto valid = crm::check_template_name(r.template_name, v.language); !valid)
    return json_refused(400, "template: " + valid.error().message);
  const std::string recipients = core::trim(string_field(*body, "recipients"));
  if (recipients.empty()) return json_refused(400, v.text("web.error.recipients_required"));
  if (core::lower_ascii(recipients) == "all") {
    r.kind = crm::RecipientsKind::kAll;
    r.recipients = "all";
  } else {
    auto parsed = crm::parse_segment(recipients);
    if (!parsed) return json_refused(400, "recipients: " + crm::describe(parsed.error, v.language));
    const auto& params = v.context(*c).params;
    if (params.hide_info != core::HideInfo::kOff && parsed.segment->uses_fields() && !v.sees(*c))
      return json_refused(403, v.text("web.error.fields_hidden"));
    r.kind = crm::RecipientsKind::kSegment;
    r.segment = parsed.segment->to_string();
    r.recipients = "segment " + r.segment;
  }
  auto made = c->engine->api_create_broadcast(r, 0, /*confirm=*/false, now,
                                              origin_of(v.op, v.context(*c), v.language));
  if (made.broadcast.id == 0)
    return json_refused(http::status_for(made.code), made.field + ": " + made.refused);
  if (options_.on_outbox) options_.on_outbox();
  return json_ok({{"id", made.broadcast.id},
                  {"state", store::to_string(made.broadcast.state)},
                  {"recipients", made.counts.pending},
                  {"skipped", made.counts.skipped}});
}

Response Dashboard::broadcast_action(const Viewer& v, const http::Request& request, UnixMillis now) {
  auto body = json_body(request);
  if (!body) return json_refused(400, v.text("web.error.expected_json", {{"fields", "id, action"}}));
  auto b = store_.broadcast(int_field(*body, "id").value_or(0));
  const DashboardConnection* c = b ? v.connection(b->connection_id) : nullptr;
  if (!b || c == nullptr) return json_refused(404, v.text("web.error.no_broadcast"));
  if (!v.manages(*c)) return json_refused(403, v.text("web.error.may_not_send"));
  const std::string name = string_field(*body, "action");
  auto known = std::find_if(kActions.begin(), kActions.end(), [&](const auto& a) { return a.first == name; });
  if (known == kActions.end()) return json_refused(400, v.text("web.error.action_values"));
  auto changed =
      c->engine->api_broadcast_action(b->id, known->second, now, origin_of(v.op, v.context(*c), v.language));
  if (!changed) return json_refused(http::status_for(changed.error()), changed.error().message);
  if (options_.on_outbox) options_.on_outbox();
  return json_ok({{"id", changed->id}, {"state", store::to_string(changed->state)}});
}

Response Dashboard::check_connections(const Viewer& v) {
  if (options_.findings == nullptr) return json_refused(404, v.text("web.error.no_doctor"));
  if (v.connections.empty()) return json_refused(404, v.text("web.error.no_connections"));
  options_.findings->request_check();
  return json_ok({{"requested", true}});
}

}  // namespace topicdesk::web
