#include "sim/td/td_text.h"

#include <boost/json/value.hpp>
#include <string>
#include <utility>

#include "sim/td/td_json.h"

namespace tgsim::td {

namespace json = boost::json;

namespace {

// Bot API entity type ↔ TDLib textEntityType, for the types that carry no extra field.
constexpr std::pair<std::string_view, std::string_view> kPlainTypes[] = {
    {"bold", "textEntityTypeBold"},
    {"italic", "textEntityTypeItalic"},
    {"underline", "textEntityTypeUnderline"},
    {"strikethrough", "textEntityTypeStrikethrough"},
    {"spoiler", "textEntityTypeSpoiler"},
    {"code", "textEntityTypeCode"},
    {"url", "textEntityTypeUrl"},
    {"mention", "textEntityTypeMention"},
    {"hashtag", "textEntityTypeHashtag"},
    {"cashtag", "textEntityTypeCashtag"},
    {"bot_command", "textEntityTypeBotCommand"},
    {"email", "textEntityTypeEmailAddress"},
    {"phone_number", "textEntityTypePhoneNumber"},
    {"bank_card", "textEntityTypeBankCardNumber"},
    {"blockquote", "textEntityTypeBlockQuote"},
    {"expandable_blockquote", "textEntityTypeExpandableBlockQuote"},
};

// The TDLib type object of one Bot API entity; empty when TDLib has no such type.
json::object td_type(const json::object& entity) {
  const auto type = string_of(entity, "type");
  for (const auto& [bot_api, td] : kPlainTypes) {
    if (type == bot_api) return json::object{{"@type", td}};
  }
  if (type == "pre") {
    const auto language = string_of(entity, "language");
    if (language.empty()) return json::object{{"@type", "textEntityTypePre"}};
    return json::object{{"@type", "textEntityTypePreCode"}, {"language", language}};
  }
  if (type == "text_link")
    return json::object{{"@type", "textEntityTypeTextUrl"}, {"url", string_of(entity, "url")}};
  if (type == "custom_emoji") {
    return json::object{{"@type", "textEntityTypeCustomEmoji"},
                        {"custom_emoji_id", string_of(entity, "custom_emoji_id")}};
  }
  if (type == "text_mention") {
    const auto* user = entity.if_contains("user");
    std::int64_t id = user && user->is_object() ? integer_of(user->as_object(), "id").value_or(-1) : -1;
    if (id > 0) return json::object{{"@type", "textEntityTypeMentionName"}, {"user_id", id}};
  }
  return {};
}

// The Bot API entity fields (type and extras) of one TDLib type object; empty if unknown.
json::object bot_api_type(const json::object& type) {
  const auto name = string_of(type, "@type");
  for (const auto& [bot_api, td] : kPlainTypes) {
    if (name == td) return json::object{{"type", bot_api}};
  }
  if (name == "textEntityTypePre") return json::object{{"type", "pre"}};
  if (name == "textEntityTypePreCode")
    return json::object{{"type", "pre"}, {"language", string_of(type, "language")}};
  if (name == "textEntityTypeTextUrl")
    return json::object{{"type", "text_link"}, {"url", string_of(type, "url")}};
  if (name == "textEntityTypeCustomEmoji") {
    return json::object{{"type", "custom_emoji"}, {"custom_emoji_id", string_of(type, "custom_emoji_id")}};
  }
  if (name == "textEntityTypeMentionName" && integer_of(type, "user_id").value_or(-1) > 0) {
    return json::object{
        {"type", "text_mention"},
        {"user", json::object{{"id", integer_of(type, "user_id").value_or(-1)}, {"is_bot", false}}}};
  }
  return {};
}

}  // namespace

json::array td_entities(const json::array& bot_api_entities) {
  json::array out;
  for (const auto& value : bot_api_entities) {
    if (!value.is_object()) continue;
    const auto& entity = value.as_object();
    auto type = td_type(entity);
    if (type.empty()) continue;
    out.push_back(json::object{{"@type", "textEntity"},
                               {"offset", integer_of(entity, "offset").value_or(-1)},
                               {"length", integer_of(entity, "length").value_or(-1)},
                               {"type", std::move(type)}});
  }
  return out;
}

json::array bot_api_entities(const json::array& td_entities) {
  json::array out;
  for (const auto& value : td_entities) {
    if (!value.is_object()) continue;
    const auto& entity = value.as_object();
    const auto* type = entity.if_contains("type");
    const auto offset = integer_of(entity, "offset").value_or(-1);
    const auto length = integer_of(entity, "length").value_or(-1);
    if (!type || !type->is_object() || offset < 0 || length <= 0) continue;
    auto converted = bot_api_type(type->as_object());
    if (converted.empty()) continue;
    json::object e{{"offset", offset}, {"length", length}};
    for (auto& [key, field] : converted) e[key] = std::move(field);
    out.push_back(std::move(e));
  }
  return out;
}

json::object formatted_text(std::string_view text, const json::array& bot_api_entities) {
  return json::object{
      {"@type", "formattedText"}, {"text", text}, {"entities", td_entities(bot_api_entities)}};
}

}  // namespace tgsim::td
