#include "telegram/update_parser.h"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <limits>
#include <string>
#include <utility>

namespace topicdesk::telegram {
namespace json = boost::json;
namespace {

using core::ContentKind;
using core::EventKind;

constexpr std::int64_t kMillisPerSecond = 1000;

// Message fields that make a message a service message rather than content someone wrote.
constexpr std::array<std::string_view, 38> kServiceFields{"new_chat_members",
                                                          "left_chat_member",
                                                          "new_chat_title",
                                                          "new_chat_photo",
                                                          "delete_chat_photo",
                                                          "group_chat_created",
                                                          "supergroup_chat_created",
                                                          "channel_chat_created",
                                                          "message_auto_delete_timer_changed",
                                                          "migrate_to_chat_id",
                                                          "migrate_from_chat_id",
                                                          "pinned_message",
                                                          "successful_payment",
                                                          "refunded_payment",
                                                          "users_shared",
                                                          "chat_shared",
                                                          "connected_website",
                                                          "write_access_allowed",
                                                          "proximity_alert_triggered",
                                                          "boost_added",
                                                          "chat_background_set",
                                                          "forum_topic_created",
                                                          "forum_topic_edited",
                                                          "forum_topic_closed",
                                                          "forum_topic_reopened",
                                                          "general_forum_topic_hidden",
                                                          "general_forum_topic_unhidden",
                                                          "giveaway_created",
                                                          "giveaway_completed",
                                                          "video_chat_scheduled",
                                                          "video_chat_started",
                                                          "video_chat_ended",
                                                          "video_chat_participants_invited",
                                                          "web_app_data",
                                                          "passport_data",
                                                          "gift",
                                                          "unique_gift",
                                                          "paid_message_price_changed"};

// Content fields in the order they decide the kind: animation messages also carry `document`
// and venues also carry `location`, so those come first.
constexpr std::array<std::pair<std::string_view, ContentKind>, 17> kContentFields{{
    {"text", ContentKind::kText},
    {"animation", ContentKind::kAnimation},
    {"photo", ContentKind::kPhoto},
    {"video", ContentKind::kVideo},
    {"document", ContentKind::kDocument},
    {"audio", ContentKind::kAudio},
    {"voice", ContentKind::kVoice},
    {"video_note", ContentKind::kVideoNote},
    {"sticker", ContentKind::kSticker},
    {"venue", ContentKind::kVenue},
    {"location", ContentKind::kLocation},
    {"contact", ContentKind::kContact},
    {"poll", ContentKind::kPoll},
    {"dice", ContentKind::kDice},
    {"story", ContentKind::kStory},
    {"game", ContentKind::kGame},
    {"invoice", ContentKind::kInvoice},
}};

// Reads typed fields of one JSON object. The first problem is kept in a shared error
// string (with the full path of the field); later reads return defaults.
class Reader {
 public:
  Reader(const json::object& object, std::string path, std::string& error)
      : object_(&object), path_(std::move(path)), error_(&error) {}

  bool failed() const { return !error_->empty(); }
  bool has(std::string_view key) const { return object_->contains(key); }

  std::int64_t integer(std::string_view key, bool required = false) {
    const json::value* v = find(key, required);
    if (v == nullptr) return 0;
    if (const auto* i = v->if_int64()) return *i;
    if (const auto* u = v->if_uint64(); u && *u <= std::numeric_limits<std::int64_t>::max()) {
      return static_cast<std::int64_t>(*u);
    }
    fail(key, "must be an integer");
    return 0;
  }

  // Seconds since 1970 that still fit in milliseconds.
  std::int64_t unix_time(std::string_view key, bool required = false) {
    const std::int64_t seconds = integer(key, required);
    if (seconds >= 0 && seconds <= std::numeric_limits<std::int64_t>::max() / kMillisPerSecond)
      return seconds;
    fail(key, "must be a Unix time in seconds");
    return 0;
  }

  std::string text(std::string_view key, bool required = false) {
    const json::value* v = find(key, required);
    if (v == nullptr) return {};
    if (const auto* s = v->if_string()) return std::string(*s);
    fail(key, "must be a string");
    return {};
  }

  bool flag(std::string_view key) {
    const json::value* v = find(key, false);
    if (v == nullptr) return false;
    if (const auto* b = v->if_bool()) return *b;
    fail(key, "must be a boolean");
    return false;
  }

  std::optional<Reader> child(std::string_view key, bool required = false) {
    const json::value* v = find(key, required);
    if (v == nullptr) return std::nullopt;
    if (const auto* o = v->if_object()) return Reader(*o, path_of(key), *error_);
    fail(key, "must be an object");
    return std::nullopt;
  }

