#include "sim/control/control_api.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <map>

#include "sim/model/media.h"
#include "sim/model/text.h"

namespace tgsim::control {

namespace json = boost::json;
using model::MemberStatus;

namespace {

std::optional<Id> to_id(std::string_view s) {
  Id out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return out;
}

std::optional<Id> id_field(const json::object& body, std::string_view key) {
  const auto* v = body.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<Id>(v->get_uint64());
  if (v->is_string()) return to_id(v->get_string());
  return std::nullopt;
}

std::string string_field(const json::object& body, std::string_view key) {
  const auto* v = body.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string{};
}

bool bool_field(const json::object& body, std::string_view key, bool fallback) {
  const auto* v = body.if_contains(key);
  return v && v->is_bool() ? v->get_bool() : fallback;
}

Result<Id> required_id(const json::object& body, std::string_view key) {
  auto id = id_field(body, key);
  if (!id) return bad_request(std::string(key) + " is required and must be an integer");
  return *id;
}

// Splits "/sim/groups/-100/members" into {"groups", "-100", "members"}.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(5);  // "/sim/"
  while (!path.empty()) {
    auto slash = path.find('/');
    if (slash != 0) out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::string_view mime_for_name(std::string_view kind, std::string_view name) {
  if (name.ends_with(".png")) return "image/png";
  if (name.ends_with(".pdf")) return "application/pdf";
  if (name.ends_with(".txt")) return "text/plain";
  if (name.ends_with(".zip")) return "application/zip";
  return model::default_mime_type(kind);
}

}  // namespace

std::string query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name)
      return botapi::url_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
  }
  return {};
}

botapi::Reply ControlApi::handle(std::string_view method, std::string_view path, std::string_view query,
                                 std::string_view body) {
  Result<json::value> result = json::value(nullptr);
  if (method == "GET") {
    result = get(path, query);
  } else if (method == "POST") {
    json::object object;
    if (!body.empty()) {
      json::error_code ec;
      auto parsed = json::parse(body, ec);
      if (ec || !parsed.is_object())
        return botapi::error_reply(bad_request("the body must be a JSON object"));
      object = std::move(parsed.as_object());
    }
    result = post(path, object);
  } else {
    return botapi::error_reply({405, "Method Not Allowed"});
  }
  if (!result) return botapi::error_reply(result.error());
  return botapi::Reply{200, json::serialize(*result)};
}

Result<json::value> ControlApi::post(std::string_view path, const Body& body) {
  auto parts = segments(path);
  if (parts.size() == 1) {
    if (parts[0] == "users" || parts[0] == "accounts") return create_user(body);
    if (parts[0] == "clock") return advance_clock(body);
    if (parts[0] == "bots") return create_bot(body);
    if (parts[0] == "groups") return create_group(body);
    if (parts[0] == "channels") return create_channel(body);
    if (parts[0] == "messages") return send_message(body);
    if (parts[0] == "reactions") return react(body);
    if (parts[0] == "block") return block(body, bool_field(body, "blocked", true));
    if (parts[0] == "unblock") return block(body, false);
    if (parts[0] == "callback") return press_button(body);
    if (parts[0] == "startgroup") return start_group(body);
    if (parts[0] == "faults") return add_fault(body);
    if (parts[0] == "limits") return set_limits(body);
    if (parts[0] == "topics") return create_topic(body);
  }
  if (parts.size() == 2) {
    if (parts[0] == "messages" && parts[1] == "edit") return edit_message(body);
    if (parts[0] == "qr" && parts[1] == "confirm") return confirm_qr(body);
    if (parts[0] == "payments" && parts[1] == "pay") return pay(body);
    if (parts[0] == "payments" && parts[1] == "redeliver") {
      auto id = world_.payments().redeliver(world_, string_field(body, "telegram_payment_charge_id"));
      if (!id) return id.error();
      return json::value(json::object{{"message_id", *id}});
    }
    if (parts[0] == "sessions" && parts[1] == "revoke") return revoke_session(body);
    if (parts[0] == "messages" && parts[1] == "delete") return delete_message(body);
    if (parts[0] == "topics" && parts[1] == "delete") return delete_topic(body);
    if (parts[0] == "topics" && parts[1] == "close") return set_topic_closed(body, true);
    if (parts[0] == "topics" && parts[1] == "reopen") return set_topic_closed(body, false);
    if (parts[0] == "faults" && parts[1] == "clear") {
      faults_.clear();
      return json::value(json::object{{"ok", true}});
    }
  }
  if (parts.size() == 3 && parts[0] == "groups" && parts[2] == "members") {
    auto id = to_id(parts[1]);
    if (!id) return bad_request("group id must be an integer");
    return add_member(*id, body);
  }
  return ApiError{404, "Not Found: no such control endpoint"};
}

