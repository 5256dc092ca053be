#include "sim/botapi/bot_api.h"

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <cctype>

#include "sim/model/json_util.h"
#include "sim/model/media.h"
#include "sim/model/text.h"

namespace tgsim::botapi {

namespace json = boost::json;
using model::Account;
using model::Chat;

namespace {

enum class Flood { kNone, kOne, kPerMessageId, kPerMedia };

struct Method {
  std::string_view lower;
  std::string_view name;
  Handler handler;
  Flood flood;
};

// Sorted by `lower` for binary search.
constexpr auto kMethods = std::to_array<Method>({
    {"answercallbackquery", "answerCallbackQuery", &BotApi::answer_callback_query, Flood::kNone},
    {"answerprecheckoutquery", "answerPreCheckoutQuery", &BotApi::answer_pre_checkout_query, Flood::kNone},
    {"banchatmember", "banChatMember", &BotApi::ban_chat_member, Flood::kNone},
    {"closeforumtopic", "closeForumTopic", &BotApi::close_forum_topic, Flood::kNone},
    {"copymessage", "copyMessage", &BotApi::copy_message, Flood::kOne},
    {"copymessages", "copyMessages", &BotApi::copy_messages, Flood::kPerMessageId},
    {"createforumtopic", "createForumTopic", &BotApi::create_forum_topic, Flood::kOne},
    {"deleteforumtopic", "deleteForumTopic", &BotApi::delete_forum_topic, Flood::kNone},
    {"deletemessage", "deleteMessage", &BotApi::delete_message, Flood::kNone},
    {"deletemycommands", "deleteMyCommands", &BotApi::delete_my_commands, Flood::kNone},
    {"deletewebhook", "deleteWebhook", &BotApi::delete_webhook, Flood::kNone},
    {"editforumtopic", "editForumTopic", &BotApi::edit_forum_topic, Flood::kOne},  // a service message
    {"editmessagecaption", "editMessageCaption", &BotApi::edit_message_caption, Flood::kNone},
    {"editmessagemedia", "editMessageMedia", &BotApi::edit_message_media, Flood::kNone},
    {"editmessagereplymarkup", "editMessageReplyMarkup", &BotApi::edit_message_reply_markup, Flood::kNone},
    {"editmessagetext", "editMessageText", &BotApi::edit_message_text, Flood::kNone},
    {"forwardmessage", "forwardMessage", &BotApi::forward_message, Flood::kOne},
    {"forwardmessages", "forwardMessages", &BotApi::forward_messages, Flood::kPerMessageId},
    {"getchat", "getChat", &BotApi::get_chat, Flood::kNone},
    {"getchatadministrators", "getChatAdministrators", &BotApi::get_chat_administrators, Flood::kNone},
    {"getchatmember", "getChatMember", &BotApi::get_chat_member, Flood::kNone},
    {"getfile", "getFile", &BotApi::get_file, Flood::kNone},
    {"getforumtopiciconstickers", "getForumTopicIconStickers", &BotApi::get_forum_topic_icon_stickers,
     Flood::kNone},
    {"getme", "getMe", &BotApi::get_me, Flood::kNone},
    {"getmycommands", "getMyCommands", &BotApi::get_my_commands, Flood::kNone},
    {"getupdates", "getUpdates", nullptr, Flood::kNone},
    {"getwebhookinfo", "getWebhookInfo", &BotApi::get_webhook_info, Flood::kNone},
    {"refundstarpayment", "refundStarPayment", &BotApi::refund_star_payment, Flood::kNone},
    {"reopenforumtopic", "reopenForumTopic", &BotApi::reopen_forum_topic, Flood::kNone},
    {"sendanimation", "sendAnimation", &BotApi::send_animation, Flood::kOne},
    {"sendaudio", "sendAudio", &BotApi::send_audio, Flood::kOne},
    {"sendchataction", "sendChatAction", &BotApi::send_chat_action, Flood::kNone},
    {"sendcontact", "sendContact", &BotApi::send_contact, Flood::kOne},
    {"senddice", "sendDice", &BotApi::send_dice, Flood::kOne},
    {"senddocument", "sendDocument", &BotApi::send_document, Flood::kOne},
    {"sendinvoice", "sendInvoice", &BotApi::send_invoice, Flood::kOne},
    {"sendlocation", "sendLocation", &BotApi::send_location, Flood::kOne},
    {"sendmediagroup", "sendMediaGroup", &BotApi::send_media_group, Flood::kPerMedia},
    {"sendmessage", "sendMessage", &BotApi::send_message, Flood::kOne},
    {"sendphoto", "sendPhoto", &BotApi::send_photo, Flood::kOne},
    {"sendpoll", "sendPoll", &BotApi::send_poll, Flood::kOne},
    {"sendsticker", "sendSticker", &BotApi::send_sticker, Flood::kOne},
    {"sendvenue", "sendVenue", &BotApi::send_venue, Flood::kOne},
    {"sendvideo", "sendVideo", &BotApi::send_video, Flood::kOne},
    {"sendvideonote", "sendVideoNote", &BotApi::send_video_note, Flood::kOne},
    {"sendvoice", "sendVoice", &BotApi::send_voice, Flood::kOne},
    {"setmessagereaction", "setMessageReaction", &BotApi::set_message_reaction, Flood::kNone},
    {"setmycommands", "setMyCommands", &BotApi::set_my_commands, Flood::kNone},
    {"setwebhook", "setWebhook", &BotApi::set_webhook, Flood::kNone},
    {"unbanchatmember", "unbanChatMember", &BotApi::unban_chat_member, Flood::kNone},
});

const Method* find_method(std::string_view lower) {
  auto it = std::lower_bound(kMethods.begin(), kMethods.end(), lower,
                             [](const Method& m, std::string_view key) { return m.lower < key; });
  return it != kMethods.end() && it->lower == lower ? &*it : nullptr;
}

bool valid_token(std::string_view token) {
  auto colon = token.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon > 20 || colon + 1 == token.size()) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(token[i]))) return false;
  }
  for (std::size_t i = colon + 1; i < token.size(); ++i) {
    char c = token[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string capitalized(std::string_view kind) {
  std::string out;
  bool upper = true;
  for (char c : kind) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    upper = false;
  }
  return out;
}

json::value message_ids_json(const std::vector<const model::Message*>& messages) {
  json::array out;
  for (const auto* m : messages) out.push_back(json::object{{"message_id", m->id}});
  return out;
}

constexpr std::array kIconColors = {7322096, 16766590, 13338331, 9367192, 16749490, 16478047};
constexpr std::string_view kChatActions[] = {
    "typing",        "upload_photo",      "record_video",     "upload_video",
    "record_voice",  "upload_voice",      "upload_document",  "choose_sticker",
    "find_location", "record_video_note", "upload_video_note"};

}  // namespace

