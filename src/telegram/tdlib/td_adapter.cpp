#include "telegram/tdlib/td_adapter.h"

#include <array>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <string_view>
#include <utility>

#include "telegram/tdlib/td_json.h"

namespace topicdesk::telegram::tdlib {
namespace json = boost::json;
using core::ContentKind;
using core::EventKind;

namespace {

constexpr std::int64_t kMillisPerSecond = 1000;
// Bounds that keep the conversions to milliseconds and to TDLib ids from overflowing.
constexpr std::int64_t kMaxUnixSeconds = INT64_MAX / kMillisPerSecond;
constexpr std::int64_t kMaxServerId = INT64_MAX / kMessageIdFactor;
constexpr core::UserId kChannelBotId = 136817688;  // the Bot API's "from" of messages sent as a channel
constexpr std::uint64_t kUpdateIdMark = std::uint64_t{1} << 62;

// --- entities -------------------------------------------------------------------------

struct EntityName {
  std::string_view td;
  std::string_view bot;
};
// Types that carry no data besides offset and length.
constexpr std::array kPlainEntities{
    EntityName{"textEntityTypeMention", "mention"},
    EntityName{"textEntityTypeHashtag", "hashtag"},
    EntityName{"textEntityTypeCashtag", "cashtag"},
    EntityName{"textEntityTypeBotCommand", "bot_command"},
    EntityName{"textEntityTypeUrl", "url"},
    EntityName{"textEntityTypeEmailAddress", "email"},
    EntityName{"textEntityTypePhoneNumber", "phone_number"},
    EntityName{"textEntityTypeBankCardNumber", "bank_card_number"},
    EntityName{"textEntityTypeBold", "bold"},
    EntityName{"textEntityTypeItalic", "italic"},
    EntityName{"textEntityTypeUnderline", "underline"},
    EntityName{"textEntityTypeStrikethrough", "strikethrough"},
    EntityName{"textEntityTypeSpoiler", "spoiler"},
    EntityName{"textEntityTypeCode", "code"},
    EntityName{"textEntityTypePre", "pre"},
    EntityName{"textEntityTypeBlockQuote", "blockquote"},
    EntityName{"textEntityTypeExpandableBlockQuote", "expandable_blockquote"},
};

// The Bot API type and extra fields of one TDLib entity type; false for types the Bot API lacks.
bool fill_bot_entity_type(const json::object& td_type, json::object& entity) {
  const std::string_view type = type_of(td_type);
  for (const auto& name : kPlainEntities) {
    if (name.td == type) {
      entity["type"] = name.bot;
      return true;
    }
  }
  if (type == "textEntityTypePreCode") {
    entity["type"] = "pre";
    if (auto language = text_field(td_type, "language"); !language.empty()) entity["language"] = language;
  } else if (type == "textEntityTypeTextUrl") {
    entity["type"] = "text_link";
    entity["url"] = text_field(td_type, "url");
  } else if (type == "textEntityTypeMentionName") {
    entity["type"] = "text_mention";
    entity["user"] =
        json::object{{"id", int_field(td_type, "user_id")}, {"is_bot", false}, {"first_name", ""}};
  } else if (type == "textEntityTypeCustomEmoji") {
    entity["type"] = "custom_emoji";
    entity["custom_emoji_id"] = std::to_string(int_field(td_type, "custom_emoji_id"));
  } else {
    return false;  // textEntityTypeMediaTimestamp and newer kinds
  }
  return true;
}

// The TDLib entity type of one Bot API entity; an empty object for unknown types.
json::object td_entity_type(const json::object& entity) {
  const std::string type = text_field(entity, "type");
  for (const auto& name : kPlainEntities) {
    if (name.bot == type) return json::object{{"@type", name.td}};
  }
  if (type == "pre" || type == "code") return json::object{{"@type", "textEntityTypePre"}};
  if (type == "text_link")
    return json::object{{"@type", "textEntityTypeTextUrl"}, {"url", text_field(entity, "url")}};
  if (type == "text_mention") {
    const auto* user = object_field(entity, "user");
    return json::object{{"@type", "textEntityTypeMentionName"},
                        {"user_id", user ? int_field(*user, "id") : 0}};
  }
  if (type == "custom_emoji") {
    return json::object{{"@type", "textEntityTypeCustomEmoji"},
                        {"custom_emoji_id", text_field(entity, "custom_emoji_id")}};
  }
  return {};
}

// --- messages -------------------------------------------------------------------------

struct ContentName {
  std::string_view td;
  ContentKind kind;
};
constexpr std::array kContentKinds{
    ContentName{"messageText", ContentKind::kText},
    ContentName{"messagePhoto", ContentKind::kPhoto},
    ContentName{"messageVideo", ContentKind::kVideo},
    ContentName{"messageAnimation", ContentKind::kAnimation},
    ContentName{"messageDocument", ContentKind::kDocument},
    ContentName{"messageAudio", ContentKind::kAudio},
    ContentName{"messageVoiceNote", ContentKind::kVoice},
    ContentName{"messageVideoNote", ContentKind::kVideoNote},
    ContentName{"messageSticker", ContentKind::kSticker},
    ContentName{"messageLocation", ContentKind::kLocation},
    ContentName{"messageVenue", ContentKind::kVenue},
    ContentName{"messageContact", ContentKind::kContact},
    ContentName{"messagePoll", ContentKind::kPoll},
    ContentName{"messageDice", ContentKind::kDice},
    ContentName{"messageStory", ContentKind::kStory},
    ContentName{"messageGame", ContentKind::kGame},
    ContentName{"messageInvoice", ContentKind::kInvoice},
};

// Service messages: members joining, topics created or closed, pins, calls …
bool is_service_content(std::string_view type) {
  constexpr std::array kPrefixes{std::string_view("messageChat"),
                                 std::string_view("messageForumTopic"),
                                 std::string_view("messageVideoChat"),
                                 std::string_view("messageBasicGroupChatCreate"),
                                 std::string_view("messageSupergroupChatCreate"),
                                 std::string_view("messagePinMessage"),
                                 std::string_view("messageContactRegistered"),
                                 std::string_view("messageScreenshotTaken"),
                                 std::string_view("messageCustomServiceAction"),
                                 std::string_view("messageGameScore"),
                                 std::string_view("messagePaymentSuccessful"),
                                 std::string_view("messageBotWriteAccessAllowed"),
                                 std::string_view("messageInviteVideoChatParticipants"),
                                 std::string_view("messageProximityAlertTriggered")};
  for (auto prefix : kPrefixes) {
    if (type.starts_with(prefix)) return true;
  }
  return false;
}

enum class Side { kUser, kGroup, kIgnored };

bool is_channel(core::ChatId chat_id, const AdapterContext& context) {
  return context.channels != nullptr && context.channels->contains(chat_id);
}

// A channel's post: sent by the channel itself, which is the dialog's "user".
void mark_channel_post(core::Event& event) {
  event.channel_post = true;
  event.from = core::Person{.id = event.chat_id, .first_name = "Channel"};
  event.sender_is_anonymous_admin = false;
  event.sender_is_bot = false;
}

Side side_of(core::ChatId chat_id, const AdapterContext& context) {
  if (context.backend_group_id != 0 && chat_id == context.backend_group_id) return Side::kGroup;
  // Saved Messages and Telegram's service chat (login codes!) are never relayed.
  if (chat_id == context.self_id || chat_id == core::kTelegramServiceUserId) return Side::kIgnored;
  if (chat_id > 0) return Side::kUser;  // a private chat's id is the other user's id
  if (is_channel(chat_id, context)) return context.monitor_channels ? Side::kUser : Side::kIgnored;
  return context.monitor_groups ? Side::kUser : Side::kIgnored;
}

core::Person person(core::UserId id, bool is_bot = false, std::string first_name = {}) {
  core::Person result;
  result.id = id;
  result.is_bot = is_bot;
  result.first_name = std::move(first_name);
  return result;
}

core::Person person_or_id(const ProfileCache& profiles, core::UserId id) {
  if (const auto* known = profiles.find(id)) return *known;
  return person(id);
}

void read_sender(const json::object& message, const ProfileCache& profiles, core::Event& event) {
  const auto* sender = object_field(message, "sender_id");
  if (sender == nullptr) return;
  if (type_of(*sender) == "messageSenderUser") {
    event.from = person_or_id(profiles, int_field(*sender, "user_id"));
    event.sender_is_bot = event.from.is_bot;
    return;
  }
  // messageSenderChat: the group itself (an anonymous admin) or a channel.
  if (int_field(*sender, "chat_id") == event.chat_id) {
    event.from = person(core::kGroupAnonymousBotId, true, "Group");
    event.sender_is_anonymous_admin = true;
  } else {
    event.from = person(kChannelBotId, true, "Channel");
    event.sender_is_bot = true;
  }
}

// An explicit reply in the same chat; the implicit "reply" to a topic's first message is none.
core::MessageId read_reply_to(const json::object& message, std::int64_t td_thread_id, core::ChatId chat_id) {
  const auto* reply = object_field(message, "reply_to");
  if (reply == nullptr || type_of(*reply) != "messageReplyToMessage") return 0;
  const std::int64_t replied = int_field(*reply, "message_id");
  const std::int64_t reply_chat = int_field(*reply, "chat_id");
  if (reply_chat != 0 && reply_chat != chat_id) return 0;  // a quote from another chat
  if (td_thread_id != 0 && replied == td_thread_id) return 0;
  return to_bot_message_id(replied);
}

// nullopt: a forum topic id no message id can have (it would overflow as a TDLib id).
std::optional<std::int64_t> td_thread_of(const json::object& message) {
  if (auto thread = int_field(message, "message_thread_id"); thread != 0) return thread;
  const auto* topic = object_field(message, "topic_id");  // newer TDLib: messageTopicForum
  if (topic == nullptr) return 0;
  const std::int64_t forum_topic = int_field(*topic, "forum_topic_id");
  if (forum_topic < 0 || forum_topic > kMaxServerId) return std::nullopt;
  return forum_topic * kMessageIdFactor;
}

void read_content(const json::object& content, core::Event& event) {
  event.content = content_kind(content);
  ContentText text = content_text(content);
  event.text = std::move(text.text);
  event.entities_json = bot_entities_json(text.td_entities);
  const std::string_view type = type_of(content);
  event.is_service = is_service_content(type);
  if (event.is_service) event.content = ContentKind::kOther;
  if (type == "messageContact") {
    const auto* contact = object_field(content, "contact");
    if (contact != nullptr && int_field(*contact, "user_id") == event.from.id && event.from.id != 0) {
      event.from.phone = text_field(*contact, "phone_number");  // the user shared their own number
    }
  }
}

EventKind kind_for(Side side, bool outgoing, bool edit) {
  if (side == Side::kGroup) return edit ? EventKind::kOperatorEdit : EventKind::kOperatorMessage;
  if (outgoing && !edit) return EventKind::kOutgoingSeen;
  return edit ? EventKind::kUserEdit : EventKind::kUserMessage;
}

std::int64_t stable_update_id(std::string_view key) {
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a 64
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return static_cast<std::int64_t>(kUpdateIdMark | (hash & (kUpdateIdMark - 1)));
}

core::Result<std::optional<core::Event>> content_update_event(const json::object& update,
                                                              const AdapterContext& context,
                                                              const ProfileCache& profiles,
                                                              core::UnixMillis now) {
  const auto chat_id = json_int(update.if_contains("chat_id"));
  const auto message_id = json_int(update.if_contains("message_id"));
  const auto* content = object_field(update, "new_content");
  if (!chat_id || !message_id || content == nullptr) {
    return core::make_error("updateMessageContent needs chat_id, message_id and new_content");
  }
  const Side side = side_of(*chat_id, context);
  const core::MessageId bot_id = to_bot_message_id(*message_id);
  // Outgoing messages: the desk's own sends are its business; the edit of one sent from
  // elsewhere is reported once its updateMessageEdited arrives (edited_update_event).
  if (side == Side::kIgnored || bot_id == 0 || profiles.is_outgoing(*chat_id, *message_id)) {
    return std::optional<core::Event>{};
  }
  core::Event event;
  event.kind = kind_for(side, false, true);
  event.chat_id = *chat_id;
  event.message_id = bot_id;
  event.date = now;
  if (*chat_id > 0) event.from = person_or_id(profiles, *chat_id);
  if (side == Side::kUser && is_channel(*chat_id, context)) mark_channel_post(event);
  read_content(*content, event);
  event.update_id =
      stable_update_id("e:" + std::to_string(*chat_id) + ":" + std::to_string(bot_id) + ":" +
                       std::string(type_of(*content)) + ":" + event.text + ":" + event.entities_json);
  return std::optional<core::Event>(std::move(event));
}

// updateMessageEdited of an intercepted message (sent from elsewhere into a private chat): the
// copy follows when the content (remembered from updateMessageContent) or the keyboard changed.
core::Result<std::optional<core::Event>> edited_update_event(const json::object& update,
                                                             const AdapterContext& context,
                                                             const ProfileCache& profiles,
                                                             core::UnixMillis now) {
  const auto chat_id = json_int(update.if_contains("chat_id"));
  const auto message_id = json_int(update.if_contains("message_id"));
  if (!chat_id || !message_id) return core::make_error("updateMessageEdited needs chat_id and message_id");
  const ProfileCache::Outgoing* outgoing = profiles.outgoing(*chat_id, *message_id);
  const core::MessageId bot_id = to_bot_message_id(*message_id);
  if (!outgoing || !outgoing->elsewhere || side_of(*chat_id, context) != Side::kUser || bot_id == 0) {
    return std::optional<core::Event>{};
  }
  std::string markup = bot_reply_markup_json(update.if_contains("reply_markup"));
  if (!outgoing->edit_pending && markup == outgoing->reply_markup_json) return std::optional<core::Event>{};
  core::Event event;
  event.kind = EventKind::kOutgoingEdit;
  event.chat_id = *chat_id;
  event.message_id = bot_id;
  event.date = now;
  event.from = person_or_id(profiles, context.self_id);
  event.from.is_bot = outgoing->by_bot;
  event.sender_is_bot = outgoing->by_bot;
  event.content = outgoing->content;
  event.text = outgoing->text;
  event.entities_json = outgoing->entities_json;
  event.reply_markup_json = std::move(markup);
  // edit_date tells edits apart (A → B → A are three edits); a redelivered update dedupes.
  event.update_id = stable_update_id("o:" + std::to_string(*chat_id) + ":" + std::to_string(bot_id) + ":" +
                                     std::to_string(int_field(update, "edit_date")) + ":" + event.text + ":" +
                                     event.entities_json + ":" + event.reply_markup_json);
  return std::optional<core::Event>(std::move(event));
}

// One TDLib inline keyboard button as a Bot API InlineKeyboardButton (what the desk lists).
json::object bot_button(const json::object& button) {
  json::object out{{"text", text_field(button, "text")}};
  const auto* type = object_field(button, "type");
  const std::string_view kind = type != nullptr ? type_of(*type) : std::string_view();
  if (kind == "inlineKeyboardButtonTypeUrl") {
    out["url"] = text_field(*type, "url");
  } else if (kind == "inlineKeyboardButtonTypeWebApp") {
    out["web_app"] = json::object{{"url", text_field(*type, "url")}};
  } else if (kind == "inlineKeyboardButtonTypeLoginUrl") {
    out["login_url"] = json::object{{"url", text_field(*type, "url")}};
  } else if (kind == "inlineKeyboardButtonTypeBuy") {
    out["pay"] = true;
  } else {
    out["callback_data"] = "";  // callback, game, inline switch …: only the label matters here
  }
  return out;
}

// How an outgoing message reported by `update_type` was sent (ProfileCache::Outgoing); for
// one sent from elsewhere also what it shows (`event`: the kOutgoingSeen made of it, if any).
ProfileCache::Outgoing outgoing_kind(std::string_view update_type, const json::object& message,
                                     const ProfileCache& profiles, const core::Event* event) {
  const bool sent_here = update_type == "updateMessageSendSucceeded" ||
                         (message.contains("sending_state") && !message.at("sending_state").is_null());
  if (sent_here) return {};
  bool by_bot = false;
  if (const auto* sender = object_field(message, "sender_id");
      sender && type_of(*sender) == "messageSenderUser") {
    const auto* known = profiles.find(int_field(*sender, "user_id"));
    by_bot = known != nullptr && known->is_bot;
  }
  ProfileCache::Outgoing how{.elsewhere = true, .by_bot = by_bot};
  if (event != nullptr && event->kind == EventKind::kOutgoingSeen) {
    how.content = event->content;
    how.text = event->text;
    how.entities_json = event->entities_json;
    how.reply_markup_json = event->reply_markup_json;
  }
  return how;
}

}  // namespace

// --- ids ------------------------------------------------------------------------------

core::MessageId to_bot_message_id(std::int64_t td_message_id) {
  if (td_message_id <= 0 || td_message_id % kMessageIdFactor != 0) return 0;
  return td_message_id / kMessageIdFactor;
}

std::int64_t to_td_message_id(core::MessageId bot_message_id) { return bot_message_id * kMessageIdFactor; }

core::ThreadId to_bot_thread_id(std::int64_t td_thread_id) {
  core::ThreadId thread = to_bot_message_id(td_thread_id);
  return thread == 1 ? 0 : thread;  // General: no thread in the Bot API
}

std::int64_t to_td_thread_id(core::ThreadId bot_thread_id) { return bot_thread_id * kMessageIdFactor; }

std::optional<std::int64_t> json_int(const json::value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(value->get_uint64());
  }
  if (value->is_string()) {
    const auto& text = value->get_string();
    std::int64_t number = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error == std::errc() && end == text.data() + text.size()) return number;
  }
  return std::nullopt;
}

