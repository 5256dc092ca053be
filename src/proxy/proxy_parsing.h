// How the Bot API proxy reads the program's calls: parameters from the query string and from
// urlencoded, JSON or multipart bodies, and the typed values it needs of them (getUpdates,
// setWebhook, copyMessage's chat_id). Internal to src/proxy; public for its tests and the fuzz
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
