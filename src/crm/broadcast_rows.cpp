#include "crm/broadcast_rows.h"

#include "core/presentation.h"

namespace topicdesk::crm {

ReportPage report_page(store::Store& store, core::ConnectionId connection, core::HideInfo hide_info,
                       std::int64_t broadcast, std::optional<store::RecipientState> state, core::UserId after,
                       int limit) {
  ReportPage page;
  auto recipients = store.broadcast_recipients(broadcast, state, after, limit + 1);
  page.more = static_cast<int>(recipients.size()) > limit;
  if (page.more) recipients.resize(static_cast<std::size_t>(limit));
  for (const auto& r : recipients) {
    auto person = store.user(connection, r.user_id).value_or(core::Person{.id = r.user_id});
    auto dialog = store.dialog_by_user(connection, r.user_id);
    std::string pseudonym = dialog ? dialog->pseudonym : std::string();
    core::UserView view{person, pseudonym, hide_info, {}};
    page.rows.push_back(ReportRow{.user_id = r.user_id,
                                  .name = core::display_name(view),
                                  .state = r.state,
                                  .error = r.error,
                                  .message_ids = r.message_ids,
                                  .sent_at = r.sent_at,
                                  .attempts = r.attempts});
    page.pseudonyms.push_back(std::move(pseudonym));
  }
  return page;
}

std::string report_csv(store::Store& store, core::ConnectionId connection, core::HideInfo hide_info,
                       std::int64_t broadcast, std::string_view language) {
  constexpr int kPage = 1000;
  std::string csv = report_csv_header();
  core::UserId after = 0;
  for (;;) {
    auto page = report_page(store, connection, hide_info, broadcast, std::nullopt, after, kPage);
    for (const auto& row : page.rows) csv += report_csv_row(row, language);
    if (!page.more) break;
    after = page.rows.back().user_id;
  }
  return csv;
}

}  // namespace topicdesk::crm