// --- content --------------------------------------------------------------------------

ContentKind content_kind(const json::object& content) {
  const std::string_view type = type_of(content);
  for (const auto& name : kContentKinds) {
    if (name.td == type) return name.kind;
  }
  return ContentKind::kOther;
}

ContentText content_text(const json::object& content) {
  const json::object* formatted = object_field(content, "text");
  if (formatted == nullptr) formatted = object_field(content, "caption");
  if (formatted == nullptr) return {};
  ContentText result;
  result.text = text_field(*formatted, "text");
  if (const auto* entities = formatted->if_contains("entities");
      entities != nullptr && entities->is_array()) {
    result.td_entities = entities->get_array();
  }
  return result;
}

json::array bot_entities(const json::array& td_entities) {
  json::array result;
  for (const auto& item : td_entities) {
    const auto* entity = item.if_object();
    const auto* type = entity ? object_field(*entity, "type") : nullptr;
    if (type == nullptr) continue;
    json::object bot{{"offset", int_field(*entity, "offset")}, {"length", int_field(*entity, "length")}};
    if (fill_bot_entity_type(*type, bot)) result.push_back(std::move(bot));
  }
  return result;
}

std::string bot_entities_json(const json::array& td_entities) {
  json::array entities = bot_entities(td_entities);
  return entities.empty() ? std::string() : json::serialize(entities);
}

