#include "i18n/catalog.h"

#include <toml++/toml.h>

#include <algorithm>
#include <span>
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
      if (!out.emplace(key, text->get()).second)
        throw std::logic_error(where + ": key " + key + " is defined twice");
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
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
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

// The catalogue `language` names, itself or its base ("pt-br" → "pt"); empty: none.
std::string known(std::string_view language) {
  std::string lang = lower(language);
  const auto& cats = all();
  if (!lang.empty() && cats.count(lang) != 0) return lang;
  auto dash = lang.find('-');
  if (dash != std::string::npos && cats.count(lang.substr(0, dash)) != 0) return lang.substr(0, dash);
  return {};
}

}  // namespace

std::string resolve(std::string_view language) {
  std::string lang = known(language);
  return lang.empty() ? std::string(kFallbackLanguage) : lang;
}

std::string resolve(std::string_view language, std::string_view fallback) {
  std::string lang = known(language);
  return lang.empty() ? resolve(fallback) : lang;
}

bool has_key(std::string_view key) { return find(kFallbackLanguage, key) != nullptr; }

bool right_to_left(std::string_view language) {
  const std::string* direction = find(resolve(language), "language.direction");
  return direction != nullptr && *direction == "rtl";
}

namespace {

// Right-to-left texts (docs/languages.md, "Right to left"). Telegram's apps lay out each line by
// its first strong letter and reorder neutral characters by their neighbours, so in a Persian
// sentence a Latin name, a number, "#42" or "/help" would pull the punctuation around it out of
// place. Three rules keep the sentence as written:
//  - an argument (a name, a number, an amount) is wrapped in an isolate of its own direction (LRI,
//    RLI, or FSI when it has no letter; U+2066–U+2069), which apps resolve more surely than FSI; links
//    stay bare (an app would take the PDI for part of the address), and so do values of several
//    lines (a line break ends an isolate anyway);
//  - a command the text names ("/help", "/{name}") is wrapped in LRI … PDI (U+2066, U+2069);
//  - a line that holds right-to-left words but does not start with one (a Latin word, or an
//    isolate: apps that ignore isolates would read its first letter) starts with RLM (U+200F), so
//    that it is laid out right to left in every app.
constexpr std::string_view kFsi = "\u2068";
constexpr std::string_view kLri = "\u2066";
constexpr std::string_view kRli = "\u2067";
constexpr std::string_view kPdi = "\u2069";
constexpr std::string_view kRlm = "\u200f";

bool ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// "/help", "/{name}" and "/invoice cancel {id}" in `pattern` wrapped in LRI … PDI: the command
// with the Latin words that follow it (its arguments), up to the first letter of another script,
// a bracket that closes, or a line break; spaces and punctuation at its end stay outside.
std::string isolate_commands(const std::string& pattern) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const bool starts_word =
        i == 0 || pattern[i - 1] == ' ' || pattern[i - 1] == '(' || pattern[i - 1] == '\n';
    if (pattern[i] == '/' && starts_word && i + 1 < pattern.size() &&
        (ascii_letter(pattern[i + 1]) || pattern[i + 1] == '{')) {
      std::size_t end = i + 1;
      while (end < pattern.size() && static_cast<unsigned char>(pattern[end]) < 0x80 &&
             pattern[end] != '\n' && pattern[end] != ')')
        ++end;
      while (end > i + 1 && std::string_view(" .,:;!?").find(pattern[end - 1]) != std::string_view::npos)
        --end;
      out += std::string(kLri) + pattern.substr(i, end - i) + std::string(kPdi);
      i = end - 1;
      continue;
    }
    out += pattern[i];
  }
  return out;
}

// The direction of the code point at `s[i]` (UTF-8): 'L' a Latin or Cyrillic letter, 'R' a letter
// of a right-to-left script, 0 anything else; `length` its bytes.
char strong_direction(std::string_view s, std::size_t i, std::size_t& length) {
  const auto c = static_cast<unsigned char>(s[i]);
  char32_t cp = c;
  length = 1;
  if (c >= 0xF0 && i + 3 < s.size()) {
    cp = ((c & 0x07U) << 18) | ((s[i + 1] & 0x3FU) << 12) | ((s[i + 2] & 0x3FU) << 6) | (s[i + 3] & 0x3FU);
    length = 4;
  } else if (c >= 0xE0 && i + 2 < s.size()) {
    cp = ((c & 0x0FU) << 12) | ((s[i + 1] & 0x3FU) << 6) | (s[i + 2] & 0x3FU);
    length = 3;
  } else if (c >= 0xC0 && i + 1 < s.size()) {
    cp = ((c & 0x1FU) << 6) | (s[i + 1] & 0x3FU);
    length = 2;
  }
  if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0x24F) ||
      (cp >= 0x400 && cp <= 0x4FF))
    return 'L';
  if ((cp >= 0x590 && cp <= 0x8FF) || (cp >= 0xFB1D && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFF))
    return 'R';
  return 0;
}

