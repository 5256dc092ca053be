#include "sim/model/text.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "sim/model/json_util.h"

namespace tgsim::text {

namespace json = boost::json;

namespace {

bool is_word_char(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

json::object entity(std::string_view type, std::size_t offset, std::size_t length) {
  return json::object{{"offset", offset}, {"length", length}, {"type", type}};
}

ApiError parse_error(std::string_view what) {
  return bad_request("can't parse entities: " + std::string(what));
}

// An entity under construction: where it started in the output (UTF-16 units).
struct Open {
  std::string type;
  std::size_t start = 0;
  std::string url;
  std::string language;
};

class Builder {
 public:
  void append(std::string_view bytes) {
    text_.append(bytes);
    units_ += utf16_length(bytes);
  }
  void append_char(char c) {
    text_.push_back(c);
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      units_ += (static_cast<unsigned char>(c) >= 0xF0) ? 2 : 1;
    }
  }
  std::size_t units() const { return units_; }
  void open(std::string type, std::string url = {}, std::string language = {}) {
    stack_.push_back(Open{std::move(type), units_, std::move(url), std::move(language)});
  }
  // Closes the innermost open entity of `type`; false if none is open.
  bool close(std::string_view type, std::string url = {}) {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (it->type != type) continue;
      if (units_ > it->start && type != "code_in_pre") {
        auto e = entity(type, it->start, units_ - it->start);
        if (!url.empty()) e["url"] = url;
        if (!it->url.empty()) e["url"] = it->url;
        if (!it->language.empty()) e["language"] = it->language;
        entities_.push_back(std::move(e));
      }
      stack_.erase(std::next(it).base());
      return true;
    }
    return false;
  }
  void set_language_of_innermost(std::string language) {
    if (!stack_.empty()) stack_.back().language = std::move(language);
  }
  bool is_open(std::string_view type) const {
    return std::any_of(stack_.begin(), stack_.end(), [&](const Open& o) { return o.type == type; });
  }
  const std::vector<Open>& stack() const { return stack_; }
  std::string& text() { return text_; }
  json::array& entities() { return entities_; }

