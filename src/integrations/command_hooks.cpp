#include "integrations/command_hooks.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "core/utf8.h"
#include "i18n/catalog.h"

namespace topicdesk::integrations {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxText = 4096;  // Telegram's message limit, in UTF-16 units
constexpr std::size_t kMaxButtonRows = 20;
constexpr std::size_t kMaxButtonsPerRow = 8;

// Cuts at a UTF-8 boundary so Telegram accepts the text, marking the cut with "…".
std::string cut_text(std::string text) {
  if (core::utf16_length(text) <= kMaxText) return text;
  std::size_t units = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    std::size_t width = length == 4 ? 2 : 1;  // UTF-16 units
    if (units + width > kMaxText - 1) break;
    units += width;
    i += length;
  }
  text.resize(std::min(i, text.size()));
  return text + "…";
}

// Where `text` stops being UTF-8 (RFC 3629: no overlong forms, surrogates or code points
// above U+10FFFF), nullopt when it is. A plain-text answer must be UTF-8: the message goes
// into the outbox as JSON, which cannot hold other bytes.
std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
    const unsigned char lead = byte(i);
    std::size_t length = lead < 0x80                    ? 1
                         : lead >= 0xC2 && lead <= 0xDF ? 2
                         : lead >= 0xE0 && lead <= 0xEF ? 3
                         : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                        : 0;
    if (length == 0 || i + length > text.size()) return i;
    for (std::size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return i;
    }
    const unsigned char second = length > 1 ? byte(i + 1) : 0;
    if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F) ||
        (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second > 0x8F))
      return i;  // overlong, a surrogate, or above U+10FFFF
    i += length;
  }
  return std::nullopt;
}

bool is_button_url(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  return parsed && (parsed->scheme() == "https" || parsed->scheme() == "http" || parsed->scheme() == "tg");
}

core::Result<json::array> keyboard_of(const json::value& buttons) {
  auto bad = [] { return core::make_error("\"buttons\" must be rows of {\"text\", \"url\"} buttons"); };
  if (!buttons.is_array() || buttons.get_array().size() > kMaxButtonRows) return bad();
  json::array rows;
  for (const auto& row : buttons.get_array()) {
    if (!row.is_array() || row.get_array().empty() || row.get_array().size() > kMaxButtonsPerRow)
      return bad();
    json::array out_row;
    for (const auto& button : row.get_array()) {
      const auto* object = button.if_object();
      const auto* text = object ? object->if_contains("text") : nullptr;
      const auto* url = object ? object->if_contains("url") : nullptr;
      if (!text || !text->is_string() || text->get_string().empty() || !url || !url->is_string())
        return bad();
      if (!is_button_url(url->get_string()))
        return core::make_error("a button URL must be http(s):// or tg://");
      out_row.push_back(json::object{{"text", text->get_string()}, {"url", url->get_string()}});
    }
    rows.push_back(std::move(out_row));
  }
  return rows;
}

core::Result<std::optional<std::string>> json_answer(std::string_view body) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec) return core::make_error("the answer is not valid JSON (" + ec.message() + ")");
  if (!parsed.is_object()) return core::make_error("the answer is not a JSON object");
  const auto& o = parsed.get_object();
  const auto* text = o.if_contains("text");
  if (text && !text->is_string()) return core::make_error("\"text\" must be a string");
  if (!text || text->get_string().empty()) return std::optional<std::string>();
  json::object message{{"text", cut_text(std::string(text->get_string()))}};
  if (const auto* mode = o.if_contains("parse_mode"); mode && !mode->is_null()) {
    bool known = mode->is_string() && (mode->get_string() == "HTML" || mode->get_string() == "MarkdownV2" ||
                                       mode->get_string() == "Markdown");
    if (!known) return core::make_error("\"parse_mode\" must be HTML, MarkdownV2 or Markdown");
    message["parse_mode"] = mode->get_string();
  }
  if (const auto* buttons = o.if_contains("buttons"); buttons && !buttons->is_null()) {
    auto keyboard = keyboard_of(*buttons);
    if (!keyboard) return keyboard.error();
    if (!keyboard->empty()) message["reply_markup"] = json::object{{"inline_keyboard", std::move(*keyboard)}};
  }
  return std::optional<std::string>(json::serialize(message));
}

}  // namespace

core::Result<std::optional<std::string>> hook_answer_message(std::string_view content_type,
                                                             std::string_view body) {
  if (content_type == "application/json" || content_type.ends_with("+json")) return json_answer(body);
  if (auto bad = first_invalid_utf8(body)) {
    return core::make_error("the answer is not UTF-8 text (byte " + std::to_string(*bad) + ")");
  }
  std::string text = core::trim(body);
  if (text.empty()) return std::optional<std::string>();
  return std::optional<std::string>(json::serialize(json::object{{"text", cut_text(std::move(text))}}));
}

std::string hook_failed_notice(std::string_view language, std::string_view command, std::string_view reason) {
  return i18n::text(language, "integrations.hook_failed",
                    {{"command", std::string(command)}, {"reason", std::string(reason)}});
}

std::string hook_bad_answer(std::string_view language, std::string_view what) {
  return i18n::text(language, "integrations.hook_bad_answer", {{"reason", std::string(what)}});
}

}  // namespace topicdesk::integrations
