#include "crm/templates.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "i18n/catalog.h"

namespace topicdesk::crm {
namespace json = boost::json;
using store::TemplateMedia;
using store::TemplatePart;
using store::TemplatePartKind;

namespace {

constexpr std::size_t kMaxFileId = 512;

bool is_latin(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::optional<TemplatePartKind> part_kind_of(core::ContentKind kind) {
  switch (kind) {
    case core::ContentKind::kText:
      return TemplatePartKind::kText;
    case core::ContentKind::kPhoto:
      return TemplatePartKind::kPhoto;
    case core::ContentKind::kVideo:
      return TemplatePartKind::kVideo;
    case core::ContentKind::kAnimation:
      return TemplatePartKind::kAnimation;
    case core::ContentKind::kDocument:
      return TemplatePartKind::kDocument;
    case core::ContentKind::kAudio:
      return TemplatePartKind::kAudio;
    case core::ContentKind::kVoice:
      return TemplatePartKind::kVoice;
    case core::ContentKind::kSticker:
      return TemplatePartKind::kSticker;
    case core::ContentKind::kVideoNote:
      return TemplatePartKind::kVideoNote;
    default:
      return std::nullopt;
  }
}

bool takes_caption(TemplatePartKind kind) {
  return kind != TemplatePartKind::kText && kind != TemplatePartKind::kSticker &&
         kind != TemplatePartKind::kVideoNote && kind != TemplatePartKind::kAlbum;
}

bool album_kind(TemplatePartKind kind) {
  return kind == TemplatePartKind::kPhoto || kind == TemplatePartKind::kVideo ||
         kind == TemplatePartKind::kDocument || kind == TemplatePartKind::kAudio;
}

std::string entities_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_array() && !v->get_array().empty() ? json::serialize(*v) : std::string();
}

json::value parsed_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

}  // namespace

core::Status check_template_name(std::string_view name, std::string_view language) {
  if (name.empty()) return core::make_error(i18n::text(language, "templates.name_needed"));
  if (name.size() > kMaxTemplateName)
    return core::make_error(
        i18n::text(language, "templates.name_too_long", {{"max", std::to_string(kMaxTemplateName)}}));
  if (!is_latin(name.front())) return core::make_error(i18n::text(language, "templates.name_start"));
  for (char c : name) {
    if (!is_latin(c) && !is_digit(c) && c != '-' && c != '_')
      return core::make_error(i18n::text(language, "templates.name_letters"));
  }
  return core::Ok{};
}

std::string url_buttons_only(std::string_view reply_markup_json) {
  if (reply_markup_json.empty()) return {};
  boost::system::error_code ec;
  json::value markup = json::parse(reply_markup_json, ec);
  const auto* o = ec ? nullptr : markup.if_object();
  const auto* keyboard = o != nullptr ? o->if_contains("inline_keyboard") : nullptr;
  if (keyboard == nullptr || !keyboard->is_array()) return {};
  json::array rows;
  for (const auto& row : keyboard->get_array()) {
    if (!row.is_array()) continue;
    json::array kept;
    for (const auto& button : row.get_array()) {
      const auto* b = button.if_object();
      if (b == nullptr) continue;
      const auto* text = b->if_contains("text");
      const auto* url = b->if_contains("url");
      if (text == nullptr || url == nullptr || !text->is_string() || !url->is_string()) continue;
      if (text->get_string().empty() || url->get_string().empty()) continue;
      kept.push_back(json::object{{"text", text->get_string()}, {"url", url->get_string()}});
    }
    if (!kept.empty()) rows.push_back(std::move(kept));
  }
  if (rows.empty()) return {};
  return json::serialize(json::object{{"inline_keyboard", std::move(rows)}});
}

core::Result<TemplatePart> part_from_message(const core::ReplyContent& message,
                                             const std::vector<store::AlbumItem>& album,
                                             std::string_view language) {
  auto kind = part_kind_of(message.content);
  if (!kind) return core::make_error(i18n::text(language, "templates.part_kind_refused"));
  TemplatePart part;
  if (!message.media_group_id.empty()) {
    bool has_replied = false;
    for (const auto& item : album) has_replied = has_replied || item.message_id == message.message_id;
    if (!has_replied || album.size() < 2) {
      return core::make_error(i18n::text(language, "templates.album_not_whole"));
    }
    if (album.size() > kMaxAlbumItems)
      return core::make_error(
          i18n::text(language, "templates.album_too_big", {{"max", std::to_string(kMaxAlbumItems)}}));
    part.kind = TemplatePartKind::kAlbum;
    for (const auto& item : album) {
      if (!album_kind(item.media.kind) || item.media.file_id.empty())
        return core::make_error(i18n::text(language, "templates.album_item_refused"));
      part.album.push_back(item.media);
    }
    return part;
  }
  part.kind = *kind;
  if (part.kind == TemplatePartKind::kText) {
    if (message.text.empty()) return core::make_error(i18n::text(language, "templates.no_text"));
  } else if (message.file_id.empty()) {
    return core::make_error(i18n::text(language, "templates.no_file"));
  }
  part.file_id = message.file_id;
  if (part.kind == TemplatePartKind::kText || takes_caption(part.kind)) {
    part.text = message.text;
    part.entities_json = message.entities_json;
  }
  part.reply_markup_json = url_buttons_only(message.reply_markup_json);
  return part;
}

json::value parts_to_json(const std::vector<TemplatePart>& parts) {
  json::array out;
  for (const auto& part : parts) {
    json::object o{{"kind", to_string(part.kind)}};
    if (part.kind == TemplatePartKind::kAlbum) {
      json::array items;
      for (const auto& item : part.album) {
        json::object i{{"kind", to_string(item.kind)}, {"file_id", item.file_id}};
        if (!item.caption.empty()) i["caption"] = item.caption;
        if (auto e = parsed_or_null(item.caption_entities_json); !e.is_null()) i["caption_entities"] = e;
        items.push_back(std::move(i));
      }
      o["items"] = std::move(items);
    } else if (part.kind == TemplatePartKind::kText) {
      o["text"] = part.text;
      if (auto e = parsed_or_null(part.entities_json); !e.is_null()) o["entities"] = e;
    } else {
      o["file_id"] = part.file_id;
      if (!part.text.empty()) o["caption"] = part.text;
      if (auto e = parsed_or_null(part.entities_json); !e.is_null()) o["caption_entities"] = e;
    }
    if (auto m = parsed_or_null(part.reply_markup_json); !m.is_null()) o["reply_markup"] = m;
    out.push_back(std::move(o));
  }
  return out;
}

core::Result<std::vector<TemplatePart>> parts_from_json(const json::value& value) {
  const auto* array = value.if_array();
  if (array == nullptr) return core::make_error("parts must be an array");
  if (array->empty()) return core::make_error("a template has at least one part");
  if (array->size() > kMaxTemplateParts)
    return core::make_error(fmt::format("a template has at most {} parts", kMaxTemplateParts));
  std::vector<TemplatePart> parts;
  for (std::size_t i = 0; i < array->size(); ++i) {
    std::string where = fmt::format("parts[{}]", i);
    const auto* o = (*array)[i].if_object();
    if (o == nullptr) return core::make_error(where + " must be an object");
    auto text_field = [o](std::string_view key) -> std::optional<std::string> {
      const auto* v = o->if_contains(key);
      if (v == nullptr) return std::string();
      if (!v->is_string()) return std::nullopt;
      return std::string(v->get_string());
    };
    auto kind_name = text_field("kind");
    auto kind = kind_name ? store::template_part_kind(*kind_name) : std::nullopt;
    if (!kind) {
      return core::make_error(where +
                              ".kind must be one of text, photo, video, animation, document, audio, "
                              "voice, sticker, video_note, album");
    }
    TemplatePart part;
    part.kind = *kind;
    if (const auto* m = o->if_contains("reply_markup"); m != nullptr && !m->is_null()) {
      if (!m->is_object()) return core::make_error(where + ".reply_markup must be an object");
      part.reply_markup_json = url_buttons_only(json::serialize(*m));
      if (part.reply_markup_json.empty())
        return core::make_error(where + ".reply_markup: only an inline keyboard of URL buttons is kept");
    }
    for (std::string_view key : {"entities", "caption_entities"}) {
      if (const auto* e = o->if_contains(key); e != nullptr && !e->is_array())
        return core::make_error(where + "." + std::string(key) + " must be an array");
    }
    if (part.kind == TemplatePartKind::kAlbum) {
      const auto* items = o->if_contains("items");
      if (items == nullptr || !items->is_array() || items->get_array().size() < 2 ||
          items->get_array().size() > kMaxAlbumItems)
        return core::make_error(where + ".items must be an array of 2 to 10 items");
      if (!part.reply_markup_json.empty()) return core::make_error(where + ": an album cannot carry buttons");
      for (std::size_t j = 0; j < items->get_array().size(); ++j) {
        std::string item_where = fmt::format("{}.items[{}]", where, j);
        const auto* io = items->get_array()[j].if_object();
        if (io == nullptr) return core::make_error(item_where + " must be an object");
        TemplateMedia media;
        const auto* k = io->if_contains("kind");
        auto item_kind =
            k != nullptr && k->is_string() ? store::template_part_kind(k->get_string()) : std::nullopt;
        if (!item_kind || !album_kind(*item_kind))
          return core::make_error(item_where + ".kind must be photo, video, document or audio");
        media.kind = *item_kind;
        const auto* f = io->if_contains("file_id");
        if (f == nullptr || !f->is_string() || f->get_string().empty() || f->get_string().size() > kMaxFileId)
          return core::make_error(item_where + ".file_id must be a file id the bot received");
        media.file_id = std::string(f->get_string());
        if (const auto* c = io->if_contains("caption"); c != nullptr) {
          if (!c->is_string()) return core::make_error(item_where + ".caption must be a string");
          media.caption = std::string(c->get_string());
        }
        if (const auto* e = io->if_contains("caption_entities"); e != nullptr && !e->is_array())
          return core::make_error(item_where + ".caption_entities must be an array");
        media.caption_entities_json = entities_of(*io, "caption_entities");
        part.album.push_back(std::move(media));
      }
    } else if (part.kind == TemplatePartKind::kText) {
      auto text = text_field("text");
      if (!text || text->empty()) return core::make_error(where + ".text must be a non-empty string");
      part.text = *text;
      part.entities_json = entities_of(*o, "entities");
    } else {
      auto file = text_field("file_id");
      if (!file || file->empty() || file->size() > kMaxFileId)
        return core::make_error(where + ".file_id must be a file id the bot received");
      part.file_id = *file;
      auto caption = text_field("caption");
      if (!caption) return core::make_error(where + ".caption must be a string");
      if (!caption->empty() && !takes_caption(part.kind))
        return core::make_error(where + ": a " + std::string(to_string(part.kind)) + " has no caption");
      part.text = *caption;
      part.entities_json = entities_of(*o, "caption_entities");
    }
    parts.push_back(std::move(part));
  }
  return parts;
}

PartCall part_call(const TemplatePart& part, std::string_view marker) {
  PartCall call;
  auto& params = call.params;
  auto add_entities = [&params](std::string_view key, const std::string& entities) {
    if (auto e = parsed_or_null(entities); e.is_array()) params[key] = std::move(e);
  };
  switch (part.kind) {
    case TemplatePartKind::kAlbum: {
      call.method = "sendMediaGroup";
      json::array media;
      for (const auto& item : part.album) {
        json::object m{{"type", to_string(item.kind)}, {"media", item.file_id}};
        if (!item.caption.empty()) {
          m["caption"] = item.caption;
          if (auto e = parsed_or_null(item.caption_entities_json); e.is_array()) m["caption_entities"] = e;
        }
        media.push_back(std::move(m));
      }
      params["media"] = std::move(media);
      return call;  // an album carries no keyboard
    }
    case TemplatePartKind::kText:
      call.method = "sendMessage";
      params["text"] = part.text;
      add_entities("entities", part.entities_json);
      break;
    default: {
      static constexpr std::pair<TemplatePartKind, std::string_view> kMethods[] = {
          {TemplatePartKind::kPhoto, "sendPhoto"},         {TemplatePartKind::kVideo, "sendVideo"},
          {TemplatePartKind::kAnimation, "sendAnimation"}, {TemplatePartKind::kDocument, "sendDocument"},
          {TemplatePartKind::kAudio, "sendAudio"},         {TemplatePartKind::kVoice, "sendVoice"},
          {TemplatePartKind::kSticker, "sendSticker"},     {TemplatePartKind::kVideoNote, "sendVideoNote"}};
      for (const auto& [kind, method] : kMethods) {
        if (kind == part.kind) call.method = std::string(method);
      }
      params[to_string(part.kind)] = part.file_id;
      if (takes_caption(part.kind) && !part.text.empty()) {
        params["caption"] = part.text;
        add_entities("caption_entities", part.entities_json);
      }
    }
  }
  json::value markup = parsed_or_null(part.reply_markup_json);
  if (!marker.empty()) {
    if (!markup.is_object()) markup = json::object{{"inline_keyboard", json::array{}}};
    auto& keyboard = markup.as_object()["inline_keyboard"];
    if (!keyboard.is_array()) keyboard = json::array{};
    keyboard.as_array().push_back(
        json::array{json::object{{"text", marker}, {"callback_data", kTemplateMarkerCallback}}});
  }
  if (markup.is_object()) params["reply_markup"] = std::move(markup);
  return call;
}

std::string describe_part(const TemplatePart& part, std::string_view language) {
  std::string out;
  if (part.kind == TemplatePartKind::kAlbum) {
    out = i18n::text(language, "templates.part_album", {{"count", std::to_string(part.album.size())}});
  } else {
    out = i18n::text(language, "templates.kind_" + std::string(to_string(part.kind)));
    if (part.kind != TemplatePartKind::kText && !part.text.empty())
      out = i18n::text(language, "templates.part_with_caption", {{"what", out}});
  }
  if (!part.reply_markup_json.empty())
    out = i18n::text(language, "templates.part_with_buttons", {{"what", out}});
  return out;
}

std::string template_list_text(std::string_view lang, const std::vector<store::Template>& templates) {
  if (templates.empty()) return i18n::text(lang, "templates.none");
  std::string out = i18n::text(lang, "templates.list");
  for (const auto& t : templates) {
    std::string parts;
    for (const auto& part : t.parts) parts += (parts.empty() ? "" : ", ") + describe_part(part, lang);
    out += "\n• " + t.name + " — " + parts;
  }
  return out;
}

std::string template_show_text(std::string_view lang, const store::Template& t,
                               const std::vector<std::string>& variables) {
  std::string out = i18n::text(lang, t.parts.size() == 1 ? "templates.show_one" : "templates.show",
                               {{"name", t.name}, {"count", std::to_string(t.parts.size())}});
  if (!t.saved_by_name.empty()) out += i18n::text(lang, "templates.saved_by", {{"name", t.saved_by_name}});
  if (!variables.empty()) {
    out += "\n" + i18n::text(lang, "templates.variables");
    for (const auto& v : variables) out += " " + v;
  }
  out += "\n" + i18n::text(lang, "templates.preview_note", {{"name", t.name}});
  return out;
}

}  // namespace topicdesk::crm
