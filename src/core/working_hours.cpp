#include "core/working_hours.h"

#include <algorithm>

#include "core/utf8.h"
#include "i18n/catalog.h"

namespace topicdesk::core {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr int kMinutesPerDay = 1440;
constexpr std::size_t kMaxRangesPerDay = 12;
constexpr std::size_t kMaxHolidays = 1000;
constexpr int kFirstHolidayYear = 2000;
constexpr int kLastHolidayYear = 2200;
// Past the last holiday the week repeats: a change that has not come within this many days never comes.
constexpr std::int64_t kSearchDays = 16;
constexpr int kMaxWalkSteps = 100000;

constexpr std::array<std::string_view, 7> kDayNames = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
// The days as /hours shows them: catalogue keys (hours.mon: "Mon").
constexpr std::array<std::string_view, 7> kDayTitles = {"hours.mon", "hours.tue", "hours.wed", "hours.thu",
                                                        "hours.fri", "hours.sat", "hours.sun"};
constexpr std::string_view kDayList = "mon, tue, wed, thu, fri, sat, sun, daily";

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string without_spaces(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (!is_ascii_space(c)) out += c;
  }
  return out;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(separator, start);
    out.push_back(
        trim(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

std::string two_digits(int n) {
  return std::string(1, static_cast<char>('0' + n / 10)) + static_cast<char>('0' + n % 10);
}

std::string clock_text(int minutes) { return two_digits(minutes / 60) + ":" + two_digits(minutes % 60); }

// "HH:MM" (00:00..24:00) in minutes.
std::optional<int> parse_clock(std::string_view text) {
  if (text.size() != 5 || text[2] != ':' || !is_digit(text[0]) || !is_digit(text[1]) || !is_digit(text[3]) ||
      !is_digit(text[4]))
    return std::nullopt;
  int hours = (text[0] - '0') * 10 + (text[1] - '0');
  int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) return std::nullopt;
  return hours * 60 + minutes;
}

std::optional<int> day_index(std::string_view name) {
  for (std::size_t i = 0; i < kDayNames.size(); ++i) {
    if (kDayNames[i] == name) return static_cast<int>(i);
  }
  return std::nullopt;
}

i18n::Message not_weekday(const std::string& name) {
  return {"syntax.hours.not_weekday", {{"day", name}, {"days", std::string(kDayList)}}};
}

// What a failed inner step says, as a catalogue text (its English alone when it has none).
template <class T>
i18n::Message reason_of(const Outcome<T>& failed) {
  if (!failed.text().key.empty()) return failed.text();
  return {"syntax.as_written", {{"text", failed.error().message}}};
}

// "mon-fri,sun" → the weekdays it names; `fri-mon` wraps over the weekend.
Outcome<std::vector<int>> parse_days(const std::string& text) {
  std::vector<int> days;
  if (text == "daily") return std::vector<int>{0, 1, 2, 3, 4, 5, 6};
  for (const auto& item : split(text, ',')) {
    auto dash = item.find('-');
    std::string first = item.substr(0, dash);
    auto from = day_index(first);
    if (!from) return not_weekday(first);
    int to = *from;
    if (dash != std::string::npos) {
      std::string last = item.substr(dash + 1);
      auto end = day_index(last);
      if (!end) return not_weekday(last);
      to = *end;
    }
    for (int d = *from;; d = (d + 1) % 7) {
      days.push_back(d);
      if (d == to) break;
    }
  }
  return days;
}

Outcome<std::vector<TimeRange>> parse_ranges(const std::string& text) {
  std::vector<TimeRange> ranges;
  for (const auto& item : split(text, ',')) {
    auto dash = item.find('-');
    std::optional<int> start = parse_clock(item.substr(0, dash));
    std::optional<int> end = dash == std::string::npos ? std::nullopt : parse_clock(item.substr(dash + 1));
    if (!start || !end || *start == kMinutesPerDay)
      return i18n::Message{"syntax.hours.not_range", {{"range", item}}};
    if (*start == *end) return i18n::Message{"syntax.hours.empty_range", {{"range", item}}};
    ranges.push_back({*start, *end});
  }
  return ranges;
}

Outcome<std::int64_t> parse_date(const std::string& text) {
  const i18n::Message bad{"syntax.hours.not_date", {{"date", text}}};
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!is_digit(text[i])) return bad;
  }
  int year = std::stoi(text.substr(0, 4));
  int month = std::stoi(text.substr(5, 2));
  int day = std::stoi(text.substr(8, 2));
  if (month < 1 || month > 12 || day < 1) return bad;
  if (!is_civil_date(year, month, day))
    return i18n::Message{"syntax.hours.not_calendar_day", {{"date", text}}};
  std::int64_t days = days_from_civil(year, month, day);
  if (year < kFirstHolidayYear || year > kLastHolidayYear)
    return i18n::Message{"syntax.hours.date_out_of_range", {{"date", text}}};
  return days;
}

