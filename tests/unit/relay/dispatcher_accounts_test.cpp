// The dispatcher with an account connection: user-side calls go through the
// account's session (the frontend BotApi), group calls through the desk bot; /new is resolved
// through the session and comes back as an inbox event; the topic link is posted in General.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>

#include "core/event_json.h"
#include "dispatch_test_util.h"
#include "fake_bot_api.h"
#include "relay/accounts.h"
#include "relay/dispatcher.h"
#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;
namespace json = boost::json;
using std::chrono::milliseconds;

constexpr core::ChatId kForum = -1001234567890;
constexpr core::UserId kAccount = 4242;

class DispatcherAccountsTest : public DispatchFixture {
 protected:
  DispatcherAccountsTest() {
    context_ = make_context(*store_, "sales", 500, kForum);
    context_.params.welcome.reset();  // as in DispatchFixture: the tests count one message's calls
    context_.account = true;
    context_.account_id = kAccount;
  }

  void start() { DispatchFixture::start({.enabled = false}, {}, true); }

  static core::Event general(std::string text) { return operator_message(0, 1, std::move(text), kForum); }

  // The account answers resolveUser like TdFrontendApi: a Bot API User, or 400 when unknown.
  void account_knows_alice() {
    account_.script = [](const FakeBotApi::Call& call, int) -> std::optional<telegram::ApiResult> {
      if (call.method != "resolveUser") return std::nullopt;
      if (call.params.contains("username") && call.params.at("username").as_string() == "alice") {
        telegram::ApiResult found;
        found.ok = true;
        found.result =
            json::object{{"id", kAnn}, {"is_bot", false}, {"first_name", "Alice"}, {"username", "alice"}};
        return found;
      }
      return FakeBotApi::error(400, "Bad Request: USERNAME_NOT_OCCUPIED");
    };
  }

  FakeBotApi& desk_bot_ = api_;
  FakeBotApi& account_ = session_;
};

TEST_F(DispatcherAccountsTest, UserSideCallsGoThroughTheAccountAndGroupCallsThroughTheDeskBot) {
  start();
  handle(user_message(kAnn, 1, "hello"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  ASSERT_EQ(desk_bot_.of("createForumTopic").size(), 1u);
  EXPECT_EQ(desk_bot_.of("sendMessage").size(), 1u);  // the card
  EXPECT_TRUE(desk_bot_.of("copyMessage").empty());
  ASSERT_EQ(account_.of("copyMessage").size(), 1u);  // the user's chat is the account's
  EXPECT_EQ(account_.of("copyMessage")[0].params.at("from_chat_id").as_int64(), kAnn);

  auto thread = store_->dialog_by_user(context_.id, kAnn)->thread_id;
  handle(operator_message(thread, 7000, "Hi Ann", kForum));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  ASSERT_EQ(account_.of("copyMessage").size(), 2u);
  EXPECT_EQ(account_.of("copyMessage")[1].params.at("chat_id").as_int64(), kAnn);
  EXPECT_EQ(desk_bot_.of("editForumTopic").size(), 1u);  // the status marker stays with the bot
}

TEST_F(DispatcherAccountsTest, ReactionsForTheUserAreSetByTheAccount) {
  start();
  handle(user_message(kAnn, 1, "hello"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  auto reaction = operator_message(0, 5000, "", kForum);  // the copy the account made
  reaction.kind = core::EventKind::kOperatorReaction;
  reaction.new_reactions = {"👍"};
  handle(reaction);
  ASSERT_TRUE(run_until([&] { return idle(); }));
  ASSERT_EQ(account_.of("setMessageReaction").size(), 1u);
  EXPECT_TRUE(desk_bot_.of("setMessageReaction").empty());
  const auto params = account_.of("setMessageReaction")[0].params;
  EXPECT_EQ(params.at("chat_id").as_int64(), kAnn);
  EXPECT_EQ(params.at("message_id").as_int64(), 1);  // the user's own message
  EXPECT_EQ(store_->outbox_stats().failed, 0);
}

TEST_F(DispatcherAccountsTest, NewOpensTheDialogAndPostsTheTopicLinkInGeneral) {
  account_knows_alice();
  start();
  handle(general("/new @alice"));
  ASSERT_TRUE(run_until([&] { return store_->dialog_by_user(context_.id, kAnn).has_value() && idle(); }));
  ASSERT_EQ(account_.of("resolveUser").size(), 1u);
  auto dialog = *store_->dialog_by_user(context_.id, kAnn);
  ASSERT_NE(dialog.thread_id, 0);
  auto posts = desk_bot_.of("sendMessage");
  ASSERT_FALSE(posts.empty());
  const auto& announce = posts.back();
  EXPECT_FALSE(announce.params.contains("message_thread_id"));  // General
  std::string text(announce.params.at("text").as_string());
  EXPECT_NE(text.find("New dialog with Alice (@alice)"), std::string::npos) << text;
  EXPECT_NE(text.find(topic_link(kForum, dialog.thread_id)), std::string::npos) << text;
  EXPECT_TRUE(account_.of("sendMessage").empty());  // nothing reaches Alice until an operator writes
}

TEST_F(DispatcherAccountsTest, NewForAnUnknownUserSaysSoInGeneral) {
  account_knows_alice();
  start();
  handle(general("/new @nobody_here"));
  ASSERT_TRUE(run_until([&] { return !desk_bot_.of("sendMessage").empty() && idle(); }));
  EXPECT_EQ(std::string(desk_bot_.of("sendMessage").back().params.at("text").as_string()),
            account_notice::not_found("en", "@nobody_here", "sales"));
  EXPECT_TRUE(desk_bot_.of("createForumTopic").empty());
}

TEST_F(DispatcherAccountsTest, NewWaitsWhileTheSessionIsUnreachable) {
  int failures = 2;
  account_.script = [&](const FakeBotApi::Call& call, int) -> std::optional<telegram::ApiResult> {
    if (call.method != "resolveUser") return std::nullopt;
    if (failures-- > 0) return telegram::ApiResult{};  // no answer: like a session not signed in
    telegram::ApiResult found;
    found.ok = true;
    found.result = json::object{{"id", kAnn}, {"first_name", "Ann"}};
    return found;
  };
  start();
  handle(general("/new +491701234567"));
  ASSERT_TRUE(run_until([&] { return store_->dialog_by_user(context_.id, kAnn).has_value() && idle(); }));
  auto calls = account_.of("resolveUser");
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].params.at("phone").as_string(), "+491701234567");
}

}  // namespace
}  // namespace topicdesk::relay