Result<json::value> ControlApi::get(std::string_view path, std::string_view query) {
  auto parts = segments(path);
  if (parts.size() == 1 && parts[0] == "stats") return stats();
  if (parts.size() == 1 && parts[0] == "calls") return calls(query);
  if (parts.size() == 1 && parts[0] == "overview") return overview();
  if (parts.size() == 1 && parts[0] == "login_code") return login_code(query);
  if (parts.size() == 2 && parts[0] == "qr" && parts[1] == "pending") {
    if (!sessions_) return ApiError{404, "Not Found: sessions are not available"};
    return json::value(json::object{{"links", sessions_->pending_qr()}});
  }
  if (parts.size() == 1 && parts[0] == "sessions") return list_sessions(query);
  if (parts.size() == 1 && parts[0] == "stories") return list_stories(query);
  if (parts.size() == 1 && parts[0] == "payments") return json::value(world_.payments().overview());
  if (parts.size() == 2 && parts[0] == "payments") return payment(std::string(parts[1]));
  if (parts.size() == 1 && parts[0] == "version")
    return json::value(json::object{{"version", world_.version()}});
  if (parts.size() == 3 && parts[0] == "chats" && parts[2] == "messages") {
    auto id = to_id(parts[1]);
    if (!id) return bad_request("chat id must be an integer");
    return messages(*id, query);
  }
  if (parts.size() == 3 && parts[0] == "groups" && parts[2] == "topics") {
    auto id = to_id(parts[1]);
    if (!id) return bad_request("group id must be an integer");
    return topics(*id);
  }
  return ApiError{404, "Not Found: no such control endpoint"};
}

// ---------------------------------------------------------------- world building

Result<json::value> ControlApi::create_user(const Body& body) {
  auto id = world_.create_user(
      {string_field(body, "first_name"), string_field(body, "last_name"), string_field(body, "username"),
       string_field(body, "language_code"), string_field(body, "phone_number")},
      {string_field(body, "password"), string_field(body, "password_hint"),
       string_field(body, "login_code")});
  if (!id) return id.error();
  return json::value(json::object{{"id", *id}});
}

// Telegram's flood limits switched on or off, and the group budget changed, while running.
Result<json::value> ControlApi::set_limits(const Body& body) {
  bot_api_.set_limits_on(bool_field(body, "enabled", bot_api_.limits_on()));
  if (auto per_minute = id_field(body, "group_per_minute")) {
    if (*per_minute < 1 || *per_minute > 1'000'000) return bad_request("group_per_minute must be 1..1000000");
    bot_api_.limiter().set_group_per_minute(static_cast<int>(*per_minute));
  }
  return json::value(json::object{{"enabled", bot_api_.limits_on()},
                                  {"group_per_minute", bot_api_.limiter().group_per_minute()}});
}

Result<json::value> ControlApi::create_bot(const Body& body) {
  auto bot = world_.create_bot(string_field(body, "username"), string_field(body, "first_name"),
                               bool_field(body, "can_read_all_group_messages", false));
  if (!bot) return bot.error();
  return json::value(json::object{{"id", bot->id}, {"token", bot->token}});
}

Result<json::value> ControlApi::create_group(const Body& body) {
  auto owner = required_id(body, "owner_id");
  if (!owner) return owner.error();
  auto id = world_.create_group(string_field(body, "title"), bool_field(body, "is_forum", false), *owner);
  if (!id) return id.error();
  return json::value(json::object{{"id", *id}});
}

