#include "crm/broadcast_report.h"

#include <cstdio>
#include <ctime>

#include "i18n/catalog.h"

namespace topicdesk::crm {

std::string csv_field(std::string_view text) {
  std::string value(text);
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@'))
    value.insert(value.begin(), '\'');
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string iso_utc(core::UnixMillis at) {
  if (at == 0) return "";
  std::time_t s = static_cast<std::time_t>(at / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string report_csv_header() { return "user_id,name,status,error,message_ids,sent_at\r\n"; }

std::string report_csv_row(const ReportRow& row, std::string_view language) {
  std::string ids;
  for (auto id : row.message_ids) {
    if (!ids.empty()) ids += ' ';
    ids += std::to_string(id);
  }
  return std::to_string(row.user_id) + "," + csv_field(row.name) + "," + store::to_string(row.state) + "," +
         csv_field(report_error(row, language)) + "," + ids + "," + iso_utc(row.sent_at) + "\r\n";
}

std::string report_error(const ReportRow& row, std::string_view language) {
  if (row.state == store::RecipientState::kSent && row.attempts > 1 && row.error.empty())
    return i18n::text(language, "broadcasts.sent_twice_maybe");
  return row.error;
}

std::string report_file_name(std::int64_t broadcast_id) {
  return "broadcast-" + std::to_string(broadcast_id) + ".csv";
}

}  // namespace topicdesk::crm
