// Choosing the bot that posts into a backend group: in a quiet group the connection's own bot
// while it has budget; in a busy one the helpers first, in turn, each within its own per-group
// budget, so the own bot's budget is left for what only it may post (topics, titles, media); the
// own bot's spare budget when every helper is spent; a dropped helper leaves the rotation.
#include "relay/group_posters.h"

#include <gtest/gtest.h>

#include "fake_bot_api.h"
#include "relay/jobs.h"

namespace topicdesk::relay {
namespace {

constexpr core::ChatId kGroup = -100500;
constexpr core::ChatId kOtherGroup = -100600;
constexpr core::UserId kH1 = 9001;
constexpr core::UserId kH2 = 9002;

telegram::FloodLimits limits(int per_minute) {
  telegram::FloodLimits l;
  l.group_per_minute = per_minute;
  return l;
}

class GroupPostersTest : public ::testing::Test {
 protected:
  GroupPostersTest() {
    posters_.add_helper(kGroup, kH1, "helper_one", h1_, limits(2));
    posters_.add_helper(kGroup, kH2, "helper_two", h2_, limits(2));
  }
  testing::FakeBotApi h1_, h2_;
  GroupPosters posters_;
  core::UnixMillis now_ = 1'000'000;
};

constexpr bool kQuiet = true;
constexpr bool kBusy = false;

TEST_F(GroupPostersTest, InAQuietGroupTheOwnBotPostsWhileItHasBudget) {
  // Everyday load: the copies come from the connection's bot, as without helpers.
  auto choice = posters_.choose(kGroup, now_, now_, 1, kQuiet);
  EXPECT_EQ(choice.poster, GroupPosters::kOwnBot);
  EXPECT_LE(choice.slot, now_);
  EXPECT_NE(posters_.choose(kGroup, now_ + 5000, now_, 1, kQuiet).poster, GroupPosters::kOwnBot)
      << "quiet, but the own bot has no budget: a helper posts now";
  EXPECT_EQ(posters_.choose(kOtherGroup, now_ + 5000, now_, 1, kBusy).poster, GroupPosters::kOwnBot)
      << "a group without helpers waits for its own bot";
  EXPECT_EQ(posters_.choose(kOtherGroup, now_ + 5000, now_, 1, kBusy).slot, now_ + 5000);
}

TEST_F(GroupPostersTest, InABurstHelpersGoFirstAndTheOwnBotTakesOnlyWhatTheyHaveNoBudgetFor) {
  // The own bot has budget, but only it may create the burst's topics (and copy media): the
  // helpers take the texts while they have budget, in turn, each within its own budget.
  std::map<core::UserId, int> posted;
  for (int i = 0; i < 4; ++i) {
    auto choice = posters_.choose(kGroup, now_ + i, now_ + i, 1, kBusy);
    ASSERT_NE(choice.poster, GroupPosters::kOwnBot) << "post " << i;
    ASSERT_LE(choice.slot, now_ + i);
    posters_.record_send(kGroup, choice.poster, now_ + i, 1);
    ++posted[choice.poster];
  }
  EXPECT_EQ(posted[kH1], 2);  // in turn, two each: their budgets of 2 a minute
  EXPECT_EQ(posted[kH2], 2);
  // The helpers' minutes are spent: the own bot's spare budget is used rather than waiting.
  auto spare = posters_.choose(kGroup, now_ + 10, now_ + 10, 1, kBusy);
  EXPECT_EQ(spare.poster, GroupPosters::kOwnBot);
  EXPECT_EQ(spare.slot, now_ + 10);
  // Everyone's minute is spent: the earliest budget to open is the answer.
  const core::UnixMillis own_busy = now_ + 30'000;
  auto waiting = posters_.choose(kGroup, own_busy, now_ + 10, 1, kBusy);
  EXPECT_EQ(waiting.poster, GroupPosters::kOwnBot);
  EXPECT_EQ(waiting.slot, own_busy);
  auto later = posters_.choose(kGroup, now_ + 100'000, now_ + 10, 1, kBusy);
  EXPECT_NE(later.poster, GroupPosters::kOwnBot) << "a helper's window opens before the own bot's";
  EXPECT_GT(later.slot, now_ + 10);
  EXPECT_LT(later.slot, now_ + 100'000);
}

TEST_F(GroupPostersTest, ABudgetCountsPerGroup) {
  posters_.add_helper(kOtherGroup, kH1, "helper_one", h1_, limits(2));
  posters_.record_send(kGroup, kH1, now_, 2);
  EXPECT_EQ(posters_.choose(kOtherGroup, now_ + 30'000, now_, 1, kBusy).poster, kH1)
      << "fresh in the other group";
  EXPECT_EQ(posters_.choose(kGroup, now_ + 30'000, now_, 1, kBusy).poster, kH2);
}

TEST_F(GroupPostersTest, ADroppedHelperLeavesTheRotationAndIsReportedOnce) {
  EXPECT_TRUE(posters_.drop(kGroup, kH1));
  EXPECT_FALSE(posters_.drop(kGroup, kH1)) << "told once";
  EXPECT_FALSE(posters_.drop(kGroup, GroupPosters::kOwnBot)) << "the own bot is never dropped";
  for (int i = 0; i < 2; ++i) {
    auto choice = posters_.choose(kGroup, now_ + 30'000, now_ + i, 1, kBusy);
    EXPECT_EQ(choice.poster, kH2);
    posters_.record_send(kGroup, choice.poster, now_ + i, 1);
  }
  EXPECT_EQ(posters_.api_of(kGroup, kH1), nullptr) << "its copies are edited by the own bot";
  EXPECT_EQ(posters_.api_of(kGroup, kH2), &h2_);
  EXPECT_TRUE(posters_.has_helpers(kGroup));
  posters_.drop(kGroup, kH2);
  EXPECT_FALSE(posters_.has_helpers(kGroup));
  EXPECT_EQ(posters_.choose(kGroup, now_ + 30'000, now_, 1, kBusy).poster, GroupPosters::kOwnBot);
}

TEST_F(GroupPostersTest, AHelperBlockedBy429IsNotChosenUntilTheBlockEnds) {
  posters_.flood_of(kGroup, kH1)->block_chat_until(kGroup, now_ + 5000);
  EXPECT_EQ(posters_.choose(kGroup, now_ + 30'000, now_, 1, kBusy).poster, kH2);
  EXPECT_EQ(posters_.flood_of(kGroup, 424242), nullptr) << "an unknown poster has no budget here";
}

TEST(HelperMayPost, PostsButNeverManagesTopics) {
  EXPECT_TRUE(helper_may_post(job::kSendText, false));
  EXPECT_TRUE(helper_may_post(job::kCopyToTopic, true));
  EXPECT_FALSE(helper_may_post(job::kCopyToTopic, false)) << "media: file ids do not pass between bots";
  EXPECT_FALSE(helper_may_post(job::kCopyAlbumToTopic, false));
  EXPECT_FALSE(helper_may_post(job::kCreateTopic, false));
  EXPECT_FALSE(helper_may_post(job::kSetTopicTitle, false));
  EXPECT_FALSE(helper_may_post(job::kCloseTopic, false));
  EXPECT_FALSE(helper_may_post(job::kReopenTopic, false));
  EXPECT_FALSE(helper_may_post(job::kCopyToUser, false));
}

}  // namespace
}  // namespace topicdesk::relay