Result<json::value> ControlApi::create_channel(const Body& body) {
  auto owner = required_id(body, "owner_id");
  if (!owner) return owner.error();
  auto id = world_.create_channel(string_field(body, "title"), *owner,
                                  id_field(body, "discussion_group_id").value_or(0));
  if (!id) return id.error();
  return json::value(json::object{{"id", *id}});
}

Result<json::value> ControlApi::add_member(Id group_id, const Body& body) {
  auto user = required_id(body, "user_id");
  if (!user) return user.error();
  std::string status_name = string_field(body, "status");
  auto parsed = status_name.empty() ? std::optional(MemberStatus::kMember)
                                    : model::member_status_from_string(status_name);
  if (!parsed || *parsed == MemberStatus::kCreator || *parsed == MemberStatus::kRestricted) {
    return bad_request("status must be administrator, member, left or kicked");
  }
  const MemberStatus status = *parsed;
  json::object rights;
  if (const auto* r = body.if_contains("rights"); r && r->is_object()) rights = r->as_object();
  if (auto done = world_.set_member(group_id, *user, status, rights); !done) return done.error();
  return json::value(json::object{{"ok", true}});
}

// ---------------------------------------------------------------- acting as a person

Result<model::Chat*> ControlApi::chat_of(Id person, Id chat_id) {
  return world_.chat_for_person(person, chat_id);
}

Result<json::object> ControlApi::content_of(const Body& body) {
  json::object content;
  if (const auto* text = body.if_contains("text"); text && text->is_string()) {
    auto formatted = text::format(text->get_string(), string_field(body, "parse_mode"), nullptr);
    if (!formatted) return formatted.error();
    if (formatted->text.empty()) return bad_request("message text is empty");
    if (text::code_points(formatted->text) > text::kMaxTextLength) return bad_request("message is too long");
    content["text"] = formatted->text;
    if (!formatted->entities.empty()) content["entities"] = std::move(formatted->entities);
    return content;
  }
  for (auto kind : model::kMediaKinds) {
    const auto* value = body.if_contains(kind);
    if (!value || !value->is_string()) continue;
    std::string name(value->get_string());
    const model::File* file = world_.file(name);
    const auto* bytes = body.if_contains("file_content");  // the new file's bytes, as a string
    if (!file || (bytes != nullptr && bytes->is_string())) {
      file = &world_.add_file(std::string(kind), name, std::string(mime_for_name(kind, name)),
                              bytes != nullptr && bytes->is_string() ? std::string(bytes->get_string())
                                                                     : "tgsim placeholder file " + name);
    }
    content[kind] = model::media_json(*file, kind);
    if (const auto* caption = body.if_contains("caption");
        caption && caption->is_string() && !caption->get_string().empty()) {
      auto formatted = text::format(caption->get_string(), string_field(body, "parse_mode"), nullptr);
      if (!formatted) return formatted.error();
      if (text::code_points(formatted->text) > text::kMaxCaptionLength)
        return bad_request("message caption is too long");
      content["caption"] = formatted->text;
      if (!formatted->entities.empty()) content["caption_entities"] = std::move(formatted->entities);
    }
    return content;
  }
  if (const auto* location = body.if_contains("location"); location && location->is_object()) {
    content["location"] = *location;
    return content;
  }
  if (const auto* contact = body.if_contains("contact"); contact && contact->is_object()) {
    content["contact"] = *contact;
    return content;
  }
  return bad_request("the message needs text, a media field (photo, document, ...), location or contact");
}

