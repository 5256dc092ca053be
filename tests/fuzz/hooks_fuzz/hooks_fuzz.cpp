// Fuzz target for the hook parsers (docs/webhooks.md):
// - the WEBHOOKS parameter: a Parameters whose every entry is an http(s) URL with a host,
//   known event names and well-formed /commands, or an error that starts with "WEBHOOKS";
// - a command hook's HTTP answer: nothing, an error to show operators, or sendMessage fields
//   that survive the outbox (valid JSON, text 1..4096 UTF-16 units, a known parse_mode, rows
//   of URL buttons) — never a crash or an escaping exception.
//
// Input: one selector byte, then the text. Selector % 4: 0 the WEBHOOKS value, 1 an answer with
// Content-Type application/json, 2 one with text/plain, 3 one with application/problem+json.
// With libFuzzer: build with -fsanitize=fuzzer -DTD_LIBFUZZER.
#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/parameters.h"
#include "core/utf8.h"
#include "integrations/command_hooks.h"
#include "relay/jobs.h"
#include "tests/fuzz/fuzz_driver.h"

namespace {
using topicdesk::fuzz::outcomes;
using topicdesk::fuzz::violated;
namespace json = boost::json;
namespace core = topicdesk::core;

constexpr std::size_t kMaxTextUnits = 4096;
constexpr std::size_t kMaxButtonRows = 20;
constexpr std::size_t kMaxButtonsPerRow = 8;

bool is_command_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

void check_webhooks(std::string_view value) {
  auto parsed = core::parse_parameters({{"WEBHOOKS", std::string(value)}});
  ++outcomes()[parsed ? "WEBHOOKS accepted" : "WEBHOOKS refused"];
  if (!parsed) {
    if (!parsed.error().message.starts_with("WEBHOOKS"))
      violated("error does not name WEBHOOKS", value, parsed.error().message);
    return;
  }
  const auto& known = core::webhook_event_names();
  for (const auto& target : parsed->webhooks) {
    auto url = boost::urls::parse_absolute_uri(target.url);
    if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty())
      violated("accepted a URL that is not http(s) with a host", value, target.url);
    for (const auto& event : target.events) {
      if (std::find(known.begin(), known.end(), event) == known.end())
        violated("accepted an unknown event", value, event);
      if (!target.wants_event(event)) violated("a listed event is not wanted", value, event);
    }
    for (const auto& command : target.commands) {
      if (!is_command_name(command)) violated("accepted a malformed /command", value, command);
      if (!target.wants_command(command)) violated("a listed command is not wanted", value, command);
    }
  }
}

void check_buttons(const json::value& markup, std::string_view input, const std::string& message) {
  const auto* keyboard = markup.is_object() ? markup.get_object().if_contains("inline_keyboard") : nullptr;
  if (!keyboard || !keyboard->is_array() || keyboard->get_array().empty() ||
      keyboard->get_array().size() > kMaxButtonRows)
    violated("reply_markup is not an inline keyboard of 1..20 rows", input, message);
  for (const auto& row : keyboard->get_array()) {
    if (!row.is_array() || row.get_array().empty() || row.get_array().size() > kMaxButtonsPerRow)
      violated("a button row is not 1..8 buttons", input, message);
    for (const auto& button : row.get_array()) {
      const auto* o = button.if_object();
      const auto* text = o ? o->if_contains("text") : nullptr;
      const auto* url = o ? o->if_contains("url") : nullptr;
      if (!text || !text->is_string() || text->get_string().empty() || !url || !url->is_string())
        violated("a button lacks text or url", input, message);
    }
  }
}

// The message must reach Telegram: through the outbox job (JSON) and as sendMessage fields.
void check_message(const std::string& message, std::string_view input) {
  topicdesk::relay::JobPayload payload{.text = message};
  auto job = topicdesk::relay::payload_from_json(topicdesk::relay::payload_to_json(payload));
  if (!job || job->text != message) violated("the message does not survive the outbox job", input, message);
  boost::system::error_code ec;
  json::value fields = json::parse(message, ec);
  if (ec || !fields.is_object()) violated("the message is not a JSON object", input, message);
  const auto& o = fields.get_object();
  const auto* text = o.if_contains("text");
  if (!text || !text->is_string() || text->get_string().empty())
    violated("the message has no text", input, message);
  if (core::utf16_length(text->get_string()) > kMaxTextUnits)
    violated("the text is too long", input, message);
  for (const auto& [key, value] : o) {
    if (key == "text") continue;
    if (key == "parse_mode") {
      if (!value.is_string() || (value.get_string() != "HTML" && value.get_string() != "MarkdownV2" &&
                                 value.get_string() != "Markdown"))
        violated("unknown parse_mode", input, message);
    } else if (key == "reply_markup") {
      check_buttons(value, input, message);
    } else {
      violated("a field sendMessage was not meant to get", input, message);
    }
  }
}