json::object formatted_text(const std::string& text, const json::array& entities) {
  json::array td_entities;
  for (const auto& item : entities) {
    const auto* entity = item.if_object();
    if (entity == nullptr) continue;
    json::object type = td_entity_type(*entity);
    if (type.empty()) continue;
    if (type_of(type) == "textEntityTypePre" && entity->contains("language") &&
        text_field(*entity, "type") == "pre") {
      type = json::object{{"@type", "textEntityTypePreCode"}, {"language", text_field(*entity, "language")}};
    }
    if (text_field(*entity, "type") == "code") type = json::object{{"@type", "textEntityTypeCode"}};
    td_entities.push_back(json::object{{"@type", "textEntity"},
                                       {"offset", int_field(*entity, "offset")},
                                       {"length", int_field(*entity, "length")},
                                       {"type", std::move(type)}});
  }
  return json::object{{"@type", "formattedText"}, {"text", text}, {"entities", std::move(td_entities)}};
}

// --- users ----------------------------------------------------------------------------

core::Person person_from_user(const json::object& user) {
  core::Person person;
  person.id = int_field(user, "id");
  person.first_name = text_field(user, "first_name");
  person.last_name = text_field(user, "last_name");
  person.language_code = text_field(user, "language_code");
  person.phone = text_field(user, "phone_number");
  const auto* type = object_field(user, "type");
  person.is_bot = type != nullptr && type_of(*type) == "userTypeBot";
  const auto* usernames = object_field(user, "usernames");
  const auto* active = usernames ? usernames->if_contains("active_usernames") : nullptr;
  if (active != nullptr && active->is_array() && !active->get_array().empty() &&
      active->get_array()[0].is_string()) {
    person.username = std::string(active->get_array()[0].get_string());
  } else {
    person.username = text_field(user, "username");  // older TDLib
  }
  return person;
}