Result<json::value> ControlApi::send_message(const Body& body) {
  auto from = required_id(body, "from");
  if (!from) return from.error();
  auto chat_id = required_id(body, "chat_id");
  if (!chat_id) return chat_id.error();
  auto chat = chat_of(*from, *chat_id);
  if (!chat) return chat.error();
  auto content = content_of(body);
  if (!content) return content.error();
  if ((*chat)->type == model::ChatType::kPrivate && (*chat)->blocked) {
    // Writing to a blocked bot means pressing "Restart" first.
    if (auto done = world_.set_blocked(*from, *chat_id, false); !done) return done.error();
  }
  model::MessageInput input;
  input.thread_id = id_field(body, "message_thread_id").value_or(0);
  input.reply_to = id_field(body, "reply_to_message_id").value_or(0);
  if (const auto* quote = body.if_contains("quote"); quote != nullptr && input.reply_to != 0) {
    // {text, position?}: the part of the replied message the sender selected (Bot API TextQuote)
    const auto* q = quote->if_object();
    const auto* text = q != nullptr ? q->if_contains("text") : nullptr;
    if (text == nullptr || !text->is_string()) return bad_request("quote must be an object with a text");
    input.quote["text"] = *text;
    const auto* position = q->if_contains("position");
    input.quote["position"] = position != nullptr && position->is_int64() ? position->get_int64() : 0;
    input.quote["is_manual"] = true;
  }
  input.media_group_id = string_field(body, "media_group_id");
  input.content = std::move(*content);
  auto message = world_.post(**chat, *from, std::move(input));
  if (!message) return message.error();
  return json::value(json::object{{"message_id", (*message)->id}});
}

Result<ControlApi::MessageTarget> ControlApi::message_target(const Body& body) {
  auto from = required_id(body, "from");
  if (!from) return from.error();
  auto chat_id = required_id(body, "chat_id");
  if (!chat_id) return chat_id.error();
  auto message_id = required_id(body, "message_id");
  if (!message_id) return message_id.error();
  auto chat = chat_of(*from, *chat_id);
  if (!chat) return chat.error();
  return MessageTarget{*from, *chat, *message_id};
}

Result<json::value> ControlApi::edit_message(const Body& body) {
  auto target = message_target(body);
  if (!target) return target.error();
  json::object changes;
  if (body.contains("text")) {
    auto content = content_of(Body{{"text", body.at("text")}});
    if (!content) return content.error();
    changes["text"] = content->at("text");
    changes["entities"] = content->contains("entities") ? content->at("entities") : json::value(nullptr);
  } else if (const auto* caption = body.if_contains("caption"); caption && caption->is_string()) {
    auto formatted = text::format(caption->get_string(), "", nullptr);
    if (!formatted) return formatted.error();
    changes["caption"] = formatted->text.empty() ? json::value(nullptr) : json::value(formatted->text);
    changes["caption_entities"] =
        formatted->entities.empty() ? json::value(nullptr) : json::value(formatted->entities);
  } else {
    return bad_request("text or caption is required");
  }
  auto edited = world_.edit(*target->chat, target->from, target->message_id, changes, std::nullopt);
  if (!edited) return edited.error();
  return json::value(json::object{{"message_id", (*edited)->id}});
}

Result<json::value> ControlApi::delete_message(const Body& body) {
  auto target = message_target(body);
  if (!target) return target.error();
  if (auto done = world_.delete_message(*target->chat, target->from, target->message_id); !done)
    return done.error();
  return json::value(json::object{{"ok", true}});
}

Result<json::value> ControlApi::react(const Body& body) {
  auto target = message_target(body);
  if (!target) return target.error();
  if (auto done = world_.react(*target->chat, target->from, target->message_id, string_field(body, "emoji"));
      !done)
    return done.error();
  return json::value(json::object{{"ok", true}});
}

Result<json::value> ControlApi::block(const Body& body, bool blocked) {
  auto user = required_id(body, "user_id");
  if (!user) return user.error();
  auto bot = required_id(body, "bot_id");
  if (!bot) return bot.error();
  if (auto done = world_.set_blocked(*user, *bot, blocked); !done) return done.error();
  return json::value(json::object{{"ok", true}});
}