  const json::array* array(std::string_view key, bool required = false) {
    const json::value* v = find(key, required);
    if (v == nullptr) return nullptr;
    if (const auto* a = v->if_array()) return a;
    fail(key, "must be an array");
    return nullptr;
  }

  std::string path_of(std::string_view key) const { return path_ + "." + std::string(key); }
  std::string& error() const { return *error_; }
  const json::object& object() const { return *object_; }

 private:
  const json::value* find(std::string_view key, bool required) {
    if (failed()) return nullptr;
    const json::value* v = object_->if_contains(key);
    if (v == nullptr && required) fail(key, "is missing");
    return v;
  }
  void fail(std::string_view key, std::string_view what) {
    if (!failed()) *error_ = path_of(key) + " " + std::string(what);
  }

  const json::object* object_;
  std::string path_;
  std::string* error_;
};

enum class Side { kIgnored, kUser, kOperator };

struct ChatRef {
  core::ChatId id = 0;
  Side side = Side::kIgnored;
};

// Which side of the desk a chat is: the user's private chat, one of our backend groups, or
// something topicdesk does not handle (channels, other groups).
ChatRef read_chat(Reader& parent, const ParseContext& context) {
  ChatRef chat;
  auto reader = parent.child("chat", true);
  if (!reader) return chat;
  chat.id = reader->integer("id", true);
  std::string type = reader->text("type", true);
  if (reader->failed()) return chat;
  if (type == "private") {
    chat.side = Side::kUser;
  } else if (std::find(context.backend_groups.begin(), context.backend_groups.end(), chat.id) !=
             context.backend_groups.end()) {
    chat.side = Side::kOperator;
  }
  return chat;
}

core::Person read_person(Reader& reader) {
  core::Person person;
  person.id = reader.integer("id", true);
  person.is_bot = reader.flag("is_bot");
  person.first_name = reader.text("first_name");
  person.last_name = reader.text("last_name");
  person.username = reader.text("username");
  person.language_code = reader.text("language_code");
  return person;
}

ContentKind read_content_kind(const Reader& message) {
  for (const auto& [field, kind] : kContentFields) {
    if (message.has(field)) return kind;
  }
  return ContentKind::kOther;
}

bool is_service_message(const Reader& message) {
  return std::any_of(kServiceFields.begin(), kServiceFields.end(),
                     [&](std::string_view field) { return message.has(field); });
}

// An explicit reply only. In a forum topic every message without a reply "replies" to the
// topic's forum_topic_created message (id == message_thread_id); that is not a reply.
core::MessageId read_reply_to(Reader& message) {
  auto reply = message.child("reply_to_message");
  if (!reply) return 0;
  core::MessageId replied_id = reply->integer("message_id", true);
  core::ThreadId raw_thread_id = message.integer("message_thread_id");
  bool implicit = reply->has("forum_topic_created") || (raw_thread_id != 0 && replied_id == raw_thread_id);
  return implicit ? 0 : replied_id;
}

// A reply's quote (Bot API TextQuote): its position in UTF-16 units, read leniently (a malformed
// quote is no quote: the reply still goes to the replied message); -1: none.
std::int64_t read_quote_position(const json::object& message) {
  const auto* quote = message.if_contains("quote");
  const auto* o = quote != nullptr ? quote->if_object() : nullptr;
  if (o == nullptr) return -1;
  const auto* position = o->if_contains("position");
  if (position == nullptr) return 0;  // omitted: the quote starts the message
  return position->is_int64() && position->get_int64() >= 0 ? position->get_int64() : -1;
}

// The media's file id (a photo's largest size), read leniently: a malformed media field
// leaves it empty and never fails the update.
std::string read_file_id(const json::object& message, ContentKind kind) {
  auto id_of = [](const json::value* media) {
    const auto* o = media != nullptr ? media->if_object() : nullptr;
    const auto* id = o != nullptr ? o->if_contains("file_id") : nullptr;
    return id != nullptr && id->is_string() ? std::string(id->get_string()) : std::string();
  };
  if (kind == ContentKind::kPhoto) {
    const auto* sizes = message.if_contains("photo");
    if (sizes == nullptr || !sizes->is_array() || sizes->get_array().empty()) return {};
    return id_of(&sizes->get_array().back());
  }
  if (kind == ContentKind::kText) return {};
  for (const auto& [field, field_kind] : kContentFields) {
    if (field_kind == kind) return id_of(message.if_contains(field));
  }
  return {};
}

// The message an explicit reply names, whole (templates are saved from it). Read with its own
// error: a reply whose content the desk cannot read leaves `replied` empty, never the update.
core::ReplyContent read_replied(const Reader& message, core::MessageId reply_to) {
  core::ReplyContent out;
  if (reply_to == 0) return out;
  const auto* value = message.object().if_contains("reply_to_message");
  const json::object* object = value != nullptr ? value->if_object() : nullptr;
  if (object == nullptr) return out;
  std::string error;
  Reader reply(*object, "reply_to_message", error);
  core::ReplyContent c;
  c.message_id = reply_to;
  c.content = read_content_kind(reply);
  c.text = reply.has("text") ? reply.text("text") : reply.text("caption");
  const json::array* entities = reply.array(reply.has("text") ? "entities" : "caption_entities");
  if (entities != nullptr && !entities->empty()) c.entities_json = json::serialize(*entities);
  c.file_id = read_file_id(*object, c.content);
  c.media_group_id = reply.text("media_group_id");
  if (const auto* markup = object->if_contains("reply_markup"); markup != nullptr && markup->is_object())
    c.reply_markup_json = json::serialize(*markup);
  if (!error.empty()) return out;
  return c;
}

// The name of the topic a message is in: its implicit reply carries forum_topic_created.
std::string read_topic_name(Reader& message) {
  auto reply = message.child("reply_to_message");
  if (!reply) return {};
  auto created = reply->child("forum_topic_created");
  return created ? created->text("name") : std::string();
}

void read_sender(Reader& message, core::Event& event) {
  if (auto from = message.child("from")) event.from = read_person(*from);
  if (auto sender_chat = message.child("sender_chat")) {
    if (sender_chat->integer("id", true) == event.chat_id) event.sender_is_anonymous_admin = true;
  }
  if (event.from.id == core::kGroupAnonymousBotId) event.sender_is_anonymous_admin = true;
  // GroupAnonymousBot is a bot account, but behind it is a human admin.
  event.sender_is_bot = event.from.is_bot && !event.sender_is_anonymous_admin;
}

// A contact the user shares about themself is the one way a bot learns a phone number.
void read_own_phone(Reader& message, core::Event& event) {
  auto contact = message.child("contact");
  if (!contact) return;
  core::UserId contact_user = contact->integer("user_id");
  std::string phone = contact->text("phone_number");
  if (contact_user != 0 && contact_user == event.from.id) event.from.phone = std::move(phone);
}

ParsedUpdate parse_message(Reader& update, std::string_view field, bool edited, const ParseContext& context,
                           core::Event event) {
  auto message = update.child(field);
  if (!message) return core::make_error(update.error());
  ChatRef chat = read_chat(*message, context);
  if (message->failed()) return core::make_error(update.error());
  if (chat.side == Side::kIgnored) return std::optional<core::Event>{};

  bool user_side = chat.side == Side::kUser;
  event.kind = user_side ? (edited ? EventKind::kUserEdit : EventKind::kUserMessage)
                         : (edited ? EventKind::kOperatorEdit : EventKind::kOperatorMessage);
  event.chat_id = chat.id;
  event.message_id = message->integer("message_id", true);
  std::int64_t date = message->unix_time("date", true);
  std::int64_t edit_date = message->unix_time("edit_date");
  event.date = (edited && edit_date != 0 ? edit_date : date) * kMillisPerSecond;
  read_sender(*message, event);
  bool is_topic_message = message->flag("is_topic_message");
  core::ThreadId thread_id = message->integer("message_thread_id");
  // Private chats have no topics for the desk; General carries no is_topic_message.
  if (!user_side && is_topic_message) event.thread_id = thread_id;
  event.reply_to_message_id = read_reply_to(*message);
  if (event.reply_to_message_id != 0) event.quote_position = read_quote_position(message->object());
  if (event.thread_id != 0) event.topic_name = read_topic_name(*message);
  event.content = read_content_kind(*message);
  event.text = message->has("text") ? message->text("text") : message->text("caption");
  // Formatting of the text or caption, kept so that mirrored edits keep it.
  const json::array* entities = message->array(message->has("text") ? "entities" : "caption_entities");
  if (entities != nullptr && !entities->empty()) event.entities_json = json::serialize(*entities);
  event.media_group_id = message->text("media_group_id");
  if (!user_side) {
    event.file_id = read_file_id(message->object(), event.content);
    if (!edited) event.replied = read_replied(*message, event.reply_to_message_id);
  }
  event.is_service = is_service_message(*message);
  if (event.is_service) event.content = ContentKind::kOther;
  read_own_phone(*message, event);
  if (user_side && !edited && message->has("successful_payment")) {
    // A payment's receipt (docs/payments.md): recorded once by its charge id.
    if (auto paid = message->child("successful_payment")) {
      event.kind = EventKind::kPaymentReceived;
      event.payment.currency = paid->text("currency", true);
      event.payment.total_amount = paid->integer("total_amount", true);
      event.payment.invoice_payload = paid->text("invoice_payload");
      event.payment.telegram_charge_id = paid->text("telegram_payment_charge_id", true);
      event.payment.provider_charge_id = paid->text("provider_payment_charge_id");
    }
  }
  if (!user_side && !edited) {
    if (message->has("forum_topic_closed")) event.kind = EventKind::kTopicClosedInApp;
    if (message->has("forum_topic_reopened")) event.kind = EventKind::kTopicReopenedInApp;
  }
  if (message->failed()) return core::make_error(update.error());
  return std::optional<core::Event>(std::move(event));
}

std::vector<std::string> read_emoji_reactions(const json::array& reactions, const std::string& path,
                                              std::string& error) {
  std::vector<std::string> emoji;
  for (std::size_t i = 0; i < reactions.size(); ++i) {
    std::string item_path = path + "[" + std::to_string(i) + "]";
    const auto* object = reactions[i].if_object();
    if (object == nullptr) {
      error = item_path + " must be an object";
      return {};
    }
    Reader reaction(*object, item_path, error);
    // custom_emoji and paid reactions have no emoji to mirror.
    if (reaction.text("type", true) == "emoji") emoji.push_back(reaction.text("emoji", true));
  }
  return emoji;
}

ParsedUpdate parse_reaction(Reader& update, const ParseContext& context, core::Event event) {
  auto reaction = update.child("message_reaction");
  if (!reaction) return core::make_error(update.error());
  ChatRef chat = read_chat(*reaction, context);
  if (reaction->failed()) return core::make_error(update.error());
  if (chat.side == Side::kIgnored) return std::optional<core::Event>{};

  event.kind = chat.side == Side::kUser ? EventKind::kUserReaction : EventKind::kOperatorReaction;
  event.chat_id = chat.id;
  event.message_id = reaction->integer("message_id", true);
  event.date = reaction->unix_time("date", true) * kMillisPerSecond;
  if (auto user = reaction->child("user")) event.from = read_person(*user);
  if (auto actor_chat = reaction->child("actor_chat")) {
    if (actor_chat->integer("id", true) == chat.id) event.sender_is_anonymous_admin = true;
  }
  event.sender_is_bot = event.from.is_bot;
  if (const auto* reactions = reaction->array("new_reaction", true)) {
    event.new_reactions = read_emoji_reactions(*reactions, reaction->path_of("new_reaction"), update.error());
  }
  if (reaction->failed()) return core::make_error(update.error());
  return std::optional<core::Event>(std::move(event));
}

ParsedUpdate parse_my_chat_member(Reader& update, const ParseContext& context, core::Event event) {
  auto member = update.child("my_chat_member");
  if (!member) return core::make_error(update.error());
  ChatRef chat = read_chat(*member, context);
  auto old_member = member->child("old_chat_member", true);
  auto new_member = member->child("new_chat_member", true);
  std::string old_status = old_member ? old_member->text("status", true) : std::string();
  std::string new_status = new_member ? new_member->text("status", true) : std::string();
  if (member->failed()) return core::make_error(update.error());
  // Only the private chat tells about a user blocking or restarting the bot.
  if (chat.side != Side::kUser) return std::optional<core::Event>{};

  if (new_status == "kicked") {
    event.kind = EventKind::kUserBlockedBot;
  } else if (new_status == "member" && old_status == "kicked") {
    event.kind = EventKind::kUserUnblockedBot;
  } else {
    return std::optional<core::Event>{};
  }
  event.chat_id = chat.id;
  event.date = member->unix_time("date", true) * kMillisPerSecond;
  if (auto from = member->child("from")) event.from = read_person(*from);
  event.content = ContentKind::kOther;
  event.is_service = true;
  if (member->failed()) return core::make_error(update.error());
  return std::optional<core::Event>(std::move(event));
}

// A button pressed under a message of a private chat. Buttons of inline messages (no `message`),
// of other chats and game buttons (no `data`) are not the desk's: nothing to relay.
ParsedUpdate parse_callback_query(Reader& update, const ParseContext& context, core::Event event) {
  auto query = update.child("callback_query");
  if (!query) return core::make_error(update.error());
  event.callback_id = query->text("id", true);
  auto from = query->child("from", true);
  if (from) event.from = read_person(*from);
  std::optional<Reader> message = query->child("message");
  if (query->failed()) return core::make_error(update.error());
  if (!message || !query->has("data")) return std::optional<core::Event>{};
  ChatRef chat = read_chat(*message, context);
  event.message_id = message->integer("message_id", true);
  event.text = query->text("data");
  if (query->failed()) return core::make_error(update.error());
  if (chat.side == Side::kOperator && !event.callback_id.empty() &&
      std::string_view(event.text).starts_with(core::kAiCallbackPrefix)) {
    // The desk's own buttons in the backend group (the AI's drafts).
    event.kind = EventKind::kGroupButtonPressed;
    event.chat_id = chat.id;
    event.thread_id = message->integer("message_thread_id");
    event.sender_is_bot = event.from.is_bot;
    event.date = message->unix_time("date") * kMillisPerSecond;
    if (message->failed()) return core::make_error(update.error());
    return std::optional<core::Event>(std::move(event));
  }
  if (chat.side != Side::kUser || event.callback_id.empty()) return std::optional<core::Event>{};
  event.kind = EventKind::kButtonPressed;
  event.chat_id = chat.id;
  event.sender_is_bot = event.from.is_bot;
  // A press has no date of its own: the message's is the closest Telegram tells (0 when the
  // message is too old to be sent again, an "inaccessible message").
  event.date = message->unix_time("date") * kMillisPerSecond;
  if (message->failed()) return core::make_error(update.error());
  return std::optional<core::Event>(std::move(event));
}

// A user is about to pay an invoice of the bot: Telegram waits at most 10 seconds for the answer.
ParsedUpdate parse_pre_checkout_query(Reader& update, core::Event event) {
  auto query = update.child("pre_checkout_query");
  if (!query) return core::make_error(update.error());
  event.kind = EventKind::kPreCheckout;
  event.callback_id = query->text("id", true);
  if (auto from = query->child("from", true)) event.from = read_person(*from);
  event.payment.currency = query->text("currency", true);
  event.payment.total_amount = query->integer("total_amount", true);
  event.payment.invoice_payload = query->text("invoice_payload", true);
  if (query->failed()) return core::make_error(update.error());
  if (event.callback_id.empty()) return core::make_error("update.pre_checkout_query.id must not be empty");
  event.chat_id = event.from.id;
  event.sender_is_bot = event.from.is_bot;
  event.content = ContentKind::kOther;
  return std::optional<core::Event>(std::move(event));
}

}  // namespace

ParsedUpdate parse_update(const json::value& update, const ParseContext& context) {
  const auto* object = update.if_object();
  if (object == nullptr) return core::make_error("update must be an object");
  std::string error;
  Reader reader(*object, "update", error);
  core::Event event;
  event.update_id = reader.integer("update_id", true);
  if (reader.failed()) return core::make_error(error);

  if (reader.has("message")) return parse_message(reader, "message", false, context, std::move(event));
  if (reader.has("edited_message"))
    return parse_message(reader, "edited_message", true, context, std::move(event));
  if (reader.has("message_reaction")) return parse_reaction(reader, context, std::move(event));
  if (reader.has("my_chat_member")) return parse_my_chat_member(reader, context, std::move(event));
  if (reader.has("callback_query")) return parse_callback_query(reader, context, std::move(event));
  if (reader.has("pre_checkout_query")) return parse_pre_checkout_query(reader, std::move(event));
  return std::optional<core::Event>{};  // channel posts, inline queries, … : nothing to relay
}

ParsedUpdate parse_update(std::string_view update_json, const ParseContext& context) {
  boost::system::error_code ec;
  json::value update = json::parse(update_json, ec);
  if (ec) return core::make_error("update is not valid JSON: " + ec.message());
  return parse_update(update, context);
}

std::optional<Incoming> make_incoming(const json::value& update, const ParseContext& context) {
  ParsedUpdate parsed = parse_update(update, context);
  if (parsed.ok() && !parsed.value().has_value()) return std::nullopt;
  Incoming incoming;
  if (parsed.ok()) {
    incoming.update_id = parsed.value()->update_id;
    incoming.event = std::move(*parsed.value());
  } else {
    incoming.update_id = peek_update_id(update).value_or(0);
    incoming.parse_error = parsed.error().message;
  }
  return incoming;
}

std::optional<std::int64_t> peek_update_id(const json::value& update) {
  const auto* object = update.if_object();
  if (object == nullptr) return std::nullopt;
  const auto* id = object->if_contains("update_id");
  if (id == nullptr) return std::nullopt;
  if (const auto* i = id->if_int64()) return *i;
  return std::nullopt;
}

}  // namespace topicdesk::telegram
