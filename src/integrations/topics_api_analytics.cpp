#include "integrations/topics_api_analytics.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <map>
#include <optional>
#include <string>

#include "analytics/analytics.h"
#include "analytics/calendar.h"
#include "analytics/report.h"
#include "integrations/topics_api_call.h"

namespace topicdesk::integrations {
namespace json = boost::json;

namespace {

constexpr std::int64_t kDefaultDays = 30;
constexpr std::int64_t kMaxSeconds = 253'402'300'799;  // 9999-12-31T23:59:59Z
constexpr std::string_view kJsonParameters = "from, to, range, period, tz";

ApiResponse bad_parameter(std::string_view name, std::string_view problem) {
  return api_error(core::ErrorCode::kInvalid, "invalid_parameter",
                   fmt::format("query parameter \"{}\" {}", name, problem));
}

std::optional<std::int64_t> seconds(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > kMaxSeconds)
    return std::nullopt;
  return value;
}

}  // namespace

ApiResponse analytics_answer(store::Store& store, const relay::ConnectionContext& context,
                             std::string_view target, bool csv, core::UnixMillis now) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return api_error(core::ErrorCode::kInvalid, "invalid_parameter", "the query string is not valid");
  std::map<std::string, std::string, std::less<>> params;
  for (auto param : url->params()) {
    std::string key = param.key;
    if (key.empty() && !param.has_value) continue;  // "?" alone, "a=1&": nothing asked
    if (key != "from" && key != "to" && key != "range" && key != "period" && key != "tz" &&
        !(csv && key == "table"))
      return bad_parameter(key,
                           fmt::format("is not known (known: {}{})", kJsonParameters, csv ? ", table" : ""));
    if (params.contains(key)) return bad_parameter(key, "is given twice");
    params[key] = param.has_value ? std::string(param.value) : std::string();
  }

  analytics::AnalyticsQuery query;
  if (auto tz = params.find("tz"); tz != params.end()) {
    auto zone = core::load_time_zone(tz->second);
    if (!zone) return bad_parameter("tz", fmt::format("is not a time zone: {}", zone.error().message));
    query.zone = *zone;
  } else {
    query.zone = context.params.working_hours ? context.params.working_hours->zone : core::TimeZone();
  }
  query.time_zone = query.zone->name();

  if (auto range = params.find("range"); range != params.end()) {
    if (params.contains("from") || params.contains("to"))
      return bad_parameter("range", "cannot be given together with from or to");
    auto named = analytics::named_range(range->second, *query.zone, now);
    if (!named) return bad_parameter("range", "must be today, yesterday, week or month");
    query = *named;
  } else {
    // Without `to`, up to now: this very millisecond included, so what just happened counts.
    core::UnixMillis to = now + 1;
    if (auto it = params.find("to"); it != params.end()) {
      auto value = seconds(it->second);
      if (!value) return bad_parameter("to", "must be a Unix time in seconds");
      to = *value * 1000;
    }
    core::UnixMillis from = to - kDefaultDays * 86'400'000;
    if (auto it = params.find("from"); it != params.end()) {
      auto value = seconds(it->second);
      if (!value) return bad_parameter("from", "must be a Unix time in seconds");
      from = *value * 1000;
    }
    if (from >= to)
      return bad_parameter("from", fmt::format("must be before to ({} ≥ {})", from / 1000, to / 1000));
    query.from = from;
    query.to = to;
  }
  if (auto period = params.find("period"); period != params.end()) {
    auto parsed = analytics::period_from(period->second);
    if (!parsed) return bad_parameter("period", "must be day, week or month");
    query.period = *parsed;
  }
  query.connection = context.id;

  std::string table;
  if (csv) {
    auto it = params.find("table");
    if (it == params.end())
      return api_error(core::ErrorCode::kInvalid, "missing_parameter",
                       fmt::format("query parameter \"table\" is required (one of {})",
                                   fmt::join(analytics::table_names(), ", ")));
    table = it->second;
    auto names = analytics::table_names();
    if (std::find(names.begin(), names.end(), table) == names.end())
      return bad_parameter("table", fmt::format("must be one of {}", fmt::join(names, ", ")));
  }

  auto report = analytics::compute(store, query);
  // Too many periods for the range: the message says to ask by a longer period.
  if (!report) return api_error(core::ErrorCode::kInvalid, "invalid_parameter", report.error().message);
  if (csv) {
    auto text = analytics::to_csv(*report, table);
    if (!text) return bad_parameter("table", text.error().message);
    ApiResponse answer{200, std::move(*text)};
    answer.content_type = "text/csv; charset=utf-8";
    return answer;
  }
  return ok(json::parse(analytics::to_json(*report)).as_object());
}

ApiResponse TopicsApi::analytics(core::ConnectionId connection_id, std::string_view target, bool csv,
                                 core::UnixMillis now, std::int64_t monotonic_ms) {
  const ApiConnection* conn = nullptr;
  if (auto refused = admit(connection_id, monotonic_ms, conn)) return *refused;
  return analytics_answer(store_, conn->engine->context(), target, csv, now);
}

}  // namespace topicdesk::integrations
