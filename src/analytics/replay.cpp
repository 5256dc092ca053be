// The replay of the event log into an analytics report (replay.h).
#include "analytics/replay.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

namespace topicdesk::analytics {

namespace json = boost::json;
using core::UnixMillis;

namespace {

constexpr std::int64_t kSecondsPerDay = 86'400;
constexpr std::int64_t kMillisPerHour = 3'600'000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Seconds as if the zone's wall clock were UTC.
std::int64_t local_seconds(const core::TimeZone& zone, UnixMillis at) {
  std::int64_t s = floor_div(at, 1000);
  return s + zone.offset_at(s);
}

std::int64_t local_day(const core::TimeZone& zone, UnixMillis at) {
  return floor_div(local_seconds(zone, at), kSecondsPerDay);
}

UnixMillis start_of_day(const core::TimeZone& zone, std::int64_t day) {
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

struct Payload {
  core::UserId operator_id = 0;
  std::string by;
  std::string via;
  bool answers = false;
};

// What analytics reads of an event's payload; a payload that is not a JSON object reads empty.
Payload read_payload(const std::string& text) {
  Payload p;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return p;
  const auto& o = v.get_object();
  if (auto* id = o.if_contains("operator_id"); id && id->is_int64()) p.operator_id = id->get_int64();
  if (auto* by = o.if_contains("by"); by && by->is_string()) p.by = std::string(by->get_string());
  if (auto* via = o.if_contains("via"); via && via->is_string()) p.via = std::string(via->get_string());
  if (auto* answers = o.if_contains("answers"); answers && answers->is_bool())
    p.answers = answers->get_bool();
  return p;
}

// A message_sent event answers the user when an operator or the API wrote it.
bool sent_answers(const Payload& p) { return p.via == "api" || p.by.empty() || p.by == "operator"; }

std::size_t bucket_of(std::int64_t millis) {
  if (millis < 1 * kMillisPerHour) return 0;
  if (millis < 4 * kMillisPerHour) return 1;
  if (millis < 8 * kMillisPerHour) return 2;
  if (millis < 24 * kMillisPerHour) return 3;
  return 4;
}

void append(std::vector<std::int64_t>& to, const std::vector<std::int64_t>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

}  // namespace

Durations summarize(std::vector<std::int64_t> millis) {
  Durations d;
  d.count = static_cast<std::int64_t>(millis.size());
  if (millis.empty()) return d;
  std::sort(millis.begin(), millis.end());
  for (auto m : millis) ++d.buckets[bucket_of(m)];
  const std::size_t n = millis.size();
  // Nearest rank: the ceil(p * n)-th smallest sample.
  d.median_seconds = millis[(n + 1) / 2 - 1] / 1000;
  d.p90_seconds = millis[(9 * n + 9) / 10 - 1] / 1000;
  return d;
}

core::Result<ReportBuilder> ReportBuilder::start(const AnalyticsQuery& query, const core::TimeZone& zone) {
  if (query.to <= query.from)
    return core::make_error(
        fmt::format("analytics: the range is empty: to ({}) must be after from ({})", query.to, query.from));
  std::vector<UnixMillis> bounds{query.from};
  std::int64_t day = period_start_day(local_day(zone, query.from), query.period);
  for (;;) {
    day = next_period_day(day, query.period);
    UnixMillis at = start_of_day(zone, day);
    if (at >= query.to) break;
    if (at > bounds.back()) bounds.push_back(at);
    if (static_cast<int>(bounds.size()) > kMaxPeriods)
      return core::make_error(
          fmt::format("analytics: more than {} periods of a {} in the range: ask by a longer "
                      "period or a shorter range",
                      kMaxPeriods, to_string(query.period)));
  }
  bounds.push_back(query.to);
  return ReportBuilder(query, zone, std::move(bounds));
}

ReportBuilder::ReportBuilder(const AnalyticsQuery& query, core::TimeZone zone, std::vector<UnixMillis> bounds)
    : query_(query), zone_(std::move(zone)), bounds_(std::move(bounds)) {
  const std::size_t n = bounds_.size() - 1;
  periods_.resize(n);
  samples_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    periods_[i].from = bounds_[i];
    periods_[i].to = bounds_[i + 1];
    periods_[i].start = date_text(period_start_day(local_day(zone_, bounds_[i]), query_.period));
  }
  load_.resize(7 * 24);
  for (int i = 0; i < 7 * 24; ++i) {
    load_[i].weekday = i / 24;
    load_[i].hour = i % 24;
  }
}

std::optional<std::size_t> ReportBuilder::period_of(UnixMillis at) const {
  if (at < bounds_.front() || at >= bounds_.back()) return std::nullopt;
  auto it = std::upper_bound(bounds_.begin(), bounds_.end(), at);
  return static_cast<std::size_t>(it - bounds_.begin()) - 1;
}

void ReportBuilder::close_periods_before(UnixMillis at) {
  while (periods_closed_ < periods_.size() && bounds_[periods_closed_ + 1] <= at) {
    periods_[periods_closed_++].unanswered = waiting_;
  }
}

void ReportBuilder::start_wait(DialogState& d, UnixMillis at) {
  if (d.waiting_since) return;
  d.waiting_since = at;
  ++waiting_;
}

void ReportBuilder::end_wait(DialogState& d) {
  if (!d.waiting_since) return;
  d.waiting_since.reset();
  --waiting_;
}

void ReportBuilder::answer(core::DialogId id, DialogState& d, core::UserId by_operator, UnixMillis at) {
  auto p = period_of(at);
  OperatorSamples* op = (p && by_operator != 0) ? &operators_[by_operator] : nullptr;
  if (op) op->dialogs.insert(id);
  if (d.waiting_since) {
    std::int64_t waited = std::max<std::int64_t>(0, at - *d.waiting_since);
    if (p) samples_[*p].reply.push_back(waited);
    if (op) op->reply.push_back(waited);
    if (d.first_response_due) {
      if (p) samples_[*p].first_response.push_back(waited);
      if (op) op->first_response.push_back(waited);
      d.first_response_due = false;
    }
    end_wait(d);
  }
  d.open = true;  // an answer to a closed dialog reopened it (the engine logs that first)
}

void ReportBuilder::add(const store::StoredEvent& e) {
  if (e.created_at >= query_.to) return;
  if (oldest_event_at_ == 0 || e.created_at < oldest_event_at_) oldest_event_at_ = e.created_at;
  if (e.dialog_id == 0) return;
  close_periods_before(e.created_at);
  const UnixMillis at = e.created_at;
  const auto p = period_of(at);
  LoadCell* cell = nullptr;
  if (p) {
    std::int64_t local = local_seconds(zone_, at);
    int weekday = core::weekday_of(floor_div(local, kSecondsPerDay));
    int hour = static_cast<int>(floor_div(local, 3600) - floor_div(local, kSecondsPerDay) * 24);
    cell = &load_[static_cast<std::size_t>(weekday * 24 + hour)];
  }
  PeriodFigures* figures = p ? &periods_[*p] : nullptr;
  const bool known = dialogs_.contains(e.dialog_id);
  DialogState& d = dialogs_[e.dialog_id];

  if (e.type == "dialog_created" || e.type == "dialog_reopened") {
    if (figures) {
      if (e.type == "dialog_created") {
        ++figures->new_dialogs;
        ++cell->new_dialogs;
      } else {
        ++figures->reopened;
      }
    }
    if (!d.open || e.type == "dialog_created") {
      end_wait(d);
      d.open = true;
      d.episode_known = true;
      d.opened_at = at;
      d.first_response_due = true;
    }
  } else if (e.type == "dialog_closed") {
    if (figures) {
      ++figures->closed;
      if (d.open && d.episode_known)
        samples_[*p].resolution.push_back(std::max<std::int64_t>(0, at - d.opened_at));
    }
    end_wait(d);
    d.open = false;
    d.episode_known = false;
    d.first_response_due = false;
  } else if (e.type == "message_received") {
    if (figures) {
      ++figures->messages_in;
      ++cell->messages_in;
    }
    if (!known) d.open = true;  // its opening was purged; a closed dialog would have been reopened first
    if (d.open) start_wait(d, at);
  } else if (e.type == "message_sent") {
    Payload payload = read_payload(e.payload);
    if (figures) {
      ++figures->messages_out;
      ++cell->messages_out;
      if (payload.operator_id != 0) ++operators_[payload.operator_id].messages;
    }
    if (sent_answers(payload)) answer(e.dialog_id, d, payload.via == "api" ? 0 : payload.operator_id, at);
  } else if (e.type == "message_intercepted") {
    if (figures) ++figures->messages_intercepted;
    if (read_payload(e.payload).answers) answer(e.dialog_id, d, 0, at);
  }
}

AnalyticsReport ReportBuilder::finish() {
  close_periods_before(bounds_.back());
  AnalyticsReport report;
  report.connection = query_.connection;
  report.from = query_.from;
  report.to = query_.to;
  report.period = query_.period;
  report.time_zone = zone_.name();
  report.oldest_event_at = oldest_event_at_;
  report.first_day = date_text(local_day(zone_, query_.from));
  report.last_day = date_text(local_day(zone_, query_.to - 1));
  Samples all;
  report.total.start = periods_.front().start;
  report.total.from = query_.from;
  report.total.to = query_.to;
  for (std::size_t i = 0; i < periods_.size(); ++i) {
    PeriodFigures& f = periods_[i];
    f.first_response = summarize(samples_[i].first_response);
    f.reply = summarize(samples_[i].reply);
    f.resolution = summarize(samples_[i].resolution);
    append(all.first_response, samples_[i].first_response);
    append(all.reply, samples_[i].reply);
    append(all.resolution, samples_[i].resolution);
    report.total.new_dialogs += f.new_dialogs;
    report.total.closed += f.closed;
    report.total.reopened += f.reopened;
    report.total.messages_in += f.messages_in;
    report.total.messages_out += f.messages_out;
    report.total.messages_intercepted += f.messages_intercepted;
  }
  report.total.unanswered = periods_.back().unanswered;
  report.total.first_response = summarize(std::move(all.first_response));
  report.total.reply = summarize(std::move(all.reply));
  report.total.resolution = summarize(std::move(all.resolution));
  report.periods = std::move(periods_);
  report.load = std::move(load_);
  for (auto& [id, s] : operators_) {
    OperatorFigures o;
    o.id = id;
    o.messages = s.messages;
    o.dialogs_answered = static_cast<std::int64_t>(s.dialogs.size());
    o.first_response = summarize(std::move(s.first_response));
    o.reply = summarize(std::move(s.reply));
    report.operators.push_back(std::move(o));
  }
  std::stable_sort(
      report.operators.begin(), report.operators.end(),
      [](const OperatorFigures& a, const OperatorFigures& b) { return a.messages > b.messages; });
  return report;
}

}  // namespace topicdesk::analytics
