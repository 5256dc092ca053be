// Working hours in the engine: the away reply (once a calendar day per dialog, by the message's
// own date, durable across restarts) and /hours in General.
#include <gtest/gtest.h>

#include "core/time_zone.h"
#include "relay/accounts.h"
#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

constexpr const char* kHours = "Europe/Berlin; mon-fri 09:00-18:00";
constexpr const char* kAway = "We are closed, {title}. We answer from 9 to 18.";
constexpr const char* kAwayText = "We are closed, Ann Lee. We answer from 9 to 18.";
constexpr const char* kNote = "🌙 Away reply sent (closed until Mon 09:00)";

// Unix milliseconds of a UTC wall time. 2026-12-12 is a Saturday; Berlin is at UTC+1.
core::UnixMillis utc(int year, int month, int day, int hour, int minute = 0) {
  return (core::days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60) * 1000;
}

core::Event written(core::MessageId id, core::UnixMillis date, std::string text = "hello") {
  auto e = user_message(kAnn, id, std::move(text));
  e.date = date;
  return e;
}

core::Event general(std::string text, core::UnixMillis date) {
  auto e = operator_message(0, 500, std::move(text));
  e.date = date;
  return e;
}

// The kinds of the jobs for the group, in order.
std::vector<std::string> group_kinds(const std::vector<TakenJob>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs) {
    if (j.payload.to == Side::kGroup) out.push_back(j.job.kind);
  }
  return out;
}

class EngineHoursTest : public EngineFixture {
 protected:
  Engine& desk(std::string hours = kHours) {
    return engine({{"WELCOME", "Hi {title}"}, {"WORKING_HOURS", std::move(hours)}, {"AWAY_MESSAGE", kAway}});
  }
};

TEST_F(EngineHoursTest, OutsideHoursTheUserGetsTheAwayReplyAfterTheWelcome) {
  auto& e = desk();
  // The engine handles it on a Tuesday afternoon (kT0); the message was written on Saturday.
  e.handle(written(1, utc(2026, 12, 12, 11, 0)), kT0);
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(texts_to(jobs, Side::kUser), (std::vector<std::string>{"Hi Ann Lee", kAwayText}));
  EXPECT_EQ(texts_to(jobs, Side::kGroup), (std::vector<std::string>{kNote}));
  // The message itself still goes to the topic, before the note.
  EXPECT_EQ(group_kinds(jobs),
            (std::vector<std::string>{std::string(job::kCreateTopic), std::string(job::kCopyToTopic),
                                      std::string(job::kSendText)}));
}

TEST_F(EngineHoursTest, AtMostOnceACalendarDayInTheSchedulesZone) {
  auto& e = desk();
  e.handle(written(1, utc(2026, 12, 12, 11, 0)), kT0);  // Saturday 12:00 Berlin
  take_jobs(*store_);
  e.handle(written(2, utc(2026, 12, 12, 22, 59)), kT0);  // Saturday 23:59 Berlin: the same day
  auto same_day = take_jobs(*store_);
  EXPECT_TRUE(texts_to(same_day, Side::kUser).empty());
  EXPECT_TRUE(texts_to(same_day, Side::kGroup).empty());
  EXPECT_NE(find_job(same_day, job::kCopyToTopic), nullptr);
  e.handle(written(3, utc(2026, 12, 12, 23, 0)), kT0);  // Sunday 00:00 Berlin: a new day
  auto next_day = take_jobs(*store_);
  EXPECT_EQ(texts_to(next_day, Side::kUser), (std::vector<std::string>{kAwayText}));
  EXPECT_EQ(texts_to(next_day, Side::kGroup), (std::vector<std::string>{kNote}));
  EXPECT_EQ(group_kinds(next_day),
            (std::vector<std::string>{std::string(job::kCopyToTopic), std::string(job::kSendText)}));
  e.handle(written(4, utc(2026, 12, 14, 9, 0)), kT0);  // Monday 10:00 Berlin: open
  EXPECT_TRUE(texts_to(take_jobs(*store_), Side::kUser).empty());
  e.handle(written(5, utc(2026, 12, 14, 18, 0)), kT0);  // Monday 19:00 Berlin: closed again
  auto evening = take_jobs(*store_);
  EXPECT_EQ(texts_to(evening, Side::kUser), (std::vector<std::string>{kAwayText}));
  EXPECT_EQ(texts_to(evening, Side::kGroup),
            (std::vector<std::string>{"🌙 Away reply sent (closed until Tue 09:00)"}));
}

TEST_F(EngineHoursTest, TheDayIsRememberedAcrossRestarts) {
  desk().handle(written(1, utc(2026, 12, 12, 11, 0)), kT0);
  take_jobs(*store_);
  // A new engine over the same store: what a restart of the desk is.
  desk().handle(written(2, utc(2026, 12, 12, 15, 0)), kT0 + 1000);
  EXPECT_TRUE(texts_to(take_jobs(*store_), Side::kUser).empty());
}

