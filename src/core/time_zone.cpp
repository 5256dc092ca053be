#include "core/time_zone.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/utf8.h"
#include "i18n/catalog.h"

namespace topicdesk::core {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr int kHour = 3600;
constexpr int kMaxFixedOffset = 14 * kHour;
constexpr std::size_t kMaxZoneFile = 1 << 20;
constexpr std::size_t kMaxZoneName = 100;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// ---- POSIX TZ rules ----------------------------------------------------------------------

class RuleReader {
 public:
  explicit RuleReader(std::string_view text) : text_(text) {}
  bool done() const { return pos_ == text_.size(); }
  bool peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool take(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }
  bool starts_name() const { return pos_ < text_.size() && (text_[pos_] == '<' || is_alpha(text_[pos_])); }

  Result<std::string> name() {
    std::size_t start = pos_;
    if (take('<')) {
      while (pos_ < text_.size() && text_[pos_] != '>') ++pos_;
      if (!take('>')) return make_error("a <quoted> zone abbreviation is not closed");
      if (pos_ - start < 5) return make_error("a zone abbreviation has fewer than 3 characters");
      return std::string(text_.substr(start, pos_ - start));
    }
    while (pos_ < text_.size() && is_alpha(text_[pos_])) ++pos_;
    if (pos_ - start < 3) return make_error("a zone abbreviation has fewer than 3 letters");
    return std::string(text_.substr(start, pos_ - start));
  }

  // [+-]h[hh][:mm[:ss]] in seconds; `max_hours` bounds the hours.
  Result<int> duration(int max_hours) {
    int sign = 1;
    if (take('-')) {
      sign = -1;
    } else {
      take('+');
    }
    auto hours = number(3);
    if (!hours || *hours > max_hours) return make_error("an offset or time is not [+-]hh[:mm[:ss]]");
    int seconds = *hours * kHour;
    if (take(':')) {
      auto minutes = number(2);
      if (!minutes || *minutes > 59) return make_error("minutes are not 00..59");
      seconds += *minutes * 60;
      if (take(':')) {
        auto secs = number(2);
        if (!secs || *secs > 59) return make_error("seconds are not 00..59");
        seconds += *secs;
      }
    }
    return sign * seconds;
  }

  Result<PosixRule::Day> day() {
    PosixRule::Day d;
    if (take('M')) {
      auto month = number(2);
      if (!month || *month < 1 || *month > 12 || !take('.'))
        return make_error("Mm.w.d: the month is not 1..12");
      auto week = number(1);
      if (!week || *week < 1 || *week > 5 || !take('.')) return make_error("Mm.w.d: the week is not 1..5");
      auto weekday = number(1);
      if (!weekday || *weekday > 6) return make_error("Mm.w.d: the weekday is not 0..6");
      d.kind = PosixRule::Day::Kind::kMonthWeekDay;
      d.month = *month;
      d.week = *week;
      d.weekday = *weekday;
    } else if (take('J')) {
      auto n = number(3);
      if (!n || *n < 1 || *n > 365) return make_error("Jn: the day is not 1..365");
      d.kind = PosixRule::Day::Kind::kJulian1;
      d.day = *n;
    } else {
      auto n = number(3);
      if (!n || *n > 365) return make_error("a day of the year is not 0..365");
      d.kind = PosixRule::Day::Kind::kJulian0;
      d.day = *n;
    }
    if (take('/')) {
      auto time = duration(167);
      if (!time) return time.error();
      d.time = *time;
    }
    return d;
  }

