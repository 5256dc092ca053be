// The proxy in-process: a fake Bot API server upstream, the desk's HTTP server with the proxy,
// and a synchronous client playing the bot's program.
#include "proxy/bot_api_proxy.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>

#include "../http/http_test_client.h"
#include "../store/store_backends.h"
#include "core/clock.h"
#include "core/event_json.h"
#include "http/server.h"
#include "store/store.h"

namespace topicdesk::proxy {
namespace {
namespace json = boost::json;
namespace bhttp = boost::beast::http;
using http::testing::IoThread;
using http::testing::request_once;
using http::testing::TestClient;
using std::chrono::milliseconds;

constexpr core::ChatId kGroup = -1001000;
constexpr core::UserId kBot = 500;
const std::string kToken = "500:SECRET";
// A second bot whose connection keeps PROXY_PRIVATE_WEBHOOKS off.
constexpr core::UserId kStrictBot = 501;
const std::string kStrictToken = "501:STRICT";
// A third whose program gets only unanswered updates when it comes back (PROXY_BACKLOG).
constexpr core::UserId kBackupBot = 502;
const std::string kBackupToken = "502:BACKUP";
// Bots of connections another desk instance owns (registered with owned = false), and one this
// instance owns beside them.
constexpr core::UserId kAwayBot = 503;
const std::string kAwayToken = "503:AWAY";
constexpr core::UserId kHereBot = 504;
const std::string kHereToken = "504:HERE";

template <class Pred>
bool eventually(Pred done, milliseconds deadline = milliseconds(5000)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(milliseconds(2));  // polling interval of a deadline wait
  }
  return true;
}

// Telegram as the upstream: echoes what it got, and answers sendMessage with a Message.
class Upstream {
 public:
  explicit Upstream(boost::asio::io_context& io)
      : server_(io.get_executor(), {.port = 0, .body_limit = 8 << 20}) {
    for (auto verb : {http::Verb::get, http::Verb::post}) {
      server_.route(
          verb, "/", [this](http::Request& r) { return answer(r); }, http::PathMatch::kPrefix);
    }
    EXPECT_TRUE(server_.start().ok());
  }
  ~Upstream() { server_.stop(); }
  unsigned short port() const { return server_.port(); }
  std::atomic<int> calls{0};