// A person opens t.me/<bot>?startgroup=<start>&admin=<rights> and picks the group: the bot is
// added as an administrator with the rights the person confirmed (`admin`, the link's
// "+"-separated names; the person may confirm fewer than the link asks), or as a member without
// `admin`; then "/start@<bot> <start>" is sent to the group, as Telegram's apps do.
Result<json::value> ControlApi::start_group(const Body& body) {
  auto from = required_id(body, "from");
  if (!from) return from.error();
  auto bot_id = required_id(body, "bot_id");
  if (!bot_id) return bot_id.error();
  auto chat_id = required_id(body, "chat_id");
  if (!chat_id) return chat_id.error();
  const auto* bot = world_.account(*bot_id);
  if (bot == nullptr || !bot->is_bot) return bad_request("BOT_INVALID");
  auto chat = chat_of(*from, *chat_id);
  if (!chat) return chat.error();
  const auto& members = (*chat)->members;
  auto person = members.find(*from);
  const bool can_add_admins = person != members.end() && (person->second.status == MemberStatus::kCreator ||
                                                          person->second.has_right("can_promote_members"));
  static const std::map<std::string, std::string, std::less<>> kLinkRights{
      {"change_info", "can_change_info"},
      {"post_messages", "can_post_messages"},
      {"edit_messages", "can_edit_messages"},
      {"delete_messages", "can_delete_messages"},
      {"restrict_members", "can_restrict_members"},
      {"invite_users", "can_invite_users"},
      {"pin_messages", "can_pin_messages"},
      {"manage_topics", "can_manage_topics"},
      {"promote_members", "can_promote_members"},
      {"manage_video_chats", "can_manage_video_chats"},
      {"anonymous", "is_anonymous"},
      {"manage_chat", "can_manage_chat"}};
  const std::string admin = string_field(body, "admin");
  json::object rights;
  std::size_t at = 0;
  while (at < admin.size()) {
    const auto plus = admin.find('+', at);
    const std::string name = admin.substr(at, plus == std::string::npos ? std::string::npos : plus - at);
    at = plus == std::string::npos ? admin.size() : plus + 1;
    if (name.empty()) continue;
    auto right = kLinkRights.find(name);
    if (right == kLinkRights.end())
      return bad_request("unknown administrator right \"" + name + "\" in admin");
    rights[right->second] = true;
  }
  if (!body.contains("admin")) {
    // Without rights: a member, as any member may add one.
  } else if (!can_add_admins) {
    return bad_request("CHAT_ADMIN_REQUIRED");
  } else {
    rights["can_manage_chat"] = true;  // every administrator has it
  }
  const MemberStatus status = body.contains("admin") ? MemberStatus::kAdministrator : MemberStatus::kMember;
  if (auto done = world_.set_member(*chat_id, *bot_id, status, rights); !done) return done.error();
  std::string command = "/start@" + bot->username;
  if (const std::string start = string_field(body, "start"); !start.empty()) command += " " + start;
  json::object message{{"from", *from}, {"chat_id", *chat_id}, {"text", command}};
  return send_message(message);
}

Result<json::value> ControlApi::press_button(const Body& body) {
  auto target = message_target(body);
  if (!target) return target.error();
  auto id = world_.press_button(*target->chat, target->from, target->message_id, string_field(body, "data"));
  if (!id) return id.error();
  return json::value(json::object{{"callback_query_id", *id}});
}

// ---------------------------------------------------------------- payments

// The person presses Pay under the bot's invoice {from, chat_id: the bot, message_id,
// deadline_ms?}: the bot gets a pre_checkout_query. The server waits for the outcome (wait).
Result<json::value> ControlApi::pay(const Body& body) {
  auto target = message_target(body);
  if (!target) return target.error();
  if (target->chat->type != model::ChatType::kPrivate || target->chat->between_people)
    return bad_request("chat_id must be a bot the person has a private chat with");
  auto deadline =
      std::chrono::milliseconds(id_field(body, "deadline_ms").value_or(model::Payments::kDeadline.count()));
  if (deadline.count() <= 0 || deadline > std::chrono::minutes(10))
    return bad_request("deadline_ms must be 1..600000");
  auto query =
      world_.payments().pay(world_, target->from, target->chat->bot_id, target->message_id, deadline);
  if (!query) return query.error();
  return json::value(model::Payments::checkout_json(**query));
}

Result<json::value> ControlApi::payment(const std::string& query_id) {
  const auto* query = world_.payments().checkout(query_id);
  if (!query) return ApiError{404, "Not Found: no such pre-checkout query"};
  return json::value(model::Payments::checkout_json(*query));
}

// ---------------------------------------------------------------- topics as an admin in the app

namespace {
Id owner_of(const model::Chat& chat) {
  for (const auto& [id, member] : chat.members) {
    if (member.status == MemberStatus::kCreator) return id;
  }
  return 0;
}
}  // namespace

