#include "core/time_zone.h"

#include <gtest/gtest.h>

namespace topicdesk::core {
namespace {

constexpr std::int64_t kHour = 3600;

// Unix seconds of a UTC wall time.
std::int64_t utc(int year, int month, int day, int hour, int minute = 0) {
  return days_from_civil(year, month, day) * 86400 + hour * kHour + minute * 60;
}

TimeZone zone(std::string_view name) {
  auto z = load_time_zone(name);
  EXPECT_TRUE(z.ok()) << (z.ok() ? "" : z.error().message);
  return z.ok() ? *z : TimeZone();
}

TEST(Calendar, DaysAndWeekdays) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(weekday_of(0), 3);                             // a Thursday
  EXPECT_EQ(weekday_of(days_from_civil(2026, 12, 7)), 0);  // a Monday
  CivilDate d = civil_from_days(days_from_civil(2028, 2, 29));
  EXPECT_EQ(d.year, 2028);
  EXPECT_EQ(d.month, 2);
  EXPECT_EQ(d.day, 29);
  EXPECT_EQ(civil_from_days(-1).year, 1969);
}

TEST(TimeZone, BerlinChangesAtOneUtcOnTheLastSundaysOfMarchAndOctober) {
  TimeZone berlin = zone("Europe/Berlin");
  EXPECT_EQ(berlin.offset_at(utc(2026, 3, 29, 0, 59)), 1 * kHour);
  EXPECT_EQ(berlin.offset_at(utc(2026, 3, 29, 1, 0)), 2 * kHour);
  EXPECT_EQ(berlin.offset_at(utc(2026, 10, 25, 0, 59)), 2 * kHour);
  EXPECT_EQ(berlin.offset_at(utc(2026, 10, 25, 1, 0)), 1 * kHour);
  EXPECT_EQ(berlin.next_transition(utc(2026, 1, 1, 0)), utc(2026, 3, 29, 1));
  EXPECT_EQ(berlin.next_transition(utc(2026, 3, 29, 1)), utc(2026, 10, 25, 1));
}

TEST(TimeZone, FarFutureDatesFollowTheFileFooterRule) {
  TimeZone berlin = zone("Europe/Berlin");
  // 2061: last Sunday of March is the 27th, of October the 30th.
  EXPECT_EQ(berlin.offset_at(utc(2061, 3, 27, 0, 59)), 1 * kHour);
  EXPECT_EQ(berlin.offset_at(utc(2061, 3, 27, 1, 0)), 2 * kHour);
  EXPECT_EQ(berlin.offset_at(utc(2061, 10, 30, 1, 0)), 1 * kHour);
  EXPECT_EQ(berlin.next_transition(utc(2061, 1, 1, 0)), utc(2061, 3, 27, 1));
  TimeZone new_york = zone("America/New_York");
  // 2061: second Sunday of March is the 13th (02:00 EST = 07:00 UTC).
  EXPECT_EQ(new_york.offset_at(utc(2061, 3, 13, 6, 59)), -5 * kHour);
  EXPECT_EQ(new_york.offset_at(utc(2061, 3, 13, 7, 0)), -4 * kHour);
}

TEST(TimeZone, NewYorkChangesAtTwoLocal) {
  TimeZone ny = zone("America/New_York");
  EXPECT_EQ(ny.offset_at(utc(2026, 3, 8, 6, 59)), -5 * kHour);
  EXPECT_EQ(ny.offset_at(utc(2026, 3, 8, 7, 0)), -4 * kHour);
  EXPECT_EQ(ny.offset_at(utc(2026, 11, 1, 5, 59)), -4 * kHour);
  EXPECT_EQ(ny.offset_at(utc(2026, 11, 1, 6, 0)), -5 * kHour);
}

TEST(TimeZone, LocalTimesInGapsAndOverlaps) {
  TimeZone berlin = zone("Europe/Berlin");
  // 02:30 on 2026-03-29 never happens: the clocks jump from 02:00 to 03:00 (01:00 UTC).
  EXPECT_EQ(berlin.to_utc(utc(2026, 3, 29, 2, 30)), utc(2026, 3, 29, 1));
  // 02:30 on 2026-10-25 happens twice: the first is 00:30 UTC.
  EXPECT_EQ(berlin.to_utc(utc(2026, 10, 25, 2, 30)), utc(2026, 10, 25, 0, 30));
  EXPECT_EQ(berlin.to_utc(utc(2026, 7, 1, 12)), utc(2026, 7, 1, 10));
}

TEST(TimeZone, FixedOffsets) {
  EXPECT_EQ(zone("UTC").offset_at(utc(2026, 7, 1, 0)), 0);
  EXPECT_EQ(zone("UTC+05:30").offset_at(utc(2026, 7, 1, 0)), 5 * kHour + 1800);
  EXPECT_EQ(zone("UTC+05:30").name(), "UTC+05:30");
  EXPECT_EQ(zone("utc-3").offset_at(0), -3 * kHour);
  EXPECT_EQ(zone("UTC-3").name(), "UTC-03:00");
  EXPECT_FALSE(zone("UTC+02:00").next_transition(0).has_value());
  EXPECT_EQ(zone("Etc/GMT+2").offset_at(0), -2 * kHour);  // POSIX's sign, as the zone files have it
  // A TZif file of a zone without daylight time: Asia/Kolkata, +05:30 for decades.
  EXPECT_EQ(zone("Asia/Kolkata").offset_at(utc(2040, 7, 1, 0)), 5 * kHour + 1800);
}

TEST(TimeZone, NamesThatCannotBeUsed) {
  auto error_of = [](std::string_view name) {
    auto z = load_time_zone(name);
    EXPECT_FALSE(z.ok()) << name;
    return z.ok() ? std::string() : z.error().message;
  };
  EXPECT_NE(error_of("Europe/Atlantis").find("unknown time zone \"Europe/Atlantis\""), std::string::npos);
  EXPECT_NE(error_of("../etc/passwd").find("is not a time zone name"), std::string::npos);
  EXPECT_NE(error_of("/etc/passwd").find("is not a time zone name"), std::string::npos);
  EXPECT_NE(error_of("Europe/../../etc/passwd").find("is not a time zone name"), std::string::npos);
  EXPECT_NE(error_of("Europe").find("unknown time zone"), std::string::npos);  // a directory
  EXPECT_NE(error_of("UTC+15:00").find("beyond ±14:00"), std::string::npos);
  EXPECT_NE(error_of("UTC+2:3").find("is not a UTC offset"), std::string::npos);
  EXPECT_NE(error_of("").find("is not a time zone name"), std::string::npos);
}

TEST(TimeZone, ATzifFileThatIsNotOneIsRefused) {
  EXPECT_FALSE(TimeZone::from_tzif("not a zone", "x").ok());
  EXPECT_FALSE(TimeZone::from_tzif(std::string("TZif2") + std::string(60, '\0'), "x").ok());
}

TEST(PosixRule, StandardAndDaylightRules) {
  auto cet = parse_posix_rule("CET-1CEST,M3.5.0,M10.5.0/3");
  ASSERT_TRUE(cet.ok());
  EXPECT_EQ(cet->std_offset, 3600);
  EXPECT_EQ(cet->dst_offset, 7200);
  EXPECT_EQ(cet->end.time, 3 * 3600);
  auto quoted = parse_posix_rule("<+03>-3");
  ASSERT_TRUE(quoted.ok());
  EXPECT_FALSE(quoted->has_dst);
  EXPECT_EQ(quoted->std_offset, 3 * 3600);
  auto negative_time = parse_posix_rule("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1");
  ASSERT_TRUE(negative_time.ok());
  EXPECT_EQ(negative_time->start.time, -2 * 3600);
  EXPECT_FALSE(parse_posix_rule("X-1").ok());
  EXPECT_FALSE(parse_posix_rule("CET-1CEST,M13.5.0,M10.5.0").ok());
  EXPECT_FALSE(parse_posix_rule("CET-1CEST,M3.5.0").ok());
}

TEST(TimeZone, SouthernHemisphereDaylightTime) {
  // Sydney: daylight time from the first Sunday of October to the first Sunday of April.
  TimeZone sydney = zone("Australia/Sydney");
  EXPECT_EQ(sydney.offset_at(utc(2061, 1, 15, 0)), 11 * kHour);
  EXPECT_EQ(sydney.offset_at(utc(2061, 7, 15, 0)), 10 * kHour);
}

}  // namespace
}  // namespace topicdesk::core