 private:
  boost::asio::awaitable<http::Response> answer(http::Request& r) {
    ++calls;
    std::string target(r.target());
    if (target.find("/sendMessage") != std::string::npos) {
      json::object message{{"message_id", 77},
                           {"date", 1700000000},
                           {"from", json::object{{"id", kBot}, {"is_bot", true}, {"first_name", "Shop"}}},
                           {"chat", json::object{{"id", 42}, {"type", "private"}, {"first_name", "Ann"}}},
                           {"text", "Hi Ann"}};
      co_return http::json_response(200, json::object{{"ok", true}, {"result", message}});
    }
    if (target.find("/editMessageText") != std::string::npos) {  // an edit answers the edited Message
      const bool inline_message = r.body().find("inline_message_id") != std::string::npos;
      if (inline_message) co_return http::json_response(200, json::object{{"ok", true}, {"result", true}});
      json::object message{
          {"message_id", 77},
          {"date", 1700000000},
          {"edit_date", 1700000100},
          {"from", json::object{{"id", kBot}, {"is_bot", true}, {"first_name", "Shop"}}},
          {"chat", json::object{{"id", 42}, {"type", "private"}, {"first_name", "Ann"}}},
          {"text", "Tea costs 3 EUR"},
          {"reply_markup", json::parse(R"({"inline_keyboard":[[{"text":"Back","callback_data":"b"}]]})")}};
      co_return http::json_response(200, json::object{{"ok", true}, {"result", message}});
    }
    if (target.find("/fail") != std::string::npos) {
      co_return http::text_response(400, R"({"ok":false,"error_code":400,"description":"Bad Request: nope"})",
                                    "application/json");
    }
    json::object seen{{"method", std::string(bhttp::to_string(r.method()))},
                      {"target", target},
                      {"content_type", std::string(r[bhttp::field::content_type])},
                      {"body", r.body()},
                      {"secret", std::string(r["X-Telegram-Bot-Api-Secret-Token"])}};
    co_return http::text_response(200, json::serialize(seen), "application/x-echo");
  }
  http::Server server_;
};

std::string private_update(std::int64_t id, const std::string& text, core::ChatId chat = 42);

class ProxyTest : public ::testing::Test {
 protected:
  ProxyTest()
      : store_(store::open_sqlite(":memory:")),
        upstream_(upstream_io_.io()),
        forwarder_(io_.io().get_executor(), "http://127.0.0.1:" + std::to_string(upstream_.port())),
        proxy_(io_.io().get_executor(), *store_, forwarder_,
               [this](core::ConnectionId id, const core::Event& e) {
                 // What the desk's relay::Inbox::add_event does: written in the proxy's
                 // transaction, told after its commit.
                 store_->inbox_add(id, e.update_id, core::event_to_json(e));
                 boost::asio::post(io_.io(), [this] { ++inbox_changes_; });
               }),
        server_(io_.io().get_executor(), {.port = 0}) {
    id_ = store_->ensure_connection("shop", kBot, kGroup);
    proxy_.add_connection({id_, "shop", kToken, kBot, kGroup, true, /*private_webhooks=*/true});
    strict_id_ = store_->ensure_connection("strict", kStrictBot, kGroup - 1);
    proxy_.add_connection({strict_id_, "strict", kStrictToken, kStrictBot, kGroup - 1});
    backup_id_ = store_->ensure_connection("backup", kBackupBot, kGroup - 2);
    proxy_.add_connection({backup_id_, "backup", kBackupToken, kBackupBot, kGroup - 2, true, true,
                           core::ProxyBacklogMode::kUnanswered, 60'000});
    proxy_.add_routes(server_);
    EXPECT_TRUE(server_.start().ok());
    proxy_.set_desk_address(desk_address("127.0.0.1", server_.port(), "https://desk.example"));
    proxy_.start();
  }
  ~ProxyTest() override {
    std::promise<void> stopped;
    boost::asio::post(io_.io(), [&] {
      proxy_.stop();
      server_.stop([&] { stopped.set_value(); });
    });
    stopped.get_future().wait();
    // Let the woken pusher see the stop before the objects go.
    std::promise<void> drained;
    boost::asio::post(io_.io(), [&] { drained.set_value(); });
    drained.get_future().wait();
  }

  // A polled batch as the runtime commits it, on the desk's loop.
  // (queued at 1 ms after the epoch: long before any take, as after an outage)
  void poll_in(std::vector<std::pair<std::int64_t, std::string>> raw, core::ConnectionId id = 0) {
    if (id == 0) id = id_;
    std::promise<void> done;
    boost::asio::post(io_.io(), [&] {
      std::vector<telegram::Incoming> batch;
      for (auto& [id, json_text] : raw) {
        telegram::Incoming in;
        in.update_id = id;
        in.raw_json = json_text;
        batch.push_back(std::move(in));
      }
      store_->transaction([&] { proxy_.keep_for_program(id, batch, 1); });
      proxy_.updates_committed(id);
      done.set_value();
    });
    done.get_future().wait();
  }

  // Runs `body` on the desk's loop (where the runtime calls add_connection and set_owned).
  void on_loop(const std::function<void()>& body) {
    std::promise<void> done;
    boost::asio::post(io_.io(), [&] {
      body();
      done.set_value();
    });
    done.get_future().wait();
  }

  // A connection registered while another instance owns it (or this one, `owned`).
  core::ConnectionId add_elsewhere(const std::string& name, core::UserId bot, const std::string& token,
                                   bool owned = false) {
    const core::ConnectionId id = store_->ensure_connection(name, bot, kGroup - bot);
    on_loop([&] { proxy_.add_connection({id, name, token, bot, kGroup - bot, true, true}, owned); });
    return id;
  }

  // What the owner instance's commit of a polled batch leaves in the shared store.
  void owner_commits(core::ConnectionId id, std::int64_t update_id) {
    store_->transaction([&] {
      store_->proxy_update_add(id, {update_id, "message", private_update(update_id, "from the owner"), 42},
                               1);
    });
  }

  http::testing::Reply call(const std::string& method, const std::string& body = "{}",
                            const std::string& token = kToken) {
    return request_once(server_.port(), bhttp::verb::post, "/bot" + token + "/" + method, body);
  }

  IoThread upstream_io_;
  IoThread io_;
  std::unique_ptr<store::Store> store_;
  Upstream upstream_;
  Forwarder forwarder_;
  std::atomic<int> inbox_changes_{0};
  BotApiProxy proxy_;
  http::Server server_;
  core::ConnectionId id_ = 0;
  core::ConnectionId strict_id_ = 0;
  core::ConnectionId backup_id_ = 0;
};

std::string private_update(std::int64_t id, const std::string& text, core::ChatId chat) {
  return R"({"update_id":)" + std::to_string(id) + R"(,"message":{"message_id":)" + std::to_string(id) +
         R"(,"date":1,"chat":{"id":)" + std::to_string(chat) + R"(,"type":"private"},"text":")" + text +
         R"("}})";
}

std::vector<std::int64_t> update_ids(const http::testing::Reply& reply) {
  std::vector<std::int64_t> out;
  const json::value parsed = json::parse(reply.body);
  for (const auto& u : parsed.at("result").as_array()) out.push_back(u.at("update_id").as_int64());
  return out;
}