json::object bot_user(const json::object& user) {
  core::Person person = person_from_user(user);
  json::object result{{"id", person.id}, {"is_bot", person.is_bot}, {"first_name", person.first_name}};
  if (!person.last_name.empty()) result["last_name"] = person.last_name;
  if (!person.username.empty()) result["username"] = person.username;
  if (!person.language_code.empty()) result["language_code"] = person.language_code;
  if (!person.phone.empty()) result["phone_number"] = person.phone;  // not in the Bot API; /new shows it
  return result;
}

void ProfileCache::remember(const json::object& user) {
  core::Person person = person_from_user(user);
  if (person.id != 0) people_[person.id] = std::move(person);
}

const core::Person* ProfileCache::find(core::UserId id) const {
  auto it = people_.find(id);
  return it == people_.end() ? nullptr : &it->second;
}

void ProfileCache::remember_outgoing(core::ChatId chat_id, std::int64_t td_message_id, Outgoing how) {
  if (outgoing_order_.size() >= kOutgoingMemory) {
    outgoing_.erase(outgoing_order_.front());
    outgoing_order_.pop_front();
  }
  // The first report decides: a message sent here is announced with sending_state and confirmed
  // by updateMessageSendSucceeded, never "from elsewhere".
  if (outgoing_.emplace(MessageKey{chat_id, td_message_id}, how).second) {
    outgoing_order_.emplace_back(chat_id, td_message_id);
  }
}

