// How the Bot API proxy reads the program's calls: the path (percent-decoded and checked as
// Telegram's Bot API server reads it), parameters from the query string and from urlencoded,
// JSON or multipart bodies, and the typed values it needs of them (getUpdates, setWebhook,
// copyMessage's chat_id). Internal to src/proxy; public for its tests and the fuzz
// target (tests/fuzz/proxy_fuzz). call_params() itself is declared in bot_api_proxy.h.
// Nothing here throws: what cannot be read is skipped, and the call is forwarded unchanged.
#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace topicdesk::proxy {

// A request path of the proxy: /bot<token>/<method> or /file/bot<token>/<file path>.
struct CallPath {
  bool file = false;
  std::string token;  // percent-decoded
  std::string rest;   // percent-decoded: the method, or the file path; may be empty
};

// The path (without the query) read as Telegram's server reads it: percent-decoded first, then
// split after the token at the first '/'. nullopt when it is no proxy path ("Not Found"): no
// /bot or /file/bot prefix, no '/' after the token, or a broken or NUL %-escape.
std::optional<CallPath> parse_call_path(std::string_view raw_path);

// The method named by a call path's rest, lower-cased (method names are case-insensitive);
// nullopt unless it is one name of letters, digits and '_' (a trailing '/', further segments,
// ".." …: Telegram's "Not Found: method not found").
std::optional<std::string> method_key(std::string_view rest);

// A file path to ask the Bot API server for, percent-encoded again; nullopt for an empty path or
// segment, "." or "..", or control characters.
std::optional<std::string> file_target(std::string_view rest);

// An integer given as a JSON number or as text ("42"; leading digits, as Telegram reads them);
// nullopt when absent or not a number.
std::optional<std::int64_t> int_param(const boost::json::object& params, std::string_view key);

// A list such as allowed_updates, given as a JSON array or as its JSON text; nullopt when absent
// or unreadable. Items that are not strings are skipped.
std::optional<std::vector<std::string>> list_param(const boost::json::object& params, std::string_view key);

// key=value pairs of a query string or an application/x-www-form-urlencoded body ('+' is a
// space), decoded into `params`. Unreadable text adds nothing.
void add_urlencoded(boost::json::object& params, std::string_view text);

// The text fields of a multipart/form-data body (files are skipped).
void add_multipart(boost::json::object& params, std::string_view body, std::string_view content_type);

}  // namespace topicdesk::proxy
