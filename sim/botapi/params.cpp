#include "sim/botapi/params.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <charconv>
#include <cmath>

#include "sim/model/json_util.h"
#include "sim/model/text.h"

namespace tgsim::botapi {

namespace json = boost::json;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Value of `key=` inside a header such as `form-data; name="x"; filename="y"`.
std::string header_attribute(std::string_view header, std::string_view key) {
  std::size_t at = 0;
  while ((at = header.find(key, at)) != std::string_view::npos) {
    bool boundary_ok = at == 0 || header[at - 1] == ' ' || header[at - 1] == ';' || header[at - 1] == '\t';
    std::size_t eq = at + key.size();
    if (!boundary_ok || eq >= header.size() || header[eq] != '=') {
      at = eq;
      continue;
    }
    std::string_view rest = header.substr(eq + 1);
    if (!rest.empty() && rest.front() == '"') {
      auto end = rest.find('"', 1);
      return std::string(rest.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1));
    }
    return std::string(trim(rest.substr(0, rest.find(';'))));
  }
  return {};
}

const ApiError kNotUtf8 = bad_request("strings must be encoded in UTF-8");

}  // namespace

std::string url_decode(std::string_view encoded, bool plus_is_space) {
  std::string out;
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < encoded.size() && hex_value(encoded[i + 1]) >= 0 &&
               hex_value(encoded[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(encoded[i + 1]) * 16 + hex_value(encoded[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<Params> Params::parse(std::string_view query, std::string_view content_type, std::string_view body) {
  Params params;
  if (auto added = params.add_form(query); !added) return added.error();
  if (!body.empty()) {
    Status added = Done{};
    if (iequals_prefix(content_type, "application/json")) {
      added = params.add_json(body);
    } else if (iequals_prefix(content_type, "multipart/form-data")) {
      added = params.add_multipart(content_type, body);
    } else if (iequals_prefix(content_type, "application/x-www-form-urlencoded") || content_type.empty()) {
      added = params.add_form(body);
    }
    if (!added) return added.error();
  }
  return params;
}

Status Params::add_form(std::string_view encoded) {
  while (!encoded.empty()) {
    auto amp = encoded.find('&');
    std::string_view pair = encoded.substr(0, amp);
    encoded = amp == std::string_view::npos ? std::string_view{} : encoded.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string name = url_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string{} : url_decode(pair.substr(eq + 1));
    if (name.empty()) continue;
    if (!text::valid_utf8(name) || !text::valid_utf8(value)) return kNotUtf8;
    values_[std::move(name)] = json::string(value);
    if (size() > kMaxParameters) return ApiError{413, "Request Entity Too Large: too many parameters"};
  }
  return Done{};
}

Status Params::add_json(std::string_view body) {
  json::error_code ec;
  json::value parsed = json::parse(body, ec);
  // Like the official server: a body that is not a JSON object adds nothing, the call goes on.
  if (ec || !parsed.is_object()) return Done{};
  for (auto& [key, value] : parsed.as_object()) {
    values_[std::string(key)] = std::move(value);
    if (size() > kMaxParameters) return ApiError{413, "Request Entity Too Large: too many parameters"};
  }
  return Done{};
}

Status Params::add_multipart(std::string_view content_type, std::string_view body) {
  std::string boundary = header_attribute(content_type, "boundary");
  if (boundary.empty()) return Done{};
  const std::string delimiter = "--" + boundary;
  std::size_t at = body.find(delimiter);
  while (at != std::string_view::npos) {
    at += delimiter.size();
    if (body.substr(at, 2) == "--") break;  // closing delimiter
    if (body.substr(at, 2) == "\r\n") at += 2;
    auto headers_end = body.find("\r\n\r\n", at);
    if (headers_end == std::string_view::npos) break;
    std::string_view headers = body.substr(at, headers_end - at);
    auto content_start = headers_end + 4;
    auto next = body.find("\r\n" + delimiter, content_start);
    if (next == std::string_view::npos) break;
    std::string_view content = body.substr(content_start, next - content_start);
    std::string name, file_name, part_type;
    bool has_file_name = false;
    while (!headers.empty()) {
      auto eol = headers.find("\r\n");
      std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view{} : headers.substr(eol + 2);
      if (iequals_prefix(line, "content-disposition:")) {
        name = header_attribute(line, "name");
        has_file_name = line.find("filename=") != std::string_view::npos;
        file_name = header_attribute(line, "filename");
      } else if (iequals_prefix(line, "content-type:")) {
        part_type = std::string(trim(line.substr(13)));
      }
    }
    if (!name.empty()) {
      if (!text::valid_utf8(name) || !text::valid_utf8(file_name) || !text::valid_utf8(part_type))
        return kNotUtf8;
      if (has_file_name) {
        uploads_[name] = Upload{file_name, part_type, std::string(content)};
      } else {
        if (!text::valid_utf8(content)) return kNotUtf8;
        values_[name] = json::string(content);
      }
      if (size() > kMaxParameters) return ApiError{413, "Request Entity Too Large: too many parameters"};
    }
    at = next + 2;
  }
  return Done{};
}

const json::value* Params::raw(std::string_view name) const {
  auto found = values_.find(name);
  return found == values_.end() ? nullptr : &found->second;
}

std::optional<std::int64_t> Params::integer(std::string_view name) const {
  const auto* v = raw(name);
  if (!v) return std::nullopt;
  if (v->is_number()) return json_integer(*v);
  if (v->is_bool()) return v->get_bool() ? 1 : 0;
  if (!v->is_string()) return std::nullopt;
  std::string_view s = trim(v->get_string());
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return out;
}

std::optional<double> Params::number(std::string_view name) const {
  const auto* v = raw(name);
  if (!v) return std::nullopt;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  if (!v->is_string() || v->get_string().empty()) return std::nullopt;
  std::string s(trim(v->get_string()));
  char* end = nullptr;
  double out = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(out)) return std::nullopt;
  return out;
}

std::optional<std::string> Params::string(std::string_view name) const {
  const auto* v = raw(name);
  if (!v) return std::nullopt;
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_null()) return std::string();
  return json::serialize(*v);
}

bool Params::boolean(std::string_view name, bool fallback) const {
  const auto* v = raw(name);
  if (!v) return fallback;
  if (v->is_bool()) return v->get_bool();
  if (v->is_number()) return number(name).value_or(0) != 0;
  if (v->is_string()) {
    std::string_view s = v->get_string();
    return s == "true" || s == "True" || s == "1";
  }
  return fallback;
}

Result<std::optional<json::value>> Params::json(std::string_view name) const {
  const auto* v = raw(name);
  if (!v) return std::optional<json::value>{};
  if (!v->is_string()) return std::optional<json::value>{*v};
  if (v->get_string().empty()) return std::optional<json::value>{};
  json::error_code ec;
  json::value parsed = json::parse(v->get_string(), ec);
  if (ec) return bad_request("can't parse " + std::string(name) + " JSON object");
  return std::optional<json::value>{std::move(parsed)};
}

const Upload* Params::upload(std::string_view name) const {
  auto found = uploads_.find(name);
  return found == uploads_.end() ? nullptr : &found->second;
}

}  // namespace tgsim::botapi
