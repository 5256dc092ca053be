// Broadcasts, the pure part (docs/broadcasts.md): what `/send` in General asks for (recipients,
// a time, or an action on a broadcast), lists of user ids, the time `at TIME` names in a zone,
// and the texts the desk posts in General (confirmation, progress). No store, no network.
//
// /send forms (in General, in reply to the message to send for the recipient forms):
//   /send test | all | list ID ID… | EXPRESSION [at TIME]   a new broadcast, waiting for confirmation
//   /send template:NAME RECIPIENTS [at TIME]   the same with a saved template as the content (no reply)
//   (EXPRESSION: a segment, crm/segment.h, e.g. `vip and last_message<30d`)
//   /send confirm|cancel|pause|resume|status [#ID]   an action on a broadcast (default: the newest)
// TIME is "HH:MM" (the next such time) or "YYYY-MM-DD HH:MM", on the zone's wall clock.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "core/time_zone.h"
#include "store/broadcast_store.h"
#include "store/template_store.h"

namespace topicdesk::crm {

// Bounds on what one broadcast may list: beyond them the request is refused, never cut.
inline constexpr std::size_t kMaxListedUsers = 100'000;

enum class SendAction { kCreate, kConfirm, kCancel, kPause, kResume, kStatus };

enum class RecipientsKind { kTest, kAll, kList, kSegment };

// A wall-clock time as written after `at`; date 0 means "the next HH:MM".
struct WallTime {
  int year = 0, month = 0, day = 0;
  int hour = 0, minute = 0;
};

struct SendRequest {
  SendAction action = SendAction::kCreate;
  std::int64_t broadcast_id = 0;  // actions: 0 means the newest broadcast the action fits
  RecipientsKind kind = RecipientsKind::kTest;
  std::vector<core::UserId> users;  // kList, in the order given, without repeats
  std::string segment;              // kSegment: the expression as the segment writes it out
  std::optional<WallTime> at;
  std::string recipients;     // the recipients as written (kept on the broadcast)
  std::string template_name;  // `template:NAME` before the recipients: the content (checked as a name)
};

// Parses the arguments of /send; the error is the answer for the chat.
core::Result<SendRequest> parse_send(std::string_view args);

// User ids, one or more per line, separated by spaces, commas or semicolons. A line that is
// not ids fails with its line number; more than `max_users` ids fails as a whole.
core::Result<std::vector<core::UserId>> parse_user_ids(std::string_view text,
                                                       std::size_t max_users = kMaxListedUsers);

// The instant `at` names on the zone's wall clock; "HH:MM" is the next such time after `now`.
// An error when the time is not valid or (with a date) not in the future.
core::Result<core::UnixMillis> resolve_wall_time(const WallTime& at, const core::TimeZone& zone,
                                                 core::UnixMillis now);
// "2026-12-24 18:30 Europe/Berlin"
std::string format_wall_time(core::UnixMillis at, const core::TimeZone& zone);

// The texts in General.
std::string confirmation_text(const store::Broadcast& b, const store::BroadcastCounts& counts,
                              const std::string& when);
std::string progress_text(const store::Broadcast& b, const store::BroadcastCounts& counts, double per_second);
std::string state_changed_text(const store::Broadcast& b, std::string_view what);
std::string usage_text();
// Posted in General when the Topics API makes a broadcast and confirms it in the same call.
std::string api_broadcast_started_text(const store::Broadcast& b, const store::BroadcastCounts& counts,
                                       const std::string& when);
// Posted in General when a broadcast ends (with the CSV report when it can be attached).
std::string report_summary_text(const store::Broadcast& b, const store::BroadcastCounts& counts);

// Which actions a broadcast in `state` takes; nullopt: allowed, else why not (for the chat).
std::optional<std::string> action_refused(SendAction action, store::BroadcastState state);
// The state an allowed action leads to (kConfirm: scheduled when it has a time, else running).
store::BroadcastState state_after(SendAction action, const store::Broadcast& b);

// Broadcasts of a template.
// Why the template cannot be a broadcast's content (nullopt: it can): no parts, or media on an
// account connection (the account cannot send the desk bot's file ids; docs/broadcasts.md).
std::optional<std::string> template_broadcast_refused(const store::Template& t, bool account_connection);
// The error of the recipients a deleted template leaves out (the report and its summary say it).
std::string template_gone_error(std::string_view name);

// An instant written for the Topics API: ISO 8601 with a zone ("2026-12-24T18:30:00+01:00",
// "2026-12-24T17:30Z"; seconds and fractions optional, ' ' for 'T' allowed).
core::Result<core::UnixMillis> parse_iso_instant(std::string_view text);

}  // namespace topicdesk::crm
