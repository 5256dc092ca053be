// Analytics: what owners decide on, computed from the store on demand. A pure computation over
// the event log the engine appends (store/event_store.h, read through store/analytics_store.h):
// nothing is counted on the relay's path. Read by /stats and the daily digest in General (the
// engine, relay/engine_stats.cpp), the Topics API's GET /api/v1/analytics and the web dashboard.
//
// Figures, per connection or for the whole desk, by day, week (Monday first) or month in a time
// zone: new, closed, reopened and unanswered dialogs; messages in (users'), out (the desk's
// sends to users: operators', the API's, templates) and intercepted; first-response, reply and
// resolution times (median and p90, and a distribution in buckets 0–1 h, 1–4 h, 4–8 h, 8–24 h,
// 24 h+); load by weekday and hour; per operator (messages, dialogs answered, response times).
// Comments are not answers: a dialog whose operators only commented is still unanswered.
// The definitions are in docs/analytics.md; the replay itself in analytics/replay.h.
//
// Events are purged by the events retention: analytics covers what is kept.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "core/time_zone.h"
#include "store/store.h"

namespace topicdesk::analytics {

enum class Period { kDay, kWeek, kMonth };
std::string_view to_string(Period period);
std::optional<Period> period_from(std::string_view text);  // "day", "week", "month"

struct AnalyticsQuery {
  std::optional<core::ConnectionId> connection;  // nullopt: the whole desk
  core::UnixMillis from = 0;                     // [from, to)
  core::UnixMillis to = 0;
  Period period = Period::kDay;
  std::string time_zone = "UTC";  // an IANA name or fixed offset (core/time_zone.h)
  // A zone already loaded (the engine's WORKING_HOURS zone): used instead of `time_zone`.
  std::optional<core::TimeZone> zone;
};

// At most this many periods in one report (a day period over more than ~2.7 years is refused:
// ask by week or month).
inline constexpr int kMaxPeriods = 1000;

// The tables a report holds, by the names CSV downloads and the JSON use.
// "periods", "response_times", "buckets", "load", "operators".
std::vector<std::string_view> table_names();

struct AnalyticsReport;  // defined in analytics/report.h

// Computes the report; an error (ErrorCode::kInvalid) says what is wrong with the query (an
// unknown zone, to <= from, too many periods). Store failures throw StoreError.
core::Result<AnalyticsReport> compute(store::Store& store, const AnalyticsQuery& query);

// The report as JSON (GET /api/v1/analytics and the dashboard) and one table as CSV
// (RFC 4180, a header row); an unknown table name is an error naming the known ones.
std::string to_json(const AnalyticsReport& report);
core::Result<std::string> to_csv(const AnalyticsReport& report, std::string_view table);

// The /stats summary and the daily digest: a few lines of plain text for General, in `language`
// (the connection's LANGUAGE: the catalogue's analytics.* texts).
std::string summary_text(std::string_view language, const AnalyticsReport& report);

}  // namespace topicdesk::analytics
