// Unit tests of tgsim's model rules that other parts of topicdesk mirror: the flood limiter
// (the desk's dispatcher copies its algorithm) and the text rules (lengths, UTF-16 offsets).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "sim/model/flood_limiter.h"
#include "sim/model/text.h"
#include "sim/model/world.h"

namespace tgsim {
namespace {

using model::FloodLimiter;
using namespace std::chrono_literals;

class FloodLimiterTest : public ::testing::Test {
 protected:
  FloodLimiter limiter;
  FloodLimiter::Clock::time_point t0 = FloodLimiter::Clock::time_point{} + 1000s;
  static constexpr Id kBot = 7;
  static constexpr Id kUser = 5;
  static constexpr Id kGroup = -1001;
};

TEST_F(FloodLimiterTest, PrivateChatAllowsBurstOfThreeThenOnePerSecond) {
  EXPECT_EQ(limiter.admit(kBot, kUser, 1, t0), 0);
  EXPECT_EQ(limiter.admit(kBot, kUser, 1, t0), 0);
  EXPECT_EQ(limiter.admit(kBot, kUser, 1, t0), 0);
  EXPECT_EQ(limiter.admit(kBot, kUser, 1, t0), 1);
  EXPECT_EQ(limiter.admit(kBot, kUser, 1, t0 + 500ms), 1);
  EXPECT_EQ(limiter.admit(kBot, kUser, 1, t0 + 1s), 0);
  EXPECT_EQ(limiter.admit(kBot, kUser, 1, t0 + 1s), 1);
  EXPECT_EQ(limiter.admit(kBot, 6, 1, t0 + 1s), 0) << "another chat has its own bucket";
}

TEST_F(FloodLimiterTest, RejectedRequestsRecordNothing) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(limiter.admit(kBot, kUser, 1, t0), 0);
  for (int i = 0; i < 10; ++i) EXPECT_GT(limiter.admit(kBot, kUser, 1, t0 + 100ms), 0);
  EXPECT_EQ(limiter.admit(kBot, kUser, 1, t0 + 1s), 0);
}

TEST_F(FloodLimiterTest, AlbumLargerThanBurstNeedsAFullBucketAndLeavesADebt) {
  EXPECT_EQ(limiter.admit(kBot, kUser, 10, t0), 0);  // tokens 3 - 10 = -7
  EXPECT_EQ(limiter.admit(kBot, kUser, 1, t0), 8);   // (1 - (-7)) / 1 per second
  EXPECT_EQ(limiter.admit(kBot, kUser, 1, t0 + 8s), 0);
}

TEST_F(FloodLimiterTest, GroupWindowOfTwentyPerMinuteAnswersSecondsUntilASlotFrees) {
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(limiter.admit(kBot, kGroup, 1, t0 + std::chrono::seconds(i)), 0) << i;
  EXPECT_EQ(limiter.admit(kBot, kGroup, 1, t0 + 30s), 30);  // the first entry expires at t0 + 60 s
  EXPECT_EQ(limiter.admit(kBot, kGroup, 1, t0 + 59500ms), 1);
  EXPECT_EQ(limiter.admit(kBot, kGroup, 1, t0 + 60s), 0);
  EXPECT_EQ(limiter.admit(kBot, kGroup, 3, t0 + 60s), 3) << "three slots free when entries 1..3 expire";
}

TEST_F(FloodLimiterTest, CopyOfManyMessagesCountsEach) {
  EXPECT_EQ(limiter.admit(kBot, kGroup, 15, t0), 0);
  EXPECT_EQ(limiter.admit(kBot, kGroup, 6, t0 + 1s), 59);
  EXPECT_EQ(limiter.admit(kBot, kGroup, 5, t0 + 1s), 0);
}

TEST_F(FloodLimiterTest, BotWindowOfThirtyRequestsPerSecond) {
  for (Id chat = 1; chat <= 30; ++chat) ASSERT_EQ(limiter.admit(kBot, chat, 1, t0), 0);
  EXPECT_EQ(limiter.admit(kBot, 31, 1, t0 + 200ms), 1);
  EXPECT_EQ(limiter.admit(8, 31, 1, t0 + 200ms), 0) << "another bot has its own window";
  EXPECT_EQ(limiter.admit(kBot, 31, 1, t0 + 1s), 0);
}

TEST(TextTest, LengthsAreCodePointsAndOffsetsUtf16) {
  EXPECT_EQ(text::code_points("h\xC3\xA9\xF0\x9F\x98\x80"), 3u);
  EXPECT_EQ(text::utf16_length("h\xC3\xA9\xF0\x9F\x98\x80"), 4u);
  EXPECT_TRUE(text::valid_utf8("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(text::valid_utf8("\xED\xA0\x80"));  // a surrogate
  EXPECT_FALSE(text::valid_utf8("\xC0\xAF"));      // overlong '/'
  EXPECT_FALSE(text::valid_utf8("\xE2\x82"));      // cut short
}

TEST(TextTest, FormatsHtmlAndTrims) {
  auto f = text::format("  <b>Hi</b> <i>there</i>  ", "HTML", nullptr);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->text, "Hi there");
  ASSERT_EQ(f->entities.size(), 2u);
  EXPECT_EQ(boost::json::serialize(f->entities),
            R"([{"offset":0,"length":2,"type":"bold"},{"offset":3,"length":5,"type":"italic"}])");
  auto bad = text::format("<b>open", "HTML", nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().description,
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"");
}

TEST(TextTest, PreWithLanguage) {
  auto f = text::format("<pre><code class=\"language-python\">x = 1</code></pre>", "HTML", nullptr);
  ASSERT_TRUE(f.ok()) << f.error().description;
  EXPECT_EQ(boost::json::serialize(f->entities),
            R"([{"offset":0,"length":5,"type":"pre","language":"python"}])");
}

TEST(TextTest, MarkdownV2RequiresEscapes) {
  auto ok = text::format("*bold* a\\.b [link](https://t.me)", "MarkdownV2", nullptr);
  ASSERT_TRUE(ok.ok()) << ok.error().description;
  EXPECT_EQ(ok->text, "bold a.b link");
  auto bad = text::format("a.b", "MarkdownV2", nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().description,
            "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the "
            "preceding '\\'");
}

TEST(TextTest, DetectsCommandsMentionsAndLinks) {
  auto f = text::format("/start@shop_bot hi @olga see https://t.me/x #tag", "", nullptr);
  ASSERT_TRUE(f.ok());
  std::vector<std::string> types;
  for (const auto& e : f->entities) types.emplace_back(e.as_object().at("type").as_string());
  EXPECT_EQ(types, (std::vector<std::string>{"bot_command", "mention", "url", "hashtag"}));
  auto command = text::leading_command("/start@shop_bot hi");
  ASSERT_TRUE(command);
  EXPECT_EQ(command->name, "start");
  EXPECT_EQ(command->mention, "shop_bot");
}

TEST(WorldTest, ChatHistoryIsBoundedButTopicRootsStay) {
  model::World world(1);
  auto owner = world.create_user({"Olga", "", "", "", ""});
  auto group_id = world.create_group("G", true, *owner);
  auto group = world.group(*group_id);
  auto topic = world.create_topic(**group, *owner, "T", 7322096, "");
  ASSERT_TRUE(topic.ok());
  for (std::size_t i = 0; i < model::World::kMaxMessagesPerChat + 50; ++i) {
    model::MessageInput input;
    input.thread_id = (*topic)->thread_id;
    input.content["text"] = "x";
    ASSERT_TRUE(world.post(**group, *owner, input).ok());
  }
  // Topic roots do not count: the newest kMaxMessagesPerChat others stay beside them.
  EXPECT_EQ((*group)->messages.size(), model::World::kMaxMessagesPerChat + (*group)->topics.size());
  EXPECT_TRUE((*group)->messages.contains((*topic)->thread_id));
}

}  // namespace
}  // namespace tgsim

namespace tgsim {
namespace {

// POST /sim/clock moves the world's time forward, never back, and message dates follow it.
TEST(WorldClock, MessageDatesFollowTheAdvancedClock) {
  model::World world(1);
  auto owner = world.create_user({"Olga", "", "", "", ""});
  auto group_id = world.create_group("G", false, *owner);
  auto group = world.group(*group_id);
  model::MessageInput input;
  input.content["text"] = "before";
  auto first = world.post(**group, *owner, input);
  ASSERT_TRUE(first.ok());
  const std::int64_t before = (*first)->date;
  world.advance_clock(86400);
  world.advance_clock(-3600);  // ignored
  input.content["text"] = "after";
  auto second = world.post(**group, *owner, input);
  ASSERT_TRUE(second.ok());
  EXPECT_GE((*second)->date, before + 86400);
  EXPECT_GE(world.now(), before + 86400);
}

}  // namespace
}  // namespace tgsim