Result<json::value> ControlApi::create_topic(const Body& body) {
  auto chat_id = required_id(body, "chat_id");
  if (!chat_id) return chat_id.error();
  auto group = world_.group(*chat_id);
  if (!group) return group.error();
  Id actor = id_field(body, "from").value_or(owner_of(**group));
  auto color = id_field(body, "icon_color").value_or(7322096);
  auto topic = world_.create_topic(**group, actor, string_field(body, "name"), static_cast<int>(color),
                                   string_field(body, "icon_custom_emoji_id"));
  if (!topic) return topic.error();
  return json::value(world_.topic_json(**topic));
}

Result<json::value> ControlApi::delete_topic(const Body& body) {
  auto chat_id = required_id(body, "chat_id");
  if (!chat_id) return chat_id.error();
  auto thread = required_id(body, "message_thread_id");
  if (!thread) return thread.error();
  auto group = world_.group(*chat_id);
  if (!group) return group.error();
  Id actor = id_field(body, "from").value_or(owner_of(**group));
  if (auto done = world_.delete_topic(**group, actor, *thread); !done) return done.error();
  return json::value(json::object{{"ok", true}});
}

Result<json::value> ControlApi::set_topic_closed(const Body& body, bool closed) {
  auto chat_id = required_id(body, "chat_id");
  if (!chat_id) return chat_id.error();
  auto thread = required_id(body, "message_thread_id");
  if (!thread) return thread.error();
  auto group = world_.group(*chat_id);
  if (!group) return group.error();
  Id actor = id_field(body, "from").value_or(owner_of(**group));
  if (auto done = world_.set_topic_closed(**group, actor, *thread, closed); !done) return done.error();
  return json::value(json::object{{"ok", true}});
}

// ---------------------------------------------------------------- faults

Result<json::value> ControlApi::add_fault(const Body& body) {
  bool any = false;
  if (auto drops = id_field(body, "drop_connections")) {
    faults_.drop_connections(static_cast<int>(*drops));
    any = true;
  }
  if (auto latency = id_field(body, "latency_ms")) {
    std::string method = string_field(body, "latency_method");
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    faults_.set_latency_ms(static_cast<int>(*latency), method);
    any = true;
  }
  if (auto code = id_field(body, "error_code")) {
    if (*code < 400 || *code > 599) return bad_request("error_code must be 400..599");
    botapi::Faults::Rule rule;
    std::string method = string_field(body, "method");
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    rule.method = method;
    rule.error.code = static_cast<int>(*code);
    rule.error.retry_after = static_cast<int>(id_field(body, "retry_after").value_or(0));
    rule.error.description = string_field(body, "description");
    if (rule.error.description.empty()) {
      switch (rule.error.code) {
        case 400:
          rule.error.description = "Bad Request";
          break;
        case 401:
          rule.error.description = "Unauthorized";
          break;
        case 403:
          rule.error.description = "Forbidden";
          break;
        case 409:
          rule.error.description = "Conflict";
          break;
        case 429:
          if (rule.error.retry_after <= 0) rule.error.retry_after = 1;
          rule.error.description = "Too Many Requests: retry after " + std::to_string(rule.error.retry_after);
          break;
        case 502:
          rule.error.description = "Bad Gateway";
          break;
        default:
          rule.error.description = "Internal Server Error";
          break;
      }
    }
    rule.remaining = static_cast<int>(id_field(body, "count").value_or(1));
    if (rule.remaining <= 0) return bad_request("count must be positive");
    faults_.add(std::move(rule));
    any = true;
  }
  if (!any) return bad_request("give error_code, drop_connections or latency_ms");
  return json::value(json::object{{"ok", true}});
}

// ---------------------------------------------------------------- MTProto sessions

Result<json::value> ControlApi::login_code(std::string_view query) {
  if (!sessions_) return ApiError{404, "Not Found: sessions are not available"};
  const model::Account* account = nullptr;
  if (auto id = to_id(query_value(query, "user_id"))) {
    account = world_.account(*id);
  } else if (auto phone = query_value(query, "phone"); !phone.empty()) {
    account = world_.account_by_phone(phone);
  } else {
    return bad_request("user_id=<id> or phone=<number> is required");
  }
  if (!account) return bad_request("user not found");
  auto code = sessions_->login_code(account->id);
  if (!code) return code.error();
  return json::value(json::object{{"code", *code}, {"user_id", account->id}});
}

