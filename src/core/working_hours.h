// WORKING_HOURS: when the desk is open. One line names a time zone, the opening hours of each
// weekday and the holidays (docs/parameters.md):
//
//   Europe/Berlin; mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00; holidays 2026-12-25,2027-01-01
//
// A range may cross midnight (`fri 22:00-02:00` is open Friday 22:00 to Saturday 02:00) and
// belongs to the day it starts on: a holiday closes the ranges that start on it. Every question
// is a pure function of the schedule and an instant (Unix milliseconds); the wall clock is the
// zone's at that instant, daylight saving time included. The unanswered-dialog alert and
// analytics count working time with working_ms_between().
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "core/time_zone.h"

namespace topicdesk::core {

// Minutes after local midnight; an `end` at or before `start` ends on the next day, 24:00 is
// the end of the day.
struct TimeRange {
  int start = 0;
  int end = 0;
};

struct WorkingHours {
  TimeZone zone;
  std::array<std::vector<TimeRange>, 7> week;  // 0 = Monday … 6 = Sunday
  std::vector<std::int64_t> holidays;          // local days since 1970-01-01, ascending
  std::string text;                            // the value as configured
};

// The value of WORKING_HOURS (not OFF). An error names the part at fault ("part 2 \"mon-fry
// 09:00\"") and what it allows; the caller adds the parameter's name.
Outcome<WorkingHours> parse_working_hours(std::string_view text,
                                          std::string_view zoneinfo_dir = kZoneInfoDir);

bool is_open(const WorkingHours& hours, UnixMillis at);
// The first instant after `at` at which the desk opens (closes); nullopt: never again.
std::optional<UnixMillis> next_opening(const WorkingHours& hours, UnixMillis at);
std::optional<UnixMillis> next_closing(const WorkingHours& hours, UnixMillis at);
// How much of [from, to) lies inside working hours, in milliseconds (0 when to <= from).
UnixMillis working_ms_between(const WorkingHours& hours, UnixMillis from, UnixMillis to);

// The calendar day (days since 1970-01-01) of `at` on the zone's wall clock.
std::int64_t local_day(const WorkingHours& hours, UnixMillis at);
// "Mon 09:00" for an instant within a week of `now`, "Mon 2027-01-04 09:00" further away.
std::string format_local_time(std::string_view lang, const WorkingHours& hours, UnixMillis at,
                              UnixMillis now);
// The /hours answer: the zone, each weekday's hours, the coming holidays, and whether the desk
// is open at `now` and when that changes.
std::string describe_working_hours(std::string_view lang, const WorkingHours& hours, UnixMillis now);

}  // namespace topicdesk::core
