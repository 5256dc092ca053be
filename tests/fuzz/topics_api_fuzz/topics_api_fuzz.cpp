// Fuzz target for the Topics API handler (POST /api/v1/topic_action): whatever a caller sends,
// the answer is one of the documented statuses with the one JSON shape — {"ok":true,"result":{…}}
// or {"ok":false,"error":{"code","message"}} with a code docs/api.md lists for that status —
// never a crash, an escaping exception, a 401 for a good key, or a hidden user's name.
//
// Input: one selector byte, then the request body. Selector bits 0-2 pick the key (0-2: the
// "shop" connection's, 3-5: the "secret" connection's, which has HIDE_INFO=name, 6: none,
// 7: a wrong one); bit 6 set: the body is written as "name=value" lines (see body_of_lines), so
// most mutations reach the fields instead of the JSON parser; bit 7 set: the request is sent
// kBurst + 5 times in one millisecond (drains the rate limit's bucket, so 429s happen too).
// With libFuzzer: build with -fsanitize=fuzzer -DTD_LIBFUZZER.
#include <algorithm>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/parameters.h"
#include "integrations/api_keys.h"
#include "integrations/topics_api.h"
#include "relay/engine.h"
#include "store/store.h"
#include "tests/fuzz/fuzz_driver.h"

namespace {
using topicdesk::fuzz::outcomes;
using topicdesk::fuzz::violated;
namespace json = boost::json;
namespace integrations = topicdesk::integrations;
namespace relay = topicdesk::relay;
namespace core = topicdesk::core;
namespace store = topicdesk::store;

constexpr core::ChatId kGroup = -1001234567890;
constexpr core::UserId kAnn = 424242;                   // writes to "shop": thread 45
constexpr core::UserId kZeb = 535353;                   // writes to "secret": thread 46
constexpr core::UserId kCleo = 646464;                  // writes to "shop", dialog closed: thread 47
constexpr core::UserId kDara = 757575;                  // known to "shop", no dialog
constexpr std::string_view kHiddenName = "Zebulonius";  // kZeb's name: HIDE_INFO must keep it out
constexpr core::UnixMillis kT0 = 1'763'750'000'000;
constexpr int kBurst = 20;                // the rate limit's bucket: 1000 requests/s, 20 at once
constexpr int kInputsPerFixture = 20000;  // bounds the store's growth (send_message queues jobs)

const std::map<unsigned, std::set<std::string>>& documented_codes() {
  static const std::map<unsigned, std::set<std::string>> codes = {
      {400, {"invalid_json", "missing_field", "invalid_field", "unknown_action"}},
      {401, {"unauthorized"}},
      {404, {"unknown_topic", "unknown_user", "unknown_dialog"}},
      {413, {"body_too_large"}},
      {429, {"rate_limited"}},
  };
  return codes;
}

core::Event user_message(core::UserId user, core::MessageId id, std::string first_name) {
  core::Event e;
  e.kind = core::EventKind::kUserMessage;
  e.update_id = id;
  e.chat_id = user;
  e.message_id = id;
  e.date = kT0;
  e.from =
      core::Person{.id = user, .first_name = std::move(first_name), .username = "u" + std::to_string(user)};
  e.text = "Hello";
  return e;
}

// Two connections in one group, a dialog each with a topic, and a closed one.
struct Fixture {
  std::unique_ptr<store::Store> store = store::open_sqlite(":memory:");
  std::unique_ptr<relay::Engine> shop;
  std::unique_ptr<relay::Engine> secret;
  std::unique_ptr<integrations::TopicsApi> api;
  std::string shop_key;
  std::string secret_key;
  std::int64_t monotonic_ms = 1'000'000;
  int inputs = 0;

  Fixture() {
    store->migrate();
    shop = std::make_unique<relay::Engine>(*store, context("shop", 501, {}));
    secret = std::make_unique<relay::Engine>(*store, context("secret", 502, {{"HIDE_INFO", "name"}}));
    open_dialog(*shop, kAnn, "Ann", 45);
    open_dialog(*secret, kZeb, std::string(kHiddenName), 46);
    auto cleo = open_dialog(*shop, kCleo, "Cleo", 47);
    shop->api_set_status(cleo.id, store::DialogStatus::kClosed, kT0);
    // Known to "shop" but without a dialog (404 unknown_dialog); Ann has a link and fields.
    store->upsert_user(shop->context().id, core::Person{.id = kDara, .first_name = "Dara"}, kT0);
    store->set_user_link(shop->context().id, kAnn, "N005");
    store->set_user_field(shop->context().id, kAnn, "plan", "pro");
    shop_key = *integrations::reset_api_key(*store, shop->context().id, kT0);
    secret_key = *integrations::reset_api_key(*store, secret->context().id, kT0);
    integrations::TopicsApiOptions options;
    options.rate_limit = {.per_second = 1000, .burst = kBurst};
    api = std::make_unique<integrations::TopicsApi>(
        *store, std::vector<integrations::ApiConnection>{{shop.get(), "bot"}, {secret.get(), "proxy"}},
        options);
  }