bool is_holiday(const WorkingHours& h, std::int64_t day) {
  return std::binary_search(h.holidays.begin(), h.holidays.end(), day);
}

struct Interval {
  std::int64_t from = 0;
  std::int64_t to = 0;
};

// Local-time intervals (seconds, as if the wall clock were UTC) of the ranges that start on
// the days first..last, sorted and merged.
std::vector<Interval> local_intervals(const WorkingHours& h, std::int64_t first, std::int64_t last) {
  std::vector<Interval> out;
  for (std::int64_t day = first; day <= last; ++day) {
    if (is_holiday(h, day)) continue;
    for (const auto& r : h.week[static_cast<std::size_t>(weekday_of(day))]) {
      int end = r.end > r.start ? r.end : r.end + kMinutesPerDay;
      out.push_back({day * kDay + r.start * 60, day * kDay + std::int64_t{end} * 60});
    }
  }
  std::sort(out.begin(), out.end(), [](const Interval& a, const Interval& b) { return a.from < b.from; });
  std::vector<Interval> merged;
  for (const auto& i : out) {
    if (!merged.empty() && i.from <= merged.back().to) {
      merged.back().to = std::max(merged.back().to, i.to);
    } else {
      merged.push_back(i);
    }
  }
  return merged;
}

bool local_open(const WorkingHours& h, std::int64_t local) {
  std::int64_t day = floor_div(local, kDay);
  for (const auto& i : local_intervals(h, day - 1, day)) {
    if (i.from <= local && local < i.to) return true;
  }
  return false;
}

std::int64_t search_last_day(const WorkingHours& h, std::int64_t day) {
  std::int64_t last = day + kSearchDays;
  if (!h.holidays.empty()) last = std::max(last, h.holidays.back() + kSearchDays);
  return last;
}

// The first local time after `local` at which local_open() changes, looking no further than the
// day after `until` (when given); nullopt: none found. Without `until` nullopt means never: the
// search runs past the last holiday, where the week repeats. The window grows as needed.
std::optional<std::int64_t> next_local_change(const WorkingHours& h, std::int64_t local,
                                              std::optional<std::int64_t> until) {
  const std::int64_t day = floor_div(local, kDay);
  std::int64_t last = search_last_day(h, day);
  if (until) last = std::min(last, floor_div(*until, kDay) + 1);
  for (std::int64_t span = kSearchDays;; span *= 2) {
    const std::int64_t window = std::min(last, day + span);
    for (const auto& i : local_intervals(h, day - 1, window)) {
      if (i.to <= local) continue;
      if (i.from > local) return i.from;
      // Open at `local`: an interval reaching the window's last day may run on beyond it.
      if (i.to <= window * kDay) return i.to;
      break;
    }
    if (window >= last) return std::nullopt;
  }
}

bool open_at_second(const WorkingHours& h, std::int64_t utc) {
  return local_open(h, utc + h.zone.offset_at(utc));
}

