#include "sim/td/td_render.h"

#include <boost/json/array.hpp>
#include <functional>
#include <map>
#include <string>

#include "sim/td/td_json.h"
#include "sim/td/td_text.h"

namespace tgsim::td {

namespace json = boost::json;

namespace {

// A supergroup's TDLib supergroup_id: the Bot API id without its -100 prefix.
constexpr Id kSupergroupIdBase = -1000000000000;

// TDLib's file object for a Bot API file reference ({file_id, file_unique_id, file_size}).
json::object file_object(const json::object& media) {
  const auto file_id = string_of(media, "file_id");
  const auto size = integer_of(media, "file_size").value_or(0);
  const auto local_id = static_cast<std::int64_t>(std::hash<std::string_view>{}(file_id)&0x7fffffff);
  return json::object{{"@type", "file"},
                      {"id", local_id},
                      {"size", size},
                      {"expected_size", size},
                      {"local", json::object{{"@type", "localFile"},
                                             {"path", ""},
                                             {"can_be_downloaded", true},
                                             {"can_be_deleted", false},
                                             {"is_downloading_active", false},
                                             {"is_downloading_completed", false},
                                             {"download_offset", 0},
                                             {"downloaded_prefix_size", 0},
                                             {"downloaded_size", 0}}},
                      {"remote", json::object{{"@type", "remoteFile"},
                                              {"id", file_id},
                                              {"unique_id", string_of(media, "file_unique_id")},
                                              {"is_uploading_active", false},
                                              {"is_uploading_completed", true},
                                              {"uploaded_size", size}}}};
}

json::object caption_of(const json::object& content) {
  return formatted_text(string_of(content, "caption"), array_of(content, "caption_entities"));
}

json::object photo_content(const json::object& content) {
  json::array sizes;
  for (const auto& size : array_of(content, "photo")) {
    if (!size.is_object()) continue;
    const auto& s = size.as_object();
    sizes.push_back(json::object{{"@type", "photoSize"},
                                 {"type", "x"},
                                 {"photo", file_object(s)},
                                 {"width", integer_of(s, "width").value_or(0)},
                                 {"height", integer_of(s, "height").value_or(0)},
                                 {"progressive_sizes", json::array{}}});
  }
  return json::object{{"@type", "messagePhoto"},
                      {"photo", json::object{{"@type", "photo"},
                                             {"has_stickers", false},
                                             {"minithumbnail", nullptr},
                                             {"sizes", std::move(sizes)}}},
                      {"caption", caption_of(content)},
                      {"show_caption_above_media", false},
                      {"has_spoiler", false},
                      {"is_secret", false}};
}

// One media kind of the Bot API (document, video, ...) as TDLib's content and object names.
struct MediaKind {
  std::string_view bot_api;
  std::string_view content_type;
  std::string_view content_field;
  std::string_view object_type;
  std::string_view file_field;
  bool has_caption;
};

constexpr MediaKind kMediaKinds[] = {
    {"document", "messageDocument", "document", "document", "document", true},
    {"video", "messageVideo", "video", "video", "video", true},
    {"audio", "messageAudio", "audio", "audio", "audio", true},
    {"voice", "messageVoiceNote", "voice_note", "voiceNote", "voice", true},
    {"animation", "messageAnimation", "animation", "animation", "animation", true},
    {"sticker", "messageSticker", "sticker", "sticker", "sticker", false},
    {"video_note", "messageVideoNote", "video_note", "videoNote", "video", false},
};

json::object media_content(const MediaKind& kind, const json::object& media, const json::object& content) {
  json::object object{{"@type", kind.object_type}};
  for (auto field : {"duration", "width", "height", "length"}) {
    if (media.contains(field)) object[field] = integer_of(media, field).value_or(0);
  }
  for (auto field : {"file_name", "mime_type"}) {
    if (media.contains(field)) object[field] = string_of(media, field);
  }
  if (kind.bot_api == "sticker") {
    object["emoji"] = string_of(media, "emoji");
    object["format"] = json::object{{"@type", "stickerFormatWebp"}};
  }
  object[kind.file_field] = file_object(media);
  json::object out{{"@type", kind.content_type}, {kind.content_field, std::move(object)}};
  if (kind.has_caption) out["caption"] = caption_of(content);
  return out;
}

json::object location_object(const json::object& location) {
  auto number = [&](std::string_view key) {
    const auto* v = location.if_contains(key);
    return v && v->is_number() ? v->to_number<double>() : 0.0;
  };
  return json::object{{"@type", "location"},
                      {"latitude", number("latitude")},
                      {"longitude", number("longitude")},
                      {"horizontal_accuracy", 0}};
}

json::object venue_content(const json::object& venue) {
  const auto* location = object_of(venue, "location");
  return json::object{
      {"@type", "messageVenue"},
      {"venue", json::object{{"@type", "venue"},
                             {"location", location_object(location ? *location : json::object{})},
                             {"title", string_of(venue, "title")},
                             {"address", string_of(venue, "address")},
                             {"provider", ""},
                             {"id", ""},
                             {"type", ""}}}};
}

json::object poll_content(const json::object& poll) {
  json::array options;
  for (const auto& option : array_of(poll, "options")) {
    if (!option.is_object()) continue;
    options.push_back(json::object{{"@type", "pollOption"},
                                   {"text", formatted_text(string_of(option.get_object(), "text"), {})},
                                   {"voter_count", 0},
                                   {"vote_percentage", 0},
                                   {"is_chosen", false},
                                   {"is_being_chosen", false}});
  }
  json::object type =
      string_of(poll, "type") == "quiz"
          ? json::object{{"@type", "pollTypeQuiz"}, {"correct_option_id", -1}}
          : json::object{{"@type", "pollTypeRegular"},
                         {"allow_multiple_answers", bool_of(poll, "allows_multiple_answers")}};
  return json::object{{"@type", "messagePoll"},
                      {"poll", json::object{{"@type", "poll"},
                                            {"id", string_of(poll, "id")},
                                            {"question", formatted_text(string_of(poll, "question"), {})},
                                            {"options", std::move(options)},
                                            {"total_voter_count", 0},
                                            {"is_anonymous", bool_of(poll, "is_anonymous")},
                                            {"type", std::move(type)},
                                            {"is_closed", bool_of(poll, "is_closed")}}}};
}

json::object dice_content(const json::object& dice) {
  return json::object{{"@type", "messageDice"},
                      {"initial_state", nullptr},
                      {"final_state", nullptr},
                      {"emoji", string_of(dice, "emoji")},
                      {"value", integer_of(dice, "value").value_or(0)},
                      {"success_animation_frame_number", 0}};
}

json::object service_content(const json::object& content) {
  if (const auto* created = content.if_contains("forum_topic_created"); created && created->is_object()) {
    const auto& c = created->as_object();
    return json::object{{"@type", "messageForumTopicCreated"},
                        {"name", string_of(c, "name")},
                        {"icon", json::object{{"@type", "forumTopicIcon"},
                                              {"color", integer_of(c, "icon_color").value_or(0)},
                                              {"custom_emoji_id", string_of(c, "icon_custom_emoji_id")}}}};
  }
  if (content.contains("forum_topic_closed")) {
    return json::object{{"@type", "messageForumTopicIsClosedToggled"}, {"is_closed", true}};
  }
  if (content.contains("forum_topic_reopened")) {
    return json::object{{"@type", "messageForumTopicIsClosedToggled"}, {"is_closed", false}};
  }
  if (const auto* edited = content.if_contains("forum_topic_edited"); edited && edited->is_object()) {
    const auto& e = edited->as_object();
    return json::object{{"@type", "messageForumTopicEdited"},
                        {"name", string_of(e, "name")},
                        {"edit_icon_custom_emoji_id", e.contains("icon_custom_emoji_id")},
                        {"icon_custom_emoji_id", string_of(e, "icon_custom_emoji_id")}};
  }
  return json::object{{"@type", "messageUnsupported"}};
}

// messageInteractionInfo with the message's reactions, is_chosen for the viewer's own.
json::object interaction_info(const model::Message& message, Id viewer) {
  std::map<std::string, std::pair<int, bool>> counts;  // emoji → (count, chosen by the viewer)
  for (const auto& [who, emoji] : message.reactions) {
    auto& [count, chosen] = counts[emoji];
    ++count;
    chosen = chosen || who == viewer;
  }
  json::array reactions;
  for (const auto& [emoji, count] : counts) {
    reactions.push_back(json::object{{"@type", "messageReaction"},
                                     {"type", json::object{{"@type", "reactionTypeEmoji"}, {"emoji", emoji}}},
                                     {"total_count", count.first},
                                     {"is_chosen", count.second},
                                     {"used_sender_id", nullptr},
                                     {"recent_sender_ids", json::array{}}});
  }
  return json::object{{"@type", "messageInteractionInfo"},
                      {"view_count", 0},
                      {"forward_count", 0},
                      {"reply_info", nullptr},
                      {"reactions", json::object{{"@type", "messageReactions"},
                                                 {"reactions", std::move(reactions)},
                                                 {"are_tags", false},
                                                 {"paid_reactors", json::array{}},
                                                 {"can_get_added_reactions", false}}}};
}

}  // namespace

json::object user_object(const model::World& world, Id user_id) {
  const auto* a = world.account(user_id);
  json::object type = a && a->is_bot
                          ? json::object{{"@type", "userTypeBot"},
                                         {"can_be_edited", false},
                                         {"can_join_groups", true},
                                         {"can_read_all_group_messages", a->can_read_all_group_messages},
                                         {"is_inline", false}}
                          : json::object{{"@type", "userTypeRegular"}};
  json::array usernames;
  if (a && !a->username.empty()) usernames.push_back(json::string(a->username));
  return json::object{{"@type", "user"},
                      {"id", user_id},
                      {"first_name", a ? a->first_name : "Deleted Account"},
                      {"last_name", a ? a->last_name : ""},
                      {"usernames", json::object{{"@type", "usernames"},
                                                 {"active_usernames", usernames},
                                                 {"disabled_usernames", json::array{}},
                                                 {"editable_username", a ? a->username : ""}}},
                      {"phone_number", a ? model::phone_digits(a->phone_number) : ""},
                      {"status", json::object{{"@type", "userStatusEmpty"}}},
                      {"is_contact", false},
                      {"is_verified", false},
                      {"is_premium", false},
                      {"is_support", false},
                      {"have_access", a != nullptr},
                      {"type", std::move(type)},
                      {"language_code", a ? a->language_code : ""}};
}

json::object private_chat_object(const model::World& world, Id other_id) {
  const auto* a = world.account(other_id);
  std::string title = a ? a->first_name : "Deleted Account";
  if (a && !a->last_name.empty()) title += " " + a->last_name;
  return json::object{{"@type", "chat"},
                      {"id", other_id},
                      {"type", json::object{{"@type", "chatTypePrivate"}, {"user_id", other_id}}},
                      {"title", std::move(title)},
                      {"photo", nullptr},
                      {"unread_count", 0}};
}

json::object group_chat_object(const model::Chat& group) {
  return json::object{{"@type", "chat"},
                      {"id", group.id},
                      {"type", json::object{{"@type", "chatTypeSupergroup"},
                                            {"supergroup_id", kSupergroupIdBase - group.id},
                                            {"is_channel", group.is_channel}}},
                      {"title", group.title},
                      {"photo", nullptr},
                      {"view_as_topics", group.is_forum},
                      {"unread_count", 0}};
}

json::object chat_object(const model::World& world, const model::Chat& chat, Id viewer) {
  if (chat.type == model::ChatType::kPrivate)
    return private_chat_object(world, world.chat_id_for(chat, viewer));
  return group_chat_object(chat);
}

json::object content_object(const model::World& world, const json::object& content) {
  if (content.contains("text")) {
    return json::object{{"@type", "messageText"},
                        {"text", formatted_text(string_of(content, "text"), array_of(content, "entities"))}};
  }
  if (content.contains("photo")) return photo_content(content);
  for (const auto& kind : kMediaKinds) {
    const auto* media = content.if_contains(kind.bot_api);
    if (media && media->is_object()) return media_content(kind, media->as_object(), content);
  }
  if (const auto* venue = object_of(content, "venue")) return venue_content(*venue);
  if (const auto* poll = object_of(content, "poll")) return poll_content(*poll);
  if (const auto* dice = object_of(content, "dice")) return dice_content(*dice);
  if (const auto* location = object_of(content, "location")) {
    return json::object{{"@type", "messageLocation"},
                        {"location", location_object(*location)},
                        {"live_period", 0},
                        {"expires_in", 0},
                        {"heading", 0},
                        {"proximity_alert_radius", 0}};
  }
  if (const auto* contact = content.if_contains("contact"); contact && contact->is_object()) {
    const auto& c = contact->as_object();
    return json::object{{"@type", "messageContact"},
                        {"contact", json::object{{"@type", "contact"},
                                                 {"phone_number", string_of(c, "phone_number")},
                                                 {"first_name", string_of(c, "first_name")},
                                                 {"last_name", string_of(c, "last_name")},
                                                 {"vcard", ""},
                                                 {"user_id", integer_of(c, "user_id").value_or(0)}}}};
  }
  return service_content(content);
}

json::object message_object(const model::World& world, const model::Chat& chat, const model::Message& message,
                            Id viewer) {
  json::object out{
      {"@type", "message"},
      {"id", td_message_id(message.id)},
      {"sender_id", json::object{{"@type", "messageSenderUser"}, {"user_id", message.from}}},
      {"chat_id", world.chat_id_for(chat, viewer)},
      {"sending_state", nullptr},
      {"is_outgoing", message.from == viewer},
      {"can_be_edited", message.from == viewer},
      {"date", message.date},
      {"edit_date", message.edit_date},
      {"message_thread_id", message.thread_id != 0 ? td_message_id(message.thread_id) : 0},
      {"is_topic_message", message.thread_id != 0},
      {"media_album_id", message.media_group_id.empty() ? std::string("0") : message.media_group_id},
      {"reply_to", nullptr},
      {"forward_info", nullptr},
      {"reply_markup", reply_markup_object(message.reply_markup)},
      {"content", content_object(world, message.content)}};
  if (message.reply_to != 0) {
    out["reply_to"] = json::object{{"@type", "messageReplyToMessage"},
                                   {"chat_id", world.chat_id_for(chat, viewer)},
                                   {"message_id", td_message_id(message.reply_to)}};
  }
  if (!message.reactions.empty()) out["interaction_info"] = interaction_info(message, viewer);
  if (message.sender_chat != 0) {  // a channel's post, or its automatic forward to the discussion
    out["sender_id"] = json::object{{"@type", "messageSenderChat"}, {"chat_id", message.sender_chat}};
    out["is_outgoing"] = false;
    out["can_be_edited"] = false;
    out["is_channel_post"] = message.sender_chat == chat.id;
  }
  if (string_of(message.forward_origin, "type") == "channel") {
    const auto* origin_chat = object_of(message.forward_origin, "chat");
    out["forward_info"] = json::object{
        {"@type", "messageForwardInfo"},
        {"origin", json::object{{"@type", "messageOriginChannel"},
                                {"chat_id", origin_chat ? integer_of(*origin_chat, "id").value_or(0) : 0},
                                {"message_id",
                                 td_message_id(integer_of(message.forward_origin, "message_id").value_or(0))},
                                {"author_signature", ""}}},
        {"date", integer_of(message.forward_origin, "date").value_or(0)}};
  } else if (!message.forward_origin.empty()) {
    const auto* sender = message.forward_origin.if_contains("sender_user");
    Id sender_id = sender && sender->is_object() ? integer_of(sender->as_object(), "id").value_or(0) : 0;
    out["forward_info"] =
        json::object{{"@type", "messageForwardInfo"},
                     {"origin", json::object{{"@type", "messageOriginUser"}, {"sender_user_id", sender_id}}},
                     {"date", integer_of(message.forward_origin, "date").value_or(0)}};
  }
  return out;
}

namespace {

// One Bot API InlineKeyboardButton as TDLib's inlineKeyboardButton (the kinds the desk lists).
json::object inline_button(const json::object& button) {
  json::object type{{"@type", "inlineKeyboardButtonTypeCallback"}, {"data", ""}};
  auto url_of = [&](std::string_view key) -> std::string {
    const auto* field = button.if_contains(key);
    if (field && field->is_object()) return std::string(string_of(field->as_object(), "url"));
    return {};
  };
  if (button.contains("url")) {
    type = {{"@type", "inlineKeyboardButtonTypeUrl"}, {"url", string_of(button, "url")}};
  } else if (button.contains("web_app")) {
    type = {{"@type", "inlineKeyboardButtonTypeWebApp"}, {"url", url_of("web_app")}};
  } else if (button.contains("login_url")) {
    type = {{"@type", "inlineKeyboardButtonTypeLoginUrl"},
            {"url", url_of("login_url")},
            {"id", 0},
            {"forward_text", ""}};
  } else if (button.contains("pay")) {
    type = {{"@type", "inlineKeyboardButtonTypeBuy"}};
  }
  return json::object{{"@type", "inlineKeyboardButton"}, {"text", string_of(button, "text")}, {"type", type}};
}

}  // namespace

json::value reply_markup_object(const json::value& bot_markup) {
  const auto* markup = bot_markup.if_object();
  const auto* keyboard = markup ? markup->if_contains("inline_keyboard") : nullptr;
  if (!keyboard || !keyboard->is_array()) return nullptr;
  json::array rows;
  for (const auto& row : keyboard->as_array()) {
    json::array buttons;
    if (row.is_array()) {
      for (const auto& button : row.as_array()) {
        if (button.is_object()) buttons.push_back(inline_button(button.as_object()));
      }
    }
    rows.push_back(std::move(buttons));
  }
  return json::object{{"@type", "replyMarkupInlineKeyboard"}, {"rows", std::move(rows)}};
}

json::object authorization_state(std::string_view type) { return json::object{{"@type", type}}; }

json::object error_object(const ApiError& error) {
  // The model speaks Bot API texts ("Bad Request: chat not found"); TDLib has no prefix.
  std::string_view message = error.description;
  for (std::string_view prefix : {"Bad Request: ", "Forbidden: ", "Unauthorized: "}) {
    if (message.starts_with(prefix)) message.remove_prefix(prefix.size());
  }
  std::string text(message);
  if (text == "chat not found") text = "Chat not found";
  return json::object{{"@type", "error"}, {"code", error.code}, {"message", text}};
}

}  // namespace tgsim::td
