#include "i18n/catalog.h"

#include <toml++/toml.h>

#include <algorithm>
#include <stdexcept>

#include "i18n/embedded_catalogues.h"

namespace topicdesk::i18n {
namespace {

using Catalogue = std::map<std::string, std::string>;

void flatten(const toml::table& table, const std::string& prefix, Catalogue& out, const std::string& where) {
  for (const auto& [k, node] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = node.as_table()) {
      flatten(*sub, key, out, where);
    } else if (const auto* text = node.as_string()) {
      if (!out.emplace(key, text->get()).second) throw std::logic_error(where + ": key " + key + " is defined twice");
    } else {
      throw std::logic_error(where + ": " + key + " must be a string");
    }
  }
}

// Parsed once. A catalogue that does not parse is a bug of the build (the catalogue test
// parses every file), so it throws on first use rather than serving half a language.
const std::map<std::string, Catalogue, std::less<>>& all() {
  static const auto* catalogues = [] {
    auto* result = new std::map<std::string, Catalogue, std::less<>>();
    for (const auto& file : embedded_catalogues()) {
      std::string where = std::string(file.language) + "/" + std::string(file.name);
      toml::table table;
      try {
        table = toml::parse(file.text, where);
      } catch (const toml::parse_error& e) {
        throw std::logic_error(where + ": " + std::string(e.description()));
      }
      flatten(table, "", (*result)[std::string(file.language)], where);
    }
    return result;
  }();
  return *catalogues;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

const std::string* find(std::string_view language, std::string_view key) {
  const auto& cats = all();
  auto it = cats.find(language);
  if (it == cats.end()) return nullptr;
  auto t = it->second.find(std::string(key));
  return t == it->second.end() ? nullptr : &t->second;
}

}  // namespace

std::string resolve(std::string_view language) {
  std::string lang = lower(language);
  const auto& cats = all();
  if (!lang.empty() && cats.count(lang) != 0) return lang;
  auto dash = lang.find('-');
  if (dash != std::string::npos && cats.count(lang.substr(0, dash)) != 0) return lang.substr(0, dash);
  return std::string(kFallbackLanguage);
}

std::string text(std::string_view language, std::string_view key, std::initializer_list<Arg> args) {
  std::string lang = resolve(language);
  const std::string* pattern = find(lang, key);
  if (pattern == nullptr) pattern = find(kFallbackLanguage, key);
  if (pattern == nullptr) return "[" + std::string(key) + "]";
  std::string out;
  out.reserve(pattern->size() + 32);
  const std::string& p = *pattern;
  for (std::size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if ((c == '{' || c == '}') && i + 1 < p.size() && p[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c == '{') {
      auto close = p.find('}', i + 1);
      if (close != std::string::npos) {
        std::string_view name(p.data() + i + 1, close - i - 1);
        auto arg = std::find_if(args.begin(), args.end(), [&](const Arg& a) { return a.name == name; });
        if (arg != args.end()) {
          out += arg->value;
          i = close;
          continue;
        }
      }
    }
    out += c;
  }
  return out;
}

const std::vector<std::string>& languages() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [lang, _] : all()) out.push_back(lang);
    return out;
  }();
  return names;
}

const std::map<std::string, std::string>& catalogue(std::string_view language) {
  static const Catalogue empty;
  auto it = all().find(language);
  return it == all().end() ? empty : it->second;
}

std::vector<std::string> placeholders(std::string_view t) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if ((t[i] == '{' || t[i] == '}') && i + 1 < t.size() && t[i + 1] == t[i]) {
      ++i;
      continue;
    }
    if (t[i] != '{') continue;
    auto close = t.find('}', i + 1);
    if (close == std::string_view::npos) break;
    std::string name(t.substr(i + 1, close - i - 1));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    i = close;
  }
  return out;
}

}  // namespace topicdesk::i18n
