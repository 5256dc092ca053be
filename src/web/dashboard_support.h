// What the dashboard's route files share (web/dashboard_routes.cpp, web/dashboard_broadcasts.cpp):
// the signed-in viewer and what it may see and do, request decoding and JSON replies. Internal to
// td_web.
#pragma once
#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/presentation.h"
#include "crm/permissions.h"
#include "i18n/catalog.h"
#include "store/store.h"
#include "web/dashboard_routes.h"

namespace topicdesk::web {

http::Response json_ok(boost::json::object body);
http::Response json_refused(unsigned status, std::string_view message);
http::Response csv_download(std::string body, std::string_view file_name);

// Query parameters of a request target, decoded; a form body the same way.
std::map<std::string, std::string> query_of(const http::Request& request);
std::map<std::string, std::string> form_of(const http::Request& request);
std::optional<std::int64_t> parse_int(std::string_view text);
std::string param(const std::map<std::string, std::string>& q, const std::string& name);
std::optional<boost::json::object> json_body(const http::Request& request);
std::string string_field(const boost::json::object& o, std::string_view key);
std::optional<std::int64_t> int_field(const boost::json::object& o, std::string_view key);
std::string operator_name(const store::Operator& op);
bool contains_folded(std::string_view haystack, std::string_view folded_needle);

// The signed-in operator and what the session lets them see.
struct Dashboard::Viewer {
  store::WebSession session;
  std::string secret;  // the cookie's (for the CSRF token)
  store::Operator op;
  std::vector<const DashboardConnection*> connections;  // of the session's group
  std::string default_language = "en";                  // the LANGUAGE of the group's (first) connection
  std::string language = "en";  // what the page asks in (web/dashboard_language.h), else the default

  // A text of the web catalogue in the page's language.
  std::string text(std::string_view key, std::initializer_list<i18n::Arg> args = {}) const {
    return i18n::text(language, key, args);
  }

  const relay::ConnectionContext& context(const DashboardConnection& c) const { return c.engine->context(); }
  bool sees(const DashboardConnection& c) const {
    return core::sees_hidden_info(context(c).params, op.id, op.username, false);
  }
  bool manages(const DashboardConnection& c) const {
    return crm::may_manage(context(c).params, crm::Actor{op.id, op.username, false}, context(c).group_owner);
  }
  const DashboardConnection* connection(core::ConnectionId id) const {
    for (const auto* c : connections) {
      if (c->engine->context().id == id) return c;
    }
    return nullptr;
  }
  // The connection a request names (?connection=ID), else the first of the group.
  const DashboardConnection* chosen(const std::map<std::string, std::string>& q) const {
    auto id = parse_int(param(q, "connection"));
    if (id) return connection(*id);
    return connections.empty() ? nullptr : connections.front();
  }
};

}  // namespace topicdesk::web
