// Analytics: the query's checks, paging the store into the replay (replay.h), and the report
// as JSON, CSV tables and the /stats summary.
#include "analytics/analytics.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "analytics/replay.h"
#include "analytics/report.h"
#include "i18n/catalog.h"

namespace topicdesk::analytics {

namespace json = boost::json;

namespace {

constexpr int kPageSize = 1000;
constexpr std::array<std::string_view, 7> kWeekdays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

std::string operator_name(const store::Operator& op) {
  std::string name = op.first_name;
  if (!op.last_name.empty()) name += (name.empty() ? "" : " ") + op.last_name;
  if (!op.username.empty()) name += (name.empty() ? "@" : " (@") + op.username + (name.empty() ? "" : ")");
  return name;
}

// The JSON and CSV give times as Unix seconds, like the rest of the Topics API (rounded down).
std::int64_t seconds(core::UnixMillis at) { return at >= 0 ? at / 1000 : -((-at + 999) / 1000); }

json::value optional_json(const std::optional<std::int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::object durations_json(const Durations& d) {
  json::object buckets;
  for (std::size_t i = 0; i < kBucketNames.size(); ++i) buckets[kBucketNames[i]] = d.buckets[i];
  return json::object{{"count", d.count},
                      {"median_seconds", optional_json(d.median_seconds)},
                      {"p90_seconds", optional_json(d.p90_seconds)},
                      {"buckets", std::move(buckets)}};
}

json::object figures_json(const PeriodFigures& f) {
  return json::object{{"start", f.start},
                      {"from", seconds(f.from)},
                      {"to", seconds(f.to)},
                      {"new_dialogs", f.new_dialogs},
                      {"closed", f.closed},
                      {"reopened", f.reopened},
                      {"unanswered", f.unanswered},
                      {"messages_in", f.messages_in},
                      {"messages_out", f.messages_out},
                      {"messages_intercepted", f.messages_intercepted},
                      {"first_response", durations_json(f.first_response)},
                      {"reply", durations_json(f.reply)},
                      {"resolution", durations_json(f.resolution)}};
}

// One CSV field (RFC 4180). Text that a spreadsheet would take for a formula (=, +, -, @ first)
// gets a leading apostrophe: operators' names come from Telegram.
std::string csv_text(std::string_view text) {
  std::string value(text);
  if (!value.empty() && std::string_view("=+-@").find(value.front()) != std::string_view::npos)
    value = "'" + value;
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_optional(const std::optional<std::int64_t>& v) {
  return v ? std::to_string(*v) : std::string();
}

struct Metric {
  std::string_view name;
  const Durations PeriodFigures::*field;
};
constexpr std::array<Metric, 3> kMetrics = {Metric{"first_response", &PeriodFigures::first_response},
                                            Metric{"reply", &PeriodFigures::reply},
                                            Metric{"resolution", &PeriodFigures::resolution}};

// The periods, then the whole range as period "total".
std::vector<const PeriodFigures*> periods_and_total(const AnalyticsReport& r) {
  std::vector<const PeriodFigures*> out;
  for (const auto& p : r.periods) out.push_back(&p);
  out.push_back(&r.total);
  return out;
}

std::string period_label(const AnalyticsReport& r, const PeriodFigures* f) {
  return f == &r.total ? std::string("total") : f->start;
}

std::string periods_csv(const AnalyticsReport& r) {
  std::string out =
      "period,from,to,new_dialogs,closed,reopened,unanswered,messages_in,messages_out,messages_"
      "intercepted\r\n";
  for (const auto& f : r.periods) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{}\r\n", f.start, seconds(f.from), seconds(f.to),
                       f.new_dialogs, f.closed, f.reopened, f.unanswered, f.messages_in, f.messages_out,
                       f.messages_intercepted);
  }
  return out;
}

std::string response_times_csv(const AnalyticsReport& r) {
  std::string out = "period,metric,count,median_seconds,p90_seconds\r\n";
  for (const auto* f : periods_and_total(r)) {
    for (const auto& m : kMetrics) {
      const Durations& d = f->*m.field;
      out += fmt::format("{},{},{},{},{}\r\n", period_label(r, f), m.name, d.count,
                         csv_optional(d.median_seconds), csv_optional(d.p90_seconds));
    }
  }
  return out;
}

std::string buckets_csv(const AnalyticsReport& r) {
  std::string out = "period,metric";
  for (auto name : kBucketNames) out += fmt::format(",{}", name);
  out += "\r\n";
  for (const auto* f : periods_and_total(r)) {
    for (const auto& m : kMetrics) {
      const Durations& d = f->*m.field;
      out += fmt::format("{},{},{}\r\n", period_label(r, f), m.name, fmt::join(d.buckets, ","));
    }
  }
  return out;
}

std::string load_csv(const AnalyticsReport& r) {
  std::string out = "weekday,hour,messages_in,messages_out,new_dialogs\r\n";
  for (const auto& c : r.load) {
    out += fmt::format("{},{},{},{},{}\r\n", kWeekdays[static_cast<std::size_t>(c.weekday)], c.hour,
                       c.messages_in, c.messages_out, c.new_dialogs);
  }
  return out;
}

std::string operators_csv(const AnalyticsReport& r) {
  std::string out =
      "operator_id,name,messages,dialogs_answered,first_response_count,first_response_median_seconds,"
      "first_response_p90_seconds,reply_count,reply_median_seconds,reply_p90_seconds\r\n";
  for (const auto& o : r.operators) {
    out +=
        fmt::format("{},{},{},{},{},{},{},{},{},{}\r\n", o.id, csv_text(o.name), o.messages,
                    o.dialogs_answered, o.first_response.count, csv_optional(o.first_response.median_seconds),
                    csv_optional(o.first_response.p90_seconds), o.reply.count,
                    csv_optional(o.reply.median_seconds), csv_optional(o.reply.p90_seconds));
  }
  return out;
}

// "45 s", "12 min", "1 h 40 min", "2 d 3 h", in `language`.
std::string duration_text(std::string_view language, std::int64_t seconds) {
  auto n = [](std::int64_t v) { return std::to_string(v); };
  if (seconds < 60) return i18n::text(language, "analytics.seconds", {{"count", n(seconds)}});
  std::int64_t minutes = seconds / 60;
  if (minutes < 60) return i18n::text(language, "analytics.minutes", {{"count", n(minutes)}});
  std::int64_t hours = minutes / 60;
  if (hours < 24) {
    return minutes % 60 != 0 ? i18n::text(language, "analytics.hours_minutes",
                                          {{"hours", n(hours)}, {"minutes", n(minutes % 60)}})
                             : i18n::text(language, "analytics.hours", {{"count", n(hours)}});
  }
  return hours % 24 != 0 ? i18n::text(language, "analytics.days_hours",
                                      {{"days", n(hours / 24)}, {"hours", n(hours % 24)}})
                         : i18n::text(language, "analytics.days", {{"count", n(hours / 24)}});
}

// One line of response times: `what` is the key of the line ("analytics.reply").
std::string durations_line(std::string_view language, const std::string& what, const Durations& d) {
  if (d.count == 0) return i18n::text(language, what + "_none");
  return i18n::text(language, what,
                    {{"median", duration_text(language, *d.median_seconds)},
                     {"p90", duration_text(language, *d.p90_seconds)},
                     {"count", std::to_string(d.count)}});
}

std::string counted(std::string_view language, std::int64_t n, std::string_view one, std::string_view many) {
  return n == 1 ? i18n::text(language, one) : i18n::text(language, many, {{"count", std::to_string(n)}});
}

}  // namespace

std::string_view to_string(Period period) {
  switch (period) {
    case Period::kDay:
      return "day";
    case Period::kWeek:
      return "week";
    case Period::kMonth:
      return "month";
  }
  return "day";
}

std::optional<Period> period_from(std::string_view text) {
  if (text == "day") return Period::kDay;
  if (text == "week") return Period::kWeek;
  if (text == "month") return Period::kMonth;
  return std::nullopt;
}

std::vector<std::string_view> table_names() {
  return {"periods", "response_times", "buckets", "load", "operators"};
}

core::Result<AnalyticsReport> compute(store::Store& store, const AnalyticsQuery& query) {
  core::TimeZone zone;
  if (query.zone) {
    zone = *query.zone;
  } else {
    auto loaded = core::load_time_zone(query.time_zone);
    if (!loaded) return core::make_error(fmt::format("analytics: time zone: {}", loaded.error().message));
    zone = std::move(*loaded);
  }
  auto builder = ReportBuilder::start(query, zone);
  if (!builder) return builder.error();
  // The state at `from` (open dialogs, running waits) is rebuilt from every event kept before it.
  store::EventRange range{.connection = query.connection, .from = 0, .to = query.to, .limit = kPageSize};
  for (;;) {
    auto page = store.events_in_range(range);
    for (const auto& e : page) builder->add(e);
    if (static_cast<int>(page.size()) < kPageSize) break;
    range.after_id = page.back().id;
  }
  AnalyticsReport report = builder->finish();

  std::vector<store::ConnectionRecord> connections = store.connections();
  if (query.connection) {
    auto it = std::find_if(connections.begin(), connections.end(),
                           [&](const auto& c) { return c.id == *query.connection; });
    if (it != connections.end()) {
      report.connection_name = it->name;
      connections = {*it};
    }
  }
  for (auto& o : report.operators) {
    for (const auto& c : connections) {
      if (auto op = store.operator_by_id(c.group_id, o.id)) {
        o.name = operator_name(*op);
        break;
      }
    }
  }
  return report;
}

std::string to_json(const AnalyticsReport& r) {
  json::array periods;
  for (const auto& p : r.periods) periods.push_back(figures_json(p));
  json::array load;
  for (const auto& c : r.load) {
    load.push_back(json::object{{"weekday", c.weekday},
                                {"hour", c.hour},
                                {"messages_in", c.messages_in},
                                {"messages_out", c.messages_out},
                                {"new_dialogs", c.new_dialogs}});
  }
  json::array operators;
  for (const auto& o : r.operators) {
    operators.push_back(json::object{{"operator_id", o.id},
                                     {"name", o.name},
                                     {"messages", o.messages},
                                     {"dialogs_answered", o.dialogs_answered},
                                     {"first_response", durations_json(o.first_response)},
                                     {"reply", durations_json(o.reply)}});
  }
  json::object out{
      {"connection_id", r.connection ? json::value(*r.connection) : json::value(nullptr)},
      {"connection", r.connection_name},
      {"from", seconds(r.from)},
      {"to", seconds(r.to)},
      {"period", to_string(r.period)},
      {"time_zone", r.time_zone},
      {"first_day", r.first_day},
      {"last_day", r.last_day},
      {"oldest_event_at", r.oldest_event_at ? json::value(seconds(r.oldest_event_at)) : json::value(nullptr)},
      {"total", figures_json(r.total)},
      {"periods", std::move(periods)},
      {"load", std::move(load)},
      {"operators", std::move(operators)},
  };
  return json::serialize(out);
}

core::Result<std::string> to_csv(const AnalyticsReport& report, std::string_view table) {
  if (table == "periods") return periods_csv(report);
  if (table == "response_times") return response_times_csv(report);
  if (table == "buckets") return buckets_csv(report);
  if (table == "load") return load_csv(report);
  if (table == "operators") return operators_csv(report);
  return core::make_error(fmt::format("analytics: unknown table \"{}\"; the tables are {}", table,
                                      fmt::join(table_names(), ", ")));
}

std::string summary_text(std::string_view language, const AnalyticsReport& r) {
  const PeriodFigures& t = r.total;
  auto n = [](std::int64_t v) { return std::to_string(v); };
  std::string days =
      r.first_day == r.last_day ? r.first_day : fmt::format("{} – {}", r.first_day, r.last_day);
  std::string out =
      r.connection_name.empty()
          ? i18n::text(language, "analytics.title", {{"days", days}, {"zone", r.time_zone}})
          : i18n::text(language, "analytics.title_of",
                       {{"connection", r.connection_name}, {"days", days}, {"zone", r.time_zone}});
  out += "\n" + i18n::text(language, "analytics.dialogs",
                           {{"new", n(t.new_dialogs)},
                            {"closed", n(t.closed)},
                            {"reopened", n(t.reopened)},
                            {"unanswered", n(t.unanswered)}});
  out += "\n" + i18n::text(language, "analytics.messages",
                           {{"in", n(t.messages_in)},
                            {"out", n(t.messages_out)},
                            {"intercepted", n(t.messages_intercepted)}});
  out += "\n" + durations_line(language, "analytics.first_response", t.first_response);
  out += "\n" + durations_line(language, "analytics.reply", t.reply);
  out += "\n" + durations_line(language, "analytics.resolution", t.resolution);
  constexpr std::size_t kTopOperators = 5;
  std::string operators;
  for (std::size_t i = 0; i < r.operators.size() && i < kTopOperators; ++i) {
    const auto& o = r.operators[i];
    if (i > 0) operators += "; ";
    operators += i18n::text(
        language, "analytics.operator",
        {{"name", o.name.empty() ? std::to_string(o.id) : o.name},
         {"messages", counted(language, o.messages, "analytics.message_one", "analytics.messages_count")},
         {"dialogs",
          counted(language, o.dialogs_answered, "analytics.dialog_one", "analytics.dialogs_count")}});
  }
  if (!operators.empty()) out += "\n" + i18n::text(language, "analytics.operators", {{"list", operators}});
  return out;
}

}  // namespace topicdesk::analytics