Reply error_reply(const ApiError& error) {
  json::object body{{"ok", false}, {"error_code", error.code}, {"description", error.description}};
  if (error.retry_after > 0) body["parameters"] = json::object{{"retry_after", error.retry_after}};
  return Reply{error.code, json::serialize(body), error.retry_after};
}

Reply ok_reply(const json::value& result) {
  std::string body = "{\"ok\":true,\"result\":";
  body += json::serialize(result);
  body += '}';
  return Reply{200, std::move(body)};
}

std::string_view BotApi::canonical_name(std::string_view lower_method) {
  const auto* method = find_method(lower_method);
  return method ? method->name : lower_method;
}

Result<Call> BotApi::route(std::string_view path, std::string_view query, std::string_view content_type,
                           std::string_view body) const {
  // path: /bot<token>/<method>
  std::string_view rest = path.substr(4);
  auto slash = rest.find('/');
  std::string_view token = rest.substr(0, slash);
  if (slash == std::string_view::npos || slash + 1 == rest.size()) return ApiError{404, "Not Found"};
  if (!valid_token(token)) return ApiError{401, "Unauthorized: invalid token specified"};
  const auto* bot = world_.bot_by_token(token);
  if (!bot) return ApiError{401, "Unauthorized"};
  std::string method = to_lower(rest.substr(slash + 1));
  if (!find_method(method)) return ApiError{404, "Not Found: method not found"};
  auto params = Params::parse(query, content_type, body);
  if (!params) return params.error();
  return Call{bot, std::move(method), std::move(*params)};
}

void BotApi::count(const Call& call, int status) {
  stats_.count(call.bot->id, canonical_name(call.method), status);
}

Reply BotApi::execute(const Call& call) {
  Reply reply = run(call);
  count(call, reply.status);
  return reply;
}

int BotApi::messages_created(const Call& call) {
  const Method* method = find_method(call.method);
  if (!method || method->flood == Flood::kNone) return 0;
  if (method->flood == Flood::kOne) return 1;
  auto list = call.params.json(method->flood == Flood::kPerMessageId ? "message_ids" : "media");
  if (list && *list && (*list)->is_array())
    return std::max<int>(1, static_cast<int>((*list)->as_array().size()));
  return 1;
}

Reply BotApi::run(const Call& call) {
  const Method* method = find_method(call.method);
  if (!method || !method->handler) return error_reply({404, "Not Found: method not found"});
  if (limits_on_ && method->flood != Flood::kNone) {
    if (auto chat_id = call.params.integer("chat_id"); chat_id) {
      int messages = messages_created(call);
      int retry_after = limiter_.admit(call.bot->id, *chat_id, messages, model::FloodLimiter::Clock::now());
      if (retry_after > 0) return error_reply(too_many_requests(retry_after));
    }
  }
  auto result = (this->*(method->handler))(*call.bot, call.params);
  if (!result) return error_reply(result.error());
  return ok_reply(*result);
}

Reply BotApi::download(std::string_view path) const {
  // path: /file/bot<token>/<file_path>
  std::string_view rest = path.substr(9);
  auto slash = rest.find('/');
  std::string_view token = rest.substr(0, slash);
  if (!valid_token(token)) return error_reply({401, "Unauthorized: invalid token specified"});
  if (!world_.bot_by_token(token)) return error_reply({401, "Unauthorized"});
  if (slash == std::string_view::npos) return error_reply({404, "Not Found"});
  const auto* file = world_.file_by_path(url_decode(rest.substr(slash + 1), false));
  if (!file) return error_reply({404, "Not Found"});
  return Reply{200, file->bytes, 0, file->mime_type.empty() ? "application/octet-stream" : file->mime_type};
}

// ---------------------------------------------------------------- getUpdates and webhooks

Result<BotApi::Poll> BotApi::begin_poll(const Call& call) {
  auto& state = world_.bot_state(call.bot->id);
  if (!state.webhook.url.empty()) {
    return ApiError{409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
                    "delete the webhook first"};
  }
  Poll poll;
  poll.offset = call.params.integer("offset").value_or(0);
  poll.limit = static_cast<int>(std::clamp<std::int64_t>(call.params.integer("limit").value_or(100), 1, 100));
  poll.timeout_s =
      static_cast<int>(std::clamp<std::int64_t>(call.params.integer("timeout").value_or(0), 0, 50));
  auto allowed = call.params.json("allowed_updates");
  if (!allowed) return allowed.error();
  if (*allowed && (*allowed)->is_array()) {
    state.allowed_updates.clear();
    for (const auto& kind : (*allowed)->as_array()) {
      if (kind.is_string()) state.allowed_updates.emplace(kind.get_string());
    }
  }
  // Confirms everything below offset right away, as Telegram does.
  (void)world_.take_updates(call.bot->id, poll.offset, 0);
  return poll;
}

