#include "proxy/proxy_parsing.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url.hpp>

#include "proxy/bot_api_proxy.h"

namespace topicdesk::proxy {
namespace json = boost::json;
namespace bhttp = boost::beast::http;

namespace {

void add_pair(json::object& params, std::string_view key, std::string_view value) { params[key] = value; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int high = hex_value(text[i + 1]);
    int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    char c = static_cast<char>(high * 16 + low);
    if (c == '\0') return std::nullopt;
    out.push_back(c);
    i += 2;
  }
  return out;
}

bool is_method_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_unreserved(char c) { return is_method_char(c) || c == '-' || c == '.' || c == '~'; }

}  // namespace

std::optional<CallPath> parse_call_path(std::string_view raw_path) {
  auto path = percent_decode(raw_path);
  if (!path) return std::nullopt;
  CallPath out;
  std::string_view rest = *path;
  if (rest.starts_with("/file/bot")) {
    out.file = true;
    rest.remove_prefix(9);
  } else if (rest.starts_with("/bot")) {
    rest.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  out.token = std::string(rest.substr(0, slash));
  out.rest = std::string(rest.substr(slash + 1));
  return out;
}

std::optional<std::string> method_key(std::string_view rest) {
  if (rest.empty() || !std::all_of(rest.begin(), rest.end(), is_method_char)) return std::nullopt;
  std::string key(rest);
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  return key;
}

std::optional<std::string> file_target(std::string_view rest) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  if (rest.empty()) return std::nullopt;
  std::string out;
  std::size_t begin = 0;
  for (;;) {
    std::size_t end = std::min(rest.find('/', begin), rest.size());
    std::string_view segment = rest.substr(begin, end - begin);
    if (segment.empty() || segment == "." || segment == "..") return std::nullopt;
    if (!out.empty()) out.push_back('/');
    for (char c : segment) {
      auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte == 0x7F) return std::nullopt;
      if (is_unreserved(c)) {
        out.push_back(c);
      } else {
        out.push_back('%');
        out.push_back(kDigits[byte >> 4]);
        out.push_back(kDigits[byte & 0x0F]);
      }
    }
    if (end == rest.size()) break;
    begin = end + 1;
  }
  return out;
}

std::optional<std::int64_t> int_param(const json::object& params, std::string_view key) {
  const auto* v = params.if_contains(key);
  if (!v) return std::nullopt;
  if (const auto* i = v->if_int64()) return *i;
  if (const auto* s = v->if_string()) {
    try {
      return std::stoll(std::string(*s));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> list_param(const json::object& params, std::string_view key) {
  const auto* v = params.if_contains(key);
  if (!v) return std::nullopt;
  json::value parsed;
  if (const auto* s = v->if_string()) {
    boost::system::error_code ec;
    parsed = json::parse(*s, ec);
    if (ec) return std::nullopt;
    v = &parsed;
  }
  const auto* array = v->if_array();
  if (!array) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : *array) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

void add_urlencoded(json::object& params, std::string_view text) {
  // Boost.URL 1.81's parse_query measures its input with strlen instead of the view's size
  // (boostorg/url#757): on a request target, which is not NUL-terminated, it read past the
  // buffer and walked off the end of the heap block. A std::string is NUL-terminated; one with
  // a NUL inside is refused, as a NUL is no valid query character.
  const std::string query(text);
  if (query.find('\0') != std::string::npos) return;
  auto parsed = boost::urls::parse_query(query);
  if (!parsed) return;
  boost::urls::encoding_opts form;
  form.space_as_plus = true;  // application/x-www-form-urlencoded writes spaces as '+'
  for (auto param : *parsed) {
    if (param.has_value) add_pair(params, param.key.decode(form), param.value.decode(form));
  }
}

void add_multipart(json::object& params, std::string_view body, std::string_view content_type) {
  auto at = content_type.find("boundary=");
  if (at == std::string_view::npos) return;
  std::string boundary(content_type.substr(at + 9));
  if (!boundary.empty() && boundary.front() == '"') boundary = boundary.substr(1, boundary.find('"', 1) - 1);
  std::string delimiter = "--" + boundary;
  std::size_t pos = body.find(delimiter);
  while (pos != std::string_view::npos) {
    std::size_t head = pos + delimiter.size();
    std::size_t head_end = body.find("\r\n\r\n", head);
    if (head_end == std::string_view::npos) return;
    std::size_t next = body.find(delimiter, head_end);
    if (next == std::string_view::npos) return;
    std::string_view headers = body.substr(head, head_end - head);
    std::string_view value = body.substr(head_end + 4, next - head_end - 4);
    if (value.ends_with("\r\n")) value.remove_suffix(2);
    auto name_at = headers.find("name=\"");
    if (name_at != std::string_view::npos && headers.find("filename=") == std::string_view::npos) {
      auto name_end = headers.find('"', name_at + 6);
      if (name_end != std::string_view::npos)
        add_pair(params, headers.substr(name_at + 6, name_end - name_at - 6), value);
    }
    pos = next;
  }
}

// Declared in bot_api_proxy.h (the proxy's public surface).
json::object call_params(const http::Request& request) {
  json::object params;
  std::string_view target = request.target();
  if (auto q = target.find('?'); q != std::string_view::npos) add_urlencoded(params, target.substr(q + 1));
  std::string_view type;
  if (auto it = request.find(bhttp::field::content_type); it != request.end()) type = it->value();
  const std::string& body = request.body();
  if (body.empty()) return params;
  if (type.starts_with("application/json")) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (!ec && v.is_object()) {
      for (auto& [key, value] : v.get_object()) params[key] = value;
    }
  } else if (type.starts_with("application/x-www-form-urlencoded")) {
    add_urlencoded(params, body);
  } else if (type.starts_with("multipart/form-data")) {
    add_multipart(params, body, type);
  }
  return params;
}

}  // namespace topicdesk::proxy
