// The analytics report: every figure of one query (analytics.h), in plain structs the JSON, the
// CSV tables, the /stats summary and the web dashboard read. Durations are whole seconds.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analytics/analytics.h"
#include "core/ids.h"

namespace topicdesk::analytics {

// Bucket bounds of a distribution: [0, 1 h), [1 h, 4 h), [4 h, 8 h), [8 h, 24 h), [24 h, ∞).
inline constexpr std::array<std::string_view, 5> kBucketNames = {"0-1h", "1-4h", "4-8h", "8-24h", "24h+"};

// A set of durations: how many, the median and p90 (nearest rank: the smallest sample with at
// least 50 % / 90 % of the samples at or below it; nullopt with no sample) and the buckets.
struct Durations {
  std::int64_t count = 0;
  std::optional<std::int64_t> median_seconds;
  std::optional<std::int64_t> p90_seconds;
  std::array<std::int64_t, 5> buckets{};
};

// The figures of one period, or of the whole range (AnalyticsReport::total).
struct PeriodFigures {
  std::string start;          // the period's first local day, "2026-12-07"
  core::UnixMillis from = 0;  // the instants it covers: the period clipped to the query's range
  core::UnixMillis to = 0;
  std::int64_t new_dialogs = 0;
  std::int64_t closed = 0;
  std::int64_t reopened = 0;
  std::int64_t unanswered = 0;  // dialogs waiting for an answer at `to`
  std::int64_t messages_in = 0;
  std::int64_t messages_out = 0;
  std::int64_t messages_intercepted = 0;
  Durations first_response;
  Durations reply;
  Durations resolution;
};

// One hour of the week, in the report's zone: what happened in it over the whole range.
struct LoadCell {
  int weekday = 0;  // 0 = Monday … 6 = Sunday
  int hour = 0;     // 0..23
  std::int64_t messages_in = 0;
  std::int64_t messages_out = 0;
  std::int64_t new_dialogs = 0;
};

struct OperatorFigures {
  core::UserId id = 0;
  std::string name;                   // "Anna Smith (@anna)" as the group knows them; empty when not known
  std::int64_t messages = 0;          // messages sent to users (answers and templates)
  std::int64_t dialogs_answered = 0;  // distinct dialogs they answered in the range
  Durations first_response;           // first responses they gave
  Durations reply;                    // waits they ended
};

struct AnalyticsReport {
  std::optional<core::ConnectionId> connection;  // nullopt: the whole desk
  std::string connection_name;                   // its name in the configuration; empty: the desk
  core::UnixMillis from = 0;
  core::UnixMillis to = 0;
  Period period = Period::kDay;
  std::string time_zone;                   // the zone's name
  std::string first_day, last_day;         // the local days of `from` and of the range's last instant
  core::UnixMillis oldest_event_at = 0;    // the oldest event read (0: none): analytics covers what is kept
  std::vector<PeriodFigures> periods;      // in time order, covering [from, to)
  PeriodFigures total;                     // the whole range; `unanswered` at its end
  std::vector<LoadCell> load;              // 168 cells, Monday 00 first
  std::vector<OperatorFigures> operators;  // most messages first, then by id
};

}  // namespace topicdesk::analytics
