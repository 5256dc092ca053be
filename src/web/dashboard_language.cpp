#include "web/dashboard_language.h"

#include <algorithm>

#include "core/utf8.h"
#include "i18n/catalog.h"
#include "web/dashboard_support.h"

namespace topicdesk::web {
namespace json = boost::json;

namespace {

constexpr std::string_view kWebPrefix = "web.";
constexpr std::size_t kMaxTagLength = 35;  // the longest language tag worth reading (RFC 5646)

std::string_view header_of(const http::Request& request, std::string_view name) {
  auto it = request.find(name);
  return it == request.end() ? std::string_view() : std::string_view(it->value().data(), it->value().size());
}

std::string raw_text(std::string_view language, const std::string& key) {
  const auto& texts = i18n::catalogue(language);
  if (auto it = texts.find(key); it != texts.end()) return it->second;
  const auto& english = i18n::catalogue(i18n::kFallbackLanguage);
  auto it = english.find(key);
  return it == english.end() ? std::string() : it->second;
}

}  // namespace

std::optional<std::string> catalogue_language(std::string_view tag) {
  const std::string trimmed = core::trim(tag);
  if (trimmed.empty() || trimmed.size() > kMaxTagLength) return std::nullopt;
  const std::string lower = core::lower_ascii(trimmed);
  const std::string resolved = i18n::resolve(lower);
  // resolve() answers English for anything unknown: only an English tag means English.
  if (resolved == i18n::kFallbackLanguage && lower.substr(0, lower.find_first_of("-_")) != "en")
    return std::nullopt;
  return resolved;
}

std::optional<std::string> browser_language(std::string_view accept_language) {
  // Browsers list their languages by preference; the weights (;q=) follow that order.
  std::size_t start = 0;
  while (start <= accept_language.size()) {
    std::size_t end = accept_language.find(',', start);
    if (end == std::string_view::npos) end = accept_language.size();
    std::string_view item = accept_language.substr(start, end - start);
    item = item.substr(0, item.find(';'));
    if (item != "*") {
      if (auto found = catalogue_language(item)) return found;
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> page_language(const http::Request& request) {
  return catalogue_language(header_of(request, kLanguageHeader));
}

std::optional<std::string> asked_language(const http::Request& request) {
  if (auto header = page_language(request)) return header;
  if (auto query = catalogue_language(param(query_of(request), "lang"))) return query;
  return browser_language(header_of(request, "Accept-Language"));
}

json::object web_catalogue(std::string_view language) {
  const std::string code = catalogue_language(language).value_or(std::string(i18n::kFallbackLanguage));
  json::object texts;
  for (const auto& [key, english] : i18n::catalogue(i18n::kFallbackLanguage)) {
    if (key.starts_with(kWebPrefix)) texts[key] = raw_text(code, key);
  }
  return json::object{{"language", code},
                      {"direction", i18n::right_to_left(code) ? "rtl" : "ltr"},
                      {"texts", std::move(texts)}};
}

json::array language_list() {
  json::array out;
  for (const auto& code : i18n::languages()) {
    out.push_back(json::object{{"code", code},
                               {"name", raw_text(code, "language.name")},
                               {"direction", i18n::right_to_left(code) ? "rtl" : "ltr"}});
  }
  return out;
}

}  // namespace topicdesk::web