// Users 42, 43 and 44 wrote while the program was away, 42 pressed a button of the program's;
// an operator answered 42 (after its updates were queued) in `id`'s connection.
void outage(store::Store& store, core::ConnectionId id, core::ChatId group,
            const std::function<void(std::vector<std::pair<std::int64_t, std::string>>)>& poll_in) {
  poll_in({{1, private_update(1, "ann", 42)},
           {2, private_update(2, "bob", 43)},
           {3, private_update(3, "cid", 44)},
           {4, R"({"update_id":4,"callback_query":{"id":"q","from":{"id":42},"message":{"message_id":9,)"
               R"("chat":{"id":42,"type":"private"}},"data":"buy"}})"}});
  for (core::ChatId user : {42, 43, 44}) store.create_dialog(id, user, group, 1);
  auto ann = *store.dialog_by_user(id, 42);
  ann.last_operator_reply_at = 5;
  store.update_dialog(ann);
}

TEST_F(ProxyTest, CallsAreForwardedAndAnsweredUnchanged) {
  TestClient client(server_.port());
  auto reply = client.send(bhttp::verb::post, "/bot" + kToken + "/getMe?lang=en", "{\"a\":1}");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.content_type, "application/x-echo");
  auto seen = json::parse(reply.body).as_object();
  EXPECT_EQ(seen.at("method").as_string(), "POST");
  EXPECT_EQ(seen.at("target").as_string(), "/bot" + kToken + "/getMe?lang=en");
  EXPECT_EQ(seen.at("content_type").as_string(), "application/json");
  EXPECT_EQ(seen.at("body").as_string(), "{\"a\":1}");
  // Errors too, and file downloads by GET, over the same kept-alive connection.
  reply = client.send(bhttp::verb::post, "/bot" + kToken + "/fail");
  EXPECT_EQ(reply.status, 400u);
  EXPECT_EQ(reply.body, R"({"ok":false,"error_code":400,"description":"Bad Request: nope"})");
  reply = client.send(bhttp::verb::get, "/file/bot" + kToken + "/photos/file_1.jpg");
  EXPECT_EQ(json::parse(reply.body).at("target").as_string(), "/file/bot" + kToken + "/photos/file_1.jpg");
}

TEST_F(ProxyTest, UnknownTokensAreRefusedWithoutReachingTelegram) {
  auto reply = request_once(server_.port(), bhttp::verb::post, "/bot500:WRONG/getMe", "{}");
  EXPECT_EQ(reply.status, 401u);
  EXPECT_EQ(json::parse(reply.body).at("description").as_string(), "Unauthorized");
  EXPECT_EQ(upstream_.calls, 0);
}

TEST_F(ProxyTest, GetUpdatesServesTheQueueAndConfirmsByOffset) {
  std::string group_update =
      R"({"update_id":3,"message":{"message_id":3,"date":1,"chat":{"id":-1001000,"type":"supergroup"},"text":"op"}})";
  poll_in({{1, private_update(1, "one")}, {2, private_update(2, "two")}, {3, group_update}});
  auto reply = call("getUpdates", R"({"offset":0,"timeout":0})");
  auto result = json::parse(reply.body).at("result").as_array();
  ASSERT_EQ(result.size(), 2u);  // never the backend group's
  EXPECT_EQ(json::serialize(result[0]), json::serialize(json::parse(private_update(1, "one"))));
  // Not confirmed yet: asked again, the same updates come (a program restart loses nothing).
  EXPECT_EQ(json::parse(call("getUpdates").body).at("result").as_array().size(), 2u);
  reply = call("getUpdates", R"({"offset":2})");
  result = json::parse(reply.body).at("result").as_array();
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result[0].at("update_id").as_int64(), 2);
  EXPECT_EQ(store_->proxy_updates(id_, 0, 10).size(), 1u);  // update 1 confirmed and gone
  EXPECT_EQ(upstream_.calls, 0);                            // served by the desk, not Telegram
  // Telegram delivers update 1 again (the desk stopped before confirming it): not queued twice.
  poll_in({{1, private_update(1, "one")}});
  result = json::parse(call("getUpdates").body).at("result").as_array();
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result[0].at("update_id").as_int64(), 2);
}

TEST_F(ProxyTest, AReturningProgramGetsOnlyUnansweredDialogsUnderProxyBacklogUnanswered) {
  outage(*store_, backup_id_, kGroup - 2, [&](auto raw) { poll_in(std::move(raw), backup_id_); });
  EXPECT_EQ(update_ids(call("getUpdates", "{}", kBackupToken)), (std::vector<std::int64_t>{2, 3, 4}));
  // Back and taking: an answer now is the program's business again; nothing more is dropped.
  auto bob = *store_->dialog_by_user(backup_id_, 43);
  bob.last_operator_reply_at = core::unix_millis_now();
  store_->update_dialog(bob);
  EXPECT_EQ(update_ids(call("getUpdates", "{}", kBackupToken)), (std::vector<std::int64_t>{2, 3, 4}));
}

