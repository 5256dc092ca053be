#include "core/working_hours.h"

#include <gtest/gtest.h>

#include "core/parameters.h"

namespace topicdesk::core {
namespace {

constexpr UnixMillis kMinute = 60'000;
constexpr UnixMillis kHour = 60 * kMinute;

// Unix milliseconds of a UTC wall time.
UnixMillis utc(int year, int month, int day, int hour, int minute = 0) {
  return (days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60) * 1000;
}

WorkingHours hours(std::string_view text) {
  auto h = parse_working_hours(text);
  EXPECT_TRUE(h.ok()) << (h.ok() ? "" : h.error().message);
  return h.ok() ? *h : WorkingHours{};
}

std::string error_of(std::string_view text) {
  auto h = parse_working_hours(text);
  EXPECT_FALSE(h.ok()) << text;
  return h.ok() ? std::string() : h.error().message;
}

// 2026-12-07 is a Monday; Berlin is at UTC+1 in winter.
const char* const kBerlinDesk = "Europe/Berlin; mon-fri 09:00-18:00; sat 10:00-14:00; holidays 2026-12-25";

TEST(WorkingHours, OpenInsideTheDaysRangesInTheZonesTime) {
  WorkingHours h = hours(kBerlinDesk);
  EXPECT_FALSE(is_open(h, utc(2026, 12, 7, 7, 59)));   // Mon 08:59 Berlin
  EXPECT_TRUE(is_open(h, utc(2026, 12, 7, 8, 0)));     // Mon 09:00
  EXPECT_TRUE(is_open(h, utc(2026, 12, 7, 16, 59)));   // Mon 17:59
  EXPECT_FALSE(is_open(h, utc(2026, 12, 7, 17, 0)));   // Mon 18:00: the end is not inside
  EXPECT_TRUE(is_open(h, utc(2026, 12, 12, 12, 0)));   // Sat 13:00
  EXPECT_FALSE(is_open(h, utc(2026, 12, 13, 12, 0)));  // Sunday
  EXPECT_FALSE(is_open(h, utc(2026, 12, 25, 12, 0)));  // a holiday on a Friday
}

TEST(WorkingHours, NextOpeningAndClosing) {
  WorkingHours h = hours(kBerlinDesk);
  // Saturday after 14:00: Monday 09:00 Berlin.
  EXPECT_EQ(next_opening(h, utc(2026, 12, 12, 14, 0)), utc(2026, 12, 14, 8, 0));
  EXPECT_EQ(next_closing(h, utc(2026, 12, 12, 14, 0)), utc(2026, 12, 14, 17, 0));
  EXPECT_EQ(next_closing(h, utc(2026, 12, 7, 10, 0)), utc(2026, 12, 7, 17, 0));
  EXPECT_EQ(next_opening(h, utc(2026, 12, 7, 10, 0)), utc(2026, 12, 8, 8, 0));
  // Thursday evening before the Friday holiday: Saturday 10:00.
  EXPECT_EQ(next_opening(h, utc(2026, 12, 24, 18, 0)), utc(2026, 12, 26, 9, 0));
}

TEST(WorkingHours, SeveralRangesADay) {
  WorkingHours h = hours("UTC; mon-fri 09:00-13:00, 14:00-18:00");
  EXPECT_TRUE(is_open(h, utc(2026, 12, 7, 12, 59)));
  EXPECT_FALSE(is_open(h, utc(2026, 12, 7, 13, 30)));
  EXPECT_EQ(next_opening(h, utc(2026, 12, 7, 13, 30)), utc(2026, 12, 7, 14, 0));
  EXPECT_EQ(working_ms_between(h, utc(2026, 12, 7, 0), utc(2026, 12, 8, 0)), 8 * kHour);
}

TEST(WorkingHours, RangesAcrossMidnightBelongToTheDayTheyStart) {
  WorkingHours h = hours("UTC; fri 22:00-02:00");
  EXPECT_TRUE(is_open(h, utc(2026, 12, 11, 23, 0)));  // Friday 23:00
  EXPECT_TRUE(is_open(h, utc(2026, 12, 12, 1, 59)));  // Saturday 01:59
  EXPECT_FALSE(is_open(h, utc(2026, 12, 12, 2, 0)));
  EXPECT_FALSE(is_open(h, utc(2026, 12, 10, 23, 0)));  // Thursday
  EXPECT_EQ(working_ms_between(h, utc(2026, 12, 11, 21, 0), utc(2026, 12, 12, 3, 0)), 4 * kHour);
  EXPECT_EQ(working_ms_between(h, utc(2026, 12, 12, 0, 30), utc(2026, 12, 12, 3, 0)), 90 * kMinute);
  // A holiday on the Saturday leaves Friday's night range; one on the Friday closes it.
  EXPECT_TRUE(is_open(hours("UTC; fri 22:00-02:00; holidays 2026-12-12"), utc(2026, 12, 12, 1, 0)));
  EXPECT_FALSE(is_open(hours("UTC; fri 22:00-02:00; holidays 2026-12-11"), utc(2026, 12, 12, 1, 0)));
}

TEST(WorkingHours, WorkingTimeOverWeekendsAndHolidays) {
  WorkingHours h = hours(kBerlinDesk);
  // Mon 7 Dec 00:00 UTC to Mon 14 Dec 00:00 UTC: five days of 9 hours and Saturday's 4.
  EXPECT_EQ(working_ms_between(h, utc(2026, 12, 7, 0), utc(2026, 12, 14, 0)), 49 * kHour);
  // The Christmas week: Friday the 25th is a holiday.
  EXPECT_EQ(working_ms_between(h, utc(2026, 12, 21, 0), utc(2026, 12, 28, 0)), 40 * kHour);
  // From Friday 17:00 Berlin to Monday 10:00 Berlin: 1 h + Saturday's 4 h + 1 h.
  EXPECT_EQ(working_ms_between(h, utc(2026, 12, 11, 16, 0), utc(2026, 12, 14, 9, 0)), 6 * kHour);
  EXPECT_EQ(working_ms_between(h, utc(2026, 12, 14, 9, 0), utc(2026, 12, 11, 16, 0)), 0);
  // Milliseconds count.
  EXPECT_EQ(working_ms_between(h, utc(2026, 12, 7, 8, 0) - 500, utc(2026, 12, 7, 8, 0) + 250), 250);
}

TEST(WorkingHours, DaylightSavingTimeInBerlin) {
  WorkingHours h = hours("Europe/Berlin; mon-fri 09:00-18:00");
  // Friday 27 March 2026 09:00 is 08:00 UTC; after the change, Monday 30 March 09:00 is 07:00 UTC.
  EXPECT_EQ(next_opening(h, utc(2026, 3, 27, 18, 0)), utc(2026, 3, 30, 7, 0));
  EXPECT_TRUE(is_open(h, utc(2026, 3, 30, 7, 0)));
  EXPECT_FALSE(is_open(h, utc(2026, 3, 27, 7, 30)));
  EXPECT_EQ(working_ms_between(h, utc(2026, 3, 27, 0), utc(2026, 3, 31, 0)), 18 * kHour);
  // The Sundays of the changes last 23 and 25 hours.
  WorkingHours sundays = hours("Europe/Berlin; sun 00:00-24:00");
  EXPECT_EQ(working_ms_between(sundays, utc(2026, 3, 27, 0), utc(2026, 3, 31, 0)), 23 * kHour);
  EXPECT_EQ(working_ms_between(sundays, utc(2026, 10, 23, 0), utc(2026, 10, 27, 0)), 25 * kHour);
  // A range starting in the hour that never happens opens when the clocks jump.
  WorkingHours gap = hours("Europe/Berlin; sun 02:30-04:00");
  EXPECT_EQ(next_opening(gap, utc(2026, 3, 28, 12, 0)), utc(2026, 3, 29, 1, 0));
  EXPECT_EQ(working_ms_between(gap, utc(2026, 3, 28, 0), utc(2026, 3, 30, 0)), 1 * kHour);
  // An hour that happens twice is open twice.
  WorkingHours twice = hours("Europe/Berlin; sun 02:00-03:00");
  EXPECT_EQ(working_ms_between(twice, utc(2026, 10, 24, 0), utc(2026, 10, 26, 0)), 2 * kHour);
}

TEST(WorkingHours, DaylightSavingTimeInNewYork) {
  WorkingHours h = hours("America/New_York; mon-fri 09:00-17:00");
  EXPECT_TRUE(is_open(h, utc(2026, 3, 6, 14, 0)));    // Friday 09:00 EST
  EXPECT_FALSE(is_open(h, utc(2026, 3, 9, 12, 59)));  // Monday 08:59 EDT
  EXPECT_EQ(next_opening(h, utc(2026, 3, 6, 23, 0)), utc(2026, 3, 9, 13, 0));
  EXPECT_EQ(next_opening(h, utc(2026, 10, 30, 23, 0)), utc(2026, 11, 2, 14, 0));  // back to EST
  EXPECT_EQ(working_ms_between(h, utc(2026, 3, 2, 0), utc(2026, 3, 14, 0)), 80 * kHour);
}

TEST(WorkingHours, FixedOffsetZone) {
  WorkingHours h = hours("UTC+05:30; daily 09:00-18:00");
  EXPECT_FALSE(is_open(h, utc(2026, 12, 7, 3, 29)));
  EXPECT_TRUE(is_open(h, utc(2026, 12, 7, 3, 30)));
  EXPECT_EQ(working_ms_between(h, utc(2026, 12, 7, 0), utc(2026, 12, 14, 0)), 63 * kHour);
  EXPECT_EQ(local_day(h, utc(2026, 12, 7, 20, 0)), days_from_civil(2026, 12, 8));
}

TEST(WorkingHours, AlwaysOpenAndNeverOpen) {
  WorkingHours always = hours("Europe/Berlin; daily 00:00-24:00");
  EXPECT_FALSE(next_closing(always, utc(2026, 3, 1, 0)).has_value());
  EXPECT_EQ(working_ms_between(always, utc(2026, 3, 1, 0), utc(2026, 4, 1, 0)), 31 * 24 * kHour);
  WorkingHours holidays_only = hours("UTC; mon 09:00-10:00; holidays 2026-12-07");
  EXPECT_EQ(next_opening(holidays_only, utc(2026, 12, 6, 0)), utc(2026, 12, 14, 9, 0));
}

TEST(WorkingHours, AFarHolidayIsFoundAcrossManyDaylightChanges) {
  WorkingHours h = hours("Europe/Berlin; daily 00:00-24:00; holidays 2150-06-01");
  EXPECT_EQ(next_closing(h, utc(2026, 12, 7, 0)), utc(2150, 5, 31, 22, 0));  // summer time, +02:00
  EXPECT_EQ(next_opening(h, utc(2026, 12, 7, 0)), utc(2150, 6, 1, 22, 0));
}

TEST(WorkingHours, CalendarDayInTheZone) {
  WorkingHours h = hours(kBerlinDesk);
  EXPECT_EQ(local_day(h, utc(2026, 12, 7, 22, 59)), days_from_civil(2026, 12, 7));
  EXPECT_EQ(local_day(h, utc(2026, 12, 7, 23, 0)), days_from_civil(2026, 12, 8));
}

TEST(WorkingHours, Description) {
  WorkingHours h = hours(kBerlinDesk);
  std::string text = describe_working_hours("en", h, utc(2026, 12, 12, 14, 0));
  EXPECT_NE(text.find("Europe/Berlin"), std::string::npos) << text;
  EXPECT_NE(text.find("Mon–Fri 09:00–18:00"), std::string::npos) << text;
  EXPECT_NE(text.find("Sat 10:00–14:00"), std::string::npos) << text;
  EXPECT_NE(text.find("Sun closed"), std::string::npos) << text;
  EXPECT_NE(text.find("Holidays: 2026-12-25"), std::string::npos) << text;
  EXPECT_NE(text.find("Closed now, opens Mon 09:00."), std::string::npos) << text;
  std::string open = describe_working_hours("en", h, utc(2026, 12, 7, 10, 0));
  EXPECT_NE(open.find("Open now, closes Mon 18:00."), std::string::npos) << open;
  EXPECT_EQ(format_local_time("en", h, utc(2027, 1, 4, 8, 0), utc(2026, 12, 7, 10, 0)),
            "Mon 2027-01-04 09:00");
}

TEST(WorkingHours, EveryMistakeNamesItsPart) {
  EXPECT_NE(error_of("mon-fri 09:00-18:00").find("part 1 (the time zone)"), std::string::npos);
  EXPECT_NE(error_of("Mars/Olympus; mon 09:00-10:00").find("unknown time zone \"Mars/Olympus\""),
            std::string::npos);
  EXPECT_NE(error_of("../../etc/passwd; mon 09:00-10:00").find("is not a time zone name"), std::string::npos);
  EXPECT_NE(
      error_of("UTC; mon-fry 09:00-18:00").find("part 2 \"mon-fry 09:00-18:00\": \"fry\" is not a weekday"),
      std::string::npos);
  EXPECT_NE(error_of("UTC; mon 09:00-25:00")
                .find("part 2 \"mon 09:00-25:00\": \"09:00-25:00\" is not a time range"),
            std::string::npos);
  EXPECT_NE(error_of("UTC; mon 9-18").find("\"9-18\" is not a time range"), std::string::npos);
  EXPECT_NE(error_of("UTC; mon 09:00").find("\"09:00\" is not a time range"), std::string::npos);
  EXPECT_NE(error_of("UTC; mon 24:00-02:00").find("is not a time range"), std::string::npos);
  EXPECT_NE(error_of("UTC; mon 09:00-09:00").find("\"09:00-09:00\" is empty"), std::string::npos);
  EXPECT_NE(error_of("UTC;; mon 09:00-10:00").find("part 2 \"\": is empty"), std::string::npos);
  EXPECT_NE(error_of("UTC; mon").find("part 2 \"mon\": names no hours"), std::string::npos);
  EXPECT_NE(error_of("UTC; 09:00-10:00").find("does not start with weekdays"), std::string::npos);
  EXPECT_NE(error_of("UTC; mon 09:00-10:00; holidays 2026-02-30")
                .find("part 3 \"holidays 2026-02-30\": \"2026-02-30\" is not a day of the calendar"),
            std::string::npos);
  EXPECT_NE(error_of("UTC; mon 09:00-10:00; holidays 25.12.2026").find("is not a date YYYY-MM-DD"),
            std::string::npos);
  EXPECT_NE(error_of("UTC; mon 09:00-10:00; holidays 1999-12-25").find("is not in 2000..2200"),
            std::string::npos);
  EXPECT_NE(error_of("UTC; mon 09:00-10:00; holidays").find("names no dates"), std::string::npos);
  EXPECT_NE(error_of("Europe/Berlin").find("names no opening hours"), std::string::npos);
  std::string many = "UTC; mon ";
  for (int h = 0; h < 13; ++h)
    many += (h ? "," : "") + std::string(h < 10 ? "0" : "") + std::to_string(h) + ":00-" +
            (h < 10 ? "0" : "") + std::to_string(h) + ":30";
  EXPECT_NE(error_of(many).find("more than 12 ranges"), std::string::npos);
}

TEST(WorkingHours, DaysListsAndWrappingRanges) {
  WorkingHours h = hours("UTC; fri-mon 10:00-11:00; wed,thu 12:00-13:00");
  EXPECT_EQ(h.week[4].size(), 1u);  // fri
  EXPECT_EQ(h.week[6].size(), 1u);  // sun
  EXPECT_EQ(h.week[0].size(), 1u);  // mon
  EXPECT_TRUE(h.week[1].empty());   // tue
  EXPECT_EQ(h.week[2].front().start, 12 * 60);
}

TEST(WorkingHoursParameters, WorkingHoursAndAwayMessage) {
  auto p = parse_parameters({{"WORKING_HOURS", kBerlinDesk}, {"AWAY_MESSAGE", "We are closed, {title}."}});
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_TRUE(p->working_hours.has_value());
  EXPECT_EQ(p->working_hours->zone.name(), "Europe/Berlin");
  EXPECT_EQ(p->away_message, "We are closed, {title}.");
  auto defaults = parse_parameters({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->working_hours.has_value());  // OFF: always open
  EXPECT_FALSE(defaults->away_message.has_value());
  auto off = parse_parameters({{"WORKING_HOURS", "OFF"}, {"AWAY_MESSAGE", "off"}});
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->working_hours.has_value());
  EXPECT_FALSE(off->away_message.has_value());
}

TEST(WorkingHoursParameters, ErrorsNameTheParameter) {
  auto bad = parse_parameters({{"WORKING_HOURS", "Europe/Berlin; mon-fry 09:00-18:00"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("WORKING_HOURS: part 2 \"mon-fry 09:00-18:00\"", 0), 0u)
      << bad.error().message;
  auto templ = parse_parameters({{"AWAY_MESSAGE", "template:9night"}});
  ASSERT_FALSE(templ.ok());
  EXPECT_NE(templ.error().message.find("AWAY_MESSAGE: template:NAME names a template"), std::string::npos)
      << templ.error().message;
  auto long_text = parse_parameters({{"AWAY_MESSAGE", std::string(5000, 'a')}});
  ASSERT_FALSE(long_text.ok());
  EXPECT_NE(long_text.error().message.find("AWAY_MESSAGE must be OFF or a text of at most 4096 characters"),
            std::string::npos);
}

}  // namespace
}  // namespace topicdesk::core