std::optional<Reply> BotApi::poll(const Call& call, const Poll& poll, bool last_chance) {
  json::array updates = world_.take_updates(call.bot->id, poll.offset, poll.limit);
  if (updates.empty() && !last_chance) return std::nullopt;
  return ok_reply(updates);
}

Result<json::value> BotApi::set_webhook(const Account& bot, const Params& p) {
  auto& state = world_.bot_state(bot.id);
  std::string url = p.string("url").value_or("");
  std::string secret = p.string("secret_token").value_or("");
  if (!url.empty() && url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443");
  }
  if (url.rfind("https://", 0) == 0) {
    return bad_request("bad webhook: tgsim delivers webhooks over plain http:// only");
  }
  if (secret.size() > 256 || std::any_of(secret.begin(), secret.end(), [](char c) {
        return !std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-';
      })) {
    return bad_request("secret token contains unallowed characters");
  }
  auto allowed = p.json("allowed_updates");
  if (!allowed) return allowed.error();
  if (*allowed && (*allowed)->is_array()) {
    state.allowed_updates.clear();
    for (const auto& kind : (*allowed)->as_array()) {
      if (kind.is_string()) state.allowed_updates.emplace(kind.get_string());
    }
  }
  if (p.boolean("drop_pending_updates")) state.updates.clear();
  state.webhook.url = url;
  state.webhook.secret_token = secret;
  state.webhook.max_connections =
      static_cast<int>(std::clamp<std::int64_t>(p.integer("max_connections").value_or(40), 1, 100));
  state.webhook.last_error_date = 0;
  state.webhook.last_error_message.clear();
  ++state.webhook.generation;
  if (hooks_.webhook_changed) hooks_.webhook_changed(bot.id);
  return json::value(true);
}

Result<json::value> BotApi::delete_webhook(const Account& bot, const Params& p) {
  auto& state = world_.bot_state(bot.id);
  if (p.boolean("drop_pending_updates")) state.updates.clear();
  const auto generation = state.webhook.generation + 1;
  state.webhook = model::Webhook{};
  state.webhook.generation = generation;
  if (hooks_.webhook_changed) hooks_.webhook_changed(bot.id);
  return json::value(true);
}

Result<json::value> BotApi::get_webhook_info(const Account& bot, const Params&) {
  const auto& state = world_.bot_state(bot.id);
  json::object info{{"url", state.webhook.url},
                    {"has_custom_certificate", false},
                    {"pending_update_count", state.updates.size()}};
  if (!state.webhook.url.empty()) {
    info["max_connections"] = state.webhook.max_connections;
    info["ip_address"] = "127.0.0.1";
  }
  if (state.webhook.last_error_date != 0) {
    info["last_error_date"] = state.webhook.last_error_date;
    info["last_error_message"] = state.webhook.last_error_message;
  }
  if (!state.allowed_updates.empty()) {
    json::array allowed;
    for (const auto& kind : state.allowed_updates) allowed.push_back(json::string(kind));
    info["allowed_updates"] = std::move(allowed);
  }
  return json::value(std::move(info));
}

void BotApi::execute_webhook_reply(Id bot_id, const json::object& body) {
  const auto* method_name = body.if_contains("method");
  const auto* bot = world_.account(bot_id);
  if (!method_name || !method_name->is_string() || !bot) return;
  Call call{bot, to_lower(method_name->get_string()), {}};
  for (const auto& [key, value] : body) {
    if (key != "method") call.params.set(std::string(key), value);
  }
  if (call.method == "getupdates" || !find_method(call.method)) return;
  execute(call);
}

// ---------------------------------------------------------------- shared parameter readers

Result<Chat*> BotApi::chat(const Account& bot, const Params& p, std::string_view name) {
  const auto* raw = p.raw(name);
  if (!raw || (raw->is_string() && raw->get_string().empty()))
    return bad_request(std::string(name) + " is empty");
  auto id = p.integer(name);
  if (!id || *id == 0) return bad_request("chat not found");
  return world_.chat_for_bot(bot.id, *id);
}

Result<model::MessageInput> BotApi::message_input(const Params& p) {
  model::MessageInput input;
  input.thread_id = p.integer("message_thread_id").value_or(0);
  input.reply_to = p.integer("reply_to_message_id").value_or(0);
  input.allow_sending_without_reply = p.boolean("allow_sending_without_reply");
  auto reply = p.json("reply_parameters");
  if (!reply) return reply.error();
  if (*reply) {
    if (!(*reply)->is_object()) return bad_request("can't parse reply parameters JSON object");
    const auto& r = (*reply)->as_object();
    if (const auto* id = r.if_contains("message_id")) input.reply_to = json_integer(*id).value_or(0);
    if (const auto* allow = r.if_contains("allow_sending_without_reply"); allow && allow->is_bool()) {
      input.allow_sending_without_reply = allow->get_bool();
    }
  }
  auto markup = p.json("reply_markup");
  if (!markup) return bad_request("can't parse reply keyboard markup JSON object");
  if (*markup) {
    if (!(*markup)->is_object()) return bad_request("can't parse reply keyboard markup JSON object");
    // Only inline keyboards belong to the message; reply keyboards go to the client.
    if (const auto* keyboard = (*markup)->as_object().if_contains("inline_keyboard")) {
      if (!keyboard->is_array())
        return bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
      input.reply_markup = **markup;
    }
  }
  return input;
}