void check_answer(std::string_view content_type, std::string_view body) {
  auto answer = topicdesk::integrations::hook_answer_message(content_type, body);
  ++outcomes()[std::string(content_type) + (!answer               ? " refused"
                                            : answer->has_value() ? " posted"
                                                                  : " nothing")];
  if (!answer) {
    if (answer.error().message.empty()) violated("an error without a message", body, "");
    return;
  }
  if (answer->has_value()) check_message(**answer, body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      check_webhooks(text);
      break;
    case 1:
      check_answer("application/json", text);
      break;
    case 2:
      check_answer("text/plain", text);
      break;
    default:
      check_answer("application/problem+json", text);
      break;
  }
  return 0;
}

#ifndef TD_LIBFUZZER

namespace {

// WEBHOOKS values from docs/webhooks.md and the tests, and hook answers as docs/webhooks.md
// describes them.
const std::vector<std::string> kWebhooks = {
    R"({"https://crm.example/hook": ["dialog_created", "message_received", "/activate", "info"]})",
    R"({"http://127.0.0.1:8099/events": ["dialog_created","dialog_reopened","dialog_closed","message_received","message_sent","message_intercepted"],
        "https://n8n.example/webhook/notion?x=1": ["/notion", "/Activate_2"]})",
    R"({})",
    "OFF",
    R"({"ftp://x/": ["dialog_created"]})",
    R"({"https://user:pw@host/": []})",
    R"({"https://host/#frag": ["info"]})",
    R"({"https://host/": "dialog_created"})",
    R"({"https://host/": ["/", "/bad-command", 5, "unknown_event"]})",
    R"(["https://host/"])",
};
const std::vector<std::string> kJsonAnswers = {
    R"({"text": "Plan: <b>pro</b>, paid until 2026-12-01", "parse_mode": "HTML",
        "buttons": [[{"text": "Open in CRM", "url": "https://crm.example/u/1001"}], [{"text": "Chat", "url": "tg://resolve?domain=shop"}]]})",
    R"({"text": "Activated t1 m6 ✅", "parse_mode": "MarkdownV2", "buttons": []})",
    R"({"text": "", "buttons": null, "parse_mode": null})",
    R"({"text": 5})",
    R"({"text": "x", "parse_mode": "html"})",
    R"({"text": "x", "buttons": [[{"text": "a", "url": "javascript:void"}]]})",
    R"({"text": "x", "buttons": [[]]})",
    R"({"other": true})",
};
const std::vector<std::string> kPlainAnswers = {
    "Subscription: pro (until 2026-12-01)\nLinked account: N005",
    "  \r\n\t ",
    "Ünïcödé 🙂 text",
};

std::vector<std::string> seeds() {
  std::vector<std::string> out;
  for (const auto& v : kWebhooks) out.push_back(std::string(1, '\x00') + v);
  for (const auto& a : kJsonAnswers) {
    out.push_back(std::string(1, '\x01') + a);
    out.push_back(std::string(1, '\x03') + a);
  }
  for (const auto& a : kPlainAnswers) out.push_back(std::string(1, '\x02') + a);
  return out;
}

std::string many_buttons(std::size_t rows, std::size_t per_row) {
  std::string row = "[";
  for (std::size_t i = 0; i < per_row; ++i)
    row += std::string(i ? "," : "") + R"({"text":"b","url":"https://x/"})";
  row += "]";
  std::string out = R"({"text":"t","buttons":[)";
  for (std::size_t i = 0; i < rows; ++i) out += (i ? "," : "") + row;
  return out + "]}";
}

constexpr std::string_view kInteresting = "{}[]\":,/_-. \\\xC3\xA9\xF0\x9F\x99\x82\x80\xFF";

}  // namespace

int main(int argc, char** argv) {
  int result = topicdesk::fuzz::run_driver(
      argc, argv,
      {.name = "hooks_fuzz",
       .seeds = seeds(),
       .extremes = {std::string(1, '\x00') + std::string(50000, '{'),
                    std::string(1, '\x01') + std::string(50000, '[') + std::string(50000, ']'),
                    std::string(1, '\x01') + R"({"text":")" + std::string(10000, 'a') + "\"}",
                    std::string(1, '\x01') + R"({"text":")" + std::string(3000, 'a') +
                        std::string(2000, 'x') + "\"}",
                    std::string(1, '\x02') + std::string(20000, 'z'),
                    std::string(1, '\x02') + std::string(4094, 'a') + "\xF0\x9F\x99\x82\xF0\x9F\x99\x82",
                    std::string(1, '\x02') + std::string(5000, '\xFF'),
                    std::string(1, '\x01') + many_buttons(20, 8),
                    std::string(1, '\x01') + many_buttons(21, 1), std::string(1, '\x01') + many_buttons(1, 9),
                    std::string(1, '\x00') + R"({"https://h/": [")" + std::string(40, 'a') + "\"]}"},
       .interesting = kInteresting,
       .max_copied_run = 32});
  return result;
}
#endif
