// Calendar arithmetic of analytics in a time zone (calendar.h).
#include "analytics/calendar.h"

#include <fmt/format.h>

namespace topicdesk::analytics {

namespace {

constexpr std::int64_t kSecondsPerDay = 86'400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

std::int64_t local_seconds(const core::TimeZone& zone, core::UnixMillis at) {
  std::int64_t s = floor_div(at, 1000);
  return s + zone.offset_at(s);
}

std::int64_t local_day(const core::TimeZone& zone, core::UnixMillis at) {
  return floor_div(local_seconds(zone, at), kSecondsPerDay);
}

core::UnixMillis start_of_day(const core::TimeZone& zone, std::int64_t day) {
  return zone.to_utc(day * kSecondsPerDay) * 1000;
}

std::int64_t period_start_day(std::int64_t day, Period period) {
  switch (period) {
    case Period::kDay:
      return day;
    case Period::kWeek:
      return day - core::weekday_of(day);
    case Period::kMonth: {
      auto c = core::civil_from_days(day);
      return core::days_from_civil(c.year, c.month, 1);
    }
  }
  return day;
}

std::int64_t next_period_day(std::int64_t start, Period period) {
  switch (period) {
    case Period::kDay:
      return start + 1;
    case Period::kWeek:
      return start + 7;
    case Period::kMonth: {
      auto c = core::civil_from_days(start);
      return c.month == 12 ? core::days_from_civil(c.year + 1, 1, 1)
                           : core::days_from_civil(c.year, c.month + 1, 1);
    }
  }
  return start + 1;
}

std::string date_text(std::int64_t day) {
  auto c = core::civil_from_days(day);
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

std::optional<AnalyticsQuery> named_range(std::string_view word, const core::TimeZone& zone,
                                          core::UnixMillis now) {
  const std::int64_t today = local_day(zone, now);
  AnalyticsQuery q;
  q.zone = zone;
  q.time_zone = zone.name();
  q.to = now + 1;
  if (word == "today") {
    q.from = start_of_day(zone, today);
  } else if (word == "yesterday") {
    q.from = start_of_day(zone, today - 1);
    q.to = start_of_day(zone, today);
  } else if (word == "week") {
    q.from = start_of_day(zone, period_start_day(today, Period::kWeek));
  } else if (word == "month") {
    q.from = start_of_day(zone, period_start_day(today, Period::kMonth));
    q.period = Period::kWeek;
  } else {
    return std::nullopt;
  }
  return q;
}

}  // namespace topicdesk::analytics