Result<json::object> BotApi::caption(const Params& p, std::string_view prefix) {
  json::object out;
  auto text = p.string("caption");
  if (!text || text->empty()) return out;
  auto entities = p.json("caption_entities");
  if (!entities) return entities.error();
  const json::array* explicit_entities =
      *entities && (*entities)->is_array() ? &(*entities)->as_array() : nullptr;
  auto formatted = text::format(*text, p.string("parse_mode").value_or(""), explicit_entities);
  if (!formatted) return formatted.error();
  if (text::code_points(formatted->text) > text::kMaxCaptionLength)
    return bad_request("message caption is too long");
  if (!formatted->text.empty()) out["caption"] = formatted->text;
  if (!formatted->entities.empty()) out["caption_entities"] = std::move(formatted->entities);
  return out;
}

Result<const model::File*> BotApi::input_file(const Params& p, std::string_view name, std::string_view kind) {
  const Upload* upload = p.upload(name);
  auto value = p.string(name);
  if (!upload && value && value->rfind("attach://", 0) == 0) upload = p.upload(value->substr(9));
  if (upload) {
    if (upload->bytes.empty()) return bad_request("file must be non-empty");
    std::string mime = upload->content_type.empty() || upload->content_type == "application/octet-stream"
                           ? std::string(model::default_mime_type(kind))
                           : upload->content_type;
    return &world_.add_file(std::string(kind), upload->file_name, mime, upload->bytes);
  }
  if (!value || value->empty()) return bad_request("there is no " + std::string(kind) + " in the request");
  if (value->rfind("http://", 0) == 0 || value->rfind("https://", 0) == 0) {
    auto slash = value->rfind('/');
    return &world_.add_file(std::string(kind), value->substr(slash + 1),
                            std::string(model::default_mime_type(kind)), "downloaded from " + *value);
  }
  const auto* file = world_.file(*value);
  if (!file) return bad_request("wrong file identifier/HTTP URL specified");
  if (file->kind != kind && !(file->kind != "photo" && kind == "document")) {
    return bad_request("can't use file of type " + capitalized(file->kind) + " as " + capitalized(kind));
  }
  return file;
}

// ---------------------------------------------------------------- sending

Result<json::value> BotApi::send_content(const Account& bot, const Params& p, json::object content) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto input = message_input(p);
  if (!input) return input.error();
  input->content = std::move(content);
  auto message = world_.post(**target, bot.id, std::move(*input));
  if (!message) return message.error();
  return json::value(world_.message_json(**target, **message, bot.id));
}

Result<json::value> BotApi::get_me(const Account& bot, const Params&) {
  auto me = world_.user_json(bot.id);
  me["can_join_groups"] = true;
  me["can_read_all_group_messages"] = bot.can_read_all_group_messages;
  me["supports_inline_queries"] = false;
  me["can_connect_to_business"] = false;
  me["has_main_web_app"] = false;
  return json::value(std::move(me));
}

Result<json::value> BotApi::send_message(const Account& bot, const Params& p) {
  auto raw_text = p.string("text").value_or("");
  if (raw_text.size() > text::kMaxTextBytes) return bad_request("text is too long");
  auto entities = p.json("entities");
  if (!entities) return entities.error();
  const json::array* explicit_entities =
      *entities && (*entities)->is_array() ? &(*entities)->as_array() : nullptr;
  auto formatted = text::format(raw_text, p.string("parse_mode").value_or(""), explicit_entities);
  if (!formatted) return formatted.error();
  if (formatted->text.empty()) return bad_request("message text is empty");
  if (!text::valid_utf8(formatted->text)) return bad_request("text must be encoded in UTF-8");
  if (text::code_points(formatted->text) > text::kMaxTextLength) return bad_request("message is too long");
  json::object content{{"text", formatted->text}};
  if (!formatted->entities.empty()) content["entities"] = std::move(formatted->entities);
  return send_content(bot, p, std::move(content));
}

Result<json::value> BotApi::send_media(const Account& bot, const Params& p, std::string_view kind) {
  // Resolve the chat first: a missing chat is reported before a missing file, as Telegram does.
  if (auto target = chat(bot, p); !target) return target.error();
  auto file = input_file(p, kind, kind);
  if (!file) return file.error();
  auto content = caption(p);
  if (!content) return content.error();
  if (kind == "sticker" || kind == "video_note") content->clear();
  (*content)[kind] = model::media_json(**file, kind);
  if (kind == "animation") (*content)["document"] = model::media_json(**file, "document");
  if (kind == "sticker") {
    if (auto emoji = p.string("emoji")) (*content)["sticker"].as_object()["emoji"] = *emoji;
  }
  return send_content(bot, p, std::move(*content));
}

Result<json::value> BotApi::send_photo(const Account& b, const Params& p) {
  return send_media(b, p, "photo");
}
Result<json::value> BotApi::send_document(const Account& b, const Params& p) {
  return send_media(b, p, "document");
}
Result<json::value> BotApi::send_video(const Account& b, const Params& p) {
  return send_media(b, p, "video");
}
Result<json::value> BotApi::send_voice(const Account& b, const Params& p) {
  return send_media(b, p, "voice");
}
Result<json::value> BotApi::send_audio(const Account& b, const Params& p) {
  return send_media(b, p, "audio");
}
Result<json::value> BotApi::send_sticker(const Account& b, const Params& p) {
  return send_media(b, p, "sticker");
}
Result<json::value> BotApi::send_animation(const Account& b, const Params& p) {
  return send_media(b, p, "animation");
}
Result<json::value> BotApi::send_video_note(const Account& b, const Params& p) {
  return send_media(b, p, "video_note");
}

Result<json::value> BotApi::send_location(const Account& bot, const Params& p) {
  auto latitude = p.number("latitude");
  auto longitude = p.number("longitude");
  if (!latitude || *latitude < -90 || *latitude > 90) return bad_request("wrong latitude specified");
  if (!longitude || *longitude < -180 || *longitude > 180) return bad_request("wrong longitude specified");
  return send_content(
      bot, p, json::object{{"location", json::object{{"latitude", *latitude}, {"longitude", *longitude}}}});
}