bool ProfileCache::is_outgoing(core::ChatId chat_id, std::int64_t td_message_id) const {
  return outgoing_.contains({chat_id, td_message_id});
}

const ProfileCache::Outgoing* ProfileCache::outgoing(core::ChatId chat_id, std::int64_t td_message_id) const {
  auto it = outgoing_.find({chat_id, td_message_id});
  return it == outgoing_.end() ? nullptr : &it->second;
}

void ProfileCache::outgoing_content_changed(core::ChatId chat_id, std::int64_t td_message_id,
                                            const core::Event& content) {
  auto it = outgoing_.find({chat_id, td_message_id});
  if (it == outgoing_.end()) return;
  it->second.content = content.content;
  it->second.text = content.text;
  it->second.entities_json = content.entities_json;
  it->second.edit_pending = true;
}

void ProfileCache::outgoing_edit_done(core::ChatId chat_id, std::int64_t td_message_id,
                                      std::string reply_markup_json) {
  auto it = outgoing_.find({chat_id, td_message_id});
  if (it == outgoing_.end()) return;
  it->second.reply_markup_json = std::move(reply_markup_json);
  it->second.edit_pending = false;
}

std::string bot_reply_markup_json(const json::value* td_reply_markup) {
  const auto* markup = td_reply_markup != nullptr ? td_reply_markup->if_object() : nullptr;
  if (markup == nullptr || type_of(*markup) != "replyMarkupInlineKeyboard") return {};
  const auto* rows = markup->if_contains("rows");
  if (rows == nullptr || !rows->is_array()) return {};
  json::array keyboard;
  for (const auto& row : rows->get_array()) {
    json::array buttons;
    if (const auto* items = row.if_array()) {
      for (const auto& button : *items) {
        if (const auto* b = button.if_object()) buttons.push_back(bot_button(*b));
      }
    }
    keyboard.push_back(std::move(buttons));
  }
  return json::serialize(json::object{{"inline_keyboard", std::move(keyboard)}});
}