  relay::ConnectionContext context(std::string name, core::UserId bot, const core::RawParameters& raw) {
    relay::ConnectionContext c;
    c.id = store->ensure_connection(name, bot, kGroup);
    c.name = name;
    c.bot_id = bot;
    c.bot_username = name + "_bot";
    c.group_id = kGroup;
    c.params = *core::parse_parameters(raw);
    return c;
  }

  store::Dialog open_dialog(relay::Engine& engine, core::UserId user, std::string name,
                            core::ThreadId thread) {
    engine.handle(user_message(user, 1, std::move(name)), kT0);
    auto dialog = *store->dialog_by_user(engine.context().id, user);
    dialog.thread_id = thread;
    store->update_dialog(dialog);
    return dialog;
  }
};

Fixture& fixture() {
  static std::unique_ptr<Fixture> current;
  if (!current || current->inputs >= kInputsPerFixture) current = std::make_unique<Fixture>();
  return *current;
}

// The answer's shape and status, as docs/api.md promises them.
void check_shape(const integrations::ApiResponse& answer, std::string_view body) {
  boost::system::error_code ec;
  json::value parsed = json::parse(answer.body, ec);
  if (ec || !parsed.is_object()) violated("answer is not a JSON object", body, answer.body);
  const auto& o = parsed.get_object();
  const auto* ok = o.if_contains("ok");
  if (!ok || !ok->is_bool() || ok->get_bool() != (answer.status == 200) || o.size() != 2)
    violated("answer lacks \"ok\" matching the status, or has extra members", body, answer.body);
  if (answer.status == 200) {
    const auto* result = o.if_contains("result");
    if (!result || !result->is_object()) violated("200 without a result object", body, answer.body);
    ++outcomes()["200"];
    return;
  }
  auto codes = documented_codes().find(answer.status);
  if (codes == documented_codes().end()) violated("undocumented status", body, answer.body);
  const auto* error = o.if_contains("error");
  const auto* fields = error ? error->if_object() : nullptr;
  const auto* code = fields ? fields->if_contains("code") : nullptr;
  const auto* message = fields ? fields->if_contains("message") : nullptr;
  if (!code || !code->is_string() || !message || !message->is_string() || fields->size() != 2)
    violated("error is not {\"code\",\"message\"}", body, answer.body);
  if (!codes->second.contains(std::string(code->get_string())))
    violated("error code not documented for its status", body, answer.body);
  if (message->get_string().empty()) violated("error without a message", body, answer.body);
  ++outcomes()[std::to_string(answer.status) + " " + std::string(code->get_string())];
  if ((answer.status == 429) != (answer.retry_after_seconds > 0))
    violated("Retry-After wrong", body, answer.body);
}

// "name=value" lines → a JSON object: a value that is JSON is taken as it is ("45", "null",
// "[1]"), anything else as a string ("https://t.me/c/1/45", "closed").
std::string body_of_lines(std::string_view text) {
  json::object request;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    auto equals = line.find('=');
    if (equals == std::string_view::npos) continue;
    boost::system::error_code ec;
    json::value value = json::parse(line.substr(equals + 1), ec);
    request[line.substr(0, equals)] =
        ec ? json::value(json::string(line.substr(equals + 1))) : std::move(value);
  }
  return json::serialize(request);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Fixture& f = fixture();
  ++f.inputs;
  const unsigned selector = data[0];
  std::string_view raw(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string lines_body = (selector & 0x40) ? body_of_lines(raw) : std::string();
  std::string_view body = (selector & 0x40) ? std::string_view(lines_body) : raw;
  const unsigned key_choice = selector % 8;
  std::string key = key_choice < 3    ? f.shop_key
                    : key_choice < 6  ? f.secret_key
                    : key_choice == 6 ? ""
                                      : "tdk_wrong";
  f.monotonic_ms += 1;
  // Bit 7: a burst of the same request in one millisecond, more than the bucket holds.
  const int repeats = (selector & 0x80) ? kBurst + 5 : 1;
  for (int i = 0; i < repeats; ++i) {
    auto answer = f.api->topic_action(key, body, kT0 + 60'000, f.monotonic_ms);
    check_shape(answer, body);
    const bool good_key = key_choice < 6;
    if (good_key && answer.status == 401) violated("a good key was refused", body, answer.body);
    if (!good_key && answer.status != 401 && answer.status != 413)
      violated("a bad key was let in", body, answer.body);
    if (key_choice >= 3 && key_choice < 6 && answer.body.find(kHiddenName) != std::string::npos)
      violated("HIDE_INFO connection shows the user's name", body, answer.body);
  }
  return 0;
}

#ifndef TD_LIBFUZZER

namespace {

// Every action with its fields (docs/api.md), links in their forms, and wrong types.
const std::vector<std::string> kBodies = {
    R"({"action":"info_by_topic","group_id":-1001234567890,"topic_id":45})",
    R"({"action":"info_by_topic","topic_id":46})",
    R"({"action":"info_by_topic","link":"https://t.me/c/1234567890/45"})",
    R"({"action":"info_by_topic","link":"t.me/c/1234567890/46/1001?single#x"})",
    R"({"action":"info_by_topic","link":"http://t.me/c/1234567890/47"})",
    R"({"action":"info_by_topic","link":"https://t.me/c/-1234567890/0/"})",
    R"({"action":"dialog_by_user","user_id":424242})",
    R"({"action":"dialog_by_user","user_id":535353})",
    R"({"action":"dialog_by_user","user_id":757575})",
    R"({"action":"dialog_by_user","user_id":18446744073709551615})",
    R"({"action":"list_dialogs","status":"user_answered","limit":50,"after":0})",
    R"({"action":"list_dialogs","status":"closed","limit":1})",
    R"({"action":"list_dialogs"})",
    R"({"action":"send_message","user_id":424242,"text":"Your order shipped 🚚","sender":"Shop CRM"})",
    R"({"action":"send_message","user_id":535353,"text":"Hi","sender":"   "})",
    R"({"action":"send_message","user_id":1001,"text":"nobody"})",
    R"({"action":"set_status","topic_id":45,"status":"closed"})",
    R"({"action":"set_status","user_id":424242,"status":null})",
    R"({"action":"set_status","link":"https://t.me/c/1234567890/46","status":"support_answered"})",
    R"({"action":"set_status","user_id":424242,"topic_id":45,"status":"closed"})",
    R"({"action":"set_status","user_id":424242})",
    R"({"action":"drop_tables"})",
    R"({"action":1e400})",
    R"({"action":"info_by_topic","group_id":"-100","topic_id":-1.5})",
    R"([{"action":"list_dialogs"}])",
    R"({"action":"list_dialogs",)",
    "",
};

// The same requests as "name=value" lines (selector bit 6).
const std::vector<std::string> kLineBodies = {
    "action=info_by_topic\ngroup_id=-1001234567890\ntopic_id=45",
    "action=info_by_topic\nlink=https://t.me/c/1234567890/46/1001",
    "action=info_by_topic\nlink=t.me/c/1234567890/47?single",
    "action=dialog_by_user\nuser_id=424242",
    "action=list_dialogs\nstatus=support_answered\nlimit=2\nafter=1",
    "action=send_message\nuser_id=535353\ntext=Ticket #42 is solved ✅\nsender=Helpdesk",
    "action=set_status\nlink=https://t.me/c/1234567890/45\nstatus=null",
    "action=set_status\nuser_id=424242\nstatus=user_answered",
};

std::vector<std::string> seeds() {
  std::vector<std::string> out;
  for (const auto& body : kBodies) {
    out.push_back(std::string(1, '\x00') + body);  // shop
    out.push_back(std::string(1, '\x03') + body);  // secret (HIDE_INFO=name)
  }
  out.push_back(std::string(1, '\x07') + kBodies[0]);  // a wrong key
  out.push_back(std::string(1, '\x06') + kBodies[0]);  // no key
  out.push_back(std::string(1, '\x80') + kBodies[6]);  // in the same millisecond: drains the bucket
  out.push_back(std::string(1, '\x83') + kBodies[9]);
  for (const auto& lines : kLineBodies) {
    out.push_back(std::string(1, '\x40') + lines);  // shop, as lines
    out.push_back(std::string(1, '\x43') + lines);  // secret, as lines
  }
  return out;
}

constexpr std::string_view kInteresting = "{}[]\":,0123456789-.eE\\/tnul";

}  // namespace

int main(int argc, char** argv) {
  const std::string info = R"({"action":"info_by_topic","topic_id":45,"pad":")";
  int result = topicdesk::fuzz::run_driver(
      argc, argv,
      {.name = "topics_api_fuzz",
       .seeds = seeds(),
       .extremes = {std::string(1, '\x00') + info + std::string(70 * 1024, 'x') + "\"}",  // over 64 KiB: 413
                    std::string(1, '\x07') + info + std::string(70 * 1024, 'x') + "\"}",
                    std::string(1, '\x00') + std::string(60000, '[') + std::string(60000, ']'),
                    std::string(1, '\x00') + R"({"action":"send_message","user_id":424242,"text":")" +
                        std::string(5000, 'a') + "\"}",
                    std::string(1, '\x00') + R"({"action":"info_by_topic","link":"https://t.me/c/)" +
                        std::string(300, '9') + "/45\"}",
                    std::string(1, '\x00') +
                        R"({"action":"info_by_topic","link":"https://t.me/c/99999999999999999999/45"})",
                    std::string(1, '\x00') + R"({"action":"info_by_topic","link":"t.me/c/1//"})"},
       .interesting = kInteresting,
       .max_copied_run = 32});
  return result;
}
#endif