 private:
  std::optional<int> number(std::size_t max_digits) {
    std::size_t start = pos_;
    int value = 0;
    while (pos_ < text_.size() && is_digit(text_[pos_]) && pos_ - start < max_digits) {
      value = value * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    if (pos_ == start) return std::nullopt;
    return value;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// The local day (days since 1970) a rule's change falls on in `year`.
std::int64_t rule_day(const PosixRule::Day& d, int year) {
  std::int64_t jan1 = days_from_civil(year, 1, 1);
  switch (d.kind) {
    case PosixRule::Day::Kind::kJulian1:
      return jan1 + d.day - 1 + (is_leap(year) && d.day >= 60 ? 1 : 0);
    case PosixRule::Day::Kind::kJulian0:
      return jan1 + d.day;
    case PosixRule::Day::Kind::kMonthWeekDay: {
      std::int64_t first = days_from_civil(year, d.month, 1);
      int first_weekday = static_cast<int>((weekday_of(first) + 1) % 7);  // 0 = Sunday
      int day = 1 + (d.weekday - first_weekday + 7) % 7 + (d.week - 1) * 7;
      while (day > days_in_month(year, d.month)) day -= 7;
      return first + day - 1;
    }
  }
  return jan1;
}

struct RuleChange {
  std::int64_t at = 0;
  int offset = 0;
};

// The changes of years year-1 .. year+1, in time order.
std::vector<RuleChange> rule_changes(const PosixRule& rule, int year) {
  std::vector<RuleChange> out;
  for (int y = year - 1; y <= year + 1; ++y) {
    out.push_back({rule_day(rule.start, y) * kDay + rule.start.time - rule.std_offset, rule.dst_offset});
    out.push_back({rule_day(rule.end, y) * kDay + rule.end.time - rule.dst_offset, rule.std_offset});
  }
  std::sort(out.begin(), out.end(), [](const RuleChange& a, const RuleChange& b) { return a.at < b.at; });
  return out;
}

int year_of(std::int64_t seconds) { return civil_from_days(floor_div(seconds, kDay)).year; }

int rule_offset_at(const PosixRule& rule, std::int64_t utc) {
  if (!rule.has_dst) return rule.std_offset;
  auto changes = rule_changes(rule, year_of(utc + rule.std_offset));
  int offset = changes.front().offset == rule.std_offset ? rule.dst_offset : rule.std_offset;
  for (const auto& change : changes) {
    if (change.at > utc) break;
    offset = change.offset;
  }
  return offset;
}

std::optional<std::int64_t> rule_next_change(const PosixRule& rule, std::int64_t utc) {
  if (!rule.has_dst) return std::nullopt;
  for (const auto& change : rule_changes(rule, year_of(utc + rule.std_offset))) {
    if (change.at > utc) return change.at;
  }
  return std::nullopt;
}

// ---- TZif ----------------------------------------------------------------------------------

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  bool has(std::size_t n) const { return bytes_.size() - pos_ >= n; }
  void skip(std::size_t n) { pos_ += n; }
  std::size_t pos() const { return pos_; }
  std::uint8_t u8() { return static_cast<std::uint8_t>(bytes_[pos_++]); }
  std::int64_t be(std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | u8();
    if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
  }
  std::string_view rest() const { return bytes_.substr(pos_); }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

struct TzifHeader {
  char version = 0;
  std::int64_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
  std::size_t block_size(std::size_t time_size) const {
    return static_cast<std::size_t>(timecnt) * time_size + static_cast<std::size_t>(timecnt) +
           static_cast<std::size_t>(typecnt) * 6 + static_cast<std::size_t>(charcnt) +
           static_cast<std::size_t>(leapcnt) * (time_size + 4) + static_cast<std::size_t>(isstdcnt) +
           static_cast<std::size_t>(isutcnt);
  }
};

std::optional<TzifHeader> read_header(ByteReader& in) {
  if (!in.has(44) || in.rest().substr(0, 4) != "TZif") return std::nullopt;
  in.skip(4);
  TzifHeader h;
  h.version = static_cast<char>(in.u8());
  in.skip(15);
  h.isutcnt = in.be(4);
  h.isstdcnt = in.be(4);
  h.leapcnt = in.be(4);
  h.timecnt = in.be(4);
  h.typecnt = in.be(4);
  h.charcnt = in.be(4);
  constexpr std::int64_t kLimit = 1 << 20;
  for (auto count : {h.isutcnt, h.isstdcnt, h.leapcnt, h.timecnt, h.typecnt, h.charcnt}) {
    if (count < 0 || count > kLimit) return std::nullopt;
  }
  if (h.typecnt == 0) return std::nullopt;
  return h;
}

std::string two_digits(int n) {
  return std::string(1, static_cast<char>('0' + n / 10)) + static_cast<char>('0' + n % 10);
}

std::string offset_name(int offset) {
  if (offset == 0) return "UTC";
  int a = offset < 0 ? -offset : offset;
  return std::string("UTC") + (offset < 0 ? "-" : "+") + two_digits(a / kHour) + ":" +
         two_digits(a % kHour / 60);
}

// "UTC", "GMT", "UTC+2", "UTC+02", "UTC+0200", "UTC+02:00" (any case); nullopt: not of this form.
std::optional<Outcome<int>> fixed_offset(std::string_view name) {
  std::string lower = lower_ascii(name);
  if (lower == "utc" || lower == "gmt") return Outcome<int>(0);
  // "GMT+2" is left to the zone files, where (as in POSIX) it means UTC-02:00.
  if (!lower.starts_with("utc")) return std::nullopt;
  std::string_view rest = std::string_view(lower).substr(3);
  if (rest[0] != '+' && rest[0] != '-') return std::nullopt;
  const int sign = rest[0] == '-' ? -1 : 1;
  rest.remove_prefix(1);
  std::string digits;
  for (char c : rest) {
    if (c != ':') digits += c;
  }
  const bool colon_ok = rest.find(':') == std::string_view::npos || (rest.size() == 5 && rest[2] == ':');
  const bool all_digits = !digits.empty() && std::all_of(digits.begin(), digits.end(), is_digit);
  const i18n::Message bad{"syntax.zone.not_offset", {{"zone", std::string(name)}}};
  if (!all_digits || !colon_ok || (digits.size() != 1 && digits.size() != 2 && digits.size() != 4))
    return Outcome<int>(bad);
  int hours = std::stoi(digits.substr(0, digits.size() == 4 ? 2 : digits.size()));
  int minutes = digits.size() == 4 ? std::stoi(digits.substr(2)) : 0;
  if (minutes > 59) return Outcome<int>(bad);
  int offset = sign * (hours * kHour + minutes * 60);
  if (offset > kMaxFixedOffset || offset < -kMaxFixedOffset)
    return Outcome<int>(i18n::Message{"syntax.zone.offset_beyond", {{"zone", std::string(name)}}});
  return Outcome<int>(offset);
}

bool valid_zone_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxZoneName || !is_alpha(name.front())) return false;
  bool after_slash = false;
  for (char c : name) {
    bool ok = is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '+' || c == '/';
    if (!ok) return false;
    if (c == '/' && after_slash) return false;  // "a//b"
    after_slash = c == '/';
  }
  return !after_slash;
}

}  // namespace

Result<PosixRule> parse_posix_rule(std::string_view text) {
  auto fail = [&](const std::string& what) {
    return make_error("the time zone rule \"" + std::string(text) + "\" is not valid: " + what);
  };
  RuleReader in(text);
  PosixRule rule;
  if (auto std_name = in.name(); !std_name) return fail(std_name.error().message);
  auto std_offset = in.duration(24);
  if (!std_offset) return fail(std_offset.error().message);
  rule.std_offset = -*std_offset;  // POSIX counts hours west of Greenwich
  if (in.done()) return rule;
  if (!in.starts_name()) return fail("unexpected text after the standard offset");
  if (auto dst_name = in.name(); !dst_name) return fail(dst_name.error().message);
  rule.has_dst = true;
  rule.dst_offset = rule.std_offset + kHour;
  if (!in.done() && !in.peek(',')) {
    auto dst_offset = in.duration(24);
    if (!dst_offset) return fail(dst_offset.error().message);
    rule.dst_offset = -*dst_offset;
  }
  if (in.done()) {  // POSIX's default: the US rule
    rule.start = {PosixRule::Day::Kind::kMonthWeekDay, 0, 3, 2, 0, 7200};
    rule.end = {PosixRule::Day::Kind::kMonthWeekDay, 0, 11, 1, 0, 7200};
    return rule;
  }
  if (!in.take(',')) return fail("expected ',' before the start of daylight time");
  auto start = in.day();
  if (!start) return fail(start.error().message);
  if (!in.take(',')) return fail("expected ',' before the end of daylight time");
  auto end = in.day();
  if (!end) return fail(end.error().message);
  if (!in.done()) return fail("unexpected text after the end of daylight time");
  rule.start = *start;
  rule.end = *end;
  return rule;
}

std::int64_t days_from_civil(int year, int month, int day) {
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<int>(days - era * 146097);
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  const int day = doy - (153 * mp + 2) / 5 + 1;
  const int month = mp < 10 ? mp + 3 : mp - 9;
  const auto year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  return {year, month, day};
}

bool is_civil_date(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  CivilDate back = civil_from_days(days_from_civil(year, month, day));
  return back.year == year && back.month == month && back.day == day;
}

int weekday_of(std::int64_t days) {
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  return static_cast<int>(((days % 7) + 7 + 3) % 7);
}

TimeZone::TimeZone() : data_(std::make_shared<const Data>(Data{"UTC", 0, {}, std::nullopt})) {}

TimeZone TimeZone::fixed(int offset_seconds, std::string name) {
  return TimeZone(std::make_shared<const Data>(Data{std::move(name), offset_seconds, {}, std::nullopt}));
}

Result<TimeZone> TimeZone::from_tzif(std::string_view bytes, std::string name) {
  Error bad = make_error("the time zone file of \"" + name + "\" is not a valid TZif file");
  ByteReader in(bytes);
  auto h = read_header(in);
  if (!h) return bad;
  std::size_t time_size = 4;
  if (h->version >= '2') {  // skip the 32-bit block: the 64-bit one follows
    if (!in.has(h->block_size(4))) return bad;
    in.skip(h->block_size(4));
    h = read_header(in);
    if (!h) return bad;
    time_size = 8;
  }
  if (!in.has(h->block_size(time_size))) return bad;
  std::vector<std::int64_t> times;
  for (std::int64_t i = 0; i < h->timecnt; ++i) times.push_back(in.be(time_size));
  std::vector<std::uint8_t> indices;
  for (std::int64_t i = 0; i < h->timecnt; ++i) indices.push_back(in.u8());
  std::vector<int> offsets;
  for (std::int64_t i = 0; i < h->typecnt; ++i) {
    offsets.push_back(static_cast<int>(in.be(4)));
    in.skip(2);  // isdst, abbreviation index
  }
  in.skip(static_cast<std::size_t>(h->charcnt) + static_cast<std::size_t>(h->leapcnt) * (time_size + 4) +
          static_cast<std::size_t>(h->isstdcnt) + static_cast<std::size_t>(h->isutcnt));
  Data data{std::move(name), offsets.front(), {}, std::nullopt};
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (indices[i] >= offsets.size()) return bad;
    if (i > 0 && times[i] <= times[i - 1]) return bad;
    data.transitions.push_back({times[i], offsets[indices[i]]});
  }
  if (time_size == 8) {
    std::string_view footer = in.rest();
    if (!footer.empty() && footer.front() == '\n') {
      footer.remove_prefix(1);
      std::size_t end = footer.find('\n');
      if (end == std::string_view::npos) return bad;
      if (end > 0) {
        auto rule = parse_posix_rule(footer.substr(0, end));
        if (!rule) return make_error("the time zone file of \"" + data.name + "\": " + rule.error().message);
        data.rule = *rule;
      }
    }
  }
  return TimeZone(std::make_shared<const Data>(std::move(data)));
}