Result<json::value> BotApi::send_venue(const Account& bot, const Params& p) {
  auto latitude = p.number("latitude");
  auto longitude = p.number("longitude");
  if (!latitude || *latitude < -90 || *latitude > 90) return bad_request("wrong latitude specified");
  if (!longitude || *longitude < -180 || *longitude > 180) return bad_request("wrong longitude specified");
  auto title = p.string("title").value_or("");
  auto address = p.string("address").value_or("");
  if (title.empty()) return bad_request("venue title is empty");
  json::object location{{"latitude", *latitude}, {"longitude", *longitude}};
  return send_content(
      bot, p,
      json::object{{"venue", json::object{{"location", location}, {"title", title}, {"address", address}}},
                   {"location", location}});
}

Result<json::value> BotApi::send_contact(const Account& bot, const Params& p) {
  auto phone = p.string("phone_number").value_or("");
  auto first_name = p.string("first_name").value_or("");
  if (phone.empty()) return bad_request("phone number is empty");
  if (first_name.empty()) return bad_request("first name is empty");
  json::object contact{{"phone_number", phone}, {"first_name", first_name}};
  if (auto last = p.string("last_name"); last && !last->empty()) contact["last_name"] = *last;
  return send_content(bot, p, json::object{{"contact", std::move(contact)}});
}

Result<json::value> BotApi::send_poll(const Account& bot, const Params& p) {
  auto question = p.string("question").value_or("");
  if (question.empty()) return bad_request("poll question must be non-empty");
  if (text::code_points(question) > 300) return bad_request("poll question length must not exceed 300");
  auto options = p.json("options");
  if (!options) return options.error();
  if (!*options || !(*options)->is_array()) return bad_request("poll options must be an Array");
  json::array out;
  for (const auto& option : (*options)->as_array()) {
    std::string text;
    if (option.is_string()) text = option.get_string();
    if (option.is_object() && option.as_object().contains("text") &&
        option.as_object().at("text").is_string()) {
      text = option.as_object().at("text").get_string();
    }
    if (text.empty()) return bad_request("poll options must be non-empty");
    out.push_back(json::object{{"text", text}, {"voter_count", 0}});
  }
  if (out.size() < 2) return bad_request("poll must have at least 2 option");
  if (out.size() > 12) return bad_request("poll can't have more than 12 options");
  json::object poll{{"id", world_.random_string(19, "0123456789")},
                    {"question", question},
                    {"options", std::move(out)},
                    {"total_voter_count", 0},
                    {"is_closed", false},
                    {"is_anonymous", p.boolean("is_anonymous", true)},
                    {"type", p.string("type").value_or("regular") == "quiz" ? "quiz" : "regular"},
                    {"allows_multiple_answers", p.boolean("allows_multiple_answers")}};
  return send_content(bot, p, json::object{{"poll", std::move(poll)}});
}

Result<json::value> BotApi::send_dice(const Account& bot, const Params& p) {
  std::string emoji = p.string("emoji").value_or("");
  if (emoji.empty()) emoji = "\xF0\x9F\x8E\xB2";  // 🎲
  int faces = 6;
  if (emoji == "\xF0\x9F\x8F\x80" || emoji == "\xE2\x9A\xBD") faces = 5;  // 🏀 ⚽
  if (emoji == "\xF0\x9F\x8E\xB0") faces = 64;                            // 🎰
  int value = world_.random_int(1, faces);
  return send_content(bot, p, json::object{{"dice", json::object{{"emoji", emoji}, {"value", value}}}});
}

Result<json::value> BotApi::send_media_group(const Account& bot, const Params& p) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto media = p.json("media");
  if (!media) return media.error();
  if (!*media || !(*media)->is_array()) return bad_request("parameter \"media\" is required");
  const auto& items = (*media)->as_array();
  if (items.size() < 2) return bad_request("media group must contain at least 2 items");  // Telegram: 2–10
  if (items.size() > 10) return bad_request("too many messages to send as an album");
  auto common = message_input(p);
  if (!common) return common.error();
  std::vector<model::MessageInput> inputs;
  for (const auto& item : items) {
    if (!item.is_object()) return bad_request("can't parse InputMedia JSON object");
    const auto& m = item.as_object();
    Params one;
    for (const auto& [key, value] : m) one.set(std::string(key), value);
    std::string kind = one.string("type").value_or("");
    if (kind != "photo" && kind != "video" && kind != "document" && kind != "audio") {
      return bad_request("unsupported media type \"" + kind + "\" in the media group");
    }
    auto media_ref = one.string("media").value_or("");
    Params lookup = p;  // uploads come from the request; the reference from the item
    lookup.set(kind, json::string(media_ref));
    auto file = input_file(lookup, kind, kind);
    if (!file) return file.error();
    auto content = caption(one);
    if (!content) return content.error();
    (*content)[kind] = model::media_json(**file, kind);
    model::MessageInput input = *common;
    input.content = std::move(*content);
    input.reply_markup = nullptr;
    inputs.push_back(std::move(input));
  }
  auto messages = world_.post_album(**target, bot.id, std::move(inputs));
  if (!messages) return messages.error();
  json::array out;
  for (const auto* m : *messages) out.push_back(world_.message_json(**target, *m, bot.id));
  return json::value(std::move(out));
}

// ---------------------------------------------------------------- copies and forwards

