// The flood guard (relay/flood_guard.h): NEW_TOPICS_PER_MINUTE and USER_MESSAGES_PER_MINUTE hold
// work in the outbox, in order, and never drop it.
#include "relay/flood_guard.h"

#include <gtest/gtest.h>

#include "core/presentation.h"
#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

constexpr core::UnixMillis kMinute = kPaceSpanMillis;

TEST(PaceWindowTest, HandsOutSlotsAtMostPerMinuteInArrivalOrder) {
  PaceWindow window;
  std::vector<core::UnixMillis> slots;
  for (int i = 0; i < 7; ++i) slots.push_back(take_slot(window, 3, kT0 + i).at);
  // Three at once, then the next three a minute after each of the first, then a minute later.
  EXPECT_EQ(slots, (std::vector<core::UnixMillis>{kT0, kT0 + 1, kT0 + 2, kT0 + kMinute, kT0 + 1 + kMinute,
                                                  kT0 + 2 + kMinute, kT0 + 2 * kMinute}));
  // Never more than 3 slots in any minute.
  for (std::size_t i = 3; i < slots.size(); ++i) EXPECT_GE(slots[i] - slots[i - 3], kMinute);
}

TEST(PaceWindowTest, TellsOncePerBurstAndAgainAfterTheBurstEnds) {
  PaceWindow window;
  EXPECT_FALSE(take_slot(window, 1, kT0).held);
  Slot second = take_slot(window, 1, kT0 + 10);
  EXPECT_TRUE(second.held);
  EXPECT_TRUE(second.first_held);
  EXPECT_FALSE(take_slot(window, 1, kT0 + 20).first_held);  // the same burst
  // Much later a slot is free at once: the burst is over, the next hold is told again.
  EXPECT_FALSE(take_slot(window, 1, kT0 + 10 * kMinute).held);
  EXPECT_TRUE(take_slot(window, 1, kT0 + 10 * kMinute + 1).first_held);
}

TEST(PaceWindowTest, RoundTripsThroughJsonAndRejectsGarbage) {
  PaceWindow window;
  take_slot(window, 2, kT0);
  take_slot(window, 2, kT0);
  take_slot(window, 2, kT0);
  auto back = pace_from_json(pace_to_json(window));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->slots, window.slots);
  EXPECT_TRUE(back->told);
  for (std::string_view bad :
       {"", "[]", "{\"slots\":[2,1],\"told\":false}", "{\"slots\":[\"x\"],\"told\":true}", "{\"slots\":[1]}"})
    EXPECT_FALSE(pace_from_json(bad)) << bad;
}

class FloodGuardTest : public EngineFixture {
 protected:
  // The not_before of every job of a kind, in id order.
  static std::vector<core::UnixMillis> held_until(const std::vector<TakenJob>& jobs, std::string_view kind) {
    std::vector<core::UnixMillis> out;
    for (const auto& j : jobs)
      if (j.job.kind == kind) out.push_back(j.job.not_before);
    return out;
  }
};

TEST_F(FloodGuardTest, NewTopicsBeyondTheCapWaitInOrderAndGeneralIsToldOnce) {
  auto& e = engine({{"NEW_TOPICS_PER_MINUTE", "2"}, {"WELCOME", "Hi"}});
  for (core::UserId user = 2001; user <= 2005; ++user) e.handle(user_message(user, 1, "hello"), kT0);
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(held_until(jobs, job::kCreateTopic),
            (std::vector<core::UnixMillis>{0, 0, kT0 + kMinute, kT0 + kMinute, kT0 + 2 * kMinute}));
  // Every user is welcomed at once and every first message is queued behind its topic.
  EXPECT_EQ(texts_to(jobs, Side::kUser).size(), 5u);
  EXPECT_EQ(held_until(jobs, job::kCopyToTopic).size(), 5u);
  auto general = texts_to(jobs, Side::kGroup);
  EXPECT_EQ(std::count(general.begin(), general.end(), core::notice::new_topics_held("en", 2)), 1);
}

TEST_F(FloodGuardTest, AUsersBurstMakesOneTopic) {
  auto& e = engine({{"NEW_TOPICS_PER_MINUTE", "1"}});
  e.handle(user_message(2001, 1, "first"), kT0);
  e.handle(user_message(2002, 1, "first"), kT0);  // held behind 2001's topic
  for (core::MessageId id = 2; id < 10; ++id) e.handle(user_message(2002, id, "more"), kT0);
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(held_until(jobs, job::kCreateTopic), (std::vector<core::UnixMillis>{0, kT0 + kMinute}));
}

