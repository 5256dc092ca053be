// The replay of a scripted history (scripted_history.h) gives the figures worked out by hand:
// counts per day, waits across midnight and across days, reopenings, answers that are not
// answers (WELCOME, labels, uncounted intercepted messages), medians, p90 and buckets, load by
// weekday and hour, per-operator figures, and the same history seen from another time zone.
#include "analytics/replay.h"

#include <gtest/gtest.h>

#include "scripted_history.h"

namespace topicdesk::analytics {
namespace {

using test_support::dec;
using test_support::kAnna;
using test_support::kBoris;

constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kHour = 3600;

AnalyticsReport replay(const AnalyticsQuery& query, const core::TimeZone& zone) {
  auto builder = ReportBuilder::start(query, zone);
  EXPECT_TRUE(builder.ok()) << builder.error().message;
  std::int64_t id = 0;
  for (const auto& e : test_support::scripted_history()) {
    builder->add(store::StoredEvent{.id = ++id,
                                    .connection_id = test_support::kConnection,
                                    .dialog_id = e.dialog,
                                    .type = e.type,
                                    .payload = e.payload,
                                    .created_at = e.at});
  }
  return builder->finish();
}

AnalyticsReport utc_days() {
  return replay({.from = dec(7, 0), .to = dec(10, 0), .period = Period::kDay}, core::TimeZone());
}

core::TimeZone zone(std::string_view name) {
  auto z = core::load_time_zone(name);
  EXPECT_TRUE(z.ok()) << name;
  return z.ok() ? *z : core::TimeZone();
}

TEST(AnalyticsReplay, CountsDialogsAndMessagesPerDay) {
  auto r = utc_days();
  ASSERT_EQ(r.periods.size(), 3u);
  const auto& mon = r.periods[0];
  const auto& tue = r.periods[1];
  const auto& wed = r.periods[2];
  EXPECT_EQ(mon.start, "2026-12-07");
  EXPECT_EQ(wed.start, "2026-12-09");
  EXPECT_EQ(mon.from, dec(7, 0));
  EXPECT_EQ(mon.to, dec(8, 0));

  EXPECT_EQ(mon.new_dialogs, 2);  // dialog 1 was created on Sunday
  EXPECT_EQ(tue.new_dialogs, 0);
  EXPECT_EQ(wed.new_dialogs, 2);
  EXPECT_EQ(tue.closed, 1);
  EXPECT_EQ(wed.closed, 1);
  EXPECT_EQ(wed.reopened, 1);
  EXPECT_EQ(mon.messages_in, 2);
  EXPECT_EQ(tue.messages_in, 2);
  EXPECT_EQ(wed.messages_in, 3);
  EXPECT_EQ(mon.messages_out, 2);  // Anna's answer and WELCOME
  EXPECT_EQ(tue.messages_out, 4);
  EXPECT_EQ(wed.messages_out, 1);
  EXPECT_EQ(wed.messages_intercepted, 2);

  EXPECT_EQ(r.total.new_dialogs, 4);
  EXPECT_EQ(r.total.closed, 2);
  EXPECT_EQ(r.total.reopened, 1);
  EXPECT_EQ(r.total.messages_in, 7);
  EXPECT_EQ(r.total.messages_out, 7);
  EXPECT_EQ(r.total.messages_intercepted, 2);
  EXPECT_EQ(r.first_day, "2026-12-07");
  EXPECT_EQ(r.last_day, "2026-12-09");
}

TEST(AnalyticsReplay, UnansweredAreTheDialogsWaitingAtEachPeriodsEnd) {
  auto r = utc_days();
  // Monday's end: dialog 2 (only WELCOME went out) and dialog 3 (opened at 23:30).
  EXPECT_EQ(r.periods[0].unanswered, 2);
  EXPECT_EQ(r.periods[1].unanswered, 0);
  // Wednesday's end: dialog 5, whose program's message the desk did not count as an answer.
  EXPECT_EQ(r.periods[2].unanswered, 1);
  EXPECT_EQ(r.total.unanswered, 1);
}

TEST(AnalyticsReplay, ResponseTimesEndWhereTheAnswerFalls) {
  auto r = utc_days();
  // Monday: dialog 1 waited from Sunday 22:00 to Monday 01:00.
  EXPECT_EQ(r.periods[0].reply.count, 1);
  EXPECT_EQ(r.periods[0].first_response.median_seconds, 3 * kHour);
  // Tuesday: dialog 3 across midnight (40 min, its first response), its next wait (two messages,
  // one wait: 30 min, by the API), dialog 2 (25 h).
  EXPECT_EQ(r.periods[1].reply.count, 3);
  EXPECT_EQ(r.periods[1].first_response.count, 2);
  EXPECT_EQ(r.periods[1].resolution.count, 1);
  EXPECT_EQ(r.periods[1].resolution.median_seconds, 3 * kHour);
  // Wednesday: the reopened episode's first response (5 h) and dialog 4's (30 min).
  EXPECT_EQ(r.periods[2].first_response.count, 2);
  EXPECT_EQ(r.periods[2].resolution.median_seconds, 10 * kHour);
}

TEST(AnalyticsReplay, MediansP90AndBucketsOfTheWholeRange) {
  auto r = utc_days();
  // Replies: 30 min, 30 min, 40 min, 3 h, 5 h, 25 h.
  EXPECT_EQ(r.total.reply.count, 6);
  EXPECT_EQ(r.total.reply.median_seconds, 40 * kMinute);
  EXPECT_EQ(r.total.reply.p90_seconds, 25 * kHour);
  EXPECT_EQ(r.total.reply.buckets, (std::array<std::int64_t, 5>{3, 1, 1, 0, 1}));
  // First responses: 30 min, 40 min, 3 h, 5 h, 25 h.
  EXPECT_EQ(r.total.first_response.count, 5);
  EXPECT_EQ(r.total.first_response.median_seconds, 3 * kHour);
  EXPECT_EQ(r.total.first_response.p90_seconds, 25 * kHour);
  EXPECT_EQ(r.total.first_response.buckets, (std::array<std::int64_t, 5>{2, 1, 1, 0, 1}));
  // Resolutions: 3 h (Monday 23:30 to Tuesday 02:30), 10 h (the reopened episode).
  EXPECT_EQ(r.total.resolution.count, 2);
  EXPECT_EQ(r.total.resolution.median_seconds, 3 * kHour);
  EXPECT_EQ(r.total.resolution.p90_seconds, 10 * kHour);
  EXPECT_EQ(r.total.resolution.buckets, (std::array<std::int64_t, 5>{0, 1, 0, 1, 0}));
}

TEST(AnalyticsReplay, PerOperatorFigures) {
  auto r = utc_days();
  ASSERT_EQ(r.operators.size(), 2u);  // the API and the intercepted answer are nobody's
  const auto& anna = r.operators[0];
  const auto& boris = r.operators[1];
  EXPECT_EQ(anna.id, kAnna);
  EXPECT_EQ(anna.messages, 2);
  EXPECT_EQ(anna.dialogs_answered, 2);
  EXPECT_EQ(anna.first_response.count, 2);  // dialog 1 (3 h) and dialog 3 (40 min)
  EXPECT_EQ(anna.first_response.median_seconds, 40 * kMinute);
  EXPECT_EQ(anna.reply.p90_seconds, 3 * kHour);
  EXPECT_EQ(boris.id, kBoris);
  EXPECT_EQ(boris.messages, 2);
  EXPECT_EQ(boris.dialogs_answered, 2);
  EXPECT_EQ(boris.reply.count, 2);  // 25 h and 5 h
  EXPECT_EQ(boris.reply.median_seconds, 5 * kHour);
  EXPECT_EQ(boris.reply.p90_seconds, 25 * kHour);
}

TEST(AnalyticsReplay, LoadByWeekdayAndHour) {
  auto r = utc_days();
  ASSERT_EQ(r.load.size(), 168u);
  auto cell = [&](int weekday, int hour) { return r.load[static_cast<std::size_t>(weekday * 24 + hour)]; };
  EXPECT_EQ(cell(0, 9).messages_in, 1);  // Monday 09:00
  EXPECT_EQ(cell(0, 9).new_dialogs, 1);
  EXPECT_EQ(cell(0, 9).messages_out, 1);  // WELCOME
  EXPECT_EQ(cell(0, 23).messages_in, 1);
  EXPECT_EQ(cell(1, 0).messages_in, 2);   // Tuesday 00:20 and 00:25
  EXPECT_EQ(cell(1, 0).messages_out, 2);  // Anna 00:10, the API 00:50
  EXPECT_EQ(cell(2, 20).new_dialogs, 1);
  std::int64_t in = 0;
  for (const auto& c : r.load) in += c.messages_in;
  EXPECT_EQ(in, r.total.messages_in);  // Sunday's message is before the range
}

TEST(AnalyticsReplay, AnotherTimeZoneMovesTheDaysBoundaries) {
  // Berlin is UTC+1 in December: Monday there is Sunday 23:00 to Monday 23:00 UTC.
  auto berlin = zone("Europe/Berlin");
  auto from = berlin.to_utc(core::days_from_civil(2026, 12, 7) * 86'400) * 1000;
  auto to = berlin.to_utc(core::days_from_civil(2026, 12, 10) * 86'400) * 1000;
  auto r = replay({.from = from, .to = to, .period = Period::kDay}, berlin);
  ASSERT_EQ(r.periods.size(), 3u);
  EXPECT_EQ(r.time_zone, "Europe/Berlin");
  EXPECT_EQ(r.periods[0].from, dec(6, 23));
  EXPECT_EQ(r.periods[0].new_dialogs, 1);  // dialog 3 opened at 00:30 on Tuesday in Berlin
  EXPECT_EQ(r.periods[1].new_dialogs, 1);
  EXPECT_EQ(r.periods[0].unanswered, 1);         // only dialog 2 at 23:00 UTC
  EXPECT_EQ(r.load[1 * 24 + 0].messages_in, 1);  // 23:30 UTC is Tuesday 00:30
  EXPECT_EQ(r.load[1 * 24 + 1].messages_in, 2);
  // A fixed offset works the same way.
  auto plus3 =
      replay({.from = dec(7, 0) - 3 * kHour * 1000, .to = dec(10, 0) - 3 * kHour * 1000}, zone("UTC+03:00"));
  EXPECT_EQ(plus3.periods[0].start, "2026-12-07");
  EXPECT_EQ(plus3.total.new_dialogs, 5);  // dialog 1 opened at 01:00 on Monday there
}

TEST(AnalyticsReplay, WeeksStartOnMondayAndMonthsOnTheFirst) {
  auto weeks = replay({.from = dec(2, 12), .to = dec(16, 0), .period = Period::kWeek}, core::TimeZone());
  ASSERT_EQ(weeks.periods.size(), 3u);
  EXPECT_EQ(weeks.periods[0].start, "2026-11-30");  // the week of Wednesday 2 December
  EXPECT_EQ(weeks.periods[0].from, dec(2, 12));     // clipped to the range
  EXPECT_EQ(weeks.periods[1].start, "2026-12-07");
  EXPECT_EQ(weeks.periods[1].new_dialogs, 4);
  EXPECT_EQ(weeks.periods[0].new_dialogs, 1);  // dialog 1, on Sunday 6 December
  EXPECT_EQ(weeks.periods[1].unanswered, 1);

  auto months = replay({.from = dec(1, 0), .to = dec(1, 0) + 60LL * 86'400'000, .period = Period::kMonth},
                       core::TimeZone());
  ASSERT_EQ(months.periods.size(), 2u);
  EXPECT_EQ(months.periods[1].start, "2027-01-01");
  EXPECT_EQ(months.periods[0].new_dialogs, 5);
}

TEST(AnalyticsReplay, DaysFollowDaylightSavingTime) {
  // New York leaves daylight time on Sunday 1 November 2026: that day has 25 hours.
  auto ny = zone("America/New_York");
  auto day = [&](int d) { return ny.to_utc(core::days_from_civil(2026, 11, d) * 86'400) * 1000; };
  auto r = replay({.from = day(1), .to = day(3)}, ny);
  ASSERT_EQ(r.periods.size(), 2u);
  EXPECT_EQ(r.periods[0].to - r.periods[0].from, 25 * kHour * 1000);
  EXPECT_EQ(r.periods[1].to - r.periods[1].from, 24 * kHour * 1000);
}

TEST(AnalyticsReplay, ARangeThatCannotBeReportedIsAnError) {
  auto empty = ReportBuilder::start({.from = 10, .to = 10}, core::TimeZone());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("to (10) must be after from (10)"), std::string::npos);
  auto years = ReportBuilder::start({.from = 0, .to = dec(1, 0), .period = Period::kDay}, core::TimeZone());
  ASSERT_FALSE(years.ok());
  EXPECT_NE(years.error().message.find("more than 1000 periods of a day"), std::string::npos);
  EXPECT_TRUE(
      ReportBuilder::start({.from = 0, .to = dec(1, 0), .period = Period::kMonth}, core::TimeZone()).ok());
}

TEST(AnalyticsReplay, PercentilesTakeTheNearestRank) {
  EXPECT_FALSE(summarize({}).median_seconds);
  auto one = summarize({5000});
  EXPECT_EQ(one.median_seconds, 5);
  EXPECT_EQ(one.p90_seconds, 5);
  std::vector<std::int64_t> ten;
  for (int i = 10; i >= 1; --i) ten.push_back(i * 1000);
  auto d = summarize(ten);
  EXPECT_EQ(d.median_seconds, 5);
  EXPECT_EQ(d.p90_seconds, 9);
  // Bucket bounds: an hour exactly is in 1–4 h, 24 h exactly in 24 h+.
  auto edges = summarize({3'599'999, 3'600'000, 86'399'999, 86'400'000});
  EXPECT_EQ(edges.buckets, (std::array<std::int64_t, 5>{1, 1, 0, 1, 1}));
}

}  // namespace
}  // namespace topicdesk::analytics
