// /stats today|yesterday|week|month in General: the connection's analytics summary, in
// WORKING_HOURS' zone, from what the engine itself logged. Comments in the topic are not
// answers; /stats alone keeps its dialog counts. DAILY_DIGEST posts the day before once a day.
#include <gtest/gtest.h>

#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

constexpr core::UnixMillis kMinute = 60'000;

core::Event general(std::string text, core::MessageId id) { return operator_message(0, id, std::move(text)); }

class EngineStatsTest : public EngineFixture {
 protected:
  // kT0 is Tuesday 2023-11-14 23:13 in Berlin (UTC+1).
  Engine& desk() { return engine({{"WORKING_HOURS", "Europe/Berlin; mon-fri 09:00-18:00"}}); }

  std::string stats(Engine& e, const std::string& command, core::UnixMillis at) {
    e.handle(general(command, ++general_id_), at);
    auto texts = texts_to(take_jobs(*store_), Side::kGroup);
    EXPECT_EQ(texts.size(), 1u) << command;
    return texts.empty() ? std::string() : texts.back();
  }

  core::MessageId general_id_ = 500;
};

TEST_F(EngineStatsTest, ACommentIsNoAnswerAndTheDayFollowsTheZone) {
  auto& e = desk();
  open_dialog_of(e, kAnn, 77);  // Ann writes at kT0
  e.handle(operator_message(77, 10, "/ checking with billing first"), kT0 + 10 * kMinute);
  take_jobs(*store_);

  auto today = stats(e, "/stats today", kT0 + 20 * kMinute);
  EXPECT_NE(today.find("📊 Statistics of shop, 2023-11-14 (Europe/Berlin)"), std::string::npos) << today;
  EXPECT_NE(today.find("Dialogs: 1 new, 0 closed, 0 reopened; 1 waiting for an answer"), std::string::npos)
      << today;
  EXPECT_NE(today.find("Messages: 1 in, 0 out, 0 intercepted"), std::string::npos) << today;
  EXPECT_NE(today.find("First response: none"), std::string::npos) << today;

  // Olga answers at 00:43 on Wednesday in Berlin, 90 minutes after Ann wrote.
  e.handle(operator_message(77, 11, "Here is your invoice"), kT0 + 90 * kMinute);
  take_jobs(*store_);
  auto week = stats(e, "/stats week", kT0 + 100 * kMinute);
  EXPECT_NE(week.find("2023-11-13 – 2023-11-15 (Europe/Berlin)"), std::string::npos) << week;
  EXPECT_NE(week.find("Dialogs: 1 new, 0 closed, 0 reopened; 0 waiting for an answer"), std::string::npos)
      << week;
  EXPECT_NE(week.find("First response: median 1 h 30 min, p90 1 h 30 min (1)"), std::string::npos) << week;
  EXPECT_NE(week.find("Operators: Olga (@olga_op) 1 message, 1 dialog"), std::string::npos) << week;

  // Wednesday in Berlin: the dialog was new yesterday; the answer falls today.
  auto wednesday = stats(e, "/stats today", kT0 + 100 * kMinute);
  EXPECT_NE(wednesday.find("Dialogs: 0 new"), std::string::npos) << wednesday;
  EXPECT_NE(wednesday.find("Messages: 0 in, 1 out"), std::string::npos) << wednesday;
  EXPECT_NE(wednesday.find("First response: median 1 h 30 min"), std::string::npos) << wednesday;
  auto yesterday = stats(e, "/stats yesterday", kT0 + 100 * kMinute);
  EXPECT_NE(yesterday.find("Messages: 1 in, 0 out"), std::string::npos) << yesterday;
  EXPECT_NE(yesterday.find("1 waiting for an answer"), std::string::npos) << yesterday;
}

TEST_F(EngineStatsTest, WithoutWorkingHoursTheDaysAreUtc) {
  auto& e = engine();
  open_dialog_of(e, kAnn, 77);
  auto month = stats(e, "/stats MONTH", kT0);
  EXPECT_NE(month.find("2023-11-01 – 2023-11-14 (UTC)"), std::string::npos) << month;
  EXPECT_NE(month.find("Dialogs: 1 new"), std::string::npos) << month;
}

TEST_F(EngineStatsTest, AnUnknownRangeGetsTheUsageAndStatsAloneKeepsItsCounts) {
  auto& e = desk();
  auto usage = stats(e, "/stats fortnight", kT0);
  EXPECT_NE(usage.find("Usage: /stats [today|yesterday|week|month]"), std::string::npos) << usage;
  EXPECT_NE(usage.find("\"fortnight\""), std::string::npos) << usage;
  auto counts = stats(e, "/stats", kT0);
  EXPECT_TRUE(counts.starts_with("📊 Dialogs")) << counts;
}

