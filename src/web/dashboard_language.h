// The dashboard's language (docs/dashboard.md, "Languages"). The page's texts are the `web.*` keys
// of the message catalogues (src/i18n/catalogues/<lang>/web.toml); the page fetches one language's
// (web_catalogue) and fills their {placeholders} itself. The desk's own answers to the page
// (errors) are written in the language the page asks in:
//  - a signed-in page sends kLanguageHeader (the language picked in its header, else the one
//    the session's connection has as LANGUAGE, which the page learns from /ui/api/session);
//  - the sign-in pages, shown before anyone is known, take the header, else ?lang= (the page
//    passes its language on signing out), else the browser's Accept-Language, else English.
// Only languages with a catalogue are ever used; anything else is English.
#pragma once
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "http/server.h"

namespace topicdesk::web {

inline constexpr std::string_view kLanguageHeader = "X-Dashboard-Language";

// The catalogue `tag` names ("ru", "de-AT" → "de", "FA" → "fa"); nullopt when none has it.
std::optional<std::string> catalogue_language(std::string_view tag);
// The first language of an Accept-Language header ("fa-IR,fa;q=0.9,en;q=0.8") with a catalogue.
std::optional<std::string> browser_language(std::string_view accept_language);
// The language a signed-in page asks in (kLanguageHeader), if it has a catalogue.
std::optional<std::string> page_language(const http::Request& request);
// The language a request asks for (header, ?lang=, Accept-Language), if any has a catalogue.
std::optional<std::string> asked_language(const http::Request& request);

// What the page gets for `language` (a catalogue's code): {"language", "direction": "ltr"|"rtl",
// "texts": {web.* key → text as written, placeholders unfilled}}; every key English has.
boost::json::object web_catalogue(std::string_view language);
// Every language with a catalogue, for the page's picker: [{"code", "name", "direction"}].
boost::json::array language_list();

}  // namespace topicdesk::web