Result<json::value> ControlApi::confirm_qr(const Body& body) {
  if (!sessions_) return ApiError{404, "Not Found: sessions are not available"};
  auto user = required_id(body, "user_id");
  if (!user) return user.error();
  std::string link = string_field(body, "link");
  if (link.empty()) link = string_field(body, "token");
  if (link.empty()) return bad_request("link (tg://login?token=…) is required");
  auto session = sessions_->confirm_qr(*user, link);
  if (!session) return session.error();
  return json::value(json::object{{"ok", true}, {"session_id", *session}});
}

Result<json::value> ControlApi::list_sessions(std::string_view query) {
  if (!sessions_) return ApiError{404, "Not Found: sessions are not available"};
  std::optional<Id> account;
  if (auto value = query_value(query, "account_id"); !value.empty()) {
    account = to_id(value);
    if (!account) return bad_request("account_id must be an integer");
  }
  return json::value(json::object{{"sessions", sessions_->list(account)}});
}

Result<json::value> ControlApi::list_stories(std::string_view query) {
  if (!sessions_) return ApiError{404, "Not Found: sessions are not available"};
  std::optional<Id> account;
  if (auto value = query_value(query, "account_id"); !value.empty()) {
    account = to_id(value);
    if (!account) return bad_request("account_id must be an integer");
  }
  return json::value(json::object{{"stories", sessions_->stories(account)}});
}

Result<json::value> ControlApi::revoke_session(const Body& body) {
  if (!sessions_) return ApiError{404, "Not Found: sessions are not available"};
  auto id = required_id(body, "session_id");
  if (!id) return id.error();
  if (auto done = sessions_->revoke(*id); !done) return done.error();
  return json::value(json::object{{"ok", true}});
}

// The world's clock (message dates) and the TDLib sessions' clock (QR links) move together.
Result<json::value> ControlApi::advance_clock(const Body& body) {
  auto seconds = required_id(body, "advance_seconds");
  if (!seconds) return seconds.error();
  if (*seconds < 0 || *seconds > 86400 * 365) return bad_request("advance_seconds must be 0..31536000");
  world_.advance_clock(*seconds);
  if (sessions_) sessions_->advance_clock(*seconds * 1000);
  const std::int64_t now_ms = sessions_ ? sessions_->now_ms() : world_.now() * 1000;
  return json::value(json::object{{"now_ms", now_ms}, {"now", world_.now()}});
}

// ---------------------------------------------------------------- views

Result<json::value> ControlApi::messages(Id chat_id, std::string_view query) {
  auto viewer = to_id(query_value(query, "as"));
  if (!viewer) return bad_request("as=<user id> is required");
  const auto* account = world_.account(*viewer);
  if (!account) return bad_request("as: no such user");
  auto chat =
      account->is_bot ? world_.chat_for_bot(*viewer, chat_id) : world_.chat_for_person(*viewer, chat_id);
  if (!chat) return chat.error();
  auto thread = to_id(query_value(query, "thread"));
  const Id after = to_id(query_value(query, "after")).value_or(0);
  json::array out;
  const auto& messages = (*chat)->messages;
  for (auto it = messages.upper_bound(after); it != messages.end(); ++it) {
    const auto& message = it->second;
    if (thread) {
      Id wanted = *thread == model::kGeneralThread ? 0 : *thread;
      if (message.thread_id != wanted) continue;
    }
    auto rendered = world_.message_json(**chat, message, *viewer);
    rendered["sim_date_ms"] = message.date_ms;
    // Not part of the Bot API Message: the control view shows who reacted with what.
    if (!message.reactions.empty()) {
      json::array reactions;
      for (const auto& [who, emoji] : message.reactions)
        reactions.push_back(json::object{{"user_id", who}, {"emoji", emoji}});
      rendered["reactions"] = std::move(reactions);
    }
    out.push_back(std::move(rendered));
  }
  return json::value(json::object{{"messages", std::move(out)}});
}