// --- events ---------------------------------------------------------------------------

core::Result<std::optional<core::Event>> event_from_message(const json::object& message,
                                                            const AdapterContext& context,
                                                            const ProfileCache& profiles) {
  const auto chat_id = json_int(message.if_contains("chat_id"));
  const auto message_id = json_int(message.if_contains("id"));
  const auto* content = object_field(message, "content");
  if (!chat_id || !message_id || content == nullptr)
    return core::make_error("message needs id, chat_id and content");
  const Side side = side_of(*chat_id, context);
  const bool outgoing = flag_field(message, "is_outgoing");
  // Sent through this client (the desk itself): it already knows.
  const bool sent_here = message.contains("sending_state") && !message.at("sending_state").is_null();
  const core::MessageId bot_id = to_bot_message_id(*message_id);
  if (side == Side::kIgnored || sent_here || bot_id == 0) return std::optional<core::Event>{};

  const std::int64_t date = int_field(message, "date");
  if (date < 0 || date > kMaxUnixSeconds)
    return core::make_error("message.date must be a Unix time in seconds");
  const auto td_thread = td_thread_of(message);
  if (!td_thread) return core::make_error("message.topic_id.forum_topic_id is out of range");

  core::Event event;
  event.kind = kind_for(side, outgoing, false);
  event.chat_id = *chat_id;
  event.message_id = bot_id;
  event.date = date * kMillisPerSecond;
  read_sender(message, profiles, event);
  if (side == Side::kGroup) event.thread_id = to_bot_thread_id(*td_thread);
  event.reply_to_message_id = read_reply_to(message, *td_thread, *chat_id);
  read_content(*content, event);
  if (side == Side::kUser && is_channel(*chat_id, context)) mark_channel_post(event);
  if (std::string album = std::to_string(int_field(message, "media_album_id")); album != "0") {
    event.media_group_id = std::move(album);
  }
  if (event.kind == EventKind::kOutgoingSeen) {
    event.reply_markup_json = bot_reply_markup_json(message.if_contains("reply_markup"));
  }
  if (side == Side::kGroup && type_of(*content) == "messageForumTopicIsClosedToggled") {
    event.kind =
        flag_field(*content, "is_closed") ? EventKind::kTopicClosedInApp : EventKind::kTopicReopenedInApp;
  }
  event.update_id = stable_update_id("n:" + std::to_string(*chat_id) + ":" + std::to_string(bot_id));
  return std::optional<core::Event>(std::move(event));
}

