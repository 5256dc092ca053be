// A broadcast's report read from the store (docs/broadcasts.md): one row per recipient with the
// user's name as the desk shows it under HIDE_INFO (the pseudonym when names are hidden), page
// after page in user id order. What the CSV posted in General and the Topics API's
// broadcast_report are made of, so both say the same.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/parameters.h"
#include "crm/broadcast_report.h"
#include "store/store.h"

namespace topicdesk::crm {

struct ReportPage {
  std::vector<ReportRow> rows;
  std::vector<std::string> pseudonyms;  // each row's dialog pseudonym ("" when none)
  bool more = false;                    // rows after the last one
};

// Up to `limit` recipients of `broadcast` after user `after` (0: from the start), of `state` or
// all.
ReportPage report_page(store::Store& store, core::ConnectionId connection, core::HideInfo hide_info,
                       std::int64_t broadcast, std::optional<store::RecipientState> state, core::UserId after,
                       int limit);

// The whole CSV report, header first; the notes the report itself writes in `language`.
std::string report_csv(store::Store& store, core::ConnectionId connection, core::HideInfo hide_info,
                       std::int64_t broadcast, std::string_view language = i18n::kFallbackLanguage);

}  // namespace topicdesk::crm
