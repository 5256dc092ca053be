// The TDLib runtime against tgsim's fake libtdjson.so (the contract of docs/tdlib-subset.md from
// the other side): an account signs in with phone and code, a customer's message becomes a
// kUserMessage, the owner's message from their phone a kOutgoingSeen, and TdFrontendApi's
// sendMessage / copyMessage / resolveUser reach tgsim. TGSIM / TDJSON override the binaries.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <filesystem>

#include "telegram/tdlib/td_adapter.h"
#include "telegram/tdlib/td_auth.h"
#include "telegram/tdlib/td_client.h"
#include "telegram/tdlib/td_frontend_api.h"
#include "telegram/tdlib/td_library.h"
#include "telegram/tdlib/td_runtime.h"
#include "tests/unit/telegram/tgsim_child.h"

namespace topicdesk::telegram::tdlib {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

std::string path_from(const char* env, const char* fallback) {
  const char* value = std::getenv(env);
  return value != nullptr ? value : fallback;
}

std::shared_ptr<TdLibrary> fake_library() {
  static auto library = [] {
    auto loaded = TdLibrary::load(path_from("TDJSON", TD_FAKE_TDJSON_PATH));
    if (!loaded) throw std::runtime_error(loaded.error().message);
    return loaded.value();
  }();
  return library;
}

// Runs the io_context until `done` or the deadline (events come from the receive thread).
template <class Done>
bool run_until(asio::io_context& io, Done done, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_for(10ms);
  }
  return true;
}

template <class T>
asio::awaitable<void> store(asio::awaitable<T> body, std::optional<T>* out) {
  out->emplace(co_await std::move(body));
}

template <class T>
std::optional<T> run_for_result(asio::io_context& io, asio::awaitable<T> body) {
  std::optional<T> result;
  asio::co_spawn(io, store<T>(std::move(body), &result), asio::detached);
  run_until(
      io, [&] { return result.has_value(); }, 20s);
  return result;
}