core::Result<std::optional<core::Event>> event_from_update(const json::object& update,
                                                           const AdapterContext& context,
                                                           const ProfileCache& profiles,
                                                           core::UnixMillis now) {
  const std::string_view type = type_of(update);
  if (type == "updateNewMessage") {
    const auto* message = object_field(update, "message");
    if (message == nullptr) return core::make_error("updateNewMessage.message must be an object");
    auto event = event_from_message(*message, context, profiles);
    if (!event) return core::make_error("updateNewMessage." + event.error().message);
    return event;
  }
  if (type == "updateMessageContent") return content_update_event(update, context, profiles, now);
  if (type == "updateMessageEdited") return edited_update_event(update, context, profiles, now);
  return std::optional<core::Event>{};
}

namespace {

// What make_incoming teaches the cache about outgoing messages, after the update's event (if
// any) was made: new ones, the new content of intercepted ones, and their finished edits.
void remember_outgoing_changes(std::string_view type, const json::object& update, const core::Event* event,
                               ProfileCache& profiles) {
  if (type == "updateNewMessage" || type == "updateMessageSendSucceeded") {
    const auto* message = object_field(update, "message");
    if (message != nullptr && flag_field(*message, "is_outgoing")) {
      profiles.remember_outgoing(int_field(*message, "chat_id"), int_field(*message, "id"),
                                 outgoing_kind(type, *message, profiles, event));
    }
    return;
  }
  const std::int64_t chat_id = int_field(update, "chat_id");
  const std::int64_t message_id = int_field(update, "message_id");
  const auto* outgoing = profiles.outgoing(chat_id, message_id);
  if (outgoing == nullptr || !outgoing->elsewhere) return;
  if (type == "updateMessageContent") {
    if (const auto* content = object_field(update, "new_content")) {
      core::Event changed;
      read_content(*content, changed);
      profiles.outgoing_content_changed(chat_id, message_id, changed);
    }
  } else if (type == "updateMessageEdited" && event != nullptr) {
    profiles.outgoing_edit_done(chat_id, message_id, event->reply_markup_json);
  }
}

}  // namespace

std::optional<Incoming> make_incoming(const json::object& update, const AdapterContext& context,
                                      ProfileCache& profiles, core::UnixMillis now) {
  const std::string_view type = type_of(update);
  if (type == "updateUser") {
    if (const auto* user = object_field(update, "user")) profiles.remember(*user);
    return std::nullopt;
  }
  auto event = event_from_update(update, context, profiles, now);
  remember_outgoing_changes(type, update, event.ok() && event.value() ? &*event.value() : nullptr, profiles);
  Incoming incoming;
  if (!event) {
    incoming.parse_error = event.error().message;
    return incoming;
  }
  if (!event.value()) return std::nullopt;
  incoming.update_id = event.value()->update_id;
  incoming.event = std::move(*event.value());
  return incoming;
}

}  // namespace topicdesk::telegram::tdlib
