// Helper bots in the dispatcher (relay/group_posters.h): in a quiet group the connection's bot
// posts everything, as without helpers; once the group is busy (its minute a quarter spent, or
// another call into it at once) the helpers post the copies of users' texts and the cards, so the
// own bot's budget is left for topics; the copy remembers its poster, which makes its edits; a
// helper Telegram refuses leaves the rotation with one notice and the refused copy goes through
// another bot.
#include <gtest/gtest.h>

#include "dispatch_test_util.h"
#include "relay/group_posters.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

constexpr core::UserId kHelperOne = 7001;
constexpr core::UserId kHelperTwo = 7002;

telegram::FloodLimits group_budget(int per_minute) {
  telegram::FloodLimits limits;
  limits.group_per_minute = per_minute;
  return limits;
}

std::vector<std::string> texts_of(const FakeBotApi& api) {
  std::vector<std::string> out;
  for (const auto& call : api.of("sendMessage")) out.emplace_back(call.params.at("text").as_string());
  return out;
}

class DispatcherHelpersTest : public DispatchFixture {
 protected:
  // One copy per message: queued texts are not merged here (coalescing has tests of its own).
  DispatcherHelpersTest() {
    context_.group_has_helpers = true;
    context_.params.coalesce = false;
  }

  // `own_budget`: messages a minute the own bot may post into the group; 2 makes the group busy
  // as soon as its first topic is created (half its minute spent). Each helper may post 5.
  void start_with_helpers(int helpers, int own_budget = 2) {
    start(group_budget(own_budget));
    dispatcher_->posters().add_helper(kGroupId, kHelperOne, "helper_one", helper_one_, group_budget(5));
    if (helpers > 1)
      dispatcher_->posters().add_helper(kGroupId, kHelperTwo, "helper_two", helper_two_, group_budget(5));
  }

  FakeBotApi helper_one_, helper_two_;
};

TEST_F(DispatcherHelpersTest, InAQuietGroupTheOwnBotPostsEverythingAsWithoutHelpers) {
  start_with_helpers(2, 20);
  handle(user_message(kAnn, 1, "one"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  EXPECT_EQ(api_.of("createForumTopic").size(), 1u);
  EXPECT_EQ(api_.of("sendMessage").size(), 1u) << "the card";
  EXPECT_EQ(api_.of("copyMessage").size(), 1u) << "the copy";
  EXPECT_TRUE(helper_one_.calls.empty());
  EXPECT_TRUE(helper_two_.calls.empty());
  EXPECT_EQ(store_->link_by_user_message(ann().id, 1)->poster_id, GroupPosters::kOwnBot);
}

TEST_F(DispatcherHelpersTest, WhenPostsIntoTheGroupOverlapAHelperTakesTheOneThatCouldWait) {
  // The own bot has most of its minute, but two new dialogs at once are a burst: both topics are
  // its own to create; of the cards and texts that go at the same moment, helpers take some.
  start_with_helpers(1, 20);
  handle(user_message(kAnn, 1, "from Ann"));
  handle(user_message(kBob, 1, "from Bob"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  EXPECT_EQ(api_.of("createForumTopic").size(), 2u) << "topics stay the connection's bot's";
  EXPECT_FALSE(helper_one_.of("sendMessage").empty()) << "nothing went to the helper in a burst";
  EXPECT_TRUE(helper_one_.of("createForumTopic").empty());
}

TEST_F(DispatcherHelpersTest, InABusyGroupAHelperPostsTheCardAndTextsAndEditsItsCopies) {
  start_with_helpers(1);
  handle(user_message(kAnn, 1, "one"));
  handle(user_message(kAnn, 2, "two"));
  ASSERT_TRUE(run_until([&] { return idle(); }));

  EXPECT_EQ(api_.of("createForumTopic").size(), 1u) << "topics stay the connection's bot's";
  EXPECT_TRUE(api_.of("copyMessage").empty());
  EXPECT_TRUE(api_.of("sendMessage").empty()) << "the card too: the own bot keeps its budget for topics";
  auto texts = texts_of(helper_one_);
  ASSERT_EQ(texts.size(), 3u);
  EXPECT_EQ(texts, (std::vector<std::string>{texts.front(), "one", "two"})) << "the card, then the texts";
  const auto params = helper_one_.of("sendMessage").back().params;
  EXPECT_EQ(params.at("chat_id").as_int64(), kGroupId);
  EXPECT_EQ(params.at("message_thread_id").as_int64(), ann().thread_id);
  EXPECT_FALSE(params.contains("from_chat_id"));

  auto link = store_->link_by_user_message(ann().id, 1);
  ASSERT_TRUE(link);
  EXPECT_EQ(link->poster_id, kHelperOne);

  core::Event edit = user_message(kAnn, 1, "one, corrected");
  edit.kind = EventKind::kUserEdit;
  edit.update_id = 50;
  handle(edit);
  ASSERT_TRUE(run_until([&] { return idle(); }));
  ASSERT_EQ(helper_one_.of("editMessageText").size(), 1u) << "the bot that posted the copy edits it";
  EXPECT_EQ(helper_one_.of("editMessageText").front().params.at("message_id").as_int64(),
            link->group_message_id);
  EXPECT_TRUE(api_.of("editMessageText").empty());
}

TEST_F(DispatcherHelpersTest, AHelperTelegramRefusesLeavesTheRotationOnceAndItsCopyGoesToAnother) {
  helper_one_.script = [](const FakeBotApi::Call&, int) -> std::optional<telegram::ApiResult> {
    return FakeBotApi::error(403, "Forbidden: bot was kicked from the supergroup chat");
  };
  start_with_helpers(2);
  handle(user_message(kAnn, 1, "one"));
  // The card, "one" and the notice: the group is busy (the own bot's minute half spent by the topic).
  ASSERT_TRUE(run_until([&] {
    auto texts = texts_of(helper_two_);
    return idle() && std::find(texts.begin(), texts.end(), "one") != texts.end() && texts.size() == 3;
  }));
  handle(user_message(kAnn, 2, "two"));
  ASSERT_TRUE(run_until([&] { return idle() && texts_of(helper_two_).size() == 4; }));

  EXPECT_EQ(helper_one_.calls.size(), 1u) << "dropped after its refusal";
  auto texts = texts_of(helper_two_);
  EXPECT_EQ(std::count(texts.begin(), texts.end(), "one"), 1) << "posted once, by the other helper";
  EXPECT_EQ(texts.back(), "two");
  int notices = 0;
  for (const auto& t : texts)
    notices += t.find("@helper_one can no longer post") != std::string::npos ? 1 : 0;
  EXPECT_EQ(notices, 1) << "one notice in General";
  EXPECT_EQ(store_->link_by_user_message(ann().id, 1)->poster_id, kHelperTwo);
}

}  // namespace
}  // namespace topicdesk::relay