TEST(FakeTdjson, AnAccountSignsInRelaysAndSends) {
  testing::TgsimChild sim;
  ::setenv("TGSIM_URL", sim.base_url().c_str(), 1);
  const std::int64_t anna = sim.post("/sim/accounts", {{"first_name", "Anna"},
                                                       {"username", "anna_shop"},
                                                       {"phone_number", "+4915100000009"},
                                                       {"login_code", "24680"}})
                                .at("id")
                                .to_number<std::int64_t>();
  const std::int64_t carl = sim.post("/sim/users", {{"first_name", "Carl"}, {"username", "carl"}})
                                .at("id")
                                .to_number<std::int64_t>();
  const std::int64_t olga =
      sim.post("/sim/users", {{"first_name", "Olga"}}).at("id").to_number<std::int64_t>();
  const std::int64_t group =
      sim.post("/sim/groups", {{"title", "Support"}, {"is_forum", true}, {"owner_id", olga}})
          .at("id")
          .to_number<std::int64_t>();
  sim.post("/sim/groups/" + std::to_string(group) + "/members", {{"user_id", anna}, {"status", "member"}});

  auto directory =
      std::filesystem::temp_directory_path() / ("topicdesk-fake-td-" + std::to_string(::getpid()));
  std::filesystem::remove_all(directory);
  asio::io_context io;
  TdRuntime runtime(fake_library());
  runtime.set_receive_timeout(0.05);
  TdParameters parameters;
  parameters.database_directory = directory.string();
  parameters.api_id = 12345;
  parameters.api_hash = "0123456789abcdef0123456789abcdef";
  auto opened = TdClient::open(runtime, io.get_executor(), parameters, "anna");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  TdClient& client = *opened.value();

  AdapterContext context;
  context.backend_group_id = group;
  context.self_id = anna;
  ProfileCache profiles;
  std::vector<Incoming> incoming;
  client.add_update_handler([&](const json::object& update) {
    if (auto in = make_incoming(update, context, profiles, 0)) incoming.push_back(std::move(*in));
  });

  LoginDialog dialog;
  dialog.phone_number = "+4915100000009";
  dialog.step_timeout = 10s;
  dialog.ask_code = [](CodePrompt) -> asio::awaitable<std::optional<std::string>> { co_return "24680"; };
  dialog.ask_password = [](PasswordPrompt) -> asio::awaitable<std::optional<std::string>> {
    co_return std::nullopt;
  };
  auto me = run_for_result(io, log_in_interactively(client, dialog));
  ASSERT_TRUE(me && me->ok()) << (me && !me->ok() ? me->error().message : "no answer");
  EXPECT_EQ(me->value().at("id").to_number<std::int64_t>(), anna);

  // A customer writes to the account.
  sim.post("/sim/messages", {{"from", carl}, {"chat_id", anna}, {"text", "Hello Anna"}});
  auto user_message = [&](core::EventKind kind) {
    return std::find_if(incoming.begin(), incoming.end(),
                        [&](const Incoming& in) { return in.event && in.event->kind == kind; });
  };
  ASSERT_TRUE(run_until(io, [&] { return user_message(core::EventKind::kUserMessage) != incoming.end(); }));
  const core::Event customer = *user_message(core::EventKind::kUserMessage)->event;
  EXPECT_EQ(customer.chat_id, carl);
  EXPECT_EQ(customer.from.id, carl);
  EXPECT_EQ(customer.text, "Hello Anna");
  EXPECT_GT(customer.message_id, 0);

  // The owner answers from their phone: intercepted.
  sim.post("/sim/messages", {{"from", anna}, {"chat_id", carl}, {"text", "from my phone"}});
  ASSERT_TRUE(run_until(io, [&] { return user_message(core::EventKind::kOutgoingSeen) != incoming.end(); }));
  EXPECT_EQ(user_message(core::EventKind::kOutgoingSeen)->event->chat_id, carl);

  // The desk answers through the account.
  TdFrontendApi api(client);
  auto sent =
      run_for_result(io, api.call("sendMessage", json::object{{"chat_id", carl}, {"text", "from the desk"}}));
  ASSERT_TRUE(sent && sent->ok) << (sent ? sent->description : "no answer");
  EXPECT_GT(sent->result.at("message_id").to_number<std::int64_t>(), 0);
  auto seen_by_carl = sim.request(
      bhttp::verb::get, "/sim/chats/" + std::to_string(anna) + "/messages?as=" + std::to_string(carl));
  EXPECT_NE(json::serialize(seen_by_carl).find("from the desk"), std::string::npos) << seen_by_carl;
  EXPECT_EQ(std::count_if(incoming.begin(), incoming.end(),
                          [](const Incoming& in) { return in.event && in.event->text == "from the desk"; }),
            0)
      << "the desk's own sends are not intercepted";

  // The customer's message copied into the backend group (General) by the account.
  auto copied = run_for_result(
      io, api.call(
              "copyMessage",
              json::object{{"chat_id", group}, {"from_chat_id", carl}, {"message_id", customer.message_id}}));
  ASSERT_TRUE(copied && copied->ok) << (copied ? copied->description : "no answer");
  auto in_group = sim.request(bhttp::verb::get,
                              "/sim/chats/" + std::to_string(group) + "/messages?as=" + std::to_string(olga));
  EXPECT_NE(json::serialize(in_group).find("Hello Anna"), std::string::npos) << in_group;

  // /new @carl
  auto resolved = run_for_result(io, api.call("resolveUser", json::object{{"username", "@carl"}}));
  ASSERT_TRUE(resolved && resolved->ok) << (resolved ? resolved->description : "no answer");
  EXPECT_EQ(resolved->result.at("id").to_number<std::int64_t>(), carl);
  auto unknown = run_for_result(io, api.call("resolveUser", json::object{{"username", "nobody_here"}}));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->error_code, 400) << unknown->description;

  EXPECT_TRUE(run_for_result(io, client.close(10s)).value_or(false));
  EXPECT_TRUE(runtime.stop(5s));
  std::filesystem::remove_all(directory);  // (the api goes before the client, at the end of scope)
}

}  // namespace
}  // namespace topicdesk::telegram::tdlib
