// Time zones for WORKING_HOURS: the UTC offset in force at an instant, and when it next
// changes. A zone is an IANA name read from the system's TZif files (/usr/share/zoneinfo,
// Debian's tzdata), a fixed offset ("UTC", "UTC+05:30"), or a POSIX TZ rule. Beyond a TZif
// file's last transition its footer rule ("CET-1CEST,M3.5.0,M10.5.0/3") gives future dates.
// Reading the zone file is the only I/O here, once, when a parameter is parsed; every
// question after that is a pure function of the loaded zone. Instants are Unix seconds.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/outcome.h"
#include "core/result.h"

namespace topicdesk::core {

// Where IANA zone files are read from unless a caller names another directory.
inline constexpr std::string_view kZoneInfoDir = "/usr/share/zoneinfo";

// A POSIX TZ rule (the TZ environment variable, and a TZif file's footer): a standard offset
// and, optionally, a daylight offset with the two yearly changes.
struct PosixRule {
  // A day of the year a change happens on, in one of POSIX's three forms.
  struct Day {
    enum class Kind { kJulian1, kJulian0, kMonthWeekDay } kind = Kind::kMonthWeekDay;
    int day = 0;                           // kJulian1: 1..365 (Feb 29 never counted); kJulian0: 0..365
    int month = 0, week = 0, weekday = 0;  // kMonthWeekDay: month 1..12, week 1..5 (5 = last), 0 = Sunday
    int time = 7200;                       // local seconds after midnight (may be negative or past 24 h)
  };
  int std_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  int dst_offset = 0;
  Day start, end;  // daylight time starts (in standard time) and ends (in daylight time)
};

// "CET-1CEST,M3.5.0,M10.5.0/3", "<+03>-3", "EST5EDT,M3.2.0,M11.1.0"; an error says what is wrong.
Result<PosixRule> parse_posix_rule(std::string_view text);

class TimeZone {
 public:
  // UTC itself.
  TimeZone();
  static TimeZone fixed(int offset_seconds, std::string name);
  // A TZif file's bytes (versions 1 to 4); `name` is how the zone is shown.
  static Result<TimeZone> from_tzif(std::string_view bytes, std::string name);

  const std::string& name() const { return data_->name; }
  // The offset east of UTC (seconds) in force at `utc` (Unix seconds).
  int offset_at(std::int64_t utc) const;
  // The first instant after `utc` at which the offset may change; nullopt when it never does.
  std::optional<std::int64_t> next_transition(std::int64_t utc) const;
  // The instant whose local time is `local` (Unix seconds as if the wall clock were UTC). A
  // wall time that happens twice (clocks go back) gives the first; one that never happens
  // (clocks go forward) gives the moment the clocks jumped over it.
  std::int64_t to_utc(std::int64_t local) const;

 private:
  struct Transition {
    std::int64_t at = 0;
    int offset = 0;  // in force from `at`
  };
  struct Data {
    std::string name;
    int initial_offset = 0;  // before the first transition
    std::vector<Transition> transitions;
    std::optional<PosixRule> rule;  // after the last transition
  };
  explicit TimeZone(std::shared_ptr<const Data> data) : data_(std::move(data)) {}
  std::shared_ptr<const Data> data_;
};

// "UTC", "GMT", "UTC+02:00", "UTC-05:30", "UTC+3" (fixed offsets) or an IANA name such as
// "Europe/Berlin", read from `zoneinfo_dir` (where "Etc/GMT+2" and "GMT+2" mean UTC-02:00, as
// in POSIX). Names are checked before any file is opened
// (letters, digits, '_', '-', '+', '/'; no "." or ".." parts), so a value cannot read outside
// the directory. Errors say what is wrong with the name, in English (error().message) and in any
// catalogue language (message_in); what is wrong inside a zone file (TZif, the POSIX rule) is
// quoted in English.
Outcome<TimeZone> load_time_zone(std::string_view name, std::string_view zoneinfo_dir = kZoneInfoDir);

// Calendar helpers on days since 1970-01-01 (proleptic Gregorian).
std::int64_t days_from_civil(int year, int month, int day);
struct CivilDate {
  int year = 1970, month = 1, day = 1;
};
CivilDate civil_from_days(std::int64_t days);
// Whether year-month-day is a day of the calendar (2026-02-30 is not).
bool is_civil_date(int year, int month, int day);
// 0 = Monday … 6 = Sunday.
int weekday_of(std::int64_t days);

}  // namespace topicdesk::core