TEST_F(EngineHoursTest, AChangedTimeZoneDecidesTheDay) {
  desk("UTC; mon-fri 09:00-18:00").handle(written(1, utc(2026, 12, 12, 20, 0)), kT0);  // Saturday
  take_jobs(*store_);
  // 23:30 UTC is still Saturday in UTC; at UTC+02:00 it is Sunday 01:30, another day.
  desk("UTC; mon-fri 09:00-18:00").handle(written(2, utc(2026, 12, 12, 23, 30)), kT0);
  EXPECT_TRUE(texts_to(take_jobs(*store_), Side::kUser).empty());
  desk("UTC+02:00; mon-fri 09:00-18:00").handle(written(3, utc(2026, 12, 12, 23, 31)), kT0);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kUser), (std::vector<std::string>{kAwayText}));
}

TEST_F(EngineHoursTest, NothingWithoutBothParametersOrInsideHours) {
  engine({{"WELCOME", "OFF"}, {"WORKING_HOURS", kHours}}).handle(written(1, utc(2026, 12, 12, 11, 0)), kT0);
  EXPECT_TRUE(texts_to(take_jobs(*store_), Side::kUser).empty());  // AWAY_MESSAGE OFF
  engine({{"WELCOME", "OFF"}, {"AWAY_MESSAGE", kAway}}).handle(written(2, utc(2026, 12, 12, 11, 0)), kT0);
  EXPECT_TRUE(texts_to(take_jobs(*store_), Side::kUser).empty());  // WORKING_HOURS OFF: always open
  engine({{"WELCOME", "OFF"}, {"WORKING_HOURS", kHours}, {"AWAY_MESSAGE", kAway}})
      .handle(written(3, utc(2026, 12, 14, 9, 0)), kT0);
  EXPECT_TRUE(texts_to(take_jobs(*store_), Side::kUser).empty());  // Monday 10:00 Berlin: open
}

TEST_F(EngineHoursTest, WithheldMessagesGetNoAwayReply) {
  engine({{"WORKING_HOURS", kHours}, {"AWAY_MESSAGE", kAway}, {"RESTRICTED_KEYWORDS_FRONTEND", "spam"}})
      .handle(written(1, utc(2026, 12, 12, 11, 0), "buy spam"), kT0);
  for (const auto& text : texts_to(take_jobs(*store_), Side::kUser)) EXPECT_NE(text, kAwayText);
}

TEST_F(EngineHoursTest, HoursInGeneralShowsTheScheduleAndWhetherTheDeskIsOpen) {
  desk("Europe/Berlin; mon-fri 09:00-18:00; holidays 2026-12-25")
      .handle(general("/hours", utc(2026, 12, 12, 11, 0)), kT0);
  auto texts = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_NE(texts[0].find("Working hours (Europe/Berlin)"), std::string::npos) << texts[0];
  EXPECT_NE(texts[0].find("Mon–Fri 09:00–18:00"), std::string::npos) << texts[0];
  EXPECT_NE(texts[0].find("Sat–Sun closed"), std::string::npos) << texts[0];
  EXPECT_NE(texts[0].find("Holidays: 2026-12-25"), std::string::npos) << texts[0];
  EXPECT_NE(texts[0].find("Closed now, opens Mon 09:00."), std::string::npos) << texts[0];
  EXPECT_NE(texts[0].find("Away reply: on"), std::string::npos) << texts[0];
  engine_->handle(general("/hours", utc(2026, 12, 14, 9, 0)), kT0);
  texts = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_NE(texts[0].find("Open now, closes Mon 18:00."), std::string::npos) << texts[0];
  engine().handle(general("/hours", kT0), kT0);
  texts = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_NE(texts[0].find("Working hours are OFF: the desk is always open."), std::string::npos) << texts[0];
}

TEST_F(EngineHoursTest, HoursInASharedGroupIsAnsweredOnceByTheNamedConnection) {
  auto other_context = make_context(*store_, "sales", 501, kGroupId);
  other_context.params =
      *core::parse_parameters({{"WORKING_HOURS", "America/New_York; mon-fri 08:00-16:00"}});
  Engine sales(*store_, other_context);
  Engine& shop = desk();
  const auto date = utc(2026, 12, 12, 11, 0);
  shop.handle(general("/hours", date), kT0);
  sales.handle(general("/hours", date), kT0);
  auto texts = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(texts.size(), 1u);  // which one? asked once
  EXPECT_NE(texts[0].find("/hours i<ID>"), std::string::npos) << texts[0];
  std::string command = "/hours i" + std::to_string(other_context.id);
  shop.handle(general(command, date), kT0);
  sales.handle(general(command, date), kT0);
  auto jobs = take_jobs(*store_);
  texts = texts_to(jobs, Side::kGroup);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(jobs[0].job.connection_id, other_context.id);
  EXPECT_NE(texts[0].find("America/New_York"), std::string::npos) << texts[0];
  EXPECT_NE(texts[0].find("Mon–Fri 08:00–16:00"), std::string::npos) << texts[0];
}

}  // namespace
}  // namespace topicdesk::relay