Result<json::value> BotApi::send_copies(const Account& bot, const Params& p, bool forward, bool many) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto source = chat(bot, p, "from_chat_id");
  if (!source) return source.error();
  std::vector<Id> ids;
  if (many) {
    auto list = p.json("message_ids");
    if (!list) return list.error();
    if (!*list || !(*list)->is_array() || (*list)->as_array().empty())
      return bad_request("message identifiers are empty");
    if ((*list)->as_array().size() > 100) return bad_request("too many message identifiers specified");
    for (const auto& id : (*list)->as_array()) {
      auto number = json_integer(id);
      if (!number) return bad_request("message identifiers must be numbers");
      Id value = *number;
      if (!ids.empty() && value <= ids.back())
        return bad_request("message identifiers must be in a strictly increasing order");
      ids.push_back(value);
    }
  } else {
    auto id = p.integer("message_id");
    if (!id) return bad_request("message identifier is not specified");
    ids.push_back(*id);
  }
  auto overrides = message_input(p);
  if (!overrides) return overrides.error();
  bool keep_caption = true;
  if (!forward && !many) {
    if (p.has("caption")) {
      auto new_caption = caption(p);
      if (!new_caption) return new_caption.error();
      overrides->content = std::move(*new_caption);
      if (!overrides->content.contains("caption")) overrides->content["caption"] = nullptr;
      if (!overrides->content.contains("caption_entities")) overrides->content["caption_entities"] = nullptr;
      keep_caption = false;
    }
  }
  if (!forward && p.boolean("remove_caption")) {
    overrides->content = json::object{{"caption", nullptr}, {"caption_entities", nullptr}};
    keep_caption = false;
  }
  auto copies = world_.copy(**source, ids, **target, bot.id, *overrides, forward, keep_caption, many);
  if (!copies) return copies.error();
  if (many) return message_ids_json(*copies);
  if (forward) return json::value(world_.message_json(**target, *copies->front(), bot.id));
  return json::value(json::object{{"message_id", copies->front()->id}});
}

Result<json::value> BotApi::copy_message(const Account& b, const Params& p) {
  return send_copies(b, p, false, false);
}
Result<json::value> BotApi::copy_messages(const Account& b, const Params& p) {
  return send_copies(b, p, false, true);
}
Result<json::value> BotApi::forward_message(const Account& b, const Params& p) {
  return send_copies(b, p, true, false);
}
Result<json::value> BotApi::forward_messages(const Account& b, const Params& p) {
  return send_copies(b, p, true, true);
}

// ---------------------------------------------------------------- edits, deletes, reactions

Result<json::value> BotApi::edit_message_text(const Account& bot, const Params& p) {
  if (p.has("inline_message_id")) return bad_request("inline messages are not supported by tgsim");
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto id = p.integer("message_id");
  if (!id) return bad_request("message identifier is not specified");
  auto entities = p.json("entities");
  if (!entities) return entities.error();
  const json::array* explicit_entities =
      *entities && (*entities)->is_array() ? &(*entities)->as_array() : nullptr;
  auto formatted =
      text::format(p.string("text").value_or(""), p.string("parse_mode").value_or(""), explicit_entities);
  if (!formatted) return formatted.error();
  if (formatted->text.empty()) return bad_request("message text is empty");
  if (text::code_points(formatted->text) > text::kMaxTextLength) return bad_request("message is too long");
  auto input = message_input(p);
  if (!input) return input.error();
  json::object changes{{"text", formatted->text}};
  changes["entities"] =
      formatted->entities.empty() ? json::value(nullptr) : json::value(std::move(formatted->entities));
  std::optional<json::value> markup;
  if (p.has("reply_markup")) markup = input->reply_markup;
  auto edited = world_.edit(**target, bot.id, *id, changes, markup);
  if (!edited) return edited.error();
  return json::value(world_.message_json(**target, **edited, bot.id));
}

Result<json::value> BotApi::edit_message_caption(const Account& bot, const Params& p) {
  if (p.has("inline_message_id")) return bad_request("inline messages are not supported by tgsim");
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto id = p.integer("message_id");
  if (!id) return bad_request("message identifier is not specified");
  auto new_caption = caption(p);
  if (!new_caption) return new_caption.error();
  auto input = message_input(p);
  if (!input) return input.error();
  json::object changes = std::move(*new_caption);
  if (!changes.contains("caption")) changes["caption"] = nullptr;
  if (!changes.contains("caption_entities")) changes["caption_entities"] = nullptr;
  std::optional<json::value> markup;
  if (p.has("reply_markup")) markup = input->reply_markup;
  auto edited = world_.edit(**target, bot.id, *id, changes, markup);
  if (!edited) return edited.error();
  return json::value(world_.message_json(**target, **edited, bot.id));
}

// The Bot API's editMessageMedia: `media` is one InputMedia (photo, video, animation, audio or
// document), its file uploaded as `attach://<name>` or named by file_id/URL; the message's media
// and caption are replaced (a text message cannot get media in tgsim: "there is no media in the
// message to edit").
Result<json::value> BotApi::edit_message_media(const Account& bot, const Params& p) {
  if (p.has("inline_message_id")) return bad_request("inline messages are not supported by tgsim");
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto id = p.integer("message_id");
  if (!id) return bad_request("message identifier is not specified");
  auto media = p.json("media");
  if (!media) return media.error();
  if (!*media || !(*media)->is_object()) return bad_request("can't parse InputMedia JSON object");
  Params one;
  for (const auto& [key, value] : (*media)->as_object()) one.set(std::string(key), value);
  const std::string kind = one.string("type").value_or("");
  static constexpr std::array<std::string_view, 5> kKinds{"photo", "video", "animation", "audio", "document"};
  if (std::find(kKinds.begin(), kKinds.end(), kind) == kKinds.end()) {
    return bad_request("can't parse InputMedia JSON object");
  }
  const auto* message = (*target)->messages.contains(*id) ? &(*target)->messages.at(*id) : nullptr;
  if (message != nullptr && message->content.contains("text"))
    return bad_request("there is no media in the message to edit");
  Params lookup = p;  // uploads come from the request; the reference from the InputMedia
  lookup.set(kind, json::string(one.string("media").value_or("")));
  auto file = input_file(lookup, kind, kind);
  if (!file) return file.error();
  auto new_caption = caption(one);
  if (!new_caption) return new_caption.error();
  json::object changes = std::move(*new_caption);
  if (!changes.contains("caption")) changes["caption"] = nullptr;
  if (!changes.contains("caption_entities")) changes["caption_entities"] = nullptr;
  for (auto other : kKinds) changes[other] = nullptr;
  changes[kind] = model::media_json(**file, kind);
  if (kind == "animation") changes["document"] = model::media_json(**file, "document");
  auto input = message_input(p);
  if (!input) return input.error();
  std::optional<json::value> markup;
  if (p.has("reply_markup")) markup = input->reply_markup;
  auto edited = world_.edit(**target, bot.id, *id, changes, markup);
  if (!edited) return edited.error();
  return json::value(world_.message_json(**target, **edited, bot.id));
}