TEST_F(ProxyTest, AReturningWebhookGetsOnlyUnansweredDialogsUnderProxyBacklogUnanswered) {
  std::mutex mutex;
  std::vector<std::int64_t> delivered;
  http::Server program(upstream_io_.io().get_executor(), {.port = 0});
  program.route(http::Verb::post, "/hook", [&](http::Request& r) -> boost::asio::awaitable<http::Response> {
    std::lock_guard lock(mutex);
    delivered.push_back(json::parse(r.body()).at("update_id").as_int64());
    co_return http::text_response(200, "ok");
  });
  ASSERT_TRUE(program.start().ok());
  outage(*store_, backup_id_, kGroup - 2, [&](auto raw) { poll_in(std::move(raw), backup_id_); });
  auto url = "http://127.0.0.1:" + std::to_string(program.port()) + "/hook";
  call("setWebhook", R"({"url":")" + url + R"("})", kBackupToken);  // the program is back
  ASSERT_TRUE(
      eventually([&] { return store_->proxy_updates(backup_id_, 0, 10).empty(); }, milliseconds(10000)));
  program.stop();
  std::lock_guard lock(mutex);
  EXPECT_EQ(delivered, (std::vector<std::int64_t>{2, 3, 4}));
}

TEST_F(ProxyTest, AReturningProgramGetsEverythingByDefault) {
  outage(*store_, id_, kGroup, [&](auto raw) { poll_in(std::move(raw)); });
  EXPECT_EQ(update_ids(call("getUpdates")), (std::vector<std::int64_t>{1, 2, 3, 4}));
}

TEST_F(ProxyTest, ALongPollReturnsAsSoonAsAnUpdateIsCommitted) {
  auto started = std::chrono::steady_clock::now();
  auto poll = std::async(std::launch::async, [&] { return call("getUpdates", R"({"timeout":20})"); });
  ASSERT_EQ(poll.wait_for(milliseconds(200)), std::future_status::timeout);  // it waits
  poll_in({{10, private_update(10, "late")}});
  ASSERT_EQ(poll.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  auto result = json::parse(poll.get().body).at("result").as_array();
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result[0].at("update_id").as_int64(), 10);
}

TEST_F(ProxyTest, AllowedUpdatesFilterWhatTheProgramGets) {
  poll_in({{1, R"({"update_id":1,"message_reaction":{"chat":{"id":42},"message_id":1}})"},
           {2, private_update(2, "two")},
           {3, R"({"update_id":3,"callback_query":{"id":"q","message":{"chat":{"id":42}}}})"}});
  // Telegram's default leaves reactions out.
  auto result = json::parse(call("getUpdates").body).at("result").as_array();
  ASSERT_EQ(result.size(), 2u);
  result = json::parse(call("getUpdates", R"({"allowed_updates":["callback_query"]})").body)
               .at("result")
               .as_array();
  ASSERT_EQ(result.size(), 1u);
  EXPECT_TRUE(result[0].as_object().contains("callback_query"));
}

TEST_F(ProxyTest, MessagesSentToUsersGoToTheInboxAsIntercepted) {
  auto reply = call("sendMessage", R"({"chat_id":42,"text":"Hi Ann"})");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(json::parse(reply.body).at("result").at("message_id").as_int64(), 77);
  ASSERT_TRUE(eventually([&] { return inbox_changes_ > 0; }));
  auto pending = store_->inbox_pending(id_, 10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_GE(pending[0].update_id, kInterceptedUpdateIdBase);
  auto event = core::event_from_json(pending[0].payload);
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->kind, core::EventKind::kOutgoingSeen);
  EXPECT_EQ(event->chat_id, 42);
  EXPECT_EQ(event->message_id, 77);
  EXPECT_EQ(event->text, "Hi Ann");
  call("sendMessage", R"({"chat_id":42,"text":"again"})");
  ASSERT_TRUE(eventually([&] { return store_->inbox_pending(id_, 10).size() == 2; }));
  EXPECT_EQ(store_->inbox_pending(id_, 10)[1].update_id, pending[0].update_id + 1);
}

