// The replay behind the report: events fed one at a time in id order build each dialog's state
// (open, waiting since, first response given) and the figures of the periods they fall in. Pure:
// no store, no clock; compute() (analytics.h) pages events from the store into it, and tests
// feed it a scripted history.
//
// Events before the query's `from` only build state (a wait that began yesterday and is answered
// today gives a reply time today); events at or after `to` are not fed. What each event means:
//   dialog_created     a new dialog, open: an episode starts
//   dialog_reopened    a closed dialog opens again: an episode starts (a user's reopen is
//                      followed by their message, which starts the wait)
//   dialog_closed      the episode ends: resolution time from its start; a wait ends unanswered
//   message_received   a user's message: starts a wait unless one is running (closed dialogs
//                      that stay closed, LEAVE_CLOSED, do not wait)
//   message_sent       the desk wrote to the user; an answer when an operator or the API wrote
//                      it (no `by`, by "operator", via "api"), never for WELCOME, away replies,
//                      labels' templates; an answer ends the wait: reply time, and the episode's
//                      first response when it is the first answered wait
//   message_intercepted the connection's own program or app wrote; an answer only when the
//                      desk counted it as one (INTERCEPTED_STATUS: payload "answers": true)
// Comments never reach the log, so they are never answers.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "analytics/report.h"
#include "core/result.h"
#include "core/time_zone.h"
#include "store/event_store.h"

namespace topicdesk::analytics {

class ReportBuilder {
 public:
  // Checks the query's range and period count against `zone`; an error names what is wrong.
  static core::Result<ReportBuilder> start(const AnalyticsQuery& query, const core::TimeZone& zone);

  // The next event in id order (created_at < the query's `to`).
  void add(const store::StoredEvent& event);
  // The report; operator names are left empty (compute() fills them from the store).
  AnalyticsReport finish();

 private:
  struct DialogState {
    bool open = false;
    bool episode_known = false;  // its start was seen (else no resolution or first response)
    core::UnixMillis opened_at = 0;
    std::optional<core::UnixMillis> waiting_since;
    bool first_response_due = false;
  };
  struct Samples {
    std::vector<std::int64_t> first_response, reply, resolution;  // milliseconds
  };
  struct OperatorSamples {
    std::int64_t messages = 0;
    std::set<core::DialogId> dialogs;
    std::vector<std::int64_t> first_response, reply;
  };

  ReportBuilder(const AnalyticsQuery& query, core::TimeZone zone, std::vector<core::UnixMillis> bounds);
  // The period `at` falls in; nullopt outside [from, to).
  std::optional<std::size_t> period_of(core::UnixMillis at) const;
  // Counts dialogs waiting at the ends of the periods that ended before `at`.
  void close_periods_before(core::UnixMillis at);
  void start_wait(DialogState& d, core::UnixMillis at);
  void end_wait(DialogState& d);
  void answer(core::DialogId id, DialogState& d, core::UserId by_operator, core::UnixMillis at);

  AnalyticsQuery query_;
  core::TimeZone zone_;
  std::vector<core::UnixMillis> bounds_;  // periods' starts (clipped) and the range's end
  std::vector<PeriodFigures> periods_;
  std::vector<Samples> samples_;
  std::vector<LoadCell> load_;
  std::map<core::UserId, OperatorSamples> operators_;
  std::unordered_map<core::DialogId, DialogState> dialogs_;
  std::int64_t waiting_ = 0;        // dialogs waiting now
  std::size_t periods_closed_ = 0;  // periods whose `unanswered` is set
  core::UnixMillis oldest_event_at_ = 0;
};

// Durations (milliseconds) as the report gives them: count, median, p90, buckets.
Durations summarize(std::vector<std::int64_t> millis);

}  // namespace topicdesk::analytics
