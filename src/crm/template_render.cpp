#include "crm/template_render.h"

#include <algorithm>
#include <boost/json.hpp>

#include "core/utf8.h"
#include "i18n/catalog.h"
#include "tables/table.h"

namespace topicdesk::crm {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxVariable = 200;  // bytes between the braces

struct Variable {
  std::string name;  // "first_name", "field:plan"
  std::optional<std::string> fallback;
};

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// The variable written between braces, or nullopt when it is not one (then it is text).
std::optional<Variable> parse_variable(std::string_view inside) {
  Variable v;
  std::string_view name = inside;
  if (auto bar = inside.find('|'); bar != std::string_view::npos) {
    name = inside.substr(0, bar);
    v.fallback = std::string(inside.substr(bar + 1));
  }
  static constexpr std::string_view kNames[] = {"first_name", "last_name", "title",
                                                "username",   "operator",  "link"};
  if (std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames)) {
    v.name = std::string(name);
    return v;
  }
  if (name.starts_with("table:")) {
    if (!tables::parse_reference(name)) return std::nullopt;
    v.name = std::string(name);
    return v;
  }
  constexpr std::string_view kField = "field:";
  if (name.starts_with(kField) && name.size() > kField.size() &&
      std::all_of(name.begin() + kField.size(), name.end(), is_key_char)) {
    v.name = "field:" + core::lower_ascii(name.substr(kField.size()));
    return v;
  }
  return std::nullopt;
}

// A table cell's value; nullopt with `marker` set to what the table lacks.
std::optional<std::string> table_value(const Variable& v, const TemplateValues& values, std::string& marker) {
  auto ref = tables::parse_reference(v.name);
  if (!ref) return std::nullopt;
  std::optional<store::DataTable> table;
  if (values.table_row) table = values.table_row(ref->table, ref->row);
  tables::Lookup found = tables::lookup(table ? &*table : nullptr, ref->row, ref->column);
  if (!found.value) marker = tables::missing_marker(values.language, *ref, found);
  return found.value;
}

std::optional<std::string> value_of(const Variable& v, const TemplateValues& values) {
  auto present = [](const std::optional<std::string>& s) {
    return s && !s->empty() ? s : std::optional<std::string>();
  };
  if (v.name == "first_name") return present(values.first_name);
  if (v.name == "last_name") return present(values.last_name);
  if (v.name == "title") return present(values.title);
  if (v.name == "username") return present(values.username);
  if (v.name == "operator") return present(values.operator_name);
  if (v.name == "link") return present(values.link);
  auto it = values.fields.find(v.name.substr(6));
  if (it == values.fields.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// A replaced stretch of the source, in UTF-16 code units.
struct Span {
  std::size_t start = 0;
  std::size_t end = 0;
  std::size_t new_length = 0;
};

// Where a source position lands in the result. A position inside a variable moves to the
// start of its value (an entity's start) or its end (an entity's end).
std::size_t moved(std::size_t pos, bool is_end, const std::vector<Span>& spans) {
  std::ptrdiff_t shift = 0;
  for (const auto& s : spans) {
    if (pos >= s.end) {
      shift += static_cast<std::ptrdiff_t>(s.new_length) - static_cast<std::ptrdiff_t>(s.end - s.start);
      continue;
    }
    if (pos <= s.start) break;
    return static_cast<std::size_t>(static_cast<std::ptrdiff_t>(s.start) + shift) +
           (is_end ? s.new_length : 0);
  }
  return static_cast<std::size_t>(static_cast<std::ptrdiff_t>(pos) + shift);
}

std::string shifted_entities(std::string_view entities_json, const std::vector<Span>& spans) {
  if (entities_json.empty()) return {};
  boost::system::error_code ec;
  json::value parsed = json::parse(entities_json, ec);
  if (ec || !parsed.is_array()) return {};  // malformed formatting is dropped; the text stands
  if (spans.empty()) return json::serialize(parsed);
  json::array out;
  for (auto& entity : parsed.get_array()) {
    auto* o = entity.if_object();
    if (o == nullptr) continue;
    const auto* offset = o->if_contains("offset");
    const auto* length = o->if_contains("length");
    if (offset == nullptr || length == nullptr || !offset->is_int64() || !length->is_int64() ||
        offset->get_int64() < 0 || length->get_int64() <= 0)
      continue;
    auto start = static_cast<std::size_t>(offset->get_int64());
    auto end = start + static_cast<std::size_t>(length->get_int64());
    std::size_t new_start = moved(start, false, spans);
    std::size_t new_end = moved(end, true, spans);
    if (new_end <= new_start) continue;
    (*o)["offset"] = static_cast<std::int64_t>(new_start);
    (*o)["length"] = static_cast<std::int64_t>(new_end - new_start);
    out.push_back(std::move(entity));
  }
  return out.empty() ? std::string() : json::serialize(out);
}

// Calls `on_variable(byte_start, byte_end, variable)` for every variable of `text`, in order.
template <class F>
void each_variable(std::string_view text, F&& on_variable) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find('{', pos);
    if (open == std::string_view::npos) return;
    std::size_t close = text.find('}', open + 1);
    std::size_t next_open = text.find('{', open + 1);
    if (close == std::string_view::npos) return;
    if ((next_open != std::string_view::npos && next_open < close) || close - open - 1 > kMaxVariable) {
      pos = open + 1;
      continue;
    }
    auto variable = parse_variable(text.substr(open + 1, close - open - 1));
    if (!variable) {
      pos = open + 1;
      continue;
    }
    on_variable(open, close + 1, *variable);
    pos = close + 1;
  }
}

