#include "web/dashboard_support.h"

#include <fmt/format.h>

#include <boost/url/parse_query.hpp>
#include <charconv>

#include "core/utf8.h"

namespace topicdesk::web {
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using http::Response;

Response json_ok(json::object body) {
  body["ok"] = true;
  return http::json_response(200, body);
}

Response json_refused(unsigned status, std::string_view message) { return http::json_error(status, message); }

// Query parameters of a request target, decoded.
std::map<std::string, std::string> query_of(const http::Request& request) {
  std::map<std::string, std::string> out;
  std::string_view target(request.target().data(), request.target().size());
  auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string query(target.substr(q + 1));
  if (query.find('\0') != std::string::npos) return out;
  auto parsed = boost::urls::parse_query(query);
  if (!parsed) return out;
  boost::urls::encoding_opts form;
  form.space_as_plus = true;
  for (auto param : *parsed)
    out.emplace(param.key.decode(form), param.has_value ? param.value.decode(form) : "");
  return out;
}

std::map<std::string, std::string> form_of(const http::Request& request) {
  std::string body = request.body();
  std::map<std::string, std::string> out;
  if (body.find('\0') != std::string::npos) return out;
  auto parsed = boost::urls::parse_query(body);
  if (!parsed) return out;
  boost::urls::encoding_opts form;
  form.space_as_plus = true;
  for (auto param : *parsed)
    out.emplace(param.key.decode(form), param.has_value ? param.value.decode(form) : "");
  return out;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string param(const std::map<std::string, std::string>& q, const std::string& name) {
  auto it = q.find(name);
  return it == q.end() ? "" : it->second;
}

std::optional<json::object> json_body(const http::Request& request) {
  boost::system::error_code ec;
  auto v = json::parse(request.body(), ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.as_object();
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : "";
}

std::optional<std::int64_t> int_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_string()) return parse_int(v->get_string());
  return std::nullopt;
}

std::string operator_name(const store::Operator& op) {
  std::string name = op.first_name;
  if (!op.last_name.empty()) name += (name.empty() ? "" : " ") + op.last_name;
  if (name.empty() && !op.username.empty()) name = "@" + op.username;
  return name.empty() ? std::to_string(op.id) : name;
}

bool contains_folded(std::string_view haystack, std::string_view folded_needle) {
  return core::utf8_lower(haystack).find(folded_needle) != std::string::npos;
}

Response csv_download(std::string body, std::string_view file_name) {
  auto response = http::text_response(200, std::move(body), "text/csv; charset=utf-8");
  response.set(bhttp::field::content_disposition, fmt::format("attachment; filename=\"{}\"", file_name));
  return response;
}

}  // namespace topicdesk::web