Result<json::value> ControlApi::topics(Id group_id) {
  auto group = world_.group(group_id);
  if (!group) return group.error();
  json::array out;
  for (const auto& [id, topic] : (*group)->topics) {
    out.push_back(json::object{{"message_thread_id", topic.thread_id},
                               {"name", topic.name},
                               {"icon_color", topic.icon_color},
                               {"icon_custom_emoji_id", topic.icon_custom_emoji_id},
                               {"is_closed", topic.is_closed}});
  }
  return json::value(json::object{{"topics", std::move(out)}});
}

json::value ControlApi::stats() const {
  json::object bots;
  for (const auto& [bot_id, methods] : stats_.per_bot) {
    json::object per_method;
    for (const auto& [name, counters] : methods) {
      per_method[name] =
          json::object{{"requests", counters.requests}, {"too_many_requests", counters.too_many_requests}};
    }
    const auto* bot = world_.account(bot_id);
    bots[std::to_string(bot_id)] =
        json::object{{"username", bot ? bot->username : ""}, {"methods", std::move(per_method)}};
  }
  json::object out{{"requests", stats_.requests},
                   {"too_many_requests", stats_.too_many_requests},
                   {"limits", bot_api_.limits_on()},
                   {"bots", std::move(bots)}};
  if (server_stats_) {
    for (auto& [key, value] : server_stats_()) out[key] = value;
  }
  return out;
}

Result<json::value> ControlApi::calls(std::string_view query) const {
  std::optional<Id> bot_id;
  std::uint64_t after = 0;
  std::size_t limit = 10'000;
  if (auto text = query_value(query, "bot_id"); !text.empty()) {
    bot_id = to_id(text);
    if (!bot_id) return bad_request("bot_id must be an integer");
  }
  if (auto text = query_value(query, "after"); !text.empty()) {
    auto value = to_id(text);
    if (!value || *value < 0) return bad_request("after must be a call id (an integer >= 0)");
    after = static_cast<std::uint64_t>(*value);
  }
  if (auto text = query_value(query, "limit"); !text.empty()) {
    auto value = to_id(text);
    if (!value || *value < 1 || *value > 100'000) return bad_request("limit must be 1..100000");
    limit = static_cast<std::size_t>(*value);
  }
  json::array out = calls_ ? calls_->list(bot_id, after, limit) : json::array{};
  return json::value(json::object{{"calls", std::move(out)}});
}

json::value ControlApi::overview() const {
  json::array users, bots, groups;
  for (const auto& [id, account] : world_.accounts()) {
    if (account.is_bot) {
      bots.push_back(
          json::object{{"id", id}, {"username", account.username}, {"first_name", account.first_name}});
    } else {
      users.push_back(json::object{{"id", id},
                                   {"first_name", account.first_name},
                                   {"last_name", account.last_name},
                                   {"username", account.username},
                                   {"phone_number", account.phone_number},
                                   {"has_password", !account.password.empty()}});
    }
  }
  for (const auto& [id, group] : world_.groups()) {
    json::array members;
    for (const auto& [member_id, member] : group.members) {
      members.push_back(json::object{{"id", member_id}, {"status", model::to_string(member.status)}});
    }
    groups.push_back(json::object{
        {"id", id}, {"title", group.title}, {"is_forum", group.is_forum}, {"members", std::move(members)}});
  }
  json::array chats;
  for (const auto& [key, chat] : world_.private_chats()) {
    chats.push_back(
        json::object{{"user_id", chat.user_id}, {"bot_id", chat.bot_id}, {"blocked", chat.blocked}});
  }
  // Chats between two people (customers and personal accounts), and signed-in sessions.
  json::array people_chats;
  for (const auto& [key, chat] : world_.people_chats()) {
    people_chats.push_back(json::object{{"user_ids", json::array{chat.user_id, chat.bot_id}},
                                        {"messages", chat.messages.size()}});
  }
  return json::object{{"users", std::move(users)},
                      {"bots", std::move(bots)},
                      {"groups", std::move(groups)},
                      {"private_chats", std::move(chats)},
                      {"people_chats", std::move(people_chats)},
                      {"sessions", sessions_ ? sessions_->list(std::nullopt) : json::array{}}};
}

}  // namespace tgsim::control