// The program's edit of a message in a private chat is recorded (before the
// program gets its answer) so the topic copy follows; inline-message edits are not.
TEST_F(ProxyTest, EditsOfTheProgramsMessagesGoToTheInboxBeforeTheAnswer) {
  auto reply = call("editMessageText", R"({"chat_id":42,"message_id":77,"text":"Tea costs 3 EUR"})");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(json::parse(reply.body).at("result").at("text").as_string(), "Tea costs 3 EUR");
  // Committed before the answer was written: no waiting needed.
  auto pending = store_->inbox_pending(id_, 10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_GE(pending[0].update_id, kInterceptedUpdateIdBase);
  auto event = core::event_from_json(pending[0].payload);
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->kind, core::EventKind::kOutgoingEdit);
  EXPECT_EQ(event->chat_id, 42);
  EXPECT_EQ(event->message_id, 77);
  EXPECT_EQ(event->text, "Tea costs 3 EUR");
  EXPECT_EQ(event->reply_markup_json, R"({"inline_keyboard":[[{"text":"Back","callback_data":"b"}]]})");

  reply = call("editMessageText", R"({"inline_message_id":"abc","text":"inline"})");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, R"({"ok":true,"result":true})");
  EXPECT_EQ(store_->inbox_pending(id_, 10).size(), 1u) << "inline-message edits are not intercepted";
}

TEST_F(ProxyTest, TheProgramsWebhookGetsEveryUpdateInOrderWithItsSecret) {
  std::mutex mutex;
  std::vector<std::string> delivered;
  int failures_left = 1;
  http::Server program(upstream_io_.io().get_executor(), {.port = 0});
  program.route(http::Verb::post, "/hook", [&](http::Request& r) -> boost::asio::awaitable<http::Response> {
    std::lock_guard lock(mutex);
    if (failures_left-- > 0) co_return http::text_response(500, "busy");
    delivered.push_back(std::string(r["X-Telegram-Bot-Api-Secret-Token"]) + " " + r.body());
    co_return http::text_response(200, "ok");
  });
  ASSERT_TRUE(program.start().ok());
  auto url = "http://127.0.0.1:" + std::to_string(program.port()) + "/hook";
  auto reply = call("setWebhook", R"({"url":")" + url + R"(","secret_token":"s3cret"})");
  EXPECT_EQ(json::parse(reply.body).at("result").as_bool(), true);
  EXPECT_EQ(call("getUpdates").status, 409u);  // as Telegram: not both
  EXPECT_EQ(json::parse(call("getWebhookInfo").body).at("result").at("url").as_string(), url);
  poll_in({{1, private_update(1, "one")}, {2, private_update(2, "two")}});
  ASSERT_TRUE(eventually(
      [&] {
        std::lock_guard lock(mutex);
        return delivered.size() == 2;
      },
      milliseconds(10000)));
  EXPECT_EQ(delivered[0], "s3cret " + private_update(1, "one"));  // retried after the 500, in order
  EXPECT_EQ(delivered[1], "s3cret " + private_update(2, "two"));
  ASSERT_TRUE(eventually([&] { return store_->proxy_updates(id_, 0, 10).empty(); }));
  EXPECT_EQ(json::parse(call("deleteWebhook").body).at("ok").as_bool(), true);
  EXPECT_EQ(call("getUpdates").status, 200u);
  program.stop();
}

TEST_F(ProxyTest, MethodPathsAreReadAsTelegramReadsThem) {
  // Percent-encoded and in any case: still getUpdates, served by the proxy, never forwarded.
  poll_in({{1, private_update(1, "one")}});
  for (std::string method : {"get%55pdates", "GETUPDATES", "getupdates", "get%75pdates"}) {
    auto reply = request_once(server_.port(), bhttp::verb::post, "/bot" + kToken + "/" + method, "{}");
    EXPECT_EQ(reply.status, 200u) << method;
    EXPECT_EQ(json::parse(reply.body).at("result").as_array().size(), 1u) << method;
  }
  // The token may be encoded too; upstream gets the normalised path.
  auto reply = request_once(server_.port(), bhttp::verb::post, "/bot500%3ASECRET/get%4De?x=1", "{}");
  EXPECT_EQ(json::parse(reply.body).at("target").as_string(), "/bot" + kToken + "/getMe?x=1");
  EXPECT_EQ(upstream_.calls, 1);
}

TEST_F(ProxyTest, AnythingButOneMethodNameIsMethodNotFoundAndStaysHere) {
  for (std::string rest : {"getUpdates/", "getMe/extra", "../bot501:STRICT/getMe", "..", "", "get%2FMe",
                           "get%00Me", "get%zzMe", "sendMessage%20"}) {
    auto reply = request_once(server_.port(), bhttp::verb::post, "/bot" + kToken + "/" + rest, "{}");
    EXPECT_EQ(reply.status, 404u) << rest;
    auto description = json::parse(reply.body).at("description").as_string();
    EXPECT_TRUE(description == "Not Found: method not found" || description == "Not Found")
        << rest << description;
  }
  EXPECT_EQ(request_once(server_.port(), bhttp::verb::post, "/bot" + kToken + "/getUpdates/", "{}").body,
            R"({"ok":false,"error_code":404,"description":"Not Found: method not found"})");
  EXPECT_EQ(upstream_.calls, 0);
}