// The first second after `utc` at which open_at_second() changes. Between two changes of the
// zone's offset the wall clock runs with real time, so a local change is a real one; at an
// offset change the wall clock jumps and the state is looked at again.
std::optional<std::int64_t> next_change_second(const WorkingHours& h, std::int64_t utc) {
  const bool open = open_at_second(h, utc);
  const std::int64_t horizon = search_last_day(h, floor_div(utc, kDay)) * kDay + kDay;
  std::int64_t cur = utc;
  for (int step = 0; step < kMaxWalkSteps; ++step) {
    const int offset = h.zone.offset_at(cur);
    const auto transition = h.zone.next_transition(cur);
    std::optional<std::int64_t> until;
    if (transition) until = *transition + offset;
    if (auto local = next_local_change(h, cur + offset, until)) {
      std::int64_t at = *local - offset;
      if (!transition || at < *transition) return at;
    }
    if (!transition || *transition > horizon) return std::nullopt;
    if (open_at_second(h, *transition) != open) return *transition;
    cur = *transition;
  }
  return std::nullopt;
}

std::optional<UnixMillis> next_change(const WorkingHours& h, UnixMillis at) {
  auto second = next_change_second(h, floor_div(at, 1000));
  if (!second) return std::nullopt;
  return *second * 1000;
}

std::string ranges_text(std::string_view lang, const std::vector<TimeRange>& ranges) {
  if (ranges.empty()) return i18n::text(lang, "hours.closed_day");
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ", ";
    out += clock_text(r.start) + "–" + clock_text(r.end);
  }
  return out;
}

bool same_ranges(const std::vector<TimeRange>& a, const std::vector<TimeRange>& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](const TimeRange& x, const TimeRange& y) {
           return x.start == y.start && x.end == y.end;
         });
}

std::string date_text(std::int64_t day) {
  CivilDate d = civil_from_days(day);
  return std::to_string(d.year) + "-" + two_digits(d.month) + "-" + two_digits(d.day);
}

// `key` ("part 1 (the time zone): {reason}") around the reason `failed` gives.
template <class T>
Outcome<WorkingHours> in_part(std::string_view key, std::vector<std::pair<std::string, std::string>> args,
                              const Outcome<T>& failed) {
  return i18n::Message{std::string(key), std::move(args), {{"reason", reason_of(failed)}}};
}

}  // namespace

Outcome<WorkingHours> parse_working_hours(std::string_view text, std::string_view zoneinfo_dir) {
  WorkingHours hours;
  hours.text = trim(text);
  auto parts = split(hours.text, ';');
  auto zone = load_time_zone(parts.front(), zoneinfo_dir);
  if (!zone) return in_part("syntax.hours.zone_part", {}, zone);
  hours.zone = *zone;
  bool any_day = false;
  for (std::size_t n = 1; n < parts.size(); ++n) {
    const std::string& part = parts[n];
    // "part N \"…\": " and what is wrong with it.
    auto fail = [&](i18n::Message what) -> Outcome<WorkingHours> {
      return i18n::Message{
          "syntax.hours.part", {{"n", std::to_string(n + 1)}, {"part", part}}, {{"reason", std::move(what)}}};
    };
    std::string lower = lower_ascii(part);
    if (lower.empty()) return fail({"syntax.hours.empty_part", {}});
    if (lower.starts_with("holidays")) {
      std::string list = without_spaces(lower.substr(8));
      if (list.empty()) return fail({"syntax.hours.no_dates", {}});
      for (const auto& item : split(list, ',')) {
        auto day = parse_date(item);
        if (!day) return fail(reason_of(day));
        hours.holidays.push_back(*day);
      }
      if (hours.holidays.size() > kMaxHolidays) return fail({"syntax.hours.too_many_holidays", {}});
      continue;
    }
    auto digit = std::find_if(lower.begin(), lower.end(), is_digit);
    std::string days_text =
        without_spaces(std::string_view(lower).substr(0, static_cast<std::size_t>(digit - lower.begin())));
    std::string ranges_text_in =
        without_spaces(std::string_view(lower).substr(static_cast<std::size_t>(digit - lower.begin())));
    if (days_text.empty()) return fail({"syntax.hours.no_weekdays", {{"days", std::string(kDayList)}}});
    if (ranges_text_in.empty()) return fail({"syntax.hours.no_hours", {}});
    auto days = parse_days(days_text);
    if (!days) return fail(reason_of(days));
    auto ranges = parse_ranges(ranges_text_in);
    if (!ranges) return fail(reason_of(ranges));
    for (int d : *days) {
      auto& list = hours.week[static_cast<std::size_t>(d)];
      list.insert(list.end(), ranges->begin(), ranges->end());
      if (list.size() > kMaxRangesPerDay)
        return fail(
            {"syntax.hours.too_many_ranges", {{"day", std::string(kDayNames[static_cast<std::size_t>(d)])}}});
      std::sort(list.begin(), list.end(),
                [](const TimeRange& a, const TimeRange& b) { return a.start < b.start; });
    }
    any_day = true;
  }
  if (!any_day) return i18n::Message{"syntax.hours.no_opening", {}};
  std::sort(hours.holidays.begin(), hours.holidays.end());
  hours.holidays.erase(std::unique(hours.holidays.begin(), hours.holidays.end()), hours.holidays.end());
  return hours;
}

