#include "web/dashboard_routes.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>
#include <charconv>
#include <chrono>

#include "analytics/analytics.h"
#include "analytics/report.h"
#include "core/clock.h"
#include "core/html.h"
#include "core/presentation.h"
#include "core/secret.h"
#include "core/utf8.h"
#include "crm/permissions.h"
#include "crm/template_render.h"
#include "crm/templates.h"
#include "exports/exports.h"
#include "relay/accounts.h"
#include "web/assets.h"
#include "web/dashboard_language.h"
#include "web/dashboard_support.h"
#include "web/label_rules.h"
#include "web/sessions.h"

namespace topicdesk::web {
namespace json = boost::json;
namespace bhttp = boost::beast::http;
using core::UnixMillis;
using http::Response;
using http::Verb;

namespace {

constexpr std::size_t kBodyLimit = 64 * 1024;
constexpr int kDialogPage = 500;
constexpr int kMaxDialogsScanned = 20'000;
constexpr int kMaxDialogsListed = 200;
constexpr int kMaxSearchResults = 100;
constexpr int kTranscriptPage = 500;
constexpr int kMaxTranscript = 5'000;
constexpr std::int64_t kDayMillis = 24LL * 3600 * 1000;

// Content-Security-Policy: nothing but the desk's own files; Telegram's web clients may frame
// the Mini App.
constexpr std::string_view kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'self' https://web.telegram.org";

const std::vector<RouteInfo> kRoutes = {
    {Verb::get, "/ui/login", Access::kPublic},
    {Verb::post, "/ui/login", Access::kPublic},
    {Verb::post, "/ui/api/miniapp", Access::kPublic},
    {Verb::get, "/ui/style.css", Access::kPublic},
    {Verb::get, "/ui/signin.js", Access::kPublic},
    {Verb::get, "/ui/", Access::kSession},
    {Verb::get, "/ui/app.js", Access::kSession},
    {Verb::get, "/ui/charts.js", Access::kSession},
    {Verb::get, "/ui/api/session", Access::kSession},
    {Verb::get, "/ui/api/i18n", Access::kSession},
    {Verb::post, "/ui/api/logout", Access::kSessionCsrf},
    {Verb::get, "/ui/api/overview", Access::kSession},
    {Verb::get, "/ui/api/dialogs", Access::kSession},
    {Verb::get, "/ui/api/dialog", Access::kSession},
    {Verb::get, "/ui/api/search", Access::kSession},
    {Verb::get, "/ui/api/transcript", Access::kSession},
    {Verb::get, "/ui/api/clients.csv", Access::kSession},
    {Verb::get, "/ui/api/templates", Access::kSession},
    {Verb::post, "/ui/api/templates", Access::kSessionCsrf},
    {Verb::post, "/ui/api/templates/delete", Access::kSessionCsrf},
    {Verb::get, "/ui/api/labels", Access::kSession},
    {Verb::post, "/ui/api/labels", Access::kSessionCsrf},
    {Verb::get, "/ui/api/broadcasts", Access::kSession},
    {Verb::post, "/ui/api/broadcasts", Access::kSessionCsrf},
    {Verb::post, "/ui/api/broadcasts/action", Access::kSessionCsrf},
    {Verb::get, "/ui/api/broadcast_report", Access::kSession},
    {Verb::get, "/ui/api/connections", Access::kSession},
    {Verb::post, "/ui/api/connections/check", Access::kSessionCsrf},
};

Response with_headers(Response response) {
  response.set(bhttp::field::cache_control, "no-store");
  response.set("Content-Security-Policy", kCsp);
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Referrer-Policy", "no-referrer");
  return response;
}

// The language of a request before anyone is signed in (web/dashboard_language.h).
std::string signin_language(const http::Request& request) {
  return asked_language(request).value_or(std::string(i18n::kFallbackLanguage));
}

// A catalogue text as a paragraph of a sign-in page, the command it names set as code.
std::string paragraph(std::string_view language, std::string_view key) {
  std::string html = core::html_escape(i18n::text(language, key));
  constexpr std::string_view kCommand = "/web";
  if (auto at = html.find(kCommand); at != std::string::npos) {
    html.replace(at, kCommand.size(), "<code>/web</code>");
  }
  return "<p>" + html + "</p>";
}

// A small page of the sign-in flow (what a browser without a session sees), in the dashboard's
// style and in `language`.
Response page(unsigned status, std::string_view language, std::string_view title,
              std::string_view body_html) {
  std::string html = fmt::format(
      "<!doctype html><html lang=\"{2}\" dir=\"{3}\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>{0} · topicdesk</title><link rel=\"stylesheet\" href=\"/ui/style.css\">"
      "<script src=\"/ui/signin.js\" defer></script></head>"
      "<body class=\"signin\"><main class=\"card\"><h1>{0}</h1>{1}</main></body></html>",
      core::html_escape(title), body_html, language, i18n::right_to_left(language) ? "rtl" : "ltr");
  return http::text_response(status, std::move(html), "text/html; charset=utf-8");
}

Response signin_page(unsigned status, std::string_view language) {
  return page(status, language, i18n::text(language, "web.signin.title"),
              paragraph(language, "web.signin.how") +
                  fmt::format("<p id=\"miniapp-status\" data-signing=\"{}\" data-refused=\"{}\"></p>",
                              core::html_escape(i18n::text(language, "web.signin.miniapp_signing")),
                              core::html_escape(i18n::text(language, "web.signin.miniapp_refused"))));
}

}  // namespace

Dashboard::Dashboard(store::Store& store, std::vector<DashboardConnection> connections,
                     DashboardOptions options)
    : store_(store), connections_(std::move(connections)), options_(std::move(options)) {}

void Dashboard::add_connection(DashboardConnection connection) {
  remove_connection(connection.engine->context().id);
  connections_.push_back(std::move(connection));
}

void Dashboard::remove_connection(core::ConnectionId id) {
  std::erase_if(connections_,
                [id](const DashboardConnection& c) { return c.engine && c.engine->context().id == id; });
}

const std::vector<RouteInfo>& Dashboard::routes() { return kRoutes; }

std::optional<Dashboard::Viewer> Dashboard::viewer_of(const http::Request& request, UnixMillis now) {
  auto cookie = request.find(bhttp::field::cookie);
  if (cookie == request.end()) return std::nullopt;
  std::string secret =
      cookie_value(std::string_view(cookie->value().data(), cookie->value().size()), kSessionCookie);
  if (secret.empty()) return std::nullopt;
  auto session = find_session(store_, secret, now);
  if (!session) return std::nullopt;
  // Still an operator of the group: someone the group no longer knows has no dashboard.
  auto op = store_.operator_by_id(session->group_id, session->user_id);
  if (!op) return std::nullopt;
  Viewer viewer{*session, secret, *op, {}};
  for (const auto& c : connections_) {
    if (c.engine && c.engine->context().group_id == session->group_id) viewer.connections.push_back(&c);
  }
  if (!viewer.connections.empty()) {
    viewer.default_language = i18n::resolve(viewer.connections.front()->engine->context().params.language);
  }
  viewer.language = page_language(request).value_or(viewer.default_language);
  return viewer;
}

Response Dashboard::handle(const http::Request& request, UnixMillis now) {
  std::string_view path = http::request_path(request);
  if (path == "/ui") {
    Response redirect{bhttp::status::see_other, 11};
    redirect.set(bhttp::field::location, kDashboardPath);
    return with_headers(std::move(redirect));
  }
  const RouteInfo* route = nullptr;
  bool path_known = false;
  for (const auto& r : kRoutes) {
    if (r.path != path) continue;
    path_known = true;
    if (r.method == request.method()) route = &r;
  }
  const std::string language = signin_language(request);
  try {
    if (route == nullptr) {
      // Without a session nothing tells which paths exist.
      auto viewer = viewer_of(request, now);
      if (!viewer) return with_headers(json_refused(401, i18n::text(language, "web.error.sign_in_first")));
      return with_headers(path_known ? json_refused(405, viewer->text("web.error.method_not_allowed"))
                                     : json_refused(404, viewer->text("web.error.not_found")));
    }
    return with_headers(dispatch(*route, request, now));
  } catch (const std::exception& e) {
    spdlog::error("dashboard {} {}: {}", std::string(request.method_string()), std::string(path), e.what());
    return with_headers(json_refused(500, i18n::text(language, "web.error.failed")));
  }
}

Response Dashboard::dispatch(const RouteInfo& route, const http::Request& request, UnixMillis now) {
  const std::string_view path = route.path;
  if (route.access == Access::kPublic) {
    if (path == "/ui/login") return request.method() == Verb::get ? login_page(request) : login(request, now);
    if (path == "/ui/api/miniapp") return miniapp_login(request, now);
    return asset(path);
  }
  auto viewer = viewer_of(request, now);
  if (!viewer) {
    const std::string language = signin_language(request);
    if (path == "/ui/") return signin_page(401, language);
    return json_refused(401, i18n::text(language, "web.error.sign_in_first"));
  }
  if (route.access == Access::kSessionCsrf) {
    auto token = request.find(kCsrfHeader);
    std::string presented = token == request.end() ? "" : std::string(token->value());
    if (!csrf_matches(viewer->secret, presented)) return json_refused(403, viewer->text("web.error.csrf"));
  }
  const auto& v = *viewer;
  if (path == "/ui/" || path == "/ui/app.js" || path == "/ui/charts.js") return asset(path);
  if (path == "/ui/api/session") return session_info(v);
  if (path == "/ui/api/i18n") return catalogue(v, request);
  if (path == "/ui/api/logout") return logout(v);
  if (path == "/ui/api/overview") return overview(v, request, now);
  if (path == "/ui/api/dialogs") return dialogs(v, request);
  if (path == "/ui/api/dialog") return dialog(v, request);
  if (path == "/ui/api/search") return search(v, request);
  if (path == "/ui/api/transcript") return transcript(v, request);
  if (path == "/ui/api/clients.csv") return clients_csv(v, request);
  if (path == "/ui/api/templates") {
    return request.method() == Verb::get ? templates(v) : save_template(v, request, now);
  }
  if (path == "/ui/api/templates/delete") return delete_template(v, request);
  if (path == "/ui/api/labels")
    return request.method() == Verb::get ? labels(v) : save_label(v, request, now);
  if (path == "/ui/api/broadcasts")
    return request.method() == Verb::get ? broadcasts(v) : create_broadcast(v, request, now);
  if (path == "/ui/api/broadcasts/action") return broadcast_action(v, request, now);
  if (path == "/ui/api/connections/check") return check_connections(v);
  if (path == "/ui/api/broadcast_report") return broadcast_report(v, request);
  if (path == "/ui/api/connections") return connections(v);
  return json_refused(404, v.text("web.error.not_found"));
}

// ---- signing in ---------------------------------------------------------------------------

Response Dashboard::asset(std::string_view path) {
  const Asset* found = find_asset(path == "/ui/" ? "/ui/index.html" : path);
  if (found == nullptr) return json_refused(404, i18n::text(i18n::kFallbackLanguage, "web.error.not_found"));
  return http::text_response(200, std::string(found->body), found->content_type);
}

// The link's page does not spend the link (a chat's link preview fetches it too): its form
// does, sent by signin.js at once, or by the button without JavaScript.
Response Dashboard::login_page(const http::Request& request) {
  const std::string language = signin_language(request);
  const std::string title = i18n::text(language, "web.signin.title");
  auto secret = param(query_of(request), "t");
  if (secret.empty() || !core::is_secret_text(secret) || secret.size() > 64) {
    return page(400, language, title, paragraph(language, "web.signin.not_a_link"));
  }
  return page(
      200, language, title,
      fmt::format("<form id=\"login\" method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"t\" "
                  "value=\"{}\"><button type=\"submit\">{}</button></form>",
                  kLoginPath, secret, core::html_escape(i18n::text(language, "web.signin.open"))));
}

Response Dashboard::login(const http::Request& request, UnixMillis now) {
  auto opened = redeem_login_link(store_, param(form_of(request), "t"), now);
  if (opened && !store_.operator_by_id(opened->session.group_id, opened->session.user_id)) {
    store_.revoke_web_session(opened->session.token_hash);
    opened.reset();
  }
  if (!opened) {
    const std::string language = signin_language(request);
    return page(401, language, i18n::text(language, "web.signin.refused_title"),
                paragraph(language, "web.signin.refused"));
  }
  Response redirect{bhttp::status::see_other, 11};
  redirect.set(bhttp::field::location, kDashboardPath);
  redirect.set(bhttp::field::set_cookie,
               session_cookie(opened->secret, std::chrono::seconds(kSessionLifetime).count(),
                              options_.secure_cookies));
  return redirect;
}

Response Dashboard::miniapp_login(const http::Request& request, UnixMillis now) {
  const std::string language = signin_language(request);
  auto body = json_body(request);
  if (!body)
    return json_refused(400, i18n::text(language, "web.error.expected_json", {{"fields", "init_data"}}));
  const std::string init_data = string_field(*body, "init_data");
  std::string last_error = i18n::text(language, "web.error.no_bot_signed");
  for (const auto& c : connections_) {
    if (!c.engine || c.bot_token.empty()) continue;
    auto user = validate_init_data(init_data, c.bot_token, now);
    if (!user) {
      last_error = i18n::text(language, "web.error.miniapp_refused", {{"reason", user.message_in(language)}});
      continue;
    }
    const auto group = c.engine->context().group_id;
    if (!store_.operator_by_id(group, user->id)) {
      return json_refused(403, i18n::text(language, "web.error.operators_only"));
    }
    auto opened = open_session(store_, group, user->id, "miniapp", now);
    if (!opened) return json_refused(500, opened.message_in(language));
    auto response = json_ok({});
    response.set(bhttp::field::set_cookie,
                 session_cookie(opened->secret, std::chrono::seconds(kSessionLifetime).count(),
                                options_.secure_cookies));
    return response;
  }
  return json_refused(401, last_error);
}

Response Dashboard::session_info(const Viewer& v) {
  json::array connections;
  for (const auto* c : v.connections) {
    const auto& ctx = v.context(*c);
    connections.push_back(json::object{{"id", ctx.id},
                                       {"name", ctx.name},
                                       {"mode", c->mode},
                                       {"sees_hidden_info", v.sees(*c)},
                                       {"manages", v.manages(*c)}});
  }
  return json_ok({{"operator",
                   json::object{{"id", v.op.id}, {"name", operator_name(v.op)}, {"username", v.op.username}}},
                  {"csrf_token", csrf_token(v.secret)},
                  {"via", v.session.via},
                  {"expires_at", v.session.expires_at},
                  {"connections", std::move(connections)},
                  {"language", v.default_language},
                  {"languages", language_list()}});
}

// The page's texts in one language: ?lang= (a catalogue's code), else the page's.
Response Dashboard::catalogue(const Viewer& v, const http::Request& request) {
  const std::string wanted = param(query_of(request), "lang");
  return json_ok(web_catalogue(catalogue_language(wanted).value_or(v.language)));
}

Response Dashboard::logout(const Viewer& v) {
  store_.revoke_web_session(v.session.token_hash);
  auto response = json_ok({});
  response.set(bhttp::field::set_cookie, session_cookie("", 0, options_.secure_cookies));
  return response;
}

// ---- overview -----------------------------------------------------------------------------

Response Dashboard::overview(const Viewer& v, const http::Request& request, UnixMillis now) {
  auto q = query_of(request);
  const auto* c = v.chosen(q);
  if (c == nullptr) return json_refused(404, v.text("web.error.no_connection"));
  analytics::AnalyticsQuery query;
  query.connection = v.context(*c).id;
  auto days = parse_int(param(q, "days")).value_or(30);
  days = std::clamp<std::int64_t>(days, 1, 366);
  query.to = now;
  query.from = now - days * kDayMillis;
  query.period = analytics::period_from(param(q, "period")).value_or(analytics::Period::kDay);
  auto zone = param(q, "tz");
  if (!zone.empty()) query.time_zone = zone;
  auto report = analytics::compute(store_, query);
  if (!report) return json_refused(400, report.error().message);
  boost::system::error_code ec;
  auto parsed = json::parse(analytics::to_json(*report), ec);
  if (ec) return json_refused(500, v.text("web.error.report_not_json"));
  auto counts = store_.count_dialogs(v.context(*c).group_id);
  return json_ok({{"report", std::move(parsed)},
                  {"now", json::object{{"waiting", counts.user_answered},
                                       {"answered", counts.support_answered},
                                       {"closed", counts.closed}}}});
}

// ---- dialogs ------------------------------------------------------------------------------

namespace {

struct DialogRow {
  store::DialogWithUser d;
  const DashboardConnection* connection = nullptr;
  bool sees = false;
};

}  // namespace

Response Dashboard::dialogs(const Viewer& v, const http::Request& request) {
  auto q = query_of(request);
  const std::string text = core::utf8_lower(core::trim(param(q, "q")));
  const std::string status_text = param(q, "status");
  std::optional<store::DialogStatus> status;
  if (!status_text.empty()) {
    status = store::dialog_status_from_string(status_text);
    if (!status) return json_refused(400, v.text("web.error.status_values"));
  }
  const std::string label_text = core::lower_ascii(core::trim(param(q, "label")));
  const auto id_wanted = parse_int(text.starts_with('#') ? text.substr(1) : text);
  json::array rows;
  bool truncated = false;
  for (const auto* c : v.connections) {
    if (auto only = parse_int(param(q, "connection")); only && *only != v.context(*c).id) continue;
    const auto& ctx = v.context(*c);
    const bool sees = v.sees(*c);
    std::optional<std::vector<store::LabelCarrier>> carriers;
    if (!label_text.empty()) {
      auto label = store_.label_by_key(ctx.id, label_text);
      if (!label) continue;
      carriers = store_.label_carriers(label->id, kMaxDialogsScanned);
    }
    std::map<std::int64_t, std::string> label_names;
    for (const auto& l : store_.labels(ctx.id)) label_names[l.id] = l.name;
    core::DialogId after = 0;
    int scanned = 0;
    while (scanned < kMaxDialogsScanned && !truncated) {
      auto page = store_.dialogs_page(ctx.id, status, after, kDialogPage);
      if (page.empty()) break;
      after = page.back().dialog.id;
      scanned += static_cast<int>(page.size());
      for (auto& d : page) {
        const auto& dialog = d.dialog;
        if (carriers && std::none_of(carriers->begin(), carriers->end(),
                                     [&](const auto& lc) { return lc.dialog_id == dialog.id; }))
          continue;
        const auto person = d.user.value_or(core::Person{.id = dialog.user_id});
        // HIDE_INFO: who may not see a user's identity cannot find it either.
        if (!text.empty()) {
          bool hit = contains_folded(dialog.pseudonym, text) || (id_wanted && *id_wanted == dialog.id);
          if (sees) {
            hit = hit || contains_folded(person.first_name + " " + person.last_name, text) ||
                  contains_folded(person.username, text) || (id_wanted && *id_wanted == dialog.user_id) ||
                  contains_folded(dialog.topic_title, text);
          }
          if (!hit) {
            for (const auto& l : store_.dialog_labels(dialog.id)) hit = hit || contains_folded(l.name, text);
          }
          if (!hit) continue;
        }
        if (rows.size() >= kMaxDialogsListed) {
          truncated = true;
          break;
        }
        json::array labels;
        for (const auto& l : store_.dialog_labels(dialog.id)) labels.push_back(json::string(l.name));
        core::UserView view{person, dialog.pseudonym, sees ? core::HideInfo::kOff : ctx.params.hide_info,
                            ctx.params.status_icons};
        json::object row{{"id", dialog.id},
                         {"connection", ctx.name},
                         {"connection_id", ctx.id},
                         {"name", core::display_name(view)},
                         {"status", store::to_string(dialog.status)},
                         {"labels", std::move(labels)},
                         {"topic_link", relay::topic_link(dialog.group_id, dialog.thread_id)},
                         {"created_at", dialog.created_at},
                         {"last_user_message_at", dialog.last_user_message_at},
                         {"last_operator_reply_at", dialog.last_operator_reply_at}};
        if (sees) {
          row["user_id"] = dialog.user_id;
          row["username"] = person.username;
        }
        rows.push_back(std::move(row));
      }
      if (static_cast<int>(page.size()) < kDialogPage) break;
    }
  }
  return json_ok({{"dialogs", std::move(rows)}, {"truncated", truncated}});
}

namespace {

json::object history_json(const store::HistoryEntry& h, const std::string& user_shown_as, bool sees) {
  std::string sender = h.sender_name;
  // HIDE_INFO: the user's own name stays hidden in the transcript too.
  if ((h.author == store::HistoryAuthor::kUser) && !sees) sender = user_shown_as;
  json::object o{{"id", h.id},       {"dialog_id", h.dialog_id}, {"author", store::to_string(h.author)},
                 {"sender", sender}, {"content", h.content},     {"text", h.text},
                 {"at", h.at},       {"edited_at", h.edited_at}};
  return o;
}

}  // namespace

Response Dashboard::dialog(const Viewer& v, const http::Request& request) {
  auto q = query_of(request);
  auto id = parse_int(param(q, "id"));
  if (!id) return json_refused(400, v.text("web.error.dialog_id_required"));
  auto dialog = store_.dialog(*id);
  const DashboardConnection* c = dialog ? v.connection(dialog->connection_id) : nullptr;
  if (!dialog || c == nullptr)
    return json_refused(404, v.text("web.error.no_dialog", {{"id", std::to_string(*id)}}));
  const auto& ctx = v.context(*c);
  const bool sees = v.sees(*c);
  const auto person = store_.user(ctx.id, dialog->user_id).value_or(core::Person{.id = dialog->user_id});
  core::UserView view{person, dialog->pseudonym, sees ? core::HideInfo::kOff : ctx.params.hide_info,
                      ctx.params.status_icons};
  const std::string shown_as = core::display_name(view);
  json::array labels;
  for (const auto& l : store_.dialog_labels(dialog->id)) labels.push_back(json::string(l.name));
  json::object user{{"name", shown_as}};
  json::object fields;
  json::value link = nullptr;
  if (sees) {
    user["id"] = dialog->user_id;
    user["first_name"] = person.first_name;
    user["last_name"] = person.last_name;
    user["username"] = person.username;
    user["language"] = person.language_code;
    user["phone"] = person.phone;
    for (const auto& [key, value] : store_.user_fields(ctx.id, dialog->user_id)) fields[key] = value;
    if (auto linked = store_.user_link(ctx.id, dialog->user_id)) link = json::string(*linked);
  }
  json::array transcript;
  std::int64_t after = 0;
  bool more = false;
  while (true) {
    auto page = store_.dialog_history(dialog->id, after, kTranscriptPage);
    for (const auto& h : page) transcript.push_back(history_json(h, shown_as, sees));
    if (static_cast<int>(page.size()) < kTranscriptPage) break;
    after = page.back().id;
    if (transcript.size() >= kMaxTranscript) {
      more = true;
      break;
    }
  }
  return json_ok(
      {{"dialog", json::object{{"id", dialog->id},
                               {"connection", ctx.name},
                               {"status", store::to_string(dialog->status)},
                               {"created_at", dialog->created_at},
                               {"topic_link", relay::topic_link(dialog->group_id, dialog->thread_id)},
                               {"labels", std::move(labels)},
                               {"user", std::move(user)},
                               {"fields", std::move(fields)},
                               {"link", std::move(link)},
                               {"identity_hidden", !sees}}},
       {"transcript", std::move(transcript)},
       {"transcript_cut", more}});
}

Response Dashboard::search(const Viewer& v, const http::Request& request) {
  auto q = query_of(request);
  const std::string text(core::trim(param(q, "q")));
  if (text.empty()) return json_refused(400, v.text("web.error.words_required"));
  json::array results;
  for (const auto* c : v.connections) {
    const auto& ctx = v.context(*c);
    const bool sees = v.sees(*c);
    store::HistoryQuery query;
    query.connection = ctx.id;
    query.text = text;
    query.limit = kMaxSearchResults;
    for (const auto& h : store_.search_history(query)) {
      auto dialog = store_.dialog(h.dialog_id);
      if (!dialog) continue;
      const auto person = store_.user(ctx.id, dialog->user_id).value_or(core::Person{.id = dialog->user_id});
      core::UserView view{person, dialog->pseudonym, sees ? core::HideInfo::kOff : ctx.params.hide_info,
                          ctx.params.status_icons};
      auto row = history_json(h, core::display_name(view), sees);
      row["dialog_name"] = core::display_name(view);
      row["connection"] = ctx.name;
      row["topic_link"] = relay::topic_link(dialog->group_id, dialog->thread_id);
      results.push_back(std::move(row));
    }
  }
  std::sort(results.begin(), results.end(), [](const json::value& a, const json::value& b) {
    return a.at("at").to_number<std::int64_t>() > b.at("at").to_number<std::int64_t>();
  });
  if (results.size() > kMaxSearchResults) results.resize(kMaxSearchResults);
  return json_ok({{"messages", std::move(results)}});
}

// A conversation as a file (exports/exports.h): an HTML page or JSON Lines, HIDE_INFO applied.
Response Dashboard::transcript(const Viewer& v, const http::Request& request) {
  auto q = query_of(request);
  auto id = parse_int(param(q, "id"));
  if (!id) return json_refused(400, v.text("web.error.dialog_id_required"));
  auto dialog = store_.dialog(*id);
  const DashboardConnection* c = dialog ? v.connection(dialog->connection_id) : nullptr;
  if (!dialog || c == nullptr)
    return json_refused(404, v.text("web.error.no_dialog", {{"id", std::to_string(*id)}}));
  const bool html = param(q, "format") != "jsonl";
  auto body = html ? exports::transcript_html(store_, dialog->id, v.sees(*c), v.language)
                   : exports::transcript_jsonl(store_, dialog->id, v.sees(*c));
  auto response = http::text_response(
      200, std::move(body), html ? "text/html; charset=utf-8" : "application/x-ndjson; charset=utf-8");
  response.set(bhttp::field::content_disposition,
               fmt::format("attachment; filename=\"dialog-{}.{}\"", dialog->id, html ? "html" : "jsonl"));
  return response;
}

Response Dashboard::clients_csv(const Viewer& v, const http::Request& request) {
  auto q = query_of(request);
  exports::ClientsQuery query;
  query.group = v.session.group_id;
  if (auto only = parse_int(param(q, "connection"))) {
    if (!v.connection(*only)) return json_refused(404, v.text("web.error.no_connection"));
    query.connection = *only;
  }
  query.segment = param(q, "segment");
  query.reveals = [&v](core::ConnectionId id) {
    const auto* c = v.connection(id);
    return c != nullptr && v.sees(*c);
  };
  auto csv = exports::clients_csv(store_, query);
  if (!csv) return json_refused(400, csv.error().message);
  return csv_download(std::move(*csv), "clients.csv");
}

// ---- templates and labels -----------------------------------------------------------------

Response Dashboard::templates(const Viewer& v) {
  json::array out;
  for (const auto* c : v.connections) {
    const auto& ctx = v.context(*c);
    for (const auto& t : store_.templates(ctx.id)) {
      json::array parts;
      for (const auto& p : t.parts) parts.push_back(json::string(crm::describe_part(p)));
      const bool text_only = t.parts.size() == 1 && t.parts[0].kind == store::TemplatePartKind::kText &&
                             t.parts[0].reply_markup_json.empty();
      out.push_back(json::object{
          {"connection", ctx.name},
          {"connection_id", ctx.id},
          {"name", t.name},
          {"parts", std::move(parts)},
          {"text", text_only ? json::value(json::string(t.parts[0].text)) : json::value(nullptr)},
          {"saved_by", t.saved_by_name},
          {"updated_at", t.updated_at},
          {"editable", text_only && v.manages(*c)}});
    }
  }
  return json_ok({{"templates", std::move(out)}});
}

Response Dashboard::save_template(const Viewer& v, const http::Request& request, UnixMillis now) {
  auto body = json_body(request);
  if (!body)
    return json_refused(400, v.text("web.error.expected_json", {{"fields", "connection_id, name, text"}}));
  const auto* c = v.connection(int_field(*body, "connection_id").value_or(0));
  if (c == nullptr) return json_refused(404, v.text("web.error.no_connection"));
  if (!v.manages(*c)) return json_refused(403, v.text("web.error.may_not_manage_templates"));
  const std::string name = string_field(*body, "name");
  const std::string text = string_field(*body, "text");
  if (auto valid = crm::check_template_name(name); !valid)
    return json_refused(400, "name: " + valid.error().message);
  if (core::trim(text).empty()) return json_refused(400, v.text("web.error.template_needs_text"));
  std::vector<std::string> missing;
  if (auto r = crm::render_text(text, "", crm::TemplateValues{}, crm::kMaxTextUnits, "text", missing); !r) {
    return json_refused(400, r.error().message);
  }
  const auto& ctx = v.context(*c);
  if (auto existing = store_.template_by_name(ctx.id, name);
      existing &&
      !(existing->parts.size() == 1 && existing->parts[0].kind == store::TemplatePartKind::kText)) {
    return json_refused(409, v.text("web.error.template_has_media"));
  }
  store::Template t{.connection_id = ctx.id,
                    .name = name,
                    .parts = {store::TemplatePart{.kind = store::TemplatePartKind::kText, .text = text}},
                    .saved_by = v.op.id,
                    .saved_by_name = operator_name(v.op),
                    .updated_at = now};
  auto saved = store_.save_template(t);
  return json_ok({{"name", saved.name}});
}

Response Dashboard::delete_template(const Viewer& v, const http::Request& request) {
  auto body = json_body(request);
  if (!body) return json_refused(400, v.text("web.error.expected_json", {{"fields", "connection_id, name"}}));
  const auto* c = v.connection(int_field(*body, "connection_id").value_or(0));
  if (c == nullptr) return json_refused(404, v.text("web.error.no_connection"));
  if (!v.manages(*c)) return json_refused(403, v.text("web.error.may_not_manage_templates"));
  const std::string name = string_field(*body, "name");
  if (!store_.delete_template(v.context(*c).id, name))
    return json_refused(404, v.text("web.error.no_template", {{"name", name}}));
  return json_ok({{"deleted", name}});
}

Response Dashboard::labels(const Viewer& v) {
  json::array out;
  for (const auto* c : v.connections) {
    const auto& ctx = v.context(*c);
    for (const auto& l : store_.labels(ctx.id)) {
      out.push_back(
          json::object{{"connection", ctx.name},
                       {"connection_id", ctx.id},
                       {"id", l.id},
                       {"name", l.name},
                       {"ticker", l.ticker},
                       {"sends", l.sends},
                       {"dialogs", static_cast<std::int64_t>(store_.label_carriers(l.id, 100'000).size())},
                       {"editable", v.manages(*c)}});
    }
  }
  return json_ok({{"labels", std::move(out)}});
}

// Creates a label, or renames one / changes its ticker (with "id").
Response Dashboard::save_label(const Viewer& v, const http::Request& request, UnixMillis now) {
  auto body = json_body(request);
  if (!body)
    return json_refused(400,
                        v.text("web.error.expected_json", {{"fields", "connection_id, name, ticker (id)"}}));
  const auto* c = v.connection(int_field(*body, "connection_id").value_or(0));
  if (c == nullptr) return json_refused(404, v.text("web.error.no_connection"));
  if (!v.manages(*c)) return json_refused(403, v.text("web.error.may_not_manage_labels"));
  const auto& ctx = v.context(*c);
  const std::string name = string_field(*body, "name");
  auto key = label_key(name);
  if (!key) return json_refused(400, "name: " + key.error().message);
  std::string ticker = string_field(*body, "ticker");
  if (!ticker.empty()) {
    auto valid = label_ticker(ticker);
    if (!valid) return json_refused(400, "ticker: " + valid.error().message);
    ticker = *valid;
  }
  auto same_key = store_.label_by_key(ctx.id, *key);
  if (auto id = int_field(*body, "id")) {
    auto label = store_.label(*id);
    if (!label || label->connection_id != ctx.id) return json_refused(404, v.text("web.error.no_label"));
    if (same_key && same_key->id != label->id)
      return json_refused(409, v.text("web.error.label_taken", {{"name", name}}));
    label->name = name;
    label->key = *key;
    label->ticker = ticker;
    store_.update_label(*label);
    return json_ok({{"id", label->id}});
  }
  if (same_key) return json_refused(409, v.text("web.error.label_exists", {{"name", name}}));
  store::Label label{.connection_id = ctx.id, .name = name, .key = *key, .ticker = ticker, .created_at = now};
  return json_ok({{"id", store_.add_label(label)}});
}

void add_dashboard_routes(http::Server& server, std::shared_ptr<Dashboard> dashboard) {
  auto handler = [dashboard](http::Request& request) -> boost::asio::awaitable<Response> {
    co_return dashboard->handle(request, core::unix_millis_now());
  };
  auto limit = [](const http::RequestHead&) { return kBodyLimit; };
  server.route(Verb::get, "/ui", handler, http::PathMatch::kExact, limit);
  server.route(Verb::get, std::string(kDashboardPath), handler, http::PathMatch::kPrefix, limit);
  server.route(Verb::post, std::string(kDashboardPath), handler, http::PathMatch::kPrefix, limit);
}

}  // namespace topicdesk::web