std::string written(std::string_view text, std::size_t start, std::size_t end) {
  return std::string(text.substr(start, end - start));
}

}  // namespace

core::Result<RenderedText> render_text(std::string_view text, std::string_view entities_json,
                                       const TemplateValues& values, std::size_t max_units,
                                       std::string_view what, std::vector<std::string>& missing) {
  RenderedText out;
  std::vector<Span> spans;
  std::size_t copied = 0;        // bytes of `text` already handled
  std::size_t source_units = 0;  // UTF-16 units of text[0, copied)
  std::size_t out_units = 0;
  each_variable(text, [&](std::size_t start, std::size_t end, const Variable& v) {
    std::string_view before = text.substr(copied, start - copied);
    out.text.append(before);
    std::size_t before_units = core::utf16_length(before);
    source_units += before_units;
    out_units += before_units;
    std::string marker;
    std::optional<std::string> value =
        v.name.starts_with("table:") ? table_value(v, values, marker) : value_of(v, values);
    if (!value && v.fallback) value = *v.fallback;
    if (!value) {
      std::string name = "{" + v.name + "}";
      if (!marker.empty()) name += " " + marker;
      if (std::find(missing.begin(), missing.end(), name) == missing.end()) missing.push_back(name);
      value = std::string();
    }
    std::size_t variable_units = core::utf16_length(text.substr(start, end - start));
    std::size_t value_units = core::utf16_length(*value);
    spans.push_back(Span{source_units, source_units + variable_units, value_units});
    out.text += *value;
    source_units += variable_units;
    out_units += value_units;
    copied = end;
  });
  out.text.append(text.substr(copied));
  out.entities_json = shifted_entities(entities_json, spans);
  std::size_t units = core::utf16_length(out.text);
  if (units > max_units) {
    return core::make_error(core::ErrorCode::kTooLarge,
                            i18n::text(values.language, "templates.render_too_long",
                                       {{"what", std::string(what)},
                                        {"length", std::to_string(units)},
                                        {"max", std::to_string(max_units)}}));
  }
  return out;
}

core::Result<std::vector<store::TemplatePart>> render_template(const store::Template& t,
                                                               const TemplateValues& values) {
  std::vector<std::string> missing;
  std::vector<store::TemplatePart> parts;
  std::optional<core::Error> too_long;
  auto render = [&](std::string& text, std::string& entities, std::size_t max, const std::string& what) {
    auto r = render_text(text, entities, values, max, what, missing);
    if (!r) {
      if (!too_long) too_long = r.error();
      return;
    }
    text = std::move(r->text);
    entities = std::move(r->entities_json);
  };
  for (std::size_t i = 0; i < t.parts.size(); ++i) {
    store::TemplatePart part = t.parts[i];
    const std::string number = std::to_string(i + 1);
    const std::string_view lang = values.language;
    if (part.kind == store::TemplatePartKind::kAlbum) {
      for (std::size_t j = 0; j < part.album.size(); ++j) {
        auto& item = part.album[j];
        render(item.caption, item.caption_entities_json, kMaxCaptionUnits,
               i18n::text(lang, "templates.render_album_caption",
                          {{"part", number}, {"item", std::to_string(j + 1)}}));
      }
    } else if (part.kind == store::TemplatePartKind::kText) {
      render(part.text, part.entities_json, kMaxTextUnits,
             i18n::text(lang, "templates.render_text", {{"part", number}}));
    } else {
      render(part.text, part.entities_json, kMaxCaptionUnits,
             i18n::text(lang, "templates.render_caption", {{"part", number}}));
    }
    parts.push_back(std::move(part));
  }
  if (!missing.empty()) {
    std::string names;
    for (const auto& name : missing) names += (names.empty() ? "" : ", ") + name;
    std::string example = missing.front().substr(0, missing.front().size() - 1) + "|…}";
    return core::make_error(
        core::ErrorCode::kConflict,
        i18n::text(values.language, "templates.render_no_value", {{"names", names}, {"example", example}}));
  }
  if (too_long) return *too_long;
  return parts;
}

std::vector<std::string> template_variables(const store::Template& t) {
  std::vector<std::string> out;
  auto collect = [&out](std::string_view text) {
    each_variable(text, [&](std::size_t start, std::size_t end, const Variable&) {
      std::string v = written(text, start, end);
      if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(std::move(v));
    });
  };
  for (const auto& part : t.parts) {
    collect(part.text);
    for (const auto& item : part.album) collect(item.caption);
  }
  return out;
}

}  // namespace topicdesk::crm