Result<json::value> BotApi::edit_message_reply_markup(const Account& bot, const Params& p) {
  if (p.has("inline_message_id")) return bad_request("inline messages are not supported by tgsim");
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto id = p.integer("message_id");
  if (!id) return bad_request("message identifier is not specified");
  auto input = message_input(p);
  if (!input) return input.error();
  auto edited = world_.edit(**target, bot.id, *id, {}, std::optional<json::value>(input->reply_markup));
  if (!edited) return edited.error();
  return json::value(world_.message_json(**target, **edited, bot.id));
}

Result<json::value> BotApi::delete_message(const Account& bot, const Params& p) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto id = p.integer("message_id");
  if (!id) return bad_request("message identifier is not specified");
  if (auto deleted = world_.delete_message(**target, bot.id, *id); !deleted) return deleted.error();
  return json::value(true);
}

Result<json::value> BotApi::set_message_reaction(const Account& bot, const Params& p) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto id = p.integer("message_id");
  if (!id) return bad_request("message identifier is not specified");
  auto reaction = p.json("reaction");
  if (!reaction) return reaction.error();
  std::string emoji;
  if (*reaction && (*reaction)->is_array() && !(*reaction)->as_array().empty()) {
    const auto& first = (*reaction)->as_array().front();
    if (!first.is_object() || !first.as_object().contains("emoji") ||
        !first.as_object().at("emoji").is_string()) {
      return bad_request("REACTION_INVALID");
    }
    emoji = first.as_object().at("emoji").get_string();
  }
  if (auto reacted = world_.react(**target, bot.id, *id, emoji); !reacted) return reacted.error();
  return json::value(true);
}

// ---------------------------------------------------------------- chats and members

Result<json::value> BotApi::get_chat(const Account& bot, const Params& p) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  json::object out = world_.chat_json(**target, bot.id);
  out["accent_color_id"] = 0;
  out["max_reaction_count"] = 11;
  if ((*target)->type == model::ChatType::kSupergroup) {
    out["permissions"] = json::object{{"can_send_messages", true}, {"can_manage_topics", false}};
  }
  return json::value(std::move(out));
}

namespace {

// A ChatMember of a group as getChatMember and getChatAdministrators show it.
json::object member_json(const model::World& world, const model::Chat& c, Id user_id) {
  json::object out{{"user", world.user_json(user_id)}};
  auto member = c.members.find(user_id);
  model::MemberStatus status = member == c.members.end() ? model::MemberStatus::kLeft : member->second.status;
  out["status"] = model::to_string(status);
  if (status == model::MemberStatus::kCreator) out["is_anonymous"] = false;
  if (status == model::MemberStatus::kKicked) out["until_date"] = member->second.until_date;
  if (status == model::MemberStatus::kAdministrator) {
    out["can_be_edited"] = false;
    out["is_anonymous"] = false;
    for (std::string_view right :
         {"can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
          "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
          "can_edit_stories", "can_delete_stories", "can_pin_messages", "can_manage_topics"}) {
      out[right] = member->second.has_right(right);
    }
  }
  return out;
}

}  // namespace

Result<json::value> BotApi::get_chat_member(const Account& bot, const Params& p) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto user_id = p.integer("user_id");
  if (!user_id || !world_.account(*user_id)) return bad_request("user not found");
  const Chat& c = **target;
  if (c.type == model::ChatType::kPrivate) {
    json::object out{{"user", world_.user_json(*user_id)}};
    out["status"] = (*user_id == c.user_id || *user_id == c.bot_id) ? "member" : "left";
    return json::value(std::move(out));
  }
  return json::value(member_json(world_, c, *user_id));
}

// The creator and the administrators that are not bots, as the Bot API documents.
Result<json::value> BotApi::get_chat_administrators(const Account& bot, const Params& p) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  const Chat& c = **target;
  if (c.type == model::ChatType::kPrivate)
    return bad_request("there are no administrators in the private chat");
  json::array out;
  for (const auto& [user_id, member] : c.members) {
    const auto* account = world_.account(user_id);
    if (account == nullptr || account->is_bot) continue;
    if (member.status == model::MemberStatus::kCreator ||
        member.status == model::MemberStatus::kAdministrator)
      out.push_back(member_json(world_, c, user_id));
  }
  return json::value(std::move(out));
}

Result<json::value> BotApi::ban_chat_member(const Account& bot, const Params& p) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto user_id = p.integer("user_id");
  if (!user_id) return bad_request("user not found");
  if (auto banned = world_.ban(**target, bot.id, *user_id, p.integer("until_date").value_or(0)); !banned) {
    return banned.error();
  }
  return json::value(true);
}

