// Fuzz target for the TDLib JSON adapter: whatever libtdjson hands the receive loop, the
// adapter gives nothing, a parse error, or an event the inbox can store and read back — never
// a crash, an exception or undefined behaviour. An input is one or more messages as td_receive
// returns them, one per line, read as the runtime reads them, then adapted twice: without and
// with MONITOR_GROUPS, each with the ProfileCache of one session (what a message sent from
// elsewhere and then edited needs).
// With libFuzzer: build with -fsanitize=fuzzer -DTD_LIBFUZZER.
#include <algorithm>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_json.h"
#include "telegram/tdlib/td_adapter.h"
#include "telegram/tdlib/td_frontend_api.h"
#include "tests/fuzz/fuzz_driver.h"

namespace {
using topicdesk::fuzz::outcomes;
using topicdesk::fuzz::violated;
namespace json = boost::json;
namespace core = topicdesk::core;
namespace tdlib = topicdesk::telegram::tdlib;
using core::EventKind;

constexpr core::ChatId kGroup = -1001234567890;
constexpr core::UserId kSelf = 5000;
constexpr core::UnixMillis kNow = 1'700'000'123'000;

bool adapter_makes(EventKind kind) {
  switch (kind) {
    case EventKind::kUserMessage:
    case EventKind::kUserEdit:
    case EventKind::kOperatorMessage:
    case EventKind::kOperatorEdit:
    case EventKind::kOutgoingSeen:
    case EventKind::kOutgoingEdit:
    case EventKind::kTopicClosedInApp:
    case EventKind::kTopicReopenedInApp:
      return true;
    default:
      return false;
  }
}

void check_event(const core::Event& e, const tdlib::AdapterContext& context, std::string_view input) {
  const std::string stored = core::event_to_json(e);
  if (!adapter_makes(e.kind)) violated("an event kind the adapter never makes", input, stored);
  if (e.update_id < (std::int64_t{1} << 62)) violated("update_id without the TDLib mark", input, stored);
  if (e.message_id <= 0 || e.thread_id < 0)
    violated("a message or thread id that is not positive", input, stored);
  if (e.chat_id == kSelf || e.chat_id == core::kTelegramServiceUserId)
    violated("Saved Messages or Telegram's service chat relayed", input, stored);
  const bool group = e.chat_id == kGroup;
  const bool operator_kind = e.kind == EventKind::kOperatorMessage || e.kind == EventKind::kOperatorEdit ||
                             e.kind == EventKind::kTopicClosedInApp ||
                             e.kind == EventKind::kTopicReopenedInApp;
  if (group != operator_kind)
    violated("operator traffic outside the backend group (or the reverse)", input, stored);
  if (!group && e.chat_id < 0 && !context.monitor_groups) violated("another group relayed", input, stored);
  if (!e.entities_json.empty()) {
    boost::system::error_code ec;
    if (!json::parse(e.entities_json, ec).is_array() || ec)
      violated("entities are not a JSON array", input, stored);
  }
  auto read_back = core::event_from_json(stored);
  if (!read_back) violated("the inbox cannot read the event back", input, read_back.error().message);
  if (core::event_to_json(*read_back) != stored)
    violated("the event changes through the inbox", input, stored);
  // The way back (an operator's reply with these entities) must not trip either.
  json::value entities = e.entities_json.empty() ? json::value(json::array()) : json::parse(e.entities_json);
  (void)tdlib::formatted_text(e.text, entities.as_array());
}

void adapt(const json::object& update, const tdlib::AdapterContext& context, tdlib::ProfileCache& profiles,
           std::string_view input) {
  auto incoming = tdlib::make_incoming(update, context, profiles, kNow);
  if (!incoming) {
    ++outcomes()["ignored"];
    return;
  }
  if (incoming->event.has_value() == !incoming->parse_error.empty())
    violated("exactly one of event and parse_error must be set", input, incoming->parse_error);
  if (!incoming->event) {
    ++outcomes()["parse error"];
    return;
  }
  ++outcomes()[core::to_string(incoming->event->kind)];
  if (incoming->update_id != incoming->event->update_id) violated("update ids differ", input, "");
  check_event(*incoming->event, context, input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // One session's caches per input, so an input means the same whatever ran before it.
  tdlib::ProfileCache desk_profiles;
  tdlib::ProfileCache monitoring_profiles;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty()) {  // one td_receive message per line
    const auto end = rest.find('\n');
    const std::string_view input = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    boost::system::error_code ec;
    json::value value = json::parse(input, ec);  // as TdRuntime::deliver reads it
    if (ec || !value.is_object()) continue;
    const auto& update = value.get_object();
    adapt(update, {.backend_group_id = kGroup, .self_id = kSelf, .monitor_groups = false}, desk_profiles,
          input);
    adapt(update, {.backend_group_id = kGroup, .self_id = kSelf, .monitor_groups = true}, monitoring_profiles,
          input);
    if (const auto* user = update.if_contains("user"); user && user->is_object()) {
      (void)tdlib::bot_user(user->get_object());  // /new answers with it
    }
    if (const auto* type = update.if_contains("@type");
        type && type->is_string() && type->get_string() == "error") {
      // TDLib's answer to a request the dispatcher made: a Bot API error the dispatcher can act on.
      auto error = tdlib::api_error_from_td(update);
      if (error.ok || error.retry_after < 0)
        violated("a TDLib error became no error", input, error.description);
      ++outcomes()["error answer"];
    }
  }
  return 0;
}

#ifndef TD_LIBFUZZER

namespace {

// Shapes as TDLib 1.8 writes them (tests/unit/telegram/tdlib, docs/tdlib-subset.md, sim/td).
const std::vector<std::string>
    kSeeds =
        {
            R"({"@type":"updateNewMessage","message":{"@type":"message","id":5242880,"sender_id":{"@type":"messageSenderUser","user_id":7001},"chat_id":7001,"is_outgoing":false,"date":1700000000,"edit_date":0,"media_album_id":"0","message_thread_id":0,"content":{"@type":"messageText","text":{"@type":"formattedText","text":"Hi 🙂 bold","entities":[{"@type":"textEntity","offset":6,"length":4,"type":{"@type":"textEntityTypeBold"}}]}}},"@client_id":1})",
            R"({"@type":"updateNewMessage","message":{"@type":"message","id":10485760,"sender_id":{"@type":"messageSenderUser","user_id":5000},"chat_id":7001,"is_outgoing":true,"date":1700000001,"media_album_id":"0","content":{"@type":"messageText","text":{"@type":"formattedText","text":"from my phone","entities":[]}}}})",
            R"({"@type":"updateNewMessage","message":{"@type":"message","id":10485761,"sender_id":{"@type":"messageSenderUser","user_id":5000},"chat_id":7001,"is_outgoing":true,"date":1700000001,"sending_state":{"@type":"messageSendingStatePending","sending_id":0},"content":{"@type":"messageText","text":{"@type":"formattedText","text":"sent by the desk","entities":[]}}}})",
            R"({"@type":"updateNewMessage","message":{"@type":"message","id":209715200,"sender_id":{"@type":"messageSenderUser","user_id":8001},"chat_id":-1001234567890,"is_outgoing":false,"date":1700000002,"message_thread_id":104857600,"is_topic_message":true,"reply_to":{"@type":"messageReplyToMessage","chat_id":-1001234567890,"message_id":157286400},"content":{"@type":"messageText","text":{"@type":"formattedText","text":"hello","entities":[]}}}})",
            R"({"@type":"updateNewMessage","message":{"@type":"message","id":209715200,"sender_id":{"@type":"messageSenderChat","chat_id":-1001234567890},"chat_id":-1001234567890,"is_outgoing":false,"date":1700000002,"topic_id":{"@type":"messageTopicForum","forum_topic_id":100},"content":{"@type":"messageText","text":{"@type":"formattedText","text":"x","entities":[]}}}})",
            R"({"@type":"updateNewMessage","message":{"@type":"message","id":220200960,"sender_id":{"@type":"messageSenderUser","user_id":8001},"chat_id":-1001234567890,"is_outgoing":false,"date":1700000003,"message_thread_id":104857600,"content":{"@type":"messageForumTopicIsClosedToggled","is_closed":true}}})",
            R"({"@type":"updateNewMessage","message":{"@type":"message","id":5242880,"sender_id":{"@type":"messageSenderUser","user_id":7001},"chat_id":7001,"is_outgoing":false,"date":1,"media_album_id":"13579","content":{"@type":"messagePhoto","photo":{"@type":"photo","sizes":[]},"caption":{"@type":"formattedText","text":"look","entities":[{"@type":"textEntity","offset":0,"length":4,"type":{"@type":"textEntityTypeTextUrl","url":"https://example.org/"}}]}}}})",
            R"({"@type":"updateNewMessage","message":{"@type":"message","id":5242880,"sender_id":{"@type":"messageSenderUser","user_id":7001},"chat_id":7001,"is_outgoing":false,"date":1,"content":{"@type":"messageContact","contact":{"@type":"contact","phone_number":"+15550100","user_id":7001}}}})",
            R"({"@type":"updateNewMessage","message":{"@type":"message","id":3145728,"sender_id":{"@type":"messageSenderUser","user_id":7002},"chat_id":-1005555,"is_outgoing":false,"date":1,"content":{"@type":"messageText","text":{"@type":"formattedText","text":"in a monitored group","entities":[{"@type":"textEntity","offset":0,"length":2,"type":{"@type":"textEntityTypePreCode","language":"cpp"}},{"@type":"textEntity","offset":3,"length":1,"type":{"@type":"textEntityTypeMentionName","user_id":7001}},{"@type":"textEntity","offset":4,"length":2,"type":{"@type":"textEntityTypeCustomEmoji","custom_emoji_id":"5368324170671202286"}},{"@type":"textEntity","offset":7,"length":1,"type":{"@type":"textEntityTypeMediaTimestamp","media_timestamp":3}}]}}}})",
            R"({"@type":"updateMessageContent","chat_id":7001,"message_id":5242880,"new_content":{"@type":"messageText","text":{"@type":"formattedText","text":"Hi, edited","entities":[]}}})",
            R"({"@type":"updateMessageContent","chat_id":-1001234567890,"message_id":209715200,"new_content":{"@type":"messageText","text":{"@type":"formattedText","text":"fixed","entities":[]}}})",
            R"({"@type":"updateMessageEdited","chat_id":7001,"message_id":5242880,"edit_date":1700000100})",
            // The owner's message from another device, its new content, then the edit with a keyboard.
            R"({"@type":"updateUser","user":{"@type":"user","id":5000,"first_name":"Shop","type":{"@type":"userTypeBot"}}})"
            "\n"
            R"({"@type":"updateNewMessage","message":{"@type":"message","id":9437184,"sender_id":{"@type":"messageSenderUser","user_id":5000},"chat_id":7001,"is_outgoing":true,"date":1700000001,"content":{"@type":"messageText","text":{"@type":"formattedText","text":"Menu","entities":[]}}}})"
            "\n"
            R"({"@type":"updateMessageContent","chat_id":7001,"message_id":9437184,"new_content":{"@type":"messageText","text":{"@type":"formattedText","text":"New menu","entities":[{"@type":"textEntity","offset":0,"length":3,"type":{"@type":"textEntityTypeBold"}}]}}})"
            "\n"
            R"({"@type":"updateMessageEdited","chat_id":7001,"message_id":9437184,"edit_date":1700000100,"reply_markup":{"@type":"replyMarkupInlineKeyboard","rows":[[{"@type":"inlineKeyboardButton","text":"Tea","type":{"@type":"inlineKeyboardButtonTypeCallback","data":"dGVh"}},{"@type":"inlineKeyboardButton","text":"Shop","type":{"@type":"inlineKeyboardButtonTypeUrl","url":"https://s.example"}}],[{"@type":"inlineKeyboardButton","text":"App","type":{"@type":"inlineKeyboardButtonTypeWebApp","url":"https://a.example"}}]]}})",
            R"({"@type":"updateMessageSendSucceeded","old_message_id":10485761,"message":{"@type":"message","id":10485760,"chat_id":7001,"is_outgoing":true,"date":1,"content":{"@type":"messageText","text":{"@type":"formattedText","text":"x","entities":[]}}}})",
            R"({"@type":"updateUser","user":{"@type":"user","id":7001,"first_name":"Alice","last_name":"Liddell","usernames":{"@type":"usernames","active_usernames":["alice","alice2"],"disabled_usernames":[],"editable_username":"alice"},"phone_number":"4915112345","language_code":"de","type":{"@type":"userTypeRegular"}}})",
            R"({"@type":"updateUser","user":{"@type":"user","id":"7003","first_name":"Helper","username":"helper_bot","type":{"@type":"userTypeBot"}}})",
            R"({"@type":"updateAuthorizationState","authorization_state":{"@type":"authorizationStateWaitPhoneNumber"},"@client_id":1})",
            R"({"@type":"updateConnectionState","state":{"@type":"connectionStateReady"}})",
            R"({"@type":"error","code":400,"message":"Method not supported by tgsim","@extra":"7"})",
            R"({"@type":"error","code":429,"message":"Too Many Requests: retry after 5","@extra":"8"})",
            R"({"@type":"error","code":403,"message":"USER_IS_BLOCKED"})",
            R"({"@type":"error","code":404,"message":"Chat not found"})",
};

constexpr std::string_view kInteresting = "{}[]\":,-0123456789.eE\\\"@_";

}  // namespace

int main(int argc, char** argv) {
  const std::string message_head =
      R"({"@type":"updateNewMessage","message":{"@type":"message","id":5242880,"chat_id":7001,)";
  const std::string text_content =
      R"("content":{"@type":"messageText","text":{"@type":"formattedText","text":"x"}}}})";
  int result = topicdesk::fuzz::run_driver(
      argc, argv,
      {.name = "td_adapter_fuzz",
       .seeds = kSeeds,
       .extremes =
           {std::string(100000, '[') + std::string(100000, ']'),
            R"({"@type":"error","code":429,"message":"Too Many Requests: retry after 99999999999999"})",
            message_head + R"("date":9223372036854775807,)" + text_content,
            message_head + R"("date":"-9223372036854775808",)" + text_content,
            message_head + R"("topic_id":{"forum_topic_id":9223372036854775807},)" + text_content,
            message_head + R"("media_album_id":"18446744073709551615",)" + text_content,
            R"({"@type":"updateNewMessage","message":{"@type":"message","id":"9223372036854775807","chat_id":"7001",)" +
                text_content},
       .interesting = kInteresting,
       .max_copied_run = 48});
  return result;
}
#endif