int TimeZone::offset_at(std::int64_t utc) const {
  const auto& t = data_->transitions;
  if ((t.empty() || utc >= t.back().at) && data_->rule) return rule_offset_at(*data_->rule, utc);
  auto after = std::upper_bound(t.begin(), t.end(), utc,
                                [](std::int64_t at, const Transition& tr) { return at < tr.at; });
  if (after == t.begin()) return data_->initial_offset;
  return std::prev(after)->offset;
}

std::optional<std::int64_t> TimeZone::next_transition(std::int64_t utc) const {
  const auto& t = data_->transitions;
  auto after = std::upper_bound(t.begin(), t.end(), utc,
                                [](std::int64_t at, const Transition& tr) { return at < tr.at; });
  if (after != t.end()) return after->at;
  if (data_->rule) return rule_next_change(*data_->rule, utc);
  return std::nullopt;
}

std::int64_t TimeZone::to_utc(std::int64_t local) const {
  const int before = offset_at(local - kDay);
  const int after = offset_at(local + kDay);
  std::optional<std::int64_t> best;
  for (int offset : {before, after}) {
    std::int64_t u = local - offset;
    if (offset_at(u) == offset && (!best || u < *best)) best = u;
  }
  if (best) return *best;
  // The clocks jumped over `local`: the first instant whose wall time is past it.
  std::int64_t lo = local - std::max(before, after);
  std::int64_t hi = local - std::min(before, after);
  while (lo < hi) {
    std::int64_t mid = lo + (hi - lo) / 2;
    if (mid + offset_at(mid) >= local) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

Outcome<TimeZone> load_time_zone(std::string_view name, std::string_view zoneinfo_dir) {
  std::string trimmed = trim(name);
  if (auto offset = fixed_offset(trimmed)) {
    if (!*offset) return offset->failure<TimeZone>();
    return TimeZone::fixed(**offset, offset_name(**offset));
  }
  if (!valid_zone_name(trimmed)) {
    return i18n::Message{"syntax.zone.not_name", {{"zone", trimmed}}};
  }
  std::filesystem::path path = std::filesystem::path(std::string(zoneinfo_dir)) / trimmed;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || std::filesystem::file_size(path, ec) > kMaxZoneFile) {
    return i18n::Message{"syntax.zone.unknown",
                         {{"zone", trimmed}, {"directory", std::string(zoneinfo_dir)}}};
  }
  std::ifstream file(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!file.good() && !file.eof()) return i18n::Message{"syntax.zone.unreadable", {{"path", path.string()}}};
  auto zone = TimeZone::from_tzif(bytes, trimmed);
  // What is wrong inside the file stays in English (it is for whoever installed the zone files).
  if (!zone)
    return i18n::Message{"syntax.zone.not_zone", {{"zone", trimmed}, {"reason", zone.error().message}}};
  return zone;
}

}  // namespace topicdesk::core