Result<json::value> BotApi::unban_chat_member(const Account& bot, const Params& p) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto user_id = p.integer("user_id");
  if (!user_id) return bad_request("user not found");
  if (auto unbanned = world_.unban(**target, bot.id, *user_id, p.boolean("only_if_banned")); !unbanned) {
    return unbanned.error();
  }
  return json::value(true);
}

Result<json::value> BotApi::send_chat_action(const Account& bot, const Params& p) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto action = p.string("action").value_or("");
  if (std::find(std::begin(kChatActions), std::end(kChatActions), action) == std::end(kChatActions)) {
    return bad_request("wrong parameter action in request");
  }
  if ((*target)->blocked) return forbidden("bot was blocked by the user");
  return json::value(true);
}

// ---------------------------------------------------------------- files

Result<json::value> BotApi::get_file(const Account&, const Params& p) {
  auto file_id = p.string("file_id").value_or("");
  if (file_id.empty()) return bad_request("file_id is empty");
  const auto* file = world_.file(file_id);
  if (!file) return bad_request("wrong file_id or the file is temporarily unavailable");
  return json::value(json::object{{"file_id", file->file_id},
                                  {"file_unique_id", file->file_unique_id},
                                  {"file_size", file->bytes.size()},
                                  {"file_path", file->file_path}});
}

// ---------------------------------------------------------------- topics

Result<json::value> BotApi::create_forum_topic(const Account& bot, const Params& p) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  int color = static_cast<int>(p.integer("icon_color").value_or(kIconColors[0]));
  if (std::find(kIconColors.begin(), kIconColors.end(), color) == kIconColors.end()) {
    return bad_request("TOPIC_ICON_COLOR_INVALID");
  }
  auto topic = world_.create_topic(**target, bot.id, p.string("name").value_or(""), color,
                                   p.string("icon_custom_emoji_id").value_or(""));
  if (!topic) return topic.error();
  return json::value(world_.topic_json(**topic));
}

Result<json::value> BotApi::edit_forum_topic(const Account& bot, const Params& p) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto thread = p.integer("message_thread_id");
  if (!thread) return bad_request("message thread not found");
  auto edited =
      world_.edit_topic(**target, bot.id, *thread, p.string("name"), p.string("icon_custom_emoji_id"));
  if (!edited) return edited.error();
  return json::value(true);
}

Result<json::value> BotApi::set_topic_closed(const Account& bot, const Params& p, bool closed) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto thread = p.integer("message_thread_id");
  if (!thread) return bad_request("message thread not found");
  if (auto done = world_.set_topic_closed(**target, bot.id, *thread, closed); !done) return done.error();
  return json::value(true);
}

Result<json::value> BotApi::close_forum_topic(const Account& b, const Params& p) {
  return set_topic_closed(b, p, true);
}
Result<json::value> BotApi::reopen_forum_topic(const Account& b, const Params& p) {
  return set_topic_closed(b, p, false);
}

Result<json::value> BotApi::delete_forum_topic(const Account& bot, const Params& p) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  auto thread = p.integer("message_thread_id");
  if (!thread) return bad_request("message thread not found");
  if (auto done = world_.delete_topic(**target, bot.id, *thread); !done) return done.error();
  return json::value(true);
}

Result<json::value> BotApi::get_forum_topic_icon_stickers(const Account&, const Params&) {
  static const std::pair<const char*, const char*> kIcons[] = {{"5312536423851630001", "\xF0\x9F\x92\xA1"},
                                                               {"5312016608254762256", "\xE2\x9D\x93"},
                                                               {"5377544228505134960", "\xF0\x9F\x93\x9D"},
                                                               {"5420216386448270341", "\xE2\x9C\x85"}};
  json::array out;
  for (const auto& [custom_emoji_id, emoji] : kIcons) {
    out.push_back(json::object{{"file_id", std::string("CAACAgIAAxUAAWTopic") + custom_emoji_id},
                               {"file_unique_id", std::string("AgAD") + custom_emoji_id},
                               {"type", "custom_emoji"},
                               {"width", 512},
                               {"height", 512},
                               {"emoji", emoji},
                               {"is_animated", true},
                               {"is_video", false},
                               {"custom_emoji_id", custom_emoji_id}});
  }
  return json::value(std::move(out));
}

// ---------------------------------------------------------------- callbacks and commands

Result<json::value> BotApi::answer_callback_query(const Account& bot, const Params& p) {
  auto id = p.string("callback_query_id").value_or("");
  auto& answers = world_.bot_state(bot.id).callback_answers;
  auto found = answers.find(id);
  if (found == answers.end()) {
    return bad_request("query is too old and response timeout expired or query ID is invalid");
  }
  found->second = p.string("text").value_or("");
  return json::value(true);
}

Result<json::value> BotApi::set_my_commands(const Account& bot, const Params& p) {
  auto commands = p.json("commands");
  if (!commands) return commands.error();
  if (!*commands || !(*commands)->is_array()) return bad_request("parameter \"commands\" must be an Array");
  for (const auto& command : (*commands)->as_array()) {
    const auto* object = command.if_object();
    if (!object || !object->contains("command") || !object->contains("description")) {
      return bad_request("can't parse BotCommand");
    }
    const auto& name = object->at("command");
    if (!name.is_string() || name.get_string().empty() || name.get_string().size() > 32) {
      return bad_request("command must be non-empty and at most 32 characters long");
    }
  }
  world_.bot_state(bot.id).commands = (*commands)->as_array();
  return json::value(true);
}

Result<json::value> BotApi::get_my_commands(const Account& bot, const Params&) {
  return json::value(world_.bot_state(bot.id).commands);
}

Result<json::value> BotApi::delete_my_commands(const Account& bot, const Params&) {
  world_.bot_state(bot.id).commands.clear();
  return json::value(true);
}

}  // namespace tgsim::botapi
