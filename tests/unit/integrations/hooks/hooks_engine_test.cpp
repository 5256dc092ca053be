// The engine's side of hooks: /link, /unlink, /set, /info lines, command events and
// which unknown commands get a notice.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "relay/relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;
namespace json = boost::json;

constexpr core::UserId kUser = 42;

class HooksEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine = std::make_unique<Engine>(*store, make_context(*store));
    engine->handle(user_message(kUser, 1, "hello"), kT0);
    auto dialog = *store->dialog_by_user(engine->context().id, kUser);
    dialog.thread_id = kThread;
    store->update_dialog(dialog);
    take_jobs(*store);
  }

  std::vector<std::string> topic_texts_after(const std::string& text) {
    ++next_message;
    engine->handle(operator_message(kThread, next_message, text), kT0 + next_message);
    return texts_to(take_jobs(*store), Side::kGroup);
  }

  void set_parameters(const core::RawParameters& raw) {
    auto params = core::parse_parameters(raw);
    ASSERT_TRUE(params) << params.error().message;
    engine->set_parameters(*params);
  }

  std::vector<store::StoredEvent> events_of_type(const std::string& type) {
    std::vector<store::StoredEvent> out;
    for (auto& e : store->events_after(0, 1000)) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }

  std::unique_ptr<store::Store> store = make_store();
  std::unique_ptr<Engine> engine;
  core::MessageId next_message = 100;
};

TEST_F(HooksEngineTest, LinkShowsSetsAndUnlinks) {
  EXPECT_EQ(topic_texts_after("/link"),
            std::vector<std::string>{"🔗 No linked account. /link ACCOUNT links one, /unlink removes it."});
  EXPECT_EQ(topic_texts_after("/link N005"), std::vector<std::string>{"🔗 Linked to account N005."});
  EXPECT_EQ(store->user_link(engine->context().id, kUser), "N005");
  EXPECT_EQ(topic_texts_after("/link"), std::vector<std::string>{"🔗 Linked account: N005"});
  EXPECT_EQ(topic_texts_after("/unlink"), std::vector<std::string>{"🔗 The linked account was removed."});
  EXPECT_FALSE(store->user_link(engine->context().id, kUser));
}

TEST_F(HooksEngineTest, SetAddsListsAndRemovesFields) {
  EXPECT_EQ(topic_texts_after("/set Plan = pro"), std::vector<std::string>{"📝 plan = pro"});
  EXPECT_EQ(topic_texts_after("/set city=Oslo"), std::vector<std::string>{"📝 city = Oslo"});
  EXPECT_EQ(topic_texts_after("/set"), std::vector<std::string>{"📝 Custom fields:\ncity = Oslo\nplan = pro"});
  EXPECT_EQ(topic_texts_after("/set city="), std::vector<std::string>{"📝 city removed."});
  auto bad = topic_texts_after("/set no equals sign");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_TRUE(bad[0].starts_with("Usage: /set key=value"));
  using Fields = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(store->user_fields(engine->context().id, kUser), (Fields{{"plan", "pro"}}));
}

TEST_F(HooksEngineTest, InfoShowsTheLinkedAccountAndFields) {
  topic_texts_after("/link N005");
  topic_texts_after("/set plan=pro");
  auto info = topic_texts_after("/info");
  ASSERT_EQ(info.size(), 1u);
  EXPECT_NE(info[0].find("\nlinked account: N005"), std::string::npos) << info[0];
  EXPECT_NE(info[0].find("\nplan: pro"), std::string::npos) << info[0];
}

TEST_F(HooksEngineTest, UnknownCommandsGetANoticeUnlessHookedOrCustomCommands) {
  EXPECT_EQ(topic_texts_after("/activate t1 m6").size(), 1u);  // "Unknown command /activate…"
  set_parameters({{"WEBHOOKS", R"({"http://127.0.0.1:1/h": ["/activate"]})"}});
  EXPECT_TRUE(topic_texts_after("/activate t1 m6").empty());
  EXPECT_EQ(topic_texts_after("/notion").size(), 1u);
  set_parameters({{"CUSTOM_COMMANDS", "true"}});
  EXPECT_TRUE(topic_texts_after("/notion").empty());

  auto commands = events_of_type("command");
  ASSERT_EQ(commands.size(), 4u);  // every one is recorded for command hooks
  auto payload = json::parse(commands[1].payload).as_object();
  EXPECT_EQ(payload["command"], "activate");
  EXPECT_EQ(payload["args"], "t1 m6");
  EXPECT_EQ(payload["operator"].at("id"), kOperatorId);
  EXPECT_EQ(payload["operator"].at("username"), "olga_op");
}

TEST_F(HooksEngineTest, InfoMakesACommandEventOnlyWhenAHookListsInfo) {
  topic_texts_after("/info");
  EXPECT_TRUE(events_of_type("command").empty());
  set_parameters({{"WEBHOOKS", R"({"http://127.0.0.1:1/h": ["info"]})"}});
  EXPECT_EQ(topic_texts_after("/info").size(), 1u);  // the built-in card is still posted
  auto commands = events_of_type("command");
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(json::parse(commands[0].payload).at("command"), "info");
}

}  // namespace
}  // namespace topicdesk::relay
