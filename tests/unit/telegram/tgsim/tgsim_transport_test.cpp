// BotApiClient, LongPoller, the update parser and the webhook ingress against a real tgsim
// process: the shapes tgsim produces are the ones Telegram documents, so this checks the
// transport end to end without Telegram. TGSIM=<path> overrides the simulator binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "http/server.h"
#include "http/webhook_ingress.h"
#include "telegram/bot_api_client.h"
#include "telegram/long_poller.h"
#include "tests/unit/http/http_test_client.h"
#include "tests/unit/telegram/tgsim_child.h"

namespace topicdesk::telegram {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;
using core::EventKind;

using Tgsim = testing::TgsimChild;

// Events committed by a transport, waited for from the test thread.
class CommittedEvents {
 public:
  void commit(std::vector<Incoming> batch) {
    std::lock_guard lock(mutex_);
    for (auto& incoming : batch) incoming_.push_back(std::move(incoming));
    changed_.notify_all();
  }
  // The first committed event of `kind` (waiting up to 10 s); its parse must have succeeded.
  std::optional<core::Event> wait_for(EventKind kind) {
    std::unique_lock lock(mutex_);
    std::optional<core::Event> found;
    changed_.wait_for(lock, 10s, [&] {
      for (const auto& incoming : incoming_) {
        if (incoming.event && incoming.event->kind == kind) {
          found = incoming.event;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  std::vector<std::string> parse_errors() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> errors;
    for (const auto& incoming : incoming_) {
      if (!incoming.parse_error.empty()) errors.push_back(incoming.parse_error);
    }
    return errors;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Incoming> incoming_;
};

struct World {
  std::int64_t bot_id = 0;
  std::string token;
  std::int64_t user_id = 0;
  std::int64_t operator_id = 0;
  std::int64_t group_id = 0;
};

World make_world(const Tgsim& sim) {
  World world;
  json::value bot = sim.post("/sim/bots", {{"username", "desk_bot"}, {"first_name", "Desk"}});
  world.bot_id = bot.at("id").as_int64();
  world.token = json::value_to<std::string>(bot.at("token"));
  world.user_id =
      sim.post("/sim/users", {{"first_name", "Anna"}, {"username", "anna_b"}, {"language_code", "de"}})
          .at("id")
          .as_int64();
  world.operator_id = sim.post("/sim/users", {{"first_name", "Olga"}}).at("id").as_int64();
  world.group_id = sim.post("/sim/groups",
                            {{"title", "Support desk"}, {"is_forum", true}, {"owner_id", world.operator_id}})
                       .at("id")
                       .as_int64();
  sim.post("/sim/groups/" + std::to_string(world.group_id) + "/members",
           {{"user_id", world.bot_id},
            {"status", "administrator"},
            {"rights", {{"can_manage_topics", true}, {"can_delete_messages", true}}}});
  return world;
}

using http::testing::IoThread;

TEST(TgsimTransport, LongPollingDeliversEveryDeskEventKind) {
  Tgsim sim({"--seed", "7"});
  World world = make_world(sim);
  IoThread io;
  BotApiClient client(io.io().get_executor(), sim.base_url(), world.token);

  ApiResult me = io.run(client.call("getMe", {}));
  ASSERT_TRUE(me.ok) << me.description;
  EXPECT_EQ(me.result.at("id").as_int64(), world.bot_id);

  CommittedEvents events;
  std::string fatal;
  LongPollerOptions options;
  options.connection_name = "support";
  options.timeout_seconds = 5;
  LongPoller poller(
      io.io().get_executor(), client, ParseContext{world.bot_id, {world.group_id}}, options,
      [&](std::vector<Incoming> batch) { events.commit(std::move(batch)); },
      [&](const std::string& description) { fatal = description; });
  std::promise<void> stopped;
  poller.start([&] { stopped.set_value(); });

  // An end user writes to the bot.
  auto user_message_id =
      sim.post("/sim/messages", {{"from", world.user_id}, {"chat_id", world.bot_id}, {"text", "Hello desk"}})
          .at("message_id")
          .as_int64();
  auto from_user = events.wait_for(EventKind::kUserMessage);
  ASSERT_TRUE(from_user);
  EXPECT_EQ(from_user->chat_id, world.user_id);
  EXPECT_EQ(from_user->message_id, user_message_id);
  EXPECT_EQ(from_user->text, "Hello desk");
  EXPECT_EQ(from_user->from.first_name, "Anna");
  EXPECT_EQ(from_user->from.language_code, "de");

  // The desk opens a topic and copies the message there.
  ApiResult topic =
      io.run(client.call("createForumTopic", {{"chat_id", world.group_id}, {"name", "Anna #1"}}));
  ASSERT_TRUE(topic.ok) << topic.description;
  std::int64_t thread_id = topic.result.at("message_thread_id").as_int64();
  ApiResult copy = io.run(client.call("copyMessage", {{"chat_id", world.group_id},
                                                      {"from_chat_id", world.user_id},
                                                      {"message_id", user_message_id},
                                                      {"message_thread_id", thread_id}}));
  ASSERT_TRUE(copy.ok) << copy.description;
  std::int64_t copy_id = copy.result.at("message_id").as_int64();

  // An operator answers in the topic, replying to the copy.
  sim.post("/sim/messages", {{"from", world.operator_id},
                             {"chat_id", world.group_id},
                             {"message_thread_id", thread_id},
                             {"reply_to_message_id", copy_id},
                             {"text", "We are on it"}});
  auto from_operator = events.wait_for(EventKind::kOperatorMessage);
  ASSERT_TRUE(from_operator);
  EXPECT_EQ(from_operator->chat_id, world.group_id);
  EXPECT_EQ(from_operator->thread_id, thread_id);
  EXPECT_EQ(from_operator->reply_to_message_id, copy_id);
  EXPECT_EQ(from_operator->from.id, world.operator_id);
  EXPECT_FALSE(from_operator->sender_is_bot);

  // The desk answers the user, who reacts to it and then blocks the bot.
  ApiResult answer =
      io.run(client.call("sendMessage", {{"chat_id", world.user_id}, {"text", "We are on it"}}));
  ASSERT_TRUE(answer.ok) << answer.description;
  sim.post("/sim/reactions", {{"from", world.user_id},
                              {"chat_id", world.bot_id},
                              {"message_id", answer.result.at("message_id").as_int64()},
                              {"emoji", "\xF0\x9F\x91\x8D"}});
  auto reaction = events.wait_for(EventKind::kUserReaction);
  ASSERT_TRUE(reaction);
  EXPECT_THAT(reaction->new_reactions, ::testing::ElementsAre("\xF0\x9F\x91\x8D"));
  sim.post("/sim/block", {{"user_id", world.user_id}, {"bot_id", world.bot_id}});
  ASSERT_TRUE(events.wait_for(EventKind::kUserBlockedBot));

  // An operator closes the topic in the app.
  sim.post("/sim/topics/close",
           {{"chat_id", world.group_id}, {"message_thread_id", thread_id}, {"from", world.operator_id}});
  auto closed = events.wait_for(EventKind::kTopicClosedInApp);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->thread_id, thread_id);

  EXPECT_TRUE(events.parse_errors().empty()) << events.parse_errors().front();
  poller.stop();
  ASSERT_EQ(stopped.get_future().wait_for(3s), std::future_status::ready) << "poller did not stop promptly";
  EXPECT_TRUE(fatal.empty());

  // Everything committed was confirmed: nothing is left for the next poll.
  std::int64_t offset =
      asio::co_spawn(
          io.io(), [&]() -> asio::awaitable<std::int64_t> { co_return poller.next_offset(); },
          asio::use_future)
          .get();
  ApiResult rest = io.run(client.call("getUpdates", {{"offset", offset}, {"timeout", 0}}));
  ASSERT_TRUE(rest.ok) << rest.description;
  EXPECT_TRUE(rest.result.as_array().empty()) << json::serialize(rest.result);
}

TEST(TgsimTransport, TelegramErrorsComeBackAsApiResults) {
  Tgsim sim({"--seed", "7"});
  World world = make_world(sim);
  IoThread io;
  BotApiClient client(io.io().get_executor(), sim.base_url(), world.token);
  ApiResult unknown_chat = io.run(client.call("sendMessage", {{"chat_id", 424242}, {"text", "x"}}));
  EXPECT_EQ(unknown_chat.error_code, 400);
  EXPECT_EQ(unknown_chat.description, "Bad Request: chat not found");

  BotApiClient bad_token(io.io().get_executor(), sim.base_url(),
                         "123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  ApiResult unauthorized = io.run(bad_token.call("getMe", {}));
  EXPECT_EQ(unauthorized.error_code, 401);

  std::promise<std::string> fatal;
  LongPoller poller(
      io.io().get_executor(), bad_token, ParseContext{1, {}}, LongPollerOptions{},
      [](std::vector<Incoming>) {}, [&](const std::string& d) { fatal.set_value(d); });
  std::promise<void> stopped;
  poller.start([&] { stopped.set_value(); });
  auto fatal_future = fatal.get_future();
  ASSERT_EQ(fatal_future.wait_for(5s), std::future_status::ready);
  EXPECT_THAT(fatal_future.get(), ::testing::HasSubstr("Unauthorized"));
  EXPECT_EQ(stopped.get_future().wait_for(5s), std::future_status::ready);
}

TEST(TgsimTransport, WebhookDeliveryIsCommittedAndConfirmed) {
  Tgsim sim({"--seed", "7"});
  World world = make_world(sim);
  IoThread io;
  http::ServerOptions server_options;
  server_options.port = 0;
  http::Server server(io.io().get_executor(), server_options);
  CommittedEvents events;
  const std::string secret = "webhook_secret-123";
  ASSERT_TRUE(
      http::add_webhook_route(server, {"support", secret, ParseContext{world.bot_id, {world.group_id}},
                                       [&](std::vector<Incoming> batch) { events.commit(std::move(batch)); }})
          .ok());
  ASSERT_TRUE(server.start().ok());

  json::value set =
      sim.post("/bot" + world.token + "/setWebhook",
               {{"url", "http://127.0.0.1:" + std::to_string(server.port()) + "/telegram/support"},
                {"secret_token", secret}});
  ASSERT_TRUE(set.at("ok").as_bool()) << json::serialize(set);

  sim.post("/sim/messages", {{"from", world.user_id}, {"chat_id", world.bot_id}, {"text", "via webhook"}});
  auto event = events.wait_for(EventKind::kUserMessage);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->text, "via webhook");

  // tgsim saw a 2XX: nothing pending, no error.
  json::value info;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  do {
    info = sim.request(bhttp::verb::get, "/bot" + world.token + "/getWebhookInfo").at("result");
  } while (info.at("pending_update_count").as_int64() != 0 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(info.at("pending_update_count").as_int64(), 0);
  EXPECT_FALSE(info.as_object().contains("last_error_message")) << json::serialize(info);

  std::promise<void> stopped;
  server.stop([&] { stopped.set_value(); });
  EXPECT_EQ(stopped.get_future().wait_for(5s), std::future_status::ready);
}

}  // namespace
}  // namespace topicdesk::telegram

namespace topicdesk::telegram {
namespace {

// A file the desk makes (a report) reaches the group as a document with its exact bytes, its
// name and the other fields beside it, even when the bytes look like multipart syntax.
TEST(TgsimTransport, UploadSendsADocumentWithItsBytesAndFields) {
  Tgsim sim({"--seed", "7"});
  World world = make_world(sim);
  http::testing::IoThread io;
  BotApiClient client(io.io().get_executor(), sim.base_url(), world.token);
  std::string bytes = "user_id,name\r\n--boundary\r\n1001,\"Anna\"\r\n";
  bytes.push_back('\0');
  bytes += "\xff\xfe binary tail";
  InputFile file{.field = "document", .file_name = "report \"May\".csv", .bytes = bytes};
  ApiResult sent = io.run(
      client.upload("sendDocument", {{"chat_id", world.group_id}, {"caption", "Broadcast report"}}, file));
  ASSERT_TRUE(sent.ok) << sent.description;
  const auto& document = sent.result.at("document");
  EXPECT_EQ(document.at("file_name").as_string(), "report May.csv");
  EXPECT_EQ(document.at("file_size").as_int64(), static_cast<std::int64_t>(bytes.size()));
  EXPECT_EQ(sent.result.at("caption").as_string(), "Broadcast report");

  ApiResult path = io.run(client.call("getFile", {{"file_id", document.at("file_id")}}));
  ASSERT_TRUE(path.ok) << path.description;
  EXPECT_EQ(path.result.at("file_size").as_int64(), static_cast<std::int64_t>(bytes.size()));
}

}  // namespace
}  // namespace topicdesk::telegram