TEST_F(EngineStatsTest, TheDailyDigestPostsTheDayBeforeOnceADayAtItsTime) {
  auto& e = engine({{"WORKING_HOURS", "Europe/Berlin; mon-fri 09:00-18:00"}, {"DAILY_DIGEST", "09:00"}});
  open_dialog_of(e, kAnn, 77);  // Tuesday 23:13 in Berlin
  // 23:13 is after 09:00: Tuesday's digest (of Monday) is due at once, and only once.
  EXPECT_EQ(e.daily_digest(kT0), 1);
  auto monday = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(monday.size(), 1u);
  EXPECT_TRUE(monday[0].starts_with("🗓 Daily digest\n📊 Statistics of shop, 2023-11-13 (Europe/Berlin)"))
      << monday[0];
  EXPECT_EQ(e.daily_digest(kT0 + kMinute), 0);

  // Wednesday 08:00 UTC is 09:00 in Berlin.
  const core::UnixMillis wednesday_nine = kT0 + 35'200'000;
  EXPECT_EQ(e.daily_digest(wednesday_nine - kMinute), 0);
  auto& restarted =
      engine({{"WORKING_HOURS", "Europe/Berlin; mon-fri 09:00-18:00"}, {"DAILY_DIGEST", "09:00"}});
  EXPECT_EQ(restarted.daily_digest(wednesday_nine), 1);
  auto tuesday = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(tuesday.size(), 1u);
  EXPECT_NE(tuesday[0].find("2023-11-14 (Europe/Berlin)"), std::string::npos) << tuesday[0];
  EXPECT_NE(tuesday[0].find("Dialogs: 1 new, 0 closed, 0 reopened; 1 waiting for an answer"),
            std::string::npos)
      << tuesday[0];
  // A restart the same day does not post it again: the day is kept in the store.
  EXPECT_EQ(engine({{"WORKING_HOURS", "Europe/Berlin; mon-fri 09:00-18:00"}, {"DAILY_DIGEST", "09:00"}})
                .daily_digest(wednesday_nine + 60 * kMinute),
            0);
}

// LANGUAGE = "ru": the report's every line is Russian, in /stats and in the digest alike.
TEST_F(EngineStatsTest, ARussianConnectionGetsTheReportAndTheDigestInRussian) {
  auto& e = engine({{"WORKING_HOURS", "Europe/Berlin; mon-fri 09:00-18:00"},
                    {"DAILY_DIGEST", "09:00"},
                    {"LANGUAGE", "ru"}});
  open_dialog_of(e, kAnn, 77);  // Tuesday 23:13 in Berlin
  e.handle(operator_message(77, 11, "Here is your invoice"), kT0 + 90 * kMinute);
  take_jobs(*store_);
  auto week = stats(e, "/stats week", kT0 + 100 * kMinute);
  EXPECT_TRUE(week.starts_with("📊 Статистика «shop», 2023-11-13 – 2023-11-15 (Europe/Berlin)\n")) << week;
  EXPECT_NE(week.find("Диалоги: новых 1, закрыто 0, возобновлено 0; ждут ответа 0"), std::string::npos)
      << week;
  EXPECT_NE(week.find("Сообщения: входящих 1, исходящих 1, перехвачено 0"), std::string::npos) << week;
  EXPECT_NE(week.find("Первый ответ: медиана 1 ч 30 мин, p90 1 ч 30 мин (1)"), std::string::npos) << week;
  EXPECT_NE(week.find("Время решения: нет данных"), std::string::npos) << week;
  EXPECT_NE(week.find("Операторы: Olga (@olga_op): 1 сообщение, 1 диалог"), std::string::npos) << week;
  EXPECT_EQ(week.find("Dialogs"), std::string::npos) << week;

  // Wednesday 08:00 UTC is 09:00 in Berlin: the digest of Tuesday.
  EXPECT_EQ(e.daily_digest(kT0 + 35'200'000), 1);
  auto digest = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(digest.size(), 1u);
  EXPECT_TRUE(digest[0].starts_with(
      "🗓 Сводка за день\n📊 Статистика «shop», 2023-11-14 (Europe/Berlin)\n"))
      << digest[0];
  EXPECT_NE(digest[0].find("Диалоги: новых 1, закрыто 0, возобновлено 0; ждут ответа 1"), std::string::npos)
      << digest[0];
  EXPECT_NE(digest[0].find("Первый ответ: нет данных"), std::string::npos) << digest[0];
}

TEST_F(EngineStatsTest, NoDigestWhenOff) {
  auto& e = desk();
  open_dialog_of(e, kAnn, 77);
  EXPECT_EQ(e.daily_digest(kT0 + 24 * 60 * kMinute), 0);
  EXPECT_TRUE(texts_to(take_jobs(*store_), Side::kGroup).empty());
}

}  // namespace
}  // namespace topicdesk::relay