TEST_F(ProxyTest, FilePathsWithDotSegmentsAreRefused) {
  for (std::string path :
       {"../bot501:STRICT/x", "photos/../../x", "photos/./file.jpg", "photos//file.jpg", "%2e%2e/x", ""}) {
    auto reply = request_once(server_.port(), bhttp::verb::get, "/file/bot" + kToken + "/" + path);
    EXPECT_EQ(reply.status, 404u) << path;
  }
  EXPECT_EQ(upstream_.calls, 0);
  auto reply = request_once(server_.port(), bhttp::verb::get, "/file/bot" + kToken + "/photos/file%201.jpg");
  EXPECT_EQ(json::parse(reply.body).at("target").as_string(), "/file/bot" + kToken + "/photos/file%201.jpg");
}

TEST_F(ProxyTest, SetWebhookToPrivateAddressesNeedsTheOption) {
  for (std::string url : {"http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest",
                          "http://[::1]:9/hook", "http://192.168.0.5/", "http://[::ffff:10.0.0.1]/",
                          "http://localhost:9/hook"}) {
    auto reply = call("setWebhook", R"({"url":")" + url + R"("})", kStrictToken);
    EXPECT_EQ(reply.status, 400u) << url;
    EXPECT_NE(reply.body.find("bad webhook"), std::string::npos) << url << reply.body;
  }
  EXPECT_FALSE(store_->proxy_webhook(strict_id_));
  // With PROXY_PRIVATE_WEBHOOKS the same address is fine.
  auto reply = call("setWebhook", R"({"url":"http://127.0.0.1:9/hook"})");
  EXPECT_EQ(reply.status, 200u) << reply.body;
}

TEST_F(ProxyTest, SetWebhookToTheDeskItselfIsAlwaysRefused) {
  const std::string port = std::to_string(server_.port());
  for (std::string url :
       {"http://127.0.0.1:" + port + "/bot500:SECRET/getMe", "http://127.0.0.2:" + port + "/",
        "http://0.0.0.0:" + port + "/", "http://localhost:" + port + "/x",
        std::string("https://desk.example/telegram/shop"), std::string("https://DESK.example:443/")}) {
    auto reply = call("setWebhook", R"({"url":")" + url + R"("})");
    EXPECT_EQ(reply.status, 400u) << url;
    EXPECT_EQ(json::parse(reply.body).at("description").as_string(),
              "Bad Request: bad webhook: the URL points at this desk itself")
        << url;
  }
  EXPECT_FALSE(store_->proxy_webhook(id_));
}

TEST_F(ProxyTest, UploadsMayBeLargeOnlyForAKnownToken) {
  const std::string big(2 * 1024 * 1024, 'x');
  const std::map<std::string, std::string> multipart{{"Content-Type", "multipart/form-data; boundary=b"}};
  auto reply =
      request_once(server_.port(), bhttp::verb::post, "/bot" + kToken + "/sendDocument",
                   "--b\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a\"\r\n\r\n" + big +
                       "\r\n--b--\r\n",
                   multipart);
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(
      request_once(server_.port(), bhttp::verb::post, "/bot500:WRONG/sendDocument", big, multipart).status,
      413u);
  EXPECT_EQ(request_once(server_.port(), bhttp::verb::post, "/bot" + kToken + "/sendMessage", big).status,
            413u);
}

// Another instance owns the connection: the program's calls are served here all the same.
TEST_F(ProxyTest, CallsOfAConnectionOwnedElsewhereAreServedHere) {
  const auto away = add_elsewhere("away", kAwayBot, kAwayToken);
  EXPECT_FALSE(proxy_.owned(away));
  EXPECT_TRUE(proxy_.owned(id_));  // a single desk owns everything by default
  // Forwarded to Telegram and answered unchanged; the send is intercepted into the shared
  // inbox, where the owner's drain finds it.
  auto reply = call("sendMessage", R"({"chat_id":42,"text":"Hi Ann"})", kAwayToken);
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(json::parse(reply.body).at("result").at("message_id").as_int64(), 77);
  ASSERT_TRUE(eventually([&] { return store_->inbox_pending(away, 10).size() == 1; }));
  EXPECT_GE(store_->inbox_pending(away, 10)[0].update_id, kInterceptedUpdateIdBase);
  // The program's webhook settings are store reads and writes.
  EXPECT_EQ(json::parse(call("setWebhook", R"({"url":"http://127.0.0.1:9/hook"})", kAwayToken).body)
                .at("result")
                .as_bool(),
            true);
  EXPECT_EQ(store_->proxy_webhook(away)->url, "http://127.0.0.1:9/hook");
  EXPECT_EQ(json::parse(call("getWebhookInfo", "{}", kAwayToken).body).at("result").at("url").as_string(),
            "http://127.0.0.1:9/hook");
  call("deleteWebhook", "{}", kAwayToken);
  EXPECT_FALSE(store_->proxy_webhook(away));
}

TEST_F(ProxyTest, ALongPollOfAConnectionOwnedElsewhereIsAnsweredWhenTheOwnerCommits) {
  const auto away = add_elsewhere("away", kAwayBot, kAwayToken);
  auto poll =
      std::async(std::launch::async, [&] { return call("getUpdates", R"({"timeout":20})", kAwayToken); });
  ASSERT_EQ(poll.wait_for(milliseconds(300)), std::future_status::timeout);  // it waits
  owner_commits(away, 7);  // no updates_committed here: the owner is another instance
  ASSERT_EQ(poll.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(update_ids(poll.get()), (std::vector<std::int64_t>{7}));
  // Confirming by offset works from here too.
  owner_commits(away, 8);
  EXPECT_EQ(update_ids(call("getUpdates", R"({"offset":8})", kAwayToken)), (std::vector<std::int64_t>{8}));
  EXPECT_EQ(store_->proxy_updates(away, 0, 10).size(), 1u);
  // Taken over by this instance: its own commits wake the long poll again.
  on_loop([&] { proxy_.set_owned(away, true); });
  poll = std::async(std::launch::async,
                    [&] { return call("getUpdates", R"({"offset":9,"timeout":20})", kAwayToken); });
  ASSERT_EQ(poll.wait_for(milliseconds(300)), std::future_status::timeout);
  poll_in({{9, private_update(9, "ours now")}}, away);
  ASSERT_EQ(poll.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(update_ids(poll.get()), (std::vector<std::int64_t>{9}));
}

TEST_F(ProxyTest, TheProgramsWebhookIsPushedOnlyWhereTheConnectionIsOwned) {
  std::mutex mutex;
  std::map<std::string, std::vector<std::int64_t>> delivered;  // by path
  http::Server program(upstream_io_.io().get_executor(), {.port = 0});
  program.route(
      http::Verb::post, "/hook/",
      [&](http::Request& r) -> boost::asio::awaitable<http::Response> {
        std::lock_guard lock(mutex);
        delivered[std::string(r.target())].push_back(json::parse(r.body()).at("update_id").as_int64());
        co_return http::text_response(200, "ok");
      },
      http::PathMatch::kPrefix);
  ASSERT_TRUE(program.start().ok());
  const auto base = "http://127.0.0.1:" + std::to_string(program.port()) + "/hook/";
  // Both programs set their webhooks and have updates waiting before this instance registers
  // the connections: a pusher that runs delivers at once.
  const auto away = store_->ensure_connection("away", kAwayBot, kGroup - kAwayBot);
  const auto here = store_->ensure_connection("here", kHereBot, kGroup - kHereBot);
  for (auto [id, name] : {std::pair{away, "away"}, std::pair{here, "here"}}) {
    store_->proxy_set_webhook(id, store::ProxyWebhook{.url = base + name});
    owner_commits(id, 1);
    owner_commits(id, 2);
  }
  add_elsewhere("away", kAwayBot, kAwayToken, /*owned=*/false);
  add_elsewhere("here", kHereBot, kHereToken, /*owned=*/true);
  ASSERT_TRUE(eventually([&] { return store_->proxy_updates(here, 0, 10).empty(); }, milliseconds(10000)));
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(delivered["/hook/here"], (std::vector<std::int64_t>{1, 2}));
    EXPECT_TRUE(delivered["/hook/away"].empty()) << "the owner instance pushes, not this one";
  }
  EXPECT_EQ(store_->proxy_updates(away, 0, 10).size(), 2u);
  // Taken over: this instance's pusher delivers what waited.
  on_loop([&] { proxy_.set_owned(away, true); });
  ASSERT_TRUE(eventually([&] { return store_->proxy_updates(away, 0, 10).empty(); }, milliseconds(10000)));
  std::lock_guard lock(mutex);
  EXPECT_EQ(delivered["/hook/away"], (std::vector<std::int64_t>{1, 2}));
  program.stop();
}

// Two desk instances on one database, each with its own store connection, intercept the same
// program's sends at the same time: every event gets an update id of its own (the inbox would
// drop a second one with the same id as a duplicate). On PostgreSQL when the test server is
// there (TOPICDESK_TEST_PG), else both on one SQLite store (one desk per SQLite database).
TEST(ProxyInstances, InterceptedEventsOfTwoInstancesNeverShareAnUpdateId) {
  IoThread upstream_io;
  Upstream upstream(upstream_io.io());
  auto postgres = store::test_support::postgres_backend();
  std::string location;
  std::unique_ptr<store::Store> first;
  std::unique_ptr<store::Store> second;
  if (postgres) {
    location = postgres->new_location();
    first = postgres->open(location);
    second = postgres->open(location);
  } else {
    first = store::open_sqlite(":memory:");
  }
  store::Store& store_a = *first;
  store::Store& store_b = second ? *second : *first;
  const auto id = store_a.ensure_connection("shop", kBot, kGroup);

  struct Instance {
    explicit Instance(store::Store& store, unsigned short upstream_port, std::atomic<int>& duplicates)
        : forwarder(io.io().get_executor(), "http://127.0.0.1:" + std::to_string(upstream_port)),
          proxy(io.io().get_executor(), store, forwarder,
                [&store, &duplicates](core::ConnectionId c, const core::Event& e) {
                  if (!store.inbox_add(c, e.update_id, core::event_to_json(e))) ++duplicates;
                }) {}
    IoThread io;
    Forwarder forwarder;
    BotApiProxy proxy;
  };
  std::atomic<int> duplicates{0};
  Instance a(store_a, upstream.port(), duplicates);
  Instance b(store_b, upstream.port(), duplicates);
  a.proxy.add_connection({id, "shop", kToken, kBot, kGroup}, /*owned=*/true);
  b.proxy.add_connection({id, "shop", kToken, kBot, kGroup}, /*owned=*/false);

  constexpr int kSends = 60;
  auto sends = [&](Instance& instance) {
    for (int i = 0; i < kSends; ++i) {
      http::Request request{bhttp::verb::post, "/bot" + kToken + "/sendMessage", 11};
      request.set(bhttp::field::content_type, "application/json");
      request.body() = R"({"chat_id":42,"text":"Hi Ann"})";
      request.prepare_payload();
      auto answer = instance.io.run(instance.proxy.handle(request));
      ASSERT_EQ(answer.result_int(), 200u);
    }
  };
  auto from_a = std::async(std::launch::async, sends, std::ref(a));
  auto from_b = std::async(std::launch::async, sends, std::ref(b));
  from_a.get();
  from_b.get();
  EXPECT_EQ(duplicates, 0);
  auto pending = store_a.inbox_pending(id, 1000);
  ASSERT_EQ(pending.size(), 2u * kSends);
  std::set<std::int64_t> ids;
  for (const auto& entry : pending) ids.insert(entry.update_id);
  EXPECT_EQ(ids.size(), 2u * kSends);
  EXPECT_GE(*ids.begin(), kInterceptedUpdateIdBase);
  second.reset();
  first.reset();
  if (postgres) postgres->remove(location);
}

// The desk serves the program's calls on the HTTP server's own loop (serve_at_edge) and keeps
// the store on its relay loop: while that loop is held (a store call that does not return), a
// call is still forwarded, and a send to a user is answered only once its copy is recorded.
TEST(ProxyAtTheEdge, ForwardsWhileTheRelayIsHeldAndAnswersASendOnceItsCopyIsRecorded) {
  IoThread upstream_io;
  IoThread relay;
  IoThread edge;
  Upstream upstream(upstream_io.io());
  auto store = store::open_sqlite(":memory:");
  const std::string base = "http://127.0.0.1:" + std::to_string(upstream.port());
  Forwarder relay_forwarder(relay.io().get_executor(), base);
  Forwarder edge_forwarder(edge.io().get_executor(), base);
  BotApiProxy proxy(relay.io().get_executor(), *store, relay_forwarder,
                    [&store](core::ConnectionId id, const core::Event& e) {
                      store->inbox_add(id, e.update_id, core::event_to_json(e));
                    });
  proxy.serve_at_edge(edge_forwarder);
  const core::ConnectionId id = store->ensure_connection("shop", kBot, kGroup);
  proxy.add_connection({id, "shop", kToken, kBot, kGroup});
  http::Server server(edge.io().get_executor(), {.port = 0, .handlers = relay.io().get_executor()});
  proxy.add_routes(server);
  ASSERT_TRUE(server.start().ok());

  std::promise<void> held;
  std::promise<void> release;
  boost::asio::post(relay.io(), [&] {
    held.set_value();
    release.get_future().wait();
  });
  held.get_future().wait();
  auto me = request_once(server.port(), bhttp::verb::post, "/bot" + kToken + "/getMe", "{}");
  EXPECT_EQ(me.status, 200u);
  EXPECT_NE(me.body.find("/bot500:SECRET/getMe"), std::string::npos) << me.body;

  auto sent = std::async(std::launch::async, [&] {
    return request_once(server.port(), bhttp::verb::post, "/bot" + kToken + "/sendMessage",
                        R"({"chat_id":42,"text":"Hi Ann"})");
  });
  release.set_value();
  auto reply = sent.get();
  EXPECT_EQ(reply.status, 200u);
  auto pending = store->inbox_pending(id, 10);  // recorded before the program had its answer
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_GE(pending[0].update_id, kInterceptedUpdateIdBase);

  std::promise<void> stopped;
  boost::asio::post(relay.io(), [&] { proxy.stop(); });
  server.stop([&] { stopped.set_value(); });
  stopped.get_future().wait();
}

}  // namespace
}  // namespace topicdesk::proxy
