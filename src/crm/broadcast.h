// Broadcasts, the pure part (docs/broadcasts.md): what `/send` in General asks for (recipients,
// a time, or an action on a broadcast), lists of user ids, the time `at TIME` names in a zone,
// and the texts the desk posts in General (confirmation, progress). No store, no network.
//
// /send forms (in General, in reply to the message to send for the recipient forms):
//   /send test | all | list ID ID… | file | EXPRESSION [at TIME]   a new broadcast, waiting for
//   confirmation (EXPRESSION: a segment, crm/segment.h, e.g. `vip and last_message<30d`; `file`:
//   the caption of a document of user ids, posted in reply to the message to send)
//   /send template:NAME RECIPIENTS [at TIME]   the same with a saved template as the content (no reply)
//   /send add [#ID]   one more message (a chain) for a broadcast waiting for confirmation
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
#include "i18n/catalog.h"
#include "store/broadcast_store.h"
#include "store/template_store.h"

namespace topicdesk::crm {

// Bounds on what one broadcast may list: beyond them the request is refused, never cut.
inline constexpr std::size_t kMaxListedUsers = 100'000;
// The largest document of user ids the desk reads (100,000 ids of 10 digits and a separator fit).
inline constexpr std::int64_t kMaxIdsFileBytes = 2 * 1024 * 1024;
// The most messages one broadcast copies to each user (a chain, an album counting as its
// items); copyMessages takes at most 100.
inline constexpr std::size_t kMaxBroadcastMessages = 50;

enum class SendAction { kCreate, kAdd, kConfirm, kCancel, kPause, kResume, kStatus };

enum class RecipientsKind { kTest, kAll, kList, kSegment, kFile };

// A wall-clock time as written after `at`; date 0 means "the next HH:MM".
struct WallTime {
  int year = 0, month = 0, day = 0;
  int hour = 0, minute = 0;
};

struct SendRequest {
  SendAction action = SendAction::kCreate;
  std::int64_t broadcast_id = 0;  // actions: 0 means the newest broadcast the action fits
  RecipientsKind kind = RecipientsKind::kTest;
  std::vector<core::UserId> users;  // kList (and kFile once read), in the order given, without repeats
  std::string segment;              // kSegment: the expression as the segment writes it out
  std::optional<WallTime> at;
  std::string recipients;     // the recipients as written (kept on the broadcast)
  std::string template_name;  // `template:NAME` before the recipients: the content (checked as a name)
};

// Parses the arguments of /send; the error is the answer for the chat, in `language` (the
// operators' LANGUAGE), saying what is wrong and where (the word, the line).
core::Result<SendRequest> parse_send(std::string_view args,
                                     std::string_view language = i18n::kFallbackLanguage);

// User ids, one or more per line, separated by spaces, commas or semicolons. A line that is
// not ids fails with its line number; more than `max_users` ids fails as a whole.
core::Result<std::vector<core::UserId>> parse_user_ids(std::string_view text,
                                                       std::size_t max_users = kMaxListedUsers,
                                                       std::string_view language = i18n::kFallbackLanguage);

// The instant `at` names on the zone's wall clock; "HH:MM" is the next such time after `now`.
// An error when the time is not valid or (with a date) not in the future.
core::Result<core::UnixMillis> resolve_wall_time(const WallTime& at, const core::TimeZone& zone,
                                                 core::UnixMillis now,
                                                 std::string_view language = i18n::kFallbackLanguage);
// "2026-12-24 18:30 Europe/Berlin"
std::string format_wall_time(core::UnixMillis at, const core::TimeZone& zone);

// A document's bytes as the text of a file of user ids: UTF-8 text (a BOM and CRLF line ends are
// fine), else the error for the chat (in `language`).
core::Result<std::string_view> ids_file_text(std::string_view bytes,
                                             std::string_view language = i18n::kFallbackLanguage);

// The monthly quota (BROADCAST_MONTHLY_QUOTA): users broadcasts may reach in a calendar month
// on the zone's wall clock. A month starts on its first day at 00:00.
core::UnixMillis month_start(core::UnixMillis now, const core::TimeZone& zone);
core::UnixMillis next_month_start(core::UnixMillis now, const core::TimeZone& zone);
struct QuotaUse {
  std::int64_t quota = 0;   // 0: off
  std::int64_t used = 0;    // users reached this month (and claims in flight)
  std::int64_t needed = 0;  // users the broadcast still has to reach
  std::int64_t left() const { return quota > used ? quota - used : 0; }
};
// Whether a broadcast needing `use.needed` fits what is left; nullopt when it does or the quota is
// off. Else "over the monthly quota 10,000 users: 9,500 used this month, 500 left, this broadcast
// needs 1,200; it renews 2027-01-01 00:00 UTC (BROADCAST_MONTHLY_QUOTA)" (`renews` as
// format_wall_time writes it), rendered where it is read: General in LANGUAGE, the API in English.
std::optional<i18n::Message> quota_refusal(const QuotaUse& use, const std::string& renews);

// The texts in General, in the operators' `language` (LANGUAGE; catalogue broadcasts.toml).
std::string confirmation_text(std::string_view language, const store::Broadcast& b,
                              const store::BroadcastCounts& counts, const std::string& when);
std::string progress_text(std::string_view language, const store::Broadcast& b,
                          const store::BroadcastCounts& counts, double per_second);
// "📣 Broadcast #7 is paused; …": `what` says what happened (broadcasts.confirmed_at, …).
std::string state_changed_text(std::string_view language, const store::Broadcast& b, std::string_view what);
std::string usage_text(std::string_view language);
// Posted when a running broadcast reaches the monthly quota and pauses.
std::string quota_paused_text(std::string_view language, const store::Broadcast& b, const QuotaUse& use,
                              const std::string& renews);
// Posted in General when the Topics API or the dashboard (`by`) makes a broadcast and confirms
// it in the same call; api_made_by_text heads one it makes without confirming.
std::string api_broadcast_started_text(std::string_view language, const store::Broadcast& b,
                                       const store::BroadcastCounts& counts, const std::string& when,
                                       const std::string& by);
std::string api_made_by_text(std::string_view language, const std::string& by);
// Posted in General when a broadcast ends (with the CSV report when it can be attached).
std::string report_summary_text(std::string_view language, const store::Broadcast& b,
                                const store::BroadcastCounts& counts);

// A broadcast's state as operators read it ("running", "läuft").
std::string state_name(std::string_view language, store::BroadcastState state);
// Which actions a broadcast in `state` takes; nullopt: allowed, else why not (in `language`).
std::optional<std::string> action_refused(std::string_view language, SendAction action,
                                          store::BroadcastState state);
// The state an allowed action leads to (kConfirm: scheduled when it has a time, else running).
store::BroadcastState state_after(SendAction action, const store::Broadcast& b);

// Broadcasts of a template.
// Why the template cannot be a broadcast's content (nullopt: it can): no parts, or media on an
// account connection (the account cannot send the desk bot's file ids; docs/broadcasts.md).
std::optional<i18n::Message> template_broadcast_refused(const store::Template& t, bool account_connection);
// The error of the recipients a deleted template leaves out (the report and its summary say it),
// in the operators' `language`.
std::string template_gone_error(std::string_view language, std::string_view name);

// An instant written for the Topics API: ISO 8601 with a zone ("2026-12-24T18:30:00+01:00",
// "2026-12-24T17:30Z"; seconds and fractions optional, ' ' for 'T' allowed).
core::Result<core::UnixMillis> parse_iso_instant(std::string_view text);

}  // namespace topicdesk::crm
