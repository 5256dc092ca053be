#include "telegram/tdlib/td_frontend_api.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <charconv>
#include <deque>
#include <limits>
#include <set>

#include "telegram/tdlib/td_adapter.h"
#include "telegram/tdlib/td_json.h"

namespace topicdesk::telegram::tdlib {
namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

using MessageKey = std::pair<std::int64_t, std::int64_t>;  // chat id, TDLib message id

const json::array& array_field(const json::object& object, std::string_view key) {
  static const json::array kEmpty;
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_array() ? value->get_array() : kEmpty;
}

ApiResult ok(json::value result) {
  ApiResult r;
  r.ok = true;
  r.result = std::move(result);
  return r;
}

ApiResult bad_request(std::string what) {
  ApiResult r;
  r.error_code = 400;
  r.kind = ErrorKind::kBadRequest;
  r.description = "Bad Request: " + std::move(what);
  return r;
}

bool starts_with_ci(const std::string& text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

// A Bot API Message of a sent TDLib message: what the dispatcher reads (message_id) and a bit more.
json::object bot_message(const json::object& message) {
  json::object result{{"message_id", to_bot_message_id(int_field(message, "id"))},
                      {"chat", json::object{{"id", int_field(message, "chat_id")}}},
                      {"date", int_field(message, "date")}};
  if (const auto* content = message.if_contains("content"); content != nullptr && content->is_object()) {
    ContentText text = content_text(content->get_object());
    const bool is_text = text_field(content->get_object(), "@type") == "messageText";
    if (!text.text.empty()) result[is_text ? "text" : "caption"] = text.text;
  }
  return result;
}

json::object bot_chat(const json::object& chat) {
  json::object result{{"id", int_field(chat, "id")}};
  const auto* type = chat.if_contains("type");
  const std::string kind =
      type != nullptr && type->is_object() ? text_field(type->get_object(), "@type") : "";
  if (kind == "chatTypePrivate") {
    result["type"] = "private";
    result["first_name"] = text_field(chat, "title");
  } else {
    const bool channel = kind == "chatTypeSupergroup" && type->get_object().contains("is_channel") &&
                         type->get_object().at("is_channel").is_bool() &&
                         type->get_object().at("is_channel").get_bool();
    result["type"] = channel ? "channel" : kind == "chatTypeSupergroup" ? "supergroup" : "group";
    result["title"] = text_field(chat, "title");
  }
  return result;
}

// The number ending a 429's message ("Too Many Requests: retry after 5"), 0 without one. A
// number too large for an int is capped rather than thrown on (std::stoi did).
int retry_after_seconds(const std::string& message) {
  const auto last_non_digit = message.find_last_not_of("0123456789");
  if (last_non_digit == std::string::npos || last_non_digit + 1 == message.size()) return 0;
  int seconds = 0;
  const char* digits = message.data() + last_non_digit + 1;
  auto [end, error] = std::from_chars(digits, message.data() + message.size(), seconds);
  return error == std::errc::result_out_of_range ? std::numeric_limits<int>::max() : seconds;
}

// reply_parameters.message_id (Bot API 7) or the older reply_to_message_id.
std::int64_t reply_target(const json::object& params) {
  if (const auto* reply = params.if_contains("reply_parameters"); reply != nullptr && reply->is_object()) {
    return int_field(reply->get_object(), "message_id");
  }
  return int_field(params, "reply_to_message_id");
}

}  // namespace

namespace {

bool one_of(const std::string& message, std::initializer_list<std::string_view> codes) {
  for (std::string_view code : codes) {
    if (message == code) return true;
  }
  return false;
}

bool contains_ci(const std::string& text, std::string_view needle) {
  if (needle.size() > text.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= text.size(); ++i) {
    if (starts_with_ci(text.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

// TDLib's own error (code + message: an MTProto code like USER_IS_BLOCKED or TDLib's text like
// "Chat not found") → what it means for the caller.
ErrorKind td_error_kind(int code, const std::string& message) {
  if (code == 0) return ErrorKind::kNetwork;
  if (code == 429) return ErrorKind::kFlood;
  if (code >= 500) return ErrorKind::kServerError;
  if (code == 401) return ErrorKind::kUnauthorized;
  if (one_of(message, {"USER_IS_BLOCKED", "YOU_BLOCKED_USER", "USER_DEACTIVATED", "USER_DEACTIVATED_BAN",
                       "INPUT_USER_DEACTIVATED"})) {
    return ErrorKind::kUserBlocked;
  }
  if (one_of(message, {"TOPIC_DELETED", "TOPIC_ID_INVALID", "MESSAGE_THREAD_INVALID"}) ||
      contains_ci(message, "thread not found")) {
    return ErrorKind::kThreadNotFound;
  }
  if (message == "TOPIC_CLOSED") return ErrorKind::kTopicClosed;
  if (one_of(message, {"MESSAGE_NOT_MODIFIED", "TOPIC_NOT_MODIFIED"}) ||
      contains_ci(message, "not modified")) {
    return ErrorKind::kNotModified;
  }
  if (message == "MESSAGE_ID_INVALID" || contains_ci(message, "message not found") ||
      contains_ci(message, "message to edit not found")) {
    return ErrorKind::kMessageNotFound;
  }
  if (one_of(message, {"PEER_ID_INVALID", "CHANNEL_PRIVATE", "CHANNEL_INVALID"}) ||
      contains_ci(message, "chat not found")) {
    return ErrorKind::kChatNotFound;
  }
  if (one_of(message, {"USER_PRIVACY_RESTRICTED", "PRIVACY_PREMIUM_REQUIRED"}))
    return ErrorKind::kCantInitiate;
  if (code == 403 ||
      one_of(message, {"CHAT_WRITE_FORBIDDEN", "CHAT_ADMIN_REQUIRED", "USER_NOT_PARTICIPANT"}) ||
      contains_ci(message, "not enough rights") || contains_ci(message, "no write access")) {
    return ErrorKind::kNoRights;
  }
  return ErrorKind::kBadRequest;
}

}  // namespace

ApiResult api_error_from_td(const json::object& error) {
  ApiResult r;
  r.error_code = error_code(error);
  const std::string message = error_message(error);
  r.kind = td_error_kind(r.error_code, message);
  r.user_blocked = message == "USER_IS_BLOCKED" || message == "YOU_BLOCKED_USER";
  // The description keeps the Bot API's shape ("Bad Request: …"): operators read it in notices.
  switch (r.error_code) {
    case 0:  // no answer: a network error, the outcome is unknown
      r.description = message;
      break;
    case 401:
      r.description = message == "Unauthorized" ? message : "Unauthorized: " + message;
      break;
    case 403:
      r.description = starts_with_ci(message, "Forbidden") ? message : "Forbidden: " + message;
      break;
    case 404:
      // The Bot API's 404 means "no such method"; TDLib's means "no such object" (a bad request).
      r.error_code = 400;
      r.description = "Bad Request: " + message;
      break;
    case 429: {
      r.description =
          starts_with_ci(message, "Too Many Requests") ? message : "Too Many Requests: " + message;
      r.retry_after = retry_after_seconds(message);
      break;
    }
    default:
      if (r.error_code >= 500) {
        r.description = "Internal Server Error: " + message;
      } else {
        r.error_code = r.error_code == 0 ? 400 : r.error_code;
        r.description = starts_with_ci(message, "Bad Request") ? message : "Bad Request: " + message;
      }
  }
  if (r.kind == ErrorKind::kUserBlocked) {
    r.error_code = 403;
    r.description = "Forbidden: the user is blocked or deactivated (" + message + ")";
  }
  return r;
}

// Outcomes of sends: updateMessageSendSucceeded / Failed, matched by (chat, temporary id). An
// outcome that arrives before anyone waits for it is kept (bounded) for the waiter to find.
struct TdFrontendApi::SendTracker {
  struct Outcome {
    bool ok = false;
    json::object message;  // the final message, or the error object
  };
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& executor) : timer(executor) {}
    asio::steady_timer timer;
    std::optional<Outcome> outcome;
  };
  static constexpr std::size_t kEarlyMemory = 1000;
  // Stories being posted are tracked like messages, under a chat id no chat has.
  static constexpr std::int64_t kStoryKey = std::numeric_limits<std::int64_t>::min();

  std::map<MessageKey, Outcome> early;
  std::deque<MessageKey> early_order;
  std::map<MessageKey, std::shared_ptr<Waiter>> waiting;

  void on_update(const json::object& update) {
    const std::string type = text_field(update, "@type");
    const bool story = type == "updateStoryPostSucceeded" || type == "updateStoryPostFailed";
    if (type != "updateMessageSendSucceeded" && type != "updateMessageSendFailed" && !story) return;
    const auto* message = update.if_contains(story ? "story" : "message");
    if (message == nullptr || !message->is_object()) return;
    MessageKey key =
        story ? MessageKey{kStoryKey, int_field(update, "old_story_id")}
              : MessageKey{int_field(message->get_object(), "chat_id"), int_field(update, "old_message_id")};
    Outcome outcome{.ok = type == "updateMessageSendSucceeded" || type == "updateStoryPostSucceeded",
                    .message = message->get_object()};
    if (!outcome.ok) outcome.message = failure_of(update);
    if (auto it = waiting.find(key); it != waiting.end()) {
      it->second->outcome = std::move(outcome);
      it->second->timer.cancel();
      return;
    }
    if (early_order.size() >= kEarlyMemory) {
      early.erase(early_order.front());
      early_order.pop_front();
    }
    early[key] = std::move(outcome);
    early_order.push_back(key);
  }

  // TDLib >= 1.8.23 sends {error}; older versions error_code / error_message.
  static json::object failure_of(const json::object& update) {
    if (const auto* error = update.if_contains("error"); error != nullptr && error->is_object()) {
      return error->get_object();
    }
    return make_error_object(static_cast<int>(int_field(update, "error_code")),
                             text_field(update, "error_message"));
  }

  asio::awaitable<std::optional<Outcome>> wait(asio::any_io_executor executor, MessageKey key,
                                               std::chrono::milliseconds timeout) {
    if (auto it = early.find(key); it != early.end()) {
      Outcome outcome = std::move(it->second);
      early.erase(it);
      co_return outcome;
    }
    auto waiter = std::make_shared<Waiter>(executor);
    waiting[key] = waiter;
    const auto deadline = Clock::now() + timeout;
    while (!waiter->outcome && Clock::now() < deadline) {
      waiter->timer.expires_at(deadline);
      co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    waiting.erase(key);
    co_return waiter->outcome;
  }
};

TdFrontendApi::TdFrontendApi(TdClient& client, TdFrontendOptions options)
    : client_(client), options_(options), tracker_(std::make_unique<SendTracker>()) {
  update_handler_ =
      client_.add_update_handler([this](const json::object& update) { tracker_->on_update(update); });
}

TdFrontendApi::~TdFrontendApi() { client_.remove_update_handler(update_handler_); }

asio::awaitable<ApiResult> TdFrontendApi::upload(std::string method, json::object, InputFile) {
  co_return api_error(400,
                      "Bad Request: " + method + " with a file goes through the desk's bot, not a session");
}

asio::awaitable<ApiResult> TdFrontendApi::call(std::string method, json::object params) {
  if (method == "sendMessage") co_return co_await send_message(std::move(params));
  if (method == "copyMessage") co_return co_await copy_messages(std::move(params), true);
  if (method == "copyMessages") co_return co_await copy_messages(std::move(params), false);
  if (method == "editMessageText") co_return co_await edit_message(std::move(params), false);
  if (method == "editMessageCaption") co_return co_await edit_message(std::move(params), true);
  if (method == "deleteMessage") co_return co_await delete_message(std::move(params));
  if (method == "setMessageReaction") co_return co_await set_reaction(std::move(params));
  if (method == "getMe") co_return co_await get_me();
  if (method == "getChat") co_return co_await get_chat(std::move(params));
  if (method == "resolveUser") co_return co_await resolve_user(std::move(params));
  if (method == "postStory") co_return co_await post_story(std::move(params));
  // A bad request: the dispatcher fails the job and says why.
  co_return bad_request("method " + method + " is not available for an account (TDLib) connection");
}

asio::awaitable<ApiResult> TdFrontendApi::ensure_chat_known(std::int64_t chat_id) {
  if (chat_id == 0) co_return bad_request("chat_id is required");
  json::object request =
      chat_id > 0 ? json::object{{"@type", "createPrivateChat"}, {"user_id", chat_id}, {"force", true}}
                  : json::object{{"@type", "getChat"}, {"chat_id", chat_id}};
  json::object answer = co_await client_.request(std::move(request), options_.request_timeout);
  if (is_error(answer)) co_return api_error_from_td(answer);
  const auto* type = object_field(answer, "type");
  if (chat_id < 0 && type != nullptr && flag_field(*type, "is_channel")) channels_.insert(chat_id);
  co_return ok(true);
}

// Where a message "to" a channel goes: the channel takes none from its followers, so it becomes
// a comment on the post `reply` in the channel's discussion group (getMessageThread). The
// answer's result is {"chat_id", "message_thread_id"} in TDLib ids.
asio::awaitable<ApiResult> TdFrontendApi::comment_target(std::int64_t channel_id, std::int64_t reply) {
  if (reply == 0) {
    co_return bad_request(
        "a channel takes no messages from its followers; reply to one of its posts in the topic to "
        "comment on it in the channel's discussion group");
  }
  json::object request{
      {"@type", "getMessageThread"}, {"chat_id", channel_id}, {"message_id", to_td_message_id(reply)}};
  json::object thread = co_await client_.request(std::move(request), options_.request_timeout);
  if (is_error(thread)) {
    if (error_message(thread) == "Message has no thread")
      co_return bad_request("the channel has no discussion group, so answers cannot be posted there");
    co_return api_error_from_td(thread);
  }
  const std::int64_t discussion = int_field(thread, "chat_id");
  ApiResult known = co_await ensure_chat_known(discussion);
  if (!known.ok) co_return known;
  co_return ok(
      json::object{{"chat_id", discussion}, {"message_thread_id", int_field(thread, "message_thread_id")}});
}

asio::awaitable<ApiResult> TdFrontendApi::await_sent(std::int64_t chat_id, json::array pending) {
  json::array finals;
  for (auto& item : pending) {
    if (!item.is_object()) {
      finals.push_back(nullptr);  // TDLib could not send this one
      continue;
    }
    const std::int64_t id = int_field(item.get_object(), "id");
    const auto* state = item.get_object().if_contains("sending_state");
    if (state == nullptr || state->is_null()) {
      finals.push_back(std::move(item));  // already final
      continue;
    }
    auto outcome =
        co_await tracker_->wait(client_.executor(), MessageKey{chat_id, id}, options_.send_timeout);
    if (!outcome) {
      co_return api_error_from_td(make_error_object(0, "Telegram did not confirm the message within " +
                                                           std::to_string(options_.send_timeout.count()) +
                                                           " ms"));
    }
    if (!outcome->ok) co_return api_error_from_td(outcome->message);
    finals.push_back(std::move(outcome->message));
  }
  co_return ok(std::move(finals));
}

asio::awaitable<ApiResult> TdFrontendApi::send_message(json::object params) {
  const std::int64_t chat_id = int_field(params, "chat_id");
  const std::string text = text_field(params, "text");
  if (text.empty()) co_return bad_request("message text is empty");
  if (params.contains("parse_mode")) co_return bad_request("parse_mode is not supported here; send entities");
  ApiResult known = co_await ensure_chat_known(chat_id);
  if (!known.ok) co_return known;
  json::object request{{"@type", "sendMessage"},
                       {"chat_id", chat_id},
                       {"input_message_content",
                        json::object{{"@type", "inputMessageText"},
                                     {"text", formatted_text(text, array_field(params, "entities"))}}}};
  if (auto thread = int_field(params, "message_thread_id"); thread != 0)
    request["message_thread_id"] = to_td_thread_id(thread);
  if (auto reply = reply_target(params); reply != 0) {
    request["reply_to"] =
        json::object{{"@type", "inputMessageReplyToMessage"}, {"message_id", to_td_message_id(reply)}};
  }
  json::object answer = co_await client_.request(std::move(request), options_.request_timeout);
  if (is_error(answer)) co_return api_error_from_td(answer);
  json::array pending;  // (GCC: no initializer lists inside co_await expressions)
  pending.push_back(std::move(answer));
  ApiResult sent = co_await await_sent(chat_id, std::move(pending));
  if (!sent.ok) co_return sent;
  co_return ok(bot_message(sent.result.get_array()[0].get_object()));
}

// copyMessage(s): forwardMessages with send_copy, so the copy carries no "forwarded from".
asio::awaitable<ApiResult> TdFrontendApi::copy_messages(json::object params, bool single) {
  const std::int64_t chat_id = int_field(params, "chat_id");
  const std::int64_t from_chat_id = int_field(params, "from_chat_id");
  json::array ids;
  if (single) {
    ids.push_back(to_td_message_id(int_field(params, "message_id")));
  } else {
    for (const auto& id : array_field(params, "message_ids"))
      ids.push_back(to_td_message_id(json_int(&id).value_or(0)));
  }
  if (ids.empty() || from_chat_id == 0) co_return bad_request("from_chat_id and message ids are required");
  ApiResult known = co_await ensure_chat_known(chat_id);
  if (known.ok) known = co_await ensure_chat_known(from_chat_id);
  if (!known.ok) co_return known;
  std::int64_t td_thread = to_td_thread_id(int_field(params, "message_thread_id"));
  std::int64_t target = chat_id;
  if (channels_.contains(chat_id)) {
    ApiResult comment = co_await comment_target(chat_id, reply_target(params));
    if (!comment.ok) co_return comment;
    target = int_field(comment.result.get_object(), "chat_id");
    td_thread = int_field(comment.result.get_object(), "message_thread_id");
  }
  json::object request{{"@type", "forwardMessages"},    {"chat_id", target},  {"from_chat_id", from_chat_id},
                       {"message_ids", std::move(ids)}, {"options", nullptr}, {"send_copy", true},
                       {"remove_caption", false}};
  if (td_thread != 0) request["message_thread_id"] = td_thread;
  json::object answer = co_await client_.request(std::move(request), options_.request_timeout);
  if (is_error(answer)) co_return api_error_from_td(answer);
  ApiResult sent = co_await await_sent(target, array_field(answer, "messages"));
  if (!sent.ok) co_return sent;
  json::array copies;
  for (const auto& message : sent.result.get_array()) {
    if (!message.is_object()) continue;  // like the Bot API: what cannot be copied is skipped
    copies.push_back(json::object{{"message_id", to_bot_message_id(int_field(message.get_object(), "id"))}});
  }
  if (single) {
    if (copies.empty()) co_return bad_request("the message can't be copied");
    co_return ok(std::move(copies[0]));
  }
  co_return ok(std::move(copies));
}

asio::awaitable<ApiResult> TdFrontendApi::edit_message(json::object params, bool caption) {
  const std::int64_t chat_id = int_field(params, "chat_id");
  const std::int64_t message_id = to_td_message_id(int_field(params, "message_id"));
  json::object text = formatted_text(text_field(params, caption ? "caption" : "text"),
                                     array_field(params, caption ? "caption_entities" : "entities"));
  json::object request{{"@type", caption ? "editMessageCaption" : "editMessageText"},
                       {"chat_id", chat_id},
                       {"message_id", message_id}};
  if (caption) {
    request["caption"] = std::move(text);
  } else {
    request["input_message_content"] = json::object{{"@type", "inputMessageText"}, {"text", std::move(text)}};
  }
  json::object answer = co_await client_.request(std::move(request), options_.request_timeout);
  if (is_error(answer)) co_return api_error_from_td(answer);
  co_return ok(bot_message(answer));
}

asio::awaitable<ApiResult> TdFrontendApi::delete_message(json::object params) {
  json::object request{{"@type", "deleteMessages"},
                       {"chat_id", int_field(params, "chat_id")},
                       {"message_ids", json::array{to_td_message_id(int_field(params, "message_id"))}},
                       {"revoke", true}};
  json::object answer = co_await client_.request(std::move(request), options_.request_timeout);
  if (is_error(answer)) co_return api_error_from_td(answer);
  co_return ok(true);
}

namespace {

// The emoji the account has chosen on a TDLib message (interaction_info.reactions: an object
// messageReactions {reactions} in TDLib >= 1.8.36, the array itself before).
std::set<std::string> chosen_emoji(const json::object& message) {
  std::set<std::string> chosen;
  const auto* info = message.if_contains("interaction_info");
  const auto* reactions =
      info != nullptr && info->is_object() ? info->get_object().if_contains("reactions") : nullptr;
  if (reactions != nullptr && reactions->is_object())
    reactions = reactions->get_object().if_contains("reactions");
  if (reactions == nullptr || !reactions->is_array()) return chosen;
  for (const auto& item : reactions->get_array()) {
    const auto* reaction = item.if_object();
    if (reaction == nullptr || !flag_field(*reaction, "is_chosen")) continue;
    const auto* type = object_field(*reaction, "type");
    if (type != nullptr && type_of(*type) == "reactionTypeEmoji") chosen.insert(text_field(*type, "emoji"));
  }
  return chosen;
}

}  // namespace

// The Bot API's setMessageReaction replaces the reactions; TDLib adds and removes one at a time.
asio::awaitable<ApiResult> TdFrontendApi::set_reaction(json::object params) {
  const std::int64_t chat_id = int_field(params, "chat_id");
  const std::int64_t message_id = to_td_message_id(int_field(params, "message_id"));
  if (message_id == 0) co_return bad_request("message_id is required");
  std::set<std::string> wanted;
  for (const auto& item : array_field(params, "reaction")) {
    const auto* reaction = item.if_object();
    if (reaction != nullptr && text_field(*reaction, "type") == "emoji" &&
        !text_field(*reaction, "emoji").empty())
      wanted.insert(text_field(*reaction, "emoji"));
  }
  ApiResult known = co_await ensure_chat_known(chat_id);
  if (!known.ok) co_return known;
  if (options_.bot_session) {
    json::array types;
    for (const auto& emoji : wanted)
      types.push_back(json::object{{"@type", "reactionTypeEmoji"}, {"emoji", emoji}});
    json::object request{{"@type", "setMessageReactions"},
                         {"chat_id", chat_id},
                         {"message_id", message_id},
                         {"reaction_types", std::move(types)},
                         {"is_big", false}};
    json::object answer = co_await client_.request(std::move(request), options_.request_timeout);
    if (is_error(answer)) co_return api_error_from_td(answer);
    co_return ok(true);
  }
  json::object get_message{{"@type", "getMessage"}, {"chat_id", chat_id}, {"message_id", message_id}};
  json::object message = co_await client_.request(std::move(get_message), options_.request_timeout);
  if (is_error(message)) co_return api_error_from_td(message);
  const std::set<std::string> chosen = chosen_emoji(message);
  for (const auto& emoji : chosen) {
    if (wanted.contains(emoji)) continue;
    json::object remove{{"@type", "removeMessageReaction"},
                        {"chat_id", chat_id},
                        {"message_id", message_id},
                        {"reaction_type", json::object{{"@type", "reactionTypeEmoji"}, {"emoji", emoji}}}};
    json::object answer = co_await client_.request(std::move(remove), options_.request_timeout);
    if (is_error(answer)) co_return api_error_from_td(answer);
  }
  for (const auto& emoji : wanted) {
    if (chosen.contains(emoji)) continue;
    json::object add{{"@type", "addMessageReaction"},
                     {"chat_id", chat_id},
                     {"message_id", message_id},
                     {"reaction_type", json::object{{"@type", "reactionTypeEmoji"}, {"emoji", emoji}}},
                     {"is_big", false},
                     {"update_recent_reactions", false}};
    json::object answer = co_await client_.request(std::move(add), options_.request_timeout);
    if (is_error(answer)) co_return api_error_from_td(answer);
  }
  co_return ok(true);
}

asio::awaitable<ApiResult> TdFrontendApi::get_me() {
  json::object request{{"@type", "getMe"}};
  json::object answer = co_await client_.request(std::move(request), options_.request_timeout);
  if (is_error(answer)) co_return api_error_from_td(answer);
  co_return ok(bot_user(answer));
}

asio::awaitable<ApiResult> TdFrontendApi::get_chat(json::object params) {
  json::object request{{"@type", "getChat"}, {"chat_id", int_field(params, "chat_id")}};
  json::object answer = co_await client_.request(std::move(request), options_.request_timeout);
  if (is_error(answer)) co_return api_error_from_td(answer);
  co_return ok(bot_chat(answer));
}

// For /new: a username (with or without @) or a phone number → the user, with the private
// chat opened so that sendMessage to them works.
asio::awaitable<ApiResult> TdFrontendApi::resolve_user(json::object params) {
  std::string username = text_field(params, "username");
  const std::string phone = text_field(params, "phone");
  if (!username.empty() && username.front() == '@') username.erase(0, 1);
  if (username.empty() && phone.empty()) co_return bad_request("resolveUser needs username or phone");
  json::object user;
  if (!username.empty()) {
    json::object request{{"@type", "searchPublicChat"}, {"username", username}};
    json::object chat = co_await client_.request(std::move(request), options_.request_timeout);
    if (is_error(chat)) co_return api_error_from_td(chat);
    const auto* type = chat.if_contains("type");
    if (type == nullptr || !type->is_object() ||
        text_field(type->get_object(), "@type") != "chatTypePrivate") {
      co_return bad_request("@" + username + " is not a user");
    }
    json::object get_user{{"@type", "getUser"}, {"user_id", int_field(type->get_object(), "user_id")}};
    user = co_await client_.request(std::move(get_user), options_.request_timeout);
  } else {
    json::object request{{"@type", "searchUserByPhoneNumber"}, {"phone_number", phone}};
    user = co_await client_.request(std::move(request), options_.request_timeout);
  }
  if (is_error(user)) co_return api_error_from_td(user);
  ApiResult known = co_await ensure_chat_known(int_field(user, "id"));
  if (!known.ok) co_return known;
  co_return ok(bot_user(user));
}

namespace {

constexpr int kStoryActiveSeconds = 86400;  // a story stays visible for a day

// The remote file id of a TDLib file object ({remote:{id}}); empty when it has none.
std::string remote_file_id(const json::object* file) {
  const auto* remote = file != nullptr ? object_field(*file, "remote") : nullptr;
  return remote != nullptr ? text_field(*remote, "id") : std::string();
}

// A photo or video message's content as the inputStoryContent that posts it again; an empty
// object for any other content.
json::object story_content(const json::object& content) {
  const std::string_view type = type_of(content);
  if (type == "messagePhoto") {
    const auto* photo = object_field(content, "photo");
    const auto* sizes = photo != nullptr ? photo->if_contains("sizes") : nullptr;
    if (sizes == nullptr || !sizes->is_array() || sizes->get_array().empty()) return {};
    const auto* largest = sizes->get_array().back().if_object();  // TDLib lists sizes smallest first
    std::string id = largest != nullptr ? remote_file_id(object_field(*largest, "photo")) : "";
    if (id.empty()) return {};
    return json::object{{"@type", "inputStoryContentPhoto"},
                        {"photo", json::object{{"@type", "inputFileRemote"}, {"id", id}}},
                        {"added_sticker_file_ids", json::array{}}};
  }
  if (type == "messageVideo") {
    const auto* video = object_field(content, "video");
    std::string id = video != nullptr ? remote_file_id(object_field(*video, "video")) : "";
    if (id.empty()) return {};
    return json::object{{"@type", "inputStoryContentVideo"},
                        {"video", json::object{{"@type", "inputFileRemote"}, {"id", id}}},
                        {"added_sticker_file_ids", json::array{}},
                        {"duration", static_cast<double>(int_field(*video, "duration"))},
                        {"cover_frame_timestamp", 0.0},
                        {"is_animation", false}};
  }
  return {};
}

}  // namespace

// The photo or video of a message in `from_chat_id`, posted as the account's story for
// `user_ids` only (storyPrivacySettingsSelectedUsers).
asio::awaitable<ApiResult> TdFrontendApi::post_story(json::object params) {
  const std::int64_t from_chat_id = int_field(params, "from_chat_id");
  const std::int64_t message_id = to_td_message_id(int_field(params, "message_id"));
  if (message_id == 0) co_return bad_request("message_id is required");
  ApiResult known = co_await ensure_chat_known(from_chat_id);
  if (!known.ok) co_return known;
  json::object get_message{{"@type", "getMessage"}, {"chat_id", from_chat_id}, {"message_id", message_id}};
  json::object message = co_await client_.request(std::move(get_message), options_.request_timeout);
  if (is_error(message)) co_return api_error_from_td(message);
  const auto* content = object_field(message, "content");
  json::object input = content != nullptr ? story_content(*content) : json::object{};
  if (input.empty()) co_return bad_request("the message has no photo or video to post as a story");
  json::object get_me{{"@type", "getMe"}};
  json::object me = co_await client_.request(std::move(get_me), options_.request_timeout);
  if (is_error(me)) co_return api_error_from_td(me);
  json::array users;
  for (const auto& id : array_field(params, "user_ids")) users.push_back(json_int(&id).value_or(0));
  json::object request{{"@type", "postStory"},
                       {"chat_id", int_field(me, "id")},  // the account's own chat: its story
                       {"content", std::move(input)},
                       {"areas", nullptr},
                       {"caption", formatted_text(text_field(params, "caption"), json::array{})},
                       {"privacy_settings", json::object{{"@type", "storyPrivacySettingsSelectedUsers"},
                                                         {"user_ids", std::move(users)}}},
                       {"active_period", kStoryActiveSeconds},
                       {"from_story_full_id", nullptr},
                       {"is_posted_to_chat_page", false},
                       {"protect_content", false}};
  json::object story = co_await client_.request(std::move(request), options_.request_timeout);
  if (is_error(story)) co_return api_error_from_td(story);
  if (flag_field(story, "is_being_posted")) {  // a temporary id until updateStoryPostSucceeded
    auto outcome = co_await tracker_->wait(client_.executor(),
                                           MessageKey{SendTracker::kStoryKey, int_field(story, "id")},
                                           options_.send_timeout);
    if (!outcome) {
      co_return api_error_from_td(make_error_object(0, "Telegram did not confirm the story within " +
                                                           std::to_string(options_.send_timeout.count()) +
                                                           " ms"));
    }
    if (!outcome->ok) co_return api_error_from_td(outcome->message);
    story = std::move(outcome->message);
  }
  co_return ok(json::object{{"story_id", int_field(story, "id")}});
}

}  // namespace topicdesk::telegram::tdlib
