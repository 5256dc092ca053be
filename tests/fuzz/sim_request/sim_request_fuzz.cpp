// libFuzzer entry point: one Bot API request, written as
//   <method>\n<query string>\n<content type>\n<body>
// or, when the first line starts with "/sim/", one control API request:
//   /sim/<path>\n<query string>\n<GET|POST>\n<body>
// routed and executed against a small world (a started private chat, a forum with a topic).
// Any crash, sanitizer report or non-Bot-API answer shape is a bug.
#include <boost/json/parse.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "sim/botapi/bot_api.h"
#include "sim/botapi/faults.h"
#include "sim/control/control_api.h"
#include "sim/model/text.h"

namespace {

struct Fixture {
  tgsim::model::World world{42};
  tgsim::model::FloodLimiter limiter;
  tgsim::botapi::Stats stats;
  tgsim::botapi::BotApi api{world, limiter, stats, false};
  tgsim::botapi::Faults faults;
  tgsim::control::ControlApi control{world, faults, stats, api};
  std::string token;

  Fixture() {
    auto user = world.create_user({"Ann", "", "ann", "en", ""});
    auto bot = world.create_bot("fuzz_bot", "Fuzz", false);
    auto group = world.create_group("Forum", true, *user);
    (void)world.set_member(*group, bot->id, tgsim::model::MemberStatus::kAdministrator,
                           boost::json::object{{"can_manage_topics", true}, {"can_delete_messages", true}});
    auto chat = world.chat_for_person(*user, bot->id);
    tgsim::model::MessageInput hello;
    hello.content["text"] = "/start";
    (void)world.post(**chat, *user, hello);
    auto forum = world.group(*group);
    (void)world.create_topic(**forum, bot->id, "Topic", 7322096, "");
    token = bot->token;
  }
};

std::string_view next_line(std::string_view& input) {
  auto end = input.find('\n');
  std::string_view line = input.substr(0, end);
  input = end == std::string_view::npos ? std::string_view{} : input.substr(end + 1);
  return line;
}

void check_shape(const tgsim::botapi::Reply& reply, bool control = false) {
  if (reply.content_type != "application/json") return;
  boost::json::error_code ec;
  auto parsed = boost::json::parse(reply.body, ec);
  // Control API successes are plain objects; its errors and every Bot API answer carry "ok".
  if (control && reply.status == 200) {
    if (ec || !parsed.is_object()) {
      std::fprintf(stderr, "control answer is not a JSON object: %s\n", reply.body.c_str());
      std::abort();
    }
    return;
  }
  bool ok = !ec && parsed.is_object() && parsed.as_object().contains("ok");
  if (ok && !parsed.as_object().at("ok").as_bool()) {
    const auto* code = parsed.as_object().if_contains("error_code");
    ok = code && code->is_int64() && code->get_int64() == reply.status;
  }
  if (!ok) {
    std::fprintf(stderr, "answer is not in the Bot API shape: %d %s\n", reply.status, reply.body.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto* fixture = new Fixture();  // one world for the whole run, as a long-lived server has
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view method = next_line(input);
  std::string_view query = next_line(input);
  std::string_view content_type = next_line(input);
  if (method.starts_with("/sim/")) {
    check_shape(fixture->control.handle(content_type, method, query, input), /*control=*/true);
    fixture->faults.clear();  // injected faults must not hide the Bot API from later inputs
    return 0;
  }
  std::string path = "/bot" + fixture->token + "/" + std::string(method);
  auto call = fixture->api.route(path, query, content_type, input);
  if (!call) {
    check_shape(tgsim::botapi::error_reply(call.error()));
    return 0;
  }
  if (call->method == "getupdates") {
    auto poll = fixture->api.begin_poll(*call);
    if (poll) check_shape(*fixture->api.poll(*call, *poll, true));
    return 0;
  }
  check_shape(fixture->api.execute(*call));
  // The text rules see every string parameter too.
  for (std::string_view mode : {"HTML", "MarkdownV2", "Markdown"}) {
    (void)tgsim::text::format(input, mode, nullptr);
  }
  return 0;
}
