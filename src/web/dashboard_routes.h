// The web dashboard: pages under /ui/ and the JSON they read under /ui/api/ (docs/dashboard.md).
// The pages are static files built into the binary (web/assets/, embedded by CMake): plain HTML,
// CSS and vanilla JavaScript with hand-written SVG charts, no build step and nothing fetched
// from elsewhere, so the dashboard works offline.
//
// Security, in one place (Dashboard::handle):
//  - every route but the sign-in ones (routes() marks them kPublic) answers 401 without a live
//    session of a present operator of the session's backend group;
//  - every state-changing route (POST) also needs the session's CSRF token in X-CSRF-Token,
//    compared in constant time (SameSite=Strict cookies are the second line);
//  - rights follow the group's: HIDE_INFO hides a user's identity (names, username, id, phone,
//    links, fields) from operators EXTENSIONS_ALLOWED does not exempt, in lists, search,
//    transcripts and downloads alike (and a segment may not read fields for them); editing
//    templates and labels and making or changing broadcasts need crm::may_manage;
//  - no page or answer carries a secret: tokens never leave the server, parameters that hold
//    one are shown as hidden, and the session's own secret lives only in its HttpOnly cookie.
//
// Dashboard is the handler without a network, so tests drive it directly; add_dashboard_routes()
// puts it on the desk's server. It runs on the desk's event loop, like the Topics API.
#pragma once
#include <boost/json/array.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/parameters.h"
#include "doctor/findings.h"
#include "http/server.h"
#include "relay/engine.h"
#include "store/store.h"

namespace topicdesk::web {

struct DashboardConnection {
  relay::Engine* engine =
      nullptr;                     // its context (id, name, group, parameters, group owner); makes broadcasts
  std::string mode;                // bot, proxy, mtproto, account
  std::string transport;           // polling, webhook, tdlib …
  std::string bot_token;           // checks a Mini App's initData; never shown
  core::RawParameters parameters;  // as configured, for the read-only view
};

struct DashboardOptions {
  bool secure_cookies = false;  // server.public_url is https: cookies get Secure
  // The doctor's latest findings per connection, shown on the connections page (null: none).
  doctor::FindingsBoard* findings = nullptr;
  // New outbox jobs were committed (a broadcast made or resumed): the dispatcher's notify().
  std::function<void()> on_outbox;
};

// Who may call a route.
enum class Access {
  kPublic,       // signing in: the login link, the Mini App, the sign-in page's own files
  kSession,      // a live session
  kSessionCsrf,  // a live session and its CSRF token (every POST that changes something)
};

struct RouteInfo {
  http::Verb method;
  std::string_view path;
  Access access;
};

class Dashboard {
 public:
  Dashboard(store::Store& store, std::vector<DashboardConnection> connections, DashboardOptions options);
  // Connections made, changed or removed while the desk runs (docs/setup.md), on the loop the
  // requests are handled on. add replaces the connection with the same id.
  void add_connection(DashboardConnection connection);
  void remove_connection(core::ConnectionId id);

  // One request under /ui/ (`now`: wall clock, what the store records).
  http::Response handle(const http::Request& request, core::UnixMillis now);

  // Every route the dashboard answers, with who may call it (the security test walks them all).
  static const std::vector<RouteInfo>& routes();

 private:
  struct Viewer;
  http::Response dispatch(const RouteInfo& route, const http::Request& request, core::UnixMillis now);
  std::optional<Viewer> viewer_of(const http::Request& request, core::UnixMillis now);

  http::Response login_page(const http::Request& request);
  http::Response login(const http::Request& request, core::UnixMillis now);
  http::Response miniapp_login(const http::Request& request, core::UnixMillis now);
  http::Response asset(std::string_view path);
  http::Response session_info(const Viewer& viewer);
  http::Response catalogue(const Viewer& viewer, const http::Request& request);
  http::Response logout(const Viewer& viewer);
  http::Response overview(const Viewer& viewer, const http::Request& request, core::UnixMillis now);
  http::Response dialogs(const Viewer& viewer, const http::Request& request);
  http::Response dialog(const Viewer& viewer, const http::Request& request);
  http::Response search(const Viewer& viewer, const http::Request& request);
  http::Response transcript(const Viewer& viewer, const http::Request& request);
  http::Response clients_csv(const Viewer& viewer, const http::Request& request);
  http::Response templates(const Viewer& viewer);
  http::Response save_template(const Viewer& viewer, const http::Request& request, core::UnixMillis now);
  http::Response delete_template(const Viewer& viewer, const http::Request& request);
  http::Response labels(const Viewer& viewer);
  http::Response save_label(const Viewer& viewer, const http::Request& request, core::UnixMillis now);
  // web/dashboard_broadcasts.cpp
  http::Response broadcasts(const Viewer& viewer);
  http::Response broadcast_report(const Viewer& viewer, const http::Request& request);
  http::Response create_broadcast(const Viewer& viewer, const http::Request& request, core::UnixMillis now);
  http::Response broadcast_action(const Viewer& viewer, const http::Request& request, core::UnixMillis now);
  static boost::json::array actions_json(const Viewer& viewer, const DashboardConnection& connection,
                                         store::BroadcastState state);
  http::Response connections(const Viewer& viewer);
  http::Response check_connections(const Viewer& viewer);

  store::Store& store_;
  std::vector<DashboardConnection> connections_;
  DashboardOptions options_;
};

// GET and POST under /ui/ (and /ui, redirected) on the desk's server.
void add_dashboard_routes(http::Server& server, std::shared_ptr<Dashboard> dashboard);

}  // namespace topicdesk::web