// The value in an isolate of its own direction: LRI for a value whose first letter is Latin
// ("Ann Lee", "/segment [expression]"), RLI for a Persian one, FSI when it has no letter ("1001").
// Apps that resolve FSI poorly still get the explicit ones right.
std::string isolated(const std::string& value) {
  if (value.empty() || value.find('\n') != std::string::npos || value.starts_with("http://") ||
      value.starts_with("https://") || value.starts_with("tg://"))
    return value;
  std::string_view open = kFsi;
  for (std::size_t i = 0; i < value.size();) {
    std::size_t length = 1;
    const char direction = strong_direction(value, i, length);
    if (direction != 0) {
      open = direction == 'L' ? kLri : kRli;
      break;
    }
    i += length;
  }
  return std::string(open) + value + std::string(kPdi);
}

// Every line of `text` that holds right-to-left letters but does not start with one gets an RLM in
// front: a line that starts with a Latin word, and also one that starts with an isolate ("/help —
// …"), since apps that ignore isolates would take the isolate's first letter for the line's.
std::string right_to_left_lines(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    char first = 0;  // the first strong letter, inside an isolate or not
    bool first_outside = false;
    bool has_rtl = false;
    int depth = 0;
    for (std::size_t i = 0; i < line.size();) {
      if (line.substr(i).starts_with(kFsi) || line.substr(i).starts_with(kLri) ||
          line.substr(i).starts_with(kRli)) {
        ++depth;
        i += kFsi.size();
        continue;
      }
      if (line.substr(i).starts_with(kPdi)) {
        depth = depth > 0 ? depth - 1 : 0;
        i += kPdi.size();
        continue;
      }
      std::size_t length = 1;
      char direction = strong_direction(line, i, length);
      if (direction == 'R') has_rtl = true;
      if (first == 0 && direction != 0) {
        first = direction;
        first_outside = depth == 0;
      }
      i += length;
    }
    if (has_rtl && !(first == 'R' && first_outside)) out += kRlm;
    out += line;
    if (end == text.size()) break;
    out += '\n';
    start = end + 1;
  }
  return out;
}

// `key` in `language` with its placeholders filled; the last `sentences` of `args` are texts of
// that language (nested messages, already rendered), isolated right to left as a whole in a
// right-to-left language rather than by their first letter.
std::string render(std::string_view language, std::string_view key, std::span<const Arg> args,
                   std::size_t sentences = 0) {
  std::string lang = resolve(language);
  const bool rtl = right_to_left(lang);
  const std::string* pattern = find(lang, key);
  if (pattern == nullptr) pattern = find(kFallbackLanguage, key);
  if (pattern == nullptr) return "[" + std::string(key) + "]";
  const std::string p = rtl ? isolate_commands(*pattern) : *pattern;
  std::string out;
  out.reserve(p.size() + 32);
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
          const bool sentence = static_cast<std::size_t>(args.end() - arg) <= sentences;
          if (!rtl) {
            out += arg->value;
          } else if (sentence && !arg->value.empty() && arg->value.find('\n') == std::string::npos) {
            out += std::string(kRli) + arg->value + std::string(kPdi);
          } else {
            out += isolated(arg->value);
          }
          i = close;
          continue;
        }
      }
    }
    out += c;
  }
  return rtl ? right_to_left_lines(out) : out;
}

}  // namespace

std::string text(std::string_view language, std::string_view key, std::initializer_list<Arg> args) {
  return render(language, key, std::span<const Arg>(args.begin(), args.size()));
}

std::string text(std::string_view language, const Message& message) {
  std::vector<Arg> args;
  args.reserve(message.args.size() + message.nested.size());
  for (const auto& [name, value] : message.args) args.push_back({name, value});
  for (const auto& [name, inner] : message.nested) args.push_back({name, text(language, inner)});
  return render(language, message.key, args, message.nested.size());
}

const std::vector<std::string>& languages() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> out;
    for (const auto& [lang, _] : all()) out.push_back(lang);
    return out;
  }();
  return kNames;
}

const std::map<std::string, std::string>& catalogue(std::string_view language) {
  static const Catalogue kEmpty;
  auto it = all().find(language);
  return it == all().end() ? kEmpty : it->second;
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
