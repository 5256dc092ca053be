// Calendar arithmetic of analytics in a time zone (core/time_zone.h): local days, the first day
// of a period, and the ranges /stats and the daily digest name ("today", "week" …). Pure.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "analytics/analytics.h"
#include "core/time_zone.h"

namespace topicdesk::analytics {

// Seconds of `at` as if the zone's wall clock were UTC.
std::int64_t local_seconds(const core::TimeZone& zone, core::UnixMillis at);
// The local calendar day (days since 1970-01-01) of `at`.
std::int64_t local_day(const core::TimeZone& zone, core::UnixMillis at);
// The instant the local day `day` starts.
core::UnixMillis start_of_day(const core::TimeZone& zone, std::int64_t day);
// The first day of the period holding `day` (weeks start on Monday), and of the next period.
std::int64_t period_start_day(std::int64_t day, Period period);
std::int64_t next_period_day(std::int64_t start, Period period);
// "2026-12-07".
std::string date_text(std::int64_t day);

// The words /stats takes, the ranges they name in `zone` at `now` (to = now + 1 ms, so the
// instant itself counts): "today" (since local midnight), "yesterday" (the whole day before),
// "week" (since Monday 00:00), "month" (since the 1st, 00:00). Periods are days (a month's:
// weeks). nullopt for another word. The query's connection is left unset.
std::optional<AnalyticsQuery> named_range(std::string_view word, const core::TimeZone& zone,
                                          core::UnixMillis now);

}  // namespace topicdesk::analytics
