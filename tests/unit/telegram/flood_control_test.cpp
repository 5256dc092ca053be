#include "telegram/flood_control.h"

#include <gtest/gtest.h>

namespace topicdesk::telegram {
namespace {

constexpr core::ChatId kUser = 1001;
constexpr core::ChatId kOtherUser = 1002;
constexpr core::ChatId kGroup = -1001234567890;
constexpr core::UnixMillis kStart = 1'700'000'000'000;

// Sends to chat_id whenever allowed, starting at `now`; returns the time of the last send.
core::UnixMillis send_n(FloodControl& flood, core::ChatId chat_id, core::UnixMillis now, int count) {
  for (int i = 0; i < count; ++i) {
    now = std::max(now, flood.next_slot(chat_id, now));
    flood.record_send(chat_id, now);
  }
  return now;
}

TEST(FloodControl, PrivateChatAllowsTheBurstThenOnePerSecond) {
  FloodControl flood(FloodLimits{});
  for (int i = 0; i < 3; ++i) {
    EXPECT_LE(flood.next_slot(kUser, kStart), kStart) << "burst message " << i;
    flood.record_send(kUser, kStart);
  }
  EXPECT_EQ(flood.next_slot(kUser, kStart), kStart + 1000);
  EXPECT_EQ(flood.next_slot(kUser, kStart + 400), kStart + 1000);
  EXPECT_LE(flood.next_slot(kUser, kStart + 1000), kStart + 1000);
}

TEST(FloodControl, PrivateChatsAreIndependent) {
  FloodControl flood(FloodLimits{});
  send_n(flood, kUser, kStart, 3);
  EXPECT_GT(flood.next_slot(kUser, kStart), kStart);
  EXPECT_LE(flood.next_slot(kOtherUser, kStart), kStart);
}

TEST(FloodControl, PrivateChatRefillsToTheBurstOnly) {
  FloodControl flood(FloodLimits{});
  send_n(flood, kUser, kStart, 3);
  core::UnixMillis later = kStart + 60'000;  // a minute of silence refills 3 tokens, not 60
  send_n(flood, kUser, later, 3);
  EXPECT_EQ(flood.next_slot(kUser, later), later + 1000);
}

TEST(FloodControl, SeveralMessagesAtOnceCountEach) {
  FloodControl flood(FloodLimits{});
  flood.record_send(kUser, kStart, 5);  // e.g. an album of five copied together
  EXPECT_EQ(flood.next_slot(kUser, kStart), kStart + 3000);
}

TEST(FloodControl, GroupAllowsTwentyPerSlidingMinute) {
  FloodControl flood(FloodLimits{});
  for (int i = 0; i < 20; ++i) {
    core::UnixMillis now = kStart + i * 100;
    ASSERT_LE(flood.next_slot(kGroup, now), now) << "message " << i;
    flood.record_send(kGroup, now);
  }
  core::UnixMillis now = kStart + 2000;
  EXPECT_EQ(flood.next_slot(kGroup, now), kStart + kGroupWindowMs);  // when the first one leaves the window
  flood.record_send(kGroup, kStart + kGroupWindowMs);
  EXPECT_EQ(flood.next_slot(kGroup, kStart + kGroupWindowMs), kStart + kGroupWindowMs + 100);
}

TEST(FloodControl, BulkMessagesLeaveAQuarterOfTheGroupsMinuteToTheRest) {
  FloodControl flood(FloodLimits{});
  EXPECT_EQ(flood.bulk_reserve(), 5);
  for (int i = 0; i < 15; ++i) {
    core::UnixMillis now = kStart + i * 100;
    ASSERT_LE(flood.next_bulk_slot(kGroup, now), now) << "title " << i;
    flood.record_send(kGroup, now);
  }
  core::UnixMillis now = kStart + 2000;
  EXPECT_EQ(flood.next_bulk_slot(kGroup, now), kStart + kGroupWindowMs) << "15 in the minute: bulk waits";
  for (int i = 0; i < 5; ++i) {  // the rest of the budget is there for other messages
    ASSERT_LE(flood.next_slot(kGroup, now), now) << "message " << i;
    flood.record_send(kGroup, now);
  }
  EXPECT_GT(flood.next_slot(kGroup, now), now);
  EXPECT_EQ(flood.next_bulk_slot(kUser, now), now) << "private chats: the usual limits";
}

TEST(FloodControl, GroupRateOverTenMinutesStaysAtTwentyPerMinute) {
  FloodControl flood(FloodLimits{});
  core::UnixMillis last = send_n(flood, kGroup, kStart, 200);
  // 200 messages at 20/min: the first 20 at once, then 20 more per minute (and its margin).
  EXPECT_EQ(last, kStart + 9 * kGroupWindowMs);
}

TEST(FloodControl, AlbumNeedsRoomForAllItsMessagesAtOnce) {
  FloodControl flood(FloodLimits{});
  send_n(flood, kGroup, kStart, 15);
  EXPECT_LE(flood.next_slot(kGroup, kStart, 5), kStart);
  // Ten messages need ten free places: the 6th oldest send must leave the window first.
  EXPECT_EQ(flood.next_slot(kGroup, kStart + 10, 10), kStart + kGroupWindowMs);
  flood.record_send(kUser, kStart, 1);
  EXPECT_EQ(flood.next_slot(kUser, kStart, 3), kStart + 1000) << "three messages need the full burst";
  EXPECT_EQ(flood.next_slot(kUser, kStart, 10), kStart + 1000) << "never more than the burst is required";
}

TEST(FloodControl, BotLimitCountsRequestsNotMessages) {
  FloodControl flood(FloodLimits{});
  for (int i = 0; i < 29; ++i) flood.record_send(-1000 - i, kStart, 10);
  EXPECT_LE(flood.next_slot(9999, kStart), kStart);
  flood.record_send(9999, kStart);
  EXPECT_EQ(flood.next_slot(9998, kStart), kStart + 1000);
}

TEST(FloodControl, BotAllowsThirtyPerSecondAcrossChats) {
  FloodControl flood(FloodLimits{});
  for (int i = 0; i < 30; ++i) {
    ASSERT_LE(flood.next_slot(5000 + i, kStart), kStart);
    flood.record_send(5000 + i, kStart);
  }
  EXPECT_EQ(flood.next_slot(9999, kStart), kStart + 1000);
  EXPECT_EQ(flood.next_slot(9999, kStart + 999), kStart + 1000);
}

TEST(FloodControl, RetryAfterBlocksTheChatOnly) {
  FloodControl flood(FloodLimits{});
  flood.block_chat_until(kUser, kStart + 7000);
  EXPECT_EQ(flood.next_slot(kUser, kStart), kStart + 7000);
  EXPECT_LE(flood.next_slot(kOtherUser, kStart), kStart);
  EXPECT_LE(flood.next_slot(kUser, kStart + 7000), kStart + 7000);
}

TEST(FloodControl, RetryAfterForTheBotBlocksEveryChat) {
  FloodControl flood(FloodLimits{});
  flood.block_bot_until(kStart + 5000);
  EXPECT_EQ(flood.next_slot(kUser, kStart), kStart + 5000);
  EXPECT_EQ(flood.next_slot(kGroup, kStart), kStart + 5000);
  flood.block_bot_until(kStart + 1000);  // an earlier block never shortens a later one
  EXPECT_EQ(flood.next_slot(kUser, kStart), kStart + 5000);
}

TEST(FloodControl, DisabledAlwaysAllowsNow) {
  FloodLimits limits;
  limits.enabled = false;
  FloodControl flood(limits);
  for (int i = 0; i < 1000; ++i) flood.record_send(kGroup, kStart);
  EXPECT_EQ(flood.next_slot(kGroup, kStart), kStart);
  EXPECT_EQ(flood.next_slot(kUser, kStart), kStart);
}

TEST(FloodControl, CustomLimitsAreUsed) {
  FloodLimits limits;
  limits.chat_per_second = 2.0;
  limits.chat_burst = 1;
  limits.group_per_minute = 2;
  FloodControl flood(limits);
  flood.record_send(kUser, kStart);
  EXPECT_EQ(flood.next_slot(kUser, kStart), kStart + 500);
  send_n(flood, kGroup, kStart, 2);
  EXPECT_EQ(flood.next_slot(kGroup, kStart + 10), kStart + kGroupWindowMs);
}

TEST(FloodControl, IdleChatsAreCollected) {
  FloodControl flood(FloodLimits{});
  for (int i = 0; i < 100; ++i) flood.record_send(10'000 + i, kStart + i * 40);
  flood.record_send(kGroup, kStart);
  EXPECT_EQ(flood.tracked_chats(), 101u);
  core::UnixMillis later = kStart + 10 * 60'000;
  flood.record_send(kUser, later);
  EXPECT_EQ(flood.tracked_chats(), 1u);
  EXPECT_EQ(flood.next_slot(10'000, later), later);
}

TEST(FloodControl, BlockedChatsAreNotCollectedBeforeTheBlockEnds) {
  FloodControl flood(FloodLimits{});
  flood.block_chat_until(kUser, kStart + 30 * 60'000);
  flood.record_send(kOtherUser, kStart + 10 * 60'000);
  flood.record_send(kOtherUser, kStart + 20 * 60'000);
  EXPECT_EQ(flood.next_slot(kUser, kStart + 20 * 60'000), kStart + 30 * 60'000);
}

// A restart: what the previous run's journal held, saved and read back as the desk does.
FloodControl restarted(FloodJournal& previous, core::UnixMillis saved_at, core::UnixMillis now) {
  FloodLimits limits;
  limits.journal = FloodJournal::from_json(previous.to_json(saved_at), now);
  return FloodControl(limits);
}

TEST(FloodJournal, ADeskRestartedAfterABurstWaitsForTheGroupsMinute) {
  FloodLimits limits;
  limits.journal = std::make_shared<FloodJournal>();
  FloodControl before(limits);
  send_n(before, kGroup, kStart, 20);
  // Restarted two seconds later: the group's 20 sends still count until a minute after them.
  FloodControl after = restarted(*limits.journal, kStart + 500, kStart + 2000);
  EXPECT_EQ(after.next_slot(kGroup, kStart + 2000), kStart + kGroupWindowMs);
  EXPECT_LE(after.next_slot(kOtherUser, kStart + 2000), kStart + 2000) << "other chats are not held";
}

TEST(FloodJournal, AQuietPreviousRunHoldsNothingBack) {
  FloodLimits limits;
  limits.journal = std::make_shared<FloodJournal>();
  FloodControl before(limits);
  send_n(before, kGroup, kStart, 3);
  FloodControl after = restarted(*limits.journal, kStart + 500, kStart + 2000);
  EXPECT_EQ(send_n(after, kGroup, kStart + 2000, 17), kStart + 2000) << "the rest of the minute's budget";
  EXPECT_EQ(after.next_slot(kGroup, kStart + 2000), kStart + kGroupWindowMs);
}

TEST(FloodJournal, PrivateChatBucketsAndBlocksSurviveARestart) {
  FloodLimits limits;
  limits.journal = std::make_shared<FloodJournal>();
  FloodControl before(limits);
  send_n(before, kUser, kStart, 3);
  before.block_chat_until(kOtherUser, kStart + 30'000);
  before.block_bot_until(kStart + 5'000);
  FloodControl after = restarted(*limits.journal, kStart + 100, kStart + 200);
  EXPECT_EQ(after.next_slot(kUser, kStart + 5'000), kStart + 5'000) << "the bot-wide block";
  EXPECT_EQ(after.next_slot(kOtherUser, kStart + 5'000), kStart + 30'000);
  EXPECT_LE(after.next_slot(kUser, kStart + 5'000, 3), kStart + 5'000) << "the bucket refilled meanwhile";
}

TEST(FloodJournal, OnlyTheLastMinuteIsKept) {
  FloodJournal journal;
  journal.record(kGroup, kStart, 20);
  journal.record(kUser, kStart, 3);
  EXPECT_TRUE(journal.changed());
  auto saved = journal.to_json(kStart + 59'000);
  journal.saved();
  EXPECT_FALSE(journal.changed());
  EXPECT_EQ(FloodJournal::from_json(saved, kStart + 59'000)->sends().size(), 1u)
      << "the user's sends are old";
  EXPECT_TRUE(FloodJournal::from_json(saved, kStart + kGroupWindowMs)->sends().empty());
  EXPECT_TRUE(FloodJournal::from_json("not json", kStart)->sends().empty());
  EXPECT_TRUE(
      FloodJournal::from_json(R"({"sends":{"x":[1],"-5":"y"},"blocks":[]})", kStart)->sends().empty());
}

}  // namespace
}  // namespace topicdesk::telegram