bool is_open(const WorkingHours& hours, UnixMillis at) { return open_at_second(hours, floor_div(at, 1000)); }

std::optional<UnixMillis> next_opening(const WorkingHours& hours, UnixMillis at) {
  auto change = next_change(hours, at);
  if (!change || !is_open(hours, at)) return change;
  return next_change(hours, *change);
}

std::optional<UnixMillis> next_closing(const WorkingHours& hours, UnixMillis at) {
  auto change = next_change(hours, at);
  if (!change || is_open(hours, at)) return change;
  return next_change(hours, *change);
}

UnixMillis working_ms_between(const WorkingHours& hours, UnixMillis from, UnixMillis to) {
  UnixMillis total = 0;
  UnixMillis t = from;
  while (t < to) {
    auto change = next_change(hours, t);
    UnixMillis end = change ? std::min(to, *change) : to;
    if (is_open(hours, t)) total += end - t;
    t = end;
  }
  return total;
}

std::int64_t local_day(const WorkingHours& hours, UnixMillis at) {
  std::int64_t second = floor_div(at, 1000);
  return floor_div(second + hours.zone.offset_at(second), kDay);
}

std::string format_local_time(std::string_view lang, const WorkingHours& hours, UnixMillis at,
                              UnixMillis now) {
  std::int64_t second = floor_div(at, 1000);
  std::int64_t local = second + hours.zone.offset_at(second);
  std::int64_t day = floor_div(local, kDay);
  auto minutes = static_cast<int>((local - day * kDay) / 60);
  std::string out = i18n::text(lang, kDayTitles[static_cast<std::size_t>(weekday_of(day))]);
  if (day - local_day(hours, now) >= 7) out += " " + date_text(day);
  return out + " " + clock_text(minutes);
}

std::string describe_working_hours(std::string_view lang, const WorkingHours& hours, UnixMillis now) {
  std::string out = i18n::text(lang, "hours.title", {{"zone", hours.zone.name()}}) + "\n";
  for (std::size_t d = 0; d < 7;) {
    std::size_t last = d;
    while (last + 1 < 7 && same_ranges(hours.week[last + 1], hours.week[d])) ++last;
    std::string days = i18n::text(lang, kDayTitles[d]);
    if (last > d) days += "–" + i18n::text(lang, kDayTitles[last]);
    out += days + " " + ranges_text(lang, hours.week[d]) + "\n";
    d = last + 1;
  }
  std::int64_t today = local_day(hours, now);
  std::string coming;
  for (std::int64_t day : hours.holidays) {
    if (day >= today) coming += (coming.empty() ? "" : ", ") + date_text(day);
  }
  if (!coming.empty()) out += i18n::text(lang, "hours.holidays", {{"dates", coming}}) + "\n";
  if (is_open(hours, now)) {
    auto closing = next_closing(hours, now);
    out += closing ? i18n::text(lang, "hours.open_closes",
                                {{"time", format_local_time(lang, hours, *closing, now)}})
                   : i18n::text(lang, "hours.open_now");
  } else {
    auto opening = next_opening(hours, now);
    out += opening ? i18n::text(lang, "hours.closed_opens",
                                {{"time", format_local_time(lang, hours, *opening, now)}})
                   : i18n::text(lang, "hours.closed_no_opening");
  }
  return out;
}

}  // namespace topicdesk::core