TEST_F(FloodGuardTest, AUsersMessagesBeyondTheCapAreHeldAndTheyAreToldOnce) {
  auto& e = engine({{"USER_MESSAGES_PER_MINUTE", "3"}, {"WELCOME", "OFF"}});
  for (core::MessageId id = 1; id <= 7; ++id) e.handle(user_message(kAnn, id, "m" + std::to_string(id)), kT0);
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(held_until(jobs, job::kCopyToTopic),
            (std::vector<core::UnixMillis>{0, 0, 0, kT0 + kMinute, kT0 + kMinute, kT0 + kMinute,
                                           kT0 + 2 * kMinute}));
  EXPECT_EQ(texts_to(jobs, Side::kUser),
            (std::vector<std::string>{core::notice::user_messages_held_for_user("en")}));
  auto topic = texts_to(jobs, Side::kGroup);
  EXPECT_EQ(std::count(topic.begin(), topic.end(), core::notice::user_messages_held_in_topic("en", 3)), 1);
  // The copies keep the user's order: one queue, ids in arrival order.
  std::vector<core::MessageId> order;
  for (const auto& j : jobs)
    if (j.job.kind == job::kCopyToTopic) order.push_back(j.payload.message_id);
  EXPECT_EQ(order, (std::vector<core::MessageId>{1, 2, 3, 4, 5, 6, 7}));
}

TEST_F(FloodGuardTest, AnAlbumTakesOneSlot) {
  auto& e = engine({{"USER_MESSAGES_PER_MINUTE", "2"}, {"WELCOME", "OFF"}});
  e.handle(user_message(kAnn, 1, "text"), kT0);
  for (core::MessageId id = 2; id <= 5; ++id) {
    auto part = user_message(kAnn, id, "");
    part.content = core::ContentKind::kPhoto;
    part.media_group_id = "album-1";
    e.handle(part, kT0);
  }
  e.handle(user_message(kAnn, 6, "after the album"), kT0 + 5000);  // flushes the album
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(held_until(jobs, job::kCopyAlbumToTopic), (std::vector<core::UnixMillis>{0}));
  EXPECT_EQ(held_until(jobs, job::kCopyToTopic), (std::vector<core::UnixMillis>{0, kT0 + kMinute}));
}

TEST_F(FloodGuardTest, TheWindowOutlivesARestart) {
  engine({{"USER_MESSAGES_PER_MINUTE", "1"}, {"WELCOME", "OFF"}}).handle(user_message(kAnn, 1, "a"), kT0);
  take_jobs(*store_);
  // A new engine on the same store (the desk restarted) still holds the second message.
  engine({{"USER_MESSAGES_PER_MINUTE", "1"}, {"WELCOME", "OFF"}}).handle(user_message(kAnn, 2, "b"), kT0 + 1);
  EXPECT_EQ(held_until(take_jobs(*store_), job::kCopyToTopic),
            (std::vector<core::UnixMillis>{kT0 + kMinute}));
}

TEST_F(FloodGuardTest, OffHoldsNothing) {
  auto& e = engine({{"USER_MESSAGES_PER_MINUTE", "OFF"}, {"NEW_TOPICS_PER_MINUTE", "OFF"}});
  for (core::UserId user = 2001; user <= 2030; ++user) e.handle(user_message(user, 1, "hello"), kT0);
  for (core::MessageId id = 2; id <= 40; ++id) e.handle(user_message(2001, id, "more"), kT0);
  for (const auto& j : take_jobs(*store_)) EXPECT_EQ(j.job.not_before, 0) << j.job.kind;
}

TEST_F(FloodGuardTest, AnExpiredWindowIsDroppedByItsTimer) {
  auto& e = engine({{"USER_MESSAGES_PER_MINUTE", "5"}});
  e.handle(user_message(kAnn, 1, "a"), kT0);
  auto dialog = store_->dialog_by_user(context_.id, kAnn);
  auto timer = store_->timer_get(context_.id, user_pace_key(dialog->id));
  ASSERT_TRUE(timer);
  EXPECT_EQ(timer->due_at, kT0 + kMinute);
  e.on_timer(*timer, kT0 + kMinute);
  EXPECT_FALSE(store_->timer_get(context_.id, user_pace_key(dialog->id)));
}

TEST(FloodGuardParametersTest, CapsAreOffOrAPositiveNumber) {
  auto defaults = core::parse_parameters({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->new_topics_per_minute, 5);
  EXPECT_EQ(defaults->user_messages_per_minute, 20);
  for (std::string bad : {"0", "-1", "many", "10001"}) {
    auto p = core::parse_parameters({{"NEW_TOPICS_PER_MINUTE", bad}});
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_NE(p.error().message.find("NEW_TOPICS_PER_MINUTE must be OFF or a number a minute"),
              std::string::npos)
        << p.error().message;
  }
  EXPECT_EQ(core::parse_parameters({{"USER_MESSAGES_PER_MINUTE", "off"}})->user_messages_per_minute, 0);
}

}  // namespace
}  // namespace topicdesk::relay
