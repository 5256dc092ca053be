// The CSV report of a broadcast (docs/broadcasts.md): one line per recipient with
// user_id, name, status, error, message_ids, sent_at. RFC 4180 quoting; a field that a
// spreadsheet would run as a formula (starting with = + - @) gets a leading apostrophe, since
// names are written by the users themselves. Pure.
#pragma once
#include <string>
#include <vector>

#include "core/ids.h"
#include "i18n/catalog.h"
#include "store/broadcast_store.h"

namespace topicdesk::crm {

struct ReportRow {
  core::UserId user_id = 0;
  std::string name;  // the user's name as the desk last saw it
  store::RecipientState state = store::RecipientState::kPending;
  std::string error;
  std::vector<core::MessageId> message_ids;
  core::UnixMillis sent_at = 0;
  int attempts = 0;  // 2: the first call was in flight at a restart
};

std::string report_csv_header();  // "user_id,name,status,error,message_ids,sent_at\r\n"
// The reasons are stored in the operators' language when they are recorded (General reads the
// report); the note on a send repeated after a restart is written in `language` here.
std::string report_csv_row(const ReportRow& row, std::string_view language = i18n::kFallbackLanguage);
// The row's error column: the error, or the note on a send repeated after a restart.
std::string report_error(const ReportRow& row, std::string_view language = i18n::kFallbackLanguage);
// One CSV field, quoted when needed.
std::string csv_field(std::string_view text);
// "2026-12-07T05:01:02Z"; empty for 0.
std::string iso_utc(core::UnixMillis at);
// The report's file name: "broadcast-<id>.csv".
std::string report_file_name(std::int64_t broadcast_id);

}  // namespace topicdesk::crm