 private:
  std::string text_;
  std::size_t units_ = 0;
  std::vector<Open> stack_;
  json::array entities_;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view html_entity_type(std::string_view tag) {
  if (tag == "b" || tag == "strong") return "bold";
  if (tag == "i" || tag == "em") return "italic";
  if (tag == "u" || tag == "ins") return "underline";
  if (tag == "s" || tag == "strike" || tag == "del") return "strikethrough";
  if (tag == "code") return "code";
  if (tag == "pre") return "pre";
  if (tag == "a") return "text_link";
  if (tag == "tg-spoiler") return "spoiler";
  if (tag == "blockquote") return "blockquote";
  if (tag == "span") return "spoiler";
  if (tag == "tg-emoji") return "custom_emoji";
  return {};
}

std::string attribute(std::string_view tag_body, std::string_view name) {
  auto at = tag_body.find(name);
  if (at == std::string_view::npos) return {};
  auto eq = tag_body.find('=', at);
  if (eq == std::string_view::npos) return {};
  auto start = eq + 1;
  if (start < tag_body.size() && (tag_body[start] == '"' || tag_body[start] == '\'')) {
    char quote = tag_body[start];
    auto end = tag_body.find(quote, start + 1);
    if (end == std::string_view::npos) return {};
    return std::string(tag_body.substr(start + 1, end - start - 1));
  }
  auto end = tag_body.find_first_of(" >", start);
  return std::string(tag_body.substr(start, end == std::string_view::npos ? end : end - start));
}

Result<Formatted> parse_html(std::string_view in) {
  Builder out;
  std::vector<std::string> tags;
  for (std::size_t i = 0; i < in.size();) {
    char c = in[i];
    if (c == '&') {
      auto semi = in.find(';', i);
      std::string_view name =
          semi == std::string_view::npos ? std::string_view{} : in.substr(i + 1, semi - i - 1);
      const char* replacement = name == "lt"     ? "<"
                                : name == "gt"   ? ">"
                                : name == "amp"  ? "&"
                                : name == "quot" ? "\""
                                                 : nullptr;
      if (replacement) {
        out.append(replacement);
        i = semi + 1;
      } else {
        out.append_char(c);
        ++i;
      }
      continue;
    }
    if (c != '<') {
      out.append_char(c);
      ++i;
      continue;
    }
    auto end = in.find('>', i);
    if (end == std::string_view::npos) {
      return parse_error("Unclosed start tag at byte offset " + std::to_string(i));
    }
    std::string_view body = in.substr(i + 1, end - i - 1);
    bool closing = !body.empty() && body[0] == '/';
    if (closing) body.remove_prefix(1);
    auto name_end = body.find_first_of(" \t\n");
    std::string name = lower(body.substr(0, name_end));
    std::string_view type = html_entity_type(name);
    if (type.empty()) {
      return parse_error(std::string(closing ? "Unsupported end tag \"" : "Unsupported start tag \"") + name +
                         "\" at byte offset " + std::to_string(i));
    }
    if (!closing) {
      std::string url = name == "a" ? attribute(body, "href") : std::string{};
      if (name == "code" && !tags.empty() && tags.back() == "pre") {
        // <pre><code class="language-x"> is one pre entity carrying the language.
        auto cls = attribute(body, "class");
        if (cls.rfind("language-", 0) == 0) out.set_language_of_innermost(cls.substr(9));
        tags.push_back(name);
        out.open("code_in_pre");
        i = end + 1;
        continue;
      }
      tags.push_back(name);
      out.open(std::string(type), std::move(url));
    } else {
      if (tags.empty() || tags.back() != name) {
        return parse_error("Unmatched end tag at byte offset " + std::to_string(i) + ", expected \"</" +
                           (tags.empty() ? std::string() : tags.back()) + ">\", found \"</" + name + ">\"");
      }
      tags.pop_back();
      const bool code_in_pre = name == "code" && !tags.empty() && tags.back() == "pre";
      out.close(code_in_pre ? std::string_view("code_in_pre") : type);
    }
    i = end + 1;
  }
  if (!tags.empty())
    return parse_error("Can't find end tag corresponding to start tag \"" + tags.back() + "\"");
  return Formatted{std::move(out.text()), std::move(out.entities())};
}

bool reserved_v2(char c) { return std::string_view("_*[]()~`>#+-=|{}.!").find(c) != std::string_view::npos; }

Result<Formatted> parse_markdown(std::string_view in, bool v2) {
  Builder out;
  auto toggle = [&](std::string_view type) {
    if (!out.close(type)) out.open(std::string(type));
  };
  for (std::size_t i = 0; i < in.size();) {
    char c = in[i];
    if (c == '\\' && i + 1 < in.size() && (v2 || reserved_v2(in[i + 1]))) {
      out.append_char(in[i + 1]);
      i += 2;
      continue;
    }
    if (c == '`') {
      bool pre = in.substr(i, 3) == "```";
      std::string_view fence = pre ? "```" : "`";
      auto start = i + fence.size();
      auto end = in.find(fence, start);
      if (end == std::string_view::npos) {
        return parse_error(std::string("Can't find end of ") + (pre ? "Pre" : "Code") +
                           " entity at byte offset " + std::to_string(i));
      }
      std::string_view inner = in.substr(start, end - start);
      std::string language;
      if (pre) {
        auto newline = inner.find('\n');
        if (newline != std::string_view::npos &&
            inner.substr(0, newline).find(' ') == std::string_view::npos) {
          language = std::string(inner.substr(0, newline));
          inner.remove_prefix(newline + 1);
        }
      }
      out.open(pre ? "pre" : "code", {}, language);
      for (std::size_t j = 0; j < inner.size(); ++j) {
        if (v2 && inner[j] == '\\' && j + 1 < inner.size() && (inner[j + 1] == '`' || inner[j + 1] == '\\'))
          ++j;
        out.append_char(inner[j]);
      }
      out.close(pre ? "pre" : "code");
      i = end + fence.size();
      continue;
    }
    if (c == '*') {
      toggle("bold");
      ++i;
      continue;
    }
    if (c == '_') {
      if (v2 && i + 1 < in.size() && in[i + 1] == '_') {
        toggle("underline");
        i += 2;
        continue;
      }
      toggle("italic");
      ++i;
      continue;
    }
    if (v2 && c == '~') {
      toggle("strikethrough");
      ++i;
      continue;
    }
    if (v2 && c == '|' && i + 1 < in.size() && in[i + 1] == '|') {
      toggle("spoiler");
      i += 2;
      continue;
    }
    if (c == '[') {
      out.open("text_link");
      ++i;
      continue;
    }
    if (c == ']' && out.is_open("text_link")) {
      if (i + 1 >= in.size() || in[i + 1] != '(') {
        if (v2) return parse_error("Character ']' is reserved and must be escaped with the preceding '\\'");
        out.close("text_link");
        ++i;
        continue;
      }
      auto close = in.find(')', i + 2);
      if (close == std::string_view::npos)
        return parse_error("Can't find end of a URL at byte offset " + std::to_string(i));
      out.close("text_link", std::string(in.substr(i + 2, close - i - 2)));
      i = close + 1;
      continue;
    }
    if (v2 && c == '>' && (i == 0 || in[i - 1] == '\n')) {
      ++i;
      continue;
    }
    if (v2 && reserved_v2(c)) {
      std::string what = "Character '";
      what.push_back(c);
      what += "' is reserved and must be escaped with the preceding '\\'";
      return parse_error(what);
    }
    out.append_char(c);
    ++i;
  }
  if (!out.stack().empty()) {
    return parse_error("Can't find end of " + out.stack().back().type + " entity at byte offset " +
                       std::to_string(in.size()));
  }
  return Formatted{std::move(out.text()), std::move(out.entities())};
}

bool is_space(unsigned char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// Trims whitespace and moves entity offsets with it; drops entities that end up empty.
void trim(Formatted& f) {
  std::size_t begin = 0;
  while (begin < f.text.size() && is_space(f.text[begin])) ++begin;
  std::size_t end = f.text.size();
  while (end > begin && is_space(f.text[end - 1])) --end;
  if (begin == 0 && end == f.text.size()) return;
  const auto shift = static_cast<std::int64_t>(begin);  // whitespace is one UTF-16 unit per byte
  f.text = f.text.substr(begin, end - begin);
  const auto total = static_cast<std::int64_t>(utf16_length(f.text));
  json::array kept;
  for (auto& e : f.entities) {
    auto& o = e.as_object();
    const auto offset = *json_integer(o["offset"]);
    auto from = std::clamp<std::int64_t>(offset - shift, 0, total);
    auto to = std::clamp<std::int64_t>(offset + *json_integer(o["length"]) - shift, 0, total);
    if (to <= from) continue;
    o["offset"] = from;
    o["length"] = to - from;
    kept.push_back(std::move(e));
  }
  f.entities = std::move(kept);
}

void sort_entities(json::array& entities) {
  std::stable_sort(entities.begin(), entities.end(), [](const json::value& a, const json::value& b) {
    auto ao = *json_integer(a.as_object().at("offset"));
    auto bo = *json_integer(b.as_object().at("offset"));
    if (ao != bo) return ao < bo;
    return *json_integer(a.as_object().at("length")) > *json_integer(b.as_object().at("length"));
  });
}

}  // namespace

std::size_t code_points(std::string_view utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

std::size_t utf16_length(std::string_view utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) == 0x80) continue;
    n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

bool valid_utf8(std::string_view bytes) {
  // Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t extra = 0;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (i + extra >= n) return false;
    if (p[i + 1] < low || p[i + 1] > high) return false;
    for (std::size_t k = 2; k <= extra; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

std::optional<Command> leading_command(std::string_view text) {
  if (text.size() < 2 || text[0] != '/') return std::nullopt;
  std::size_t end = 1;
  while (end < text.size() && end <= 64 &&
         (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) {
    ++end;
  }
  if (end == 1) return std::nullopt;
  Command command{text.substr(1, end - 1), {}};
  if (end < text.size() && text[end] == '@') {
    std::size_t mention_end = end + 1;
    while (mention_end < text.size() && is_word_char(static_cast<unsigned char>(text[mention_end])))
      ++mention_end;
    command.mention = text.substr(end + 1, mention_end - end - 1);
  }
  return command;
}

json::array detect_entities(std::string_view text) {
  json::array out;
  std::size_t units = 0;  // UTF-16 offset of text[i]
  for (std::size_t i = 0; i < text.size();) {
    const bool at_word_start = i == 0 || !is_word_char(static_cast<unsigned char>(text[i - 1]));
    const char c = text[i];
    std::size_t end = i;
    std::string_view type;
    if (at_word_start && (c == '/' || c == '@' || c == '#')) {
      end = i + 1;
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_'))
        ++end;
      if (c == '/' && end < text.size() && text[end] == '@') {
        ++end;
        while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_'))
          ++end;
      }
      type = c == '/' ? "bot_command" : c == '@' ? "mention" : "hashtag";
      if ((c == '@' && end - i < 4) || end - i < 2) type = {};
    } else if (at_word_start && (text.substr(i, 7) == "http://" || text.substr(i, 8) == "https://")) {
      end = i;
      while (end < text.size() && !is_space(static_cast<unsigned char>(text[end]))) ++end;
      type = "url";
    }
    if (!type.empty()) {
      std::size_t length = utf16_length(text.substr(i, end - i));
      out.push_back(entity(type, units, length));
      units += length;
      i = end;
      continue;
    }
    units += ((static_cast<unsigned char>(c) & 0xC0) == 0x80)
                 ? 0
                 : (static_cast<unsigned char>(c) >= 0xF0 ? 2 : 1);
    ++i;
  }
  return out;
}

Result<Formatted> format(std::string_view text, std::string_view parse_mode,
                         const json::array* explicit_entities) {
  std::string mode = lower(parse_mode);
  Formatted f;
  if (explicit_entities) {
    f.text = std::string(text);
    const auto units = static_cast<std::int64_t>(utf16_length(f.text));
    for (const auto& e : *explicit_entities) {
      const auto* o = e.if_object();
      const auto* type = o ? o->if_contains("type") : nullptr;
      const auto* offset = o ? o->if_contains("offset") : nullptr;
      const auto* length = o ? o->if_contains("length") : nullptr;
      auto from = offset ? json_integer(*offset) : std::nullopt;
      auto size = length ? json_integer(*length) : std::nullopt;
      if (!type || !type->is_string() || !from || !size) return bad_request("can't parse MessageEntity");
      const std::int64_t first = from.value_or(0), count = size.value_or(0);
      if (first < 0 || count <= 0 || first + count > units) continue;  // Telegram drops such entities
      f.entities.push_back(e);
    }
  } else if (mode.empty()) {
    f.text = std::string(text);
  } else if (mode == "html") {
    auto parsed = parse_html(text);
    if (!parsed) return parsed.error();
    f = std::move(*parsed);
  } else if (mode == "markdownv2" || mode == "markdown") {
    auto parsed = parse_markdown(text, mode == "markdownv2");
    if (!parsed) return parsed.error();
    f = std::move(*parsed);
  } else {
    return bad_request("unsupported parse_mode");
  }
  trim(f);
  if (!explicit_entities) {
    for (auto& e : detect_entities(f.text)) f.entities.push_back(std::move(e));
  }
  sort_entities(f.entities);
  return f;
}

}  // namespace tgsim::text
