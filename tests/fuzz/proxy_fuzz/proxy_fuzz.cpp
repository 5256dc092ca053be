// Fuzz target for the Bot API proxy's parsing: what the bot's program sends and what Telegram
// answers may be anything, and the proxy must still forward it unchanged — so parsing never
// crashes or throws, and what it records (intercepted events in the inbox) reads back intact.
//
// Input: one selector byte, then lines. Selector % 3:
//   0  a call: "<target>\n<content type>\n<body>" → the path (parse_call_path, method_key,
//      file_target), call_params (query string, urlencoded,
//      JSON or multipart), the typed values getUpdates and setWebhook read (allowed_updates
//      must survive being stored), then the copyMessage path that reads chat_id from them;
//   1  an answer: "<method>\n<params JSON>\n<Telegram's answer>" → sent_messages, as intercept();
//   2  an update as Telegram sent it → classify_update (what the program gets).
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
#include "proxy/bot_api_proxy.h"
#include "proxy/proxy_parsing.h"
#include "tests/fuzz/fuzz_driver.h"

namespace {
using topicdesk::fuzz::outcomes;
using topicdesk::fuzz::violated;
namespace json = boost::json;
namespace core = topicdesk::core;
namespace proxy = topicdesk::proxy;
namespace bhttp = boost::beast::http;

constexpr core::ChatId kGroup = -1001987654321;
constexpr core::UserId kBot = 7000000001;

// The next line of `rest` (without '\n'); `rest` keeps what follows.
std::string_view next_line(std::string_view& rest) {
  auto end = rest.find('\n');
  std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return line;
}

// A header value as an HTTP parser hands it over: no CR, LF or NUL.
std::string header_text(std::string_view text) {
  std::string out(text);
  std::erase_if(out, [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
  return out;
}

// What intercept() records: kOutgoingSeen / kOutgoingEdit events that the inbox reads back.
void check_events(const std::vector<core::Event>& events, std::string_view input) {
  for (const auto& e : events) {
    const std::string stored = core::event_to_json(e);
    if (e.kind != core::EventKind::kOutgoingSeen && e.kind != core::EventKind::kOutgoingEdit)
      violated("an intercepted event of another kind", input, stored);
    // Private chats only (by their type; Telegram gives them the user's id): never the group.
    if (e.chat_id == kGroup || e.chat_id == 0)
      violated("an intercepted event in the backend group", input, stored);
    auto read_back = core::event_from_json(stored);
    if (!read_back) violated("the inbox cannot read the event back", input, read_back.error().message);
    if (core::event_to_json(*read_back) != stored)
      violated("the event changes through the inbox", input, stored);
  }
  ++outcomes()[events.empty() ? "answer: nothing intercepted" : "answer: intercepted"];
}

const topicdesk::telegram::ParseContext& context() {
  static const topicdesk::telegram::ParseContext c{kBot, {kGroup}};
  return c;
}

// The path as the proxy reads it: a method name is letters, digits and '_' only, lower-cased; a
// file path sent upstream has no dot segment and reads back as the same file.
void check_path(std::string_view target, std::string_view input) {
  auto path = proxy::parse_call_path(target.substr(0, target.find('?')));
  ++outcomes()[path ? "call: a proxy path" : "call: no proxy path"];
  if (!path) return;
  if (auto method = proxy::method_key(path->rest)) {
    if (method->empty() || !std::all_of(method->begin(), method->end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        }))
      violated("a method key other than [a-z0-9_]+", input, *method);
  }
  if (auto file = proxy::file_target(path->rest)) {
    const std::string upstream = "/" + *file + "/";
    if (upstream.find("/../") != std::string::npos || upstream.find("/./") != std::string::npos ||
        upstream.find("//") != std::string::npos)
      violated("a file path with a dot or empty segment upstream", input, *file);
    auto again = proxy::parse_call_path("/file/botT/" + *file);
    if (!again || again->rest != path->rest) violated("a file path that reads back as another", input, *file);
  }
}

void fuzz_call(std::string_view input) {
  std::string_view rest = input;
  std::string target = header_text(next_line(rest));
  check_path(target, input);
  std::string content_type = header_text(next_line(rest));
  topicdesk::http::Request request{bhttp::verb::post, target.empty() ? "/" : target, 11};
  if (!content_type.empty()) request.set(bhttp::field::content_type, content_type);
  request.body() = std::string(rest);
  json::object params = proxy::call_params(request);
  ++outcomes()[params.empty() ? "call: no parameters" : "call: parameters"];
  for (const char* key : {"offset", "limit", "timeout", "max_connections"})
    (void)proxy::int_param(params, key);
  // allowed_updates is stored as JSON and read back with a throwing parse (allowed_kinds).
  if (auto kinds = proxy::list_param(params, "allowed_updates")) {
    json::array stored;
    for (const auto& kind : *kinds) stored.emplace_back(kind);
    boost::system::error_code ec;
    json::value read_back = json::parse(json::serialize(stored), ec);
    if (ec || read_back != json::value(stored))
      violated("allowed_updates do not read back", input, json::serialize(stored));
    ++outcomes()["call: allowed_updates"];
  }
  // copyMessage answers a MessageId: the chat is read from the call's chat_id.
  check_events(proxy::sent_messages("copyMessage", params, json::parse(R"({"message_id":11})"), context()),
               input);
}

void fuzz_answer(std::string_view input) {
  std::string_view rest = input;
  std::string method(next_line(rest));
  std::string_view params_text = next_line(rest);
  boost::system::error_code ec;
  json::value params = json::parse(params_text, ec);
  if (ec || !params.is_object()) params = json::object();
  json::value answer = json::parse(rest, ec);  // as intercept() reads Telegram's answer
  if (ec || !answer.is_object()) return;
  const auto* result = answer.get_object().if_contains("result");
  if (!result) return;
  auto events = proxy::sent_messages(method, params.get_object(), *result, context());
  if (auto edit = proxy::edited_message(method, *result, context())) events.push_back(std::move(*edit));
  check_events(events, input);
}

void fuzz_update(std::string_view input) {
  auto update = proxy::classify_update(input, kGroup);
  ++outcomes()[update ? "update: for the program" : "update: the desk's own"];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      fuzz_call(input);
      break;
    case 1:
      fuzz_answer(input);
      break;
    default:
      fuzz_update(input);
      break;
  }
  return 0;
}

#ifndef TD_LIBFUZZER

namespace {

// Calls as grammY and the unit tests make them (tests/unit/proxy), answers as Telegram gives them.
const std::vector<std::string> kCalls = {
    "/botT/get%55pdates\n\n",
    "/bot%54/getUpdates/\n\n",
    "/file/botT/photos/../%2e%2e/file%201.jpg\n\n",
    "/botT/getUpdates?offset=5&timeout=2&allowed_updates=%5B%22message%22%5D\n\n",
    "/botT/getUpdates\napplication/"
    "json\n{\"offset\":7,\"limit\":100,\"allowed_updates\":[\"message\",\"callback_query\"]}",
    "/botT/sendMessage\napplication/"
    "x-www-form-urlencoded\nchat_id=42&text=a%20b+c&reply_markup=%7B%22inline_keyboard%22%3A%5B%5D%7D",
    "/botT/copyMessage\napplication/json; "
    "charset=utf-8\n{\"chat_id\":\"42\",\"from_chat_id\":42,\"message_id\":7}",
    "/botT/copyMessage?chat_id=-42&from_chat_id=1&message_id=2\n\n",
    "/botT/sendPhoto\nmultipart/form-data; boundary=XyZ\n--XyZ\r\nContent-Disposition: form-data; "
    "name=\"chat_id\"\r\n\r\n42\r\n--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; "
    "filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xFF\xD8\xFF\r\n--XyZ\r\nContent-Disposition: "
    "form-data; name=\"caption\"\r\n\r\nlook\r\n--XyZ--\r\n",
    "/botT/sendDocument\nmultipart/form-data; boundary=\"quoted b\"\n--quoted b\r\nContent-Disposition: "
    "form-data; name=\"chat_id\"\r\n\r\n42\r\n--quoted b--",
    "/botT/setWebhook\napplication/"
    "x-www-form-urlencoded\nurl=https%3A%2F%2Fbot.example%2Fhook&secret_token=s3&"
    "max_connections=40&drop_pending_updates=true",
};
const std::vector<std::string> kAnswers = {
    "sendMessage\n{}\n{\"ok\":true,\"result\":{\"message_id\":7,\"date\":1700000000,\"from\":{\"id\":"
    "7000000001,"
    "\"is_bot\":true,\"first_name\":\"Shop\"},\"chat\":{\"id\":42,\"type\":\"private\",\"first_name\":"
    "\"Ann\"},"
    "\"text\":\"Hi\",\"entities\":[{\"offset\":0,\"length\":2,\"type\":\"bold\"}],\"reply_markup\":{\"inline_"
    "keyboard\":[[{\"text\":\"A\",\"callback_data\":\"a\"},{\"text\":\"Open\",\"web_app\":{\"url\":\"https://"
    "app.example/\"}}]]}}}",
    "sendMediaGroup\n{\"chat_id\":42}\n{\"ok\":true,\"result\":[{\"message_id\":8,\"date\":1,\"chat\":{"
    "\"id\":42,"
    "\"type\":\"private\"},\"media_group_id\":\"g\",\"photo\":[{\"file_id\":\"p\",\"file_unique_id\":\"u\","
    "\"width\":1,\"height\":1}],\"caption\":\"c\"},{\"message_id\":9,\"date\":1,\"chat\":{\"id\":42,\"type\":"
    "\"private\"},\"media_group_id\":\"g\",\"video\":{\"file_id\":\"v\",\"file_unique_id\":\"w\",\"width\":1,"
    "\"height\":1,\"duration\":1}}]}",
    "copyMessage\n{\"chat_id\":42,\"from_chat_id\":42,\"message_id\":7}\n{\"ok\":true,\"result\":{\"message_"
    "id\":"
    "11}}",
    "copyMessages\n{\"chat_id\":\"42\"}\n{\"ok\":true,\"result\":[{\"message_id\":12},{\"message_id\":13}]}",
    "sendMessage\n{}\n{\"ok\":true,\"result\":{\"message_id\":1,\"date\":1,\"chat\":{\"id\":-100,\"type\":"
    "\"supergroup\"},\"text\":\"x\"}}",
    "sendLocation\n{}\n{\"ok\":true,\"result\":{\"message_id\":3,\"date\":1,\"chat\":{\"id\":42,\"type\":"
    "\"private\"},\"location\":{\"latitude\":52.5,\"longitude\":13.4}}}",
    "editMessageText\n{}\n{\"ok\":true,\"result\":true}",
    "editMessageText\n{}\n{\"ok\":true,\"result\":{\"message_id\":7,\"date\":1700000000,\"edit_date\":"
    "1700000100,\"chat\":{\"id\":42,\"type\":\"private\"},\"text\":\"Menu: page 2\",\"reply_markup\":{"
    "\"inline_keyboard\":[[{\"text\":\"Back\",\"callback_data\":\"p1\"}]]}}}",
    "editMessageMedia\n{}\n{\"ok\":true,\"result\":{\"message_id\":8,\"date\":1,\"chat\":{\"id\":42,\"type\":"
    "\"private\"},\"photo\":[{\"file_id\":\"p\",\"file_unique_id\":\"u\",\"width\":1,\"height\":1}],"
    "\"caption\":\"new\"}}",
    "sendMessage\n{}\n{\"ok\":false,\"error_code\":403,\"description\":\"Forbidden: bot was blocked by the "
    "user\"}",
};
const std::vector<std::string> kUpdates = {
    R"({"update_id":1,"message":{"message_id":1,"chat":{"id":-1001987654321,"type":"supergroup"}}})",
    R"({"update_id":2,"callback_query":{"id":"q","from":{"id":42,"is_bot":false,"first_name":"A"},"message":{"message_id":5,"chat":{"id":42,"type":"private"}},"data":"a"}})",
    R"({"update_id":3,"my_chat_member":{"chat":{"id":42,"type":"private"},"from":{"id":42},"date":1}})",
    R"({"update_id":4,"inline_query":{"id":"x","query":"tea"}})",
    "not json",
};

std::vector<std::string> seeds() {
  std::vector<std::string> out;
  for (const auto& c : kCalls) out.push_back(std::string(1, '\x00') + c);
  for (const auto& a : kAnswers) out.push_back(std::string(1, '\x01') + a);
  for (const auto& u : kUpdates) out.push_back(std::string(1, '\x02') + u);
  return out;
}

constexpr std::string_view kInteresting = "{}[]\":,-0123456789%&=+;\r\n\"\\";

}  // namespace

int main(int argc, char** argv) {
  int result = topicdesk::fuzz::run_driver(
      argc, argv,
      {.name = "proxy_fuzz",
       .seeds = seeds(),
       .extremes =
           {std::string(1, '\x00') + "/botT/x\napplication/json\n" + std::string(100000, '['),
            std::string(1, '\x00') + "/botT/x?" + std::string(50000, '&') + "\n\n",
            std::string(1, '\x00') + "/botT/x\nmultipart/form-data; boundary=\n" + std::string(20000, '-'),
            std::string(1, '\x00') + "/botT/x\nmultipart/form-data; boundary=\"\n--\"\r\n\r\n--\"",
            std::string(1, '\x01') + "sendMessage\n{}\n{\"ok\":true,\"result\":" + std::string(50000, '[') +
                std::string(50000, ']') + "}",
            std::string(1, '\x01') + "copyMessage\n{\"chat_id\":\"99999999999999999999\"}\n{\"result\":{" +
                "\"message_id\":1}}",
            std::string(1, '\x02') + std::string(100000, '{')},
       .interesting = kInteresting,
       .max_copied_run = 48});
  return result;
}
#endif
