// The clients CSV: one row per dialog's user, read in one pass per connection with what
// segments already gather (crm/segment_members.h: profiles, labels, fields, /start parameters),
// plus the linked account and how many connections know the user.
#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <unordered_map>

#include "crm/broadcast_report.h"
#include "crm/segment.h"
#include "crm/segment_members.h"
#include "exports/exports.h"
#include "exports/hidden.h"
#include "payments/invoice.h"

namespace topicdesk::exports {
namespace {

core::UnixMillis system_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string joined_labels(const std::vector<std::string>& labels) {
  std::string out;
  for (const auto& label : labels) {
    if (!out.empty()) out += ' ';
    out += label;
  }
  return out;
}

std::string fields_json(const std::vector<std::pair<std::string, std::string>>& fields) {
  if (fields.empty()) return {};
  boost::json::object object;
  for (const auto& [key, value] : fields) object[key] = value;
  return boost::json::serialize(object);
}

// How many connections of the desk each user has a dialog with: the dialogs alone, paged.
std::unordered_map<core::UserId, int> dialogs_per_user(store::Store& store,
                                                       const std::vector<store::ConnectionRecord>& all) {
  constexpr int kPage = 5000;
  std::unordered_map<core::UserId, int> out;
  for (const auto& connection : all) {
    core::DialogId after = 0;
    for (;;) {
      auto page = store.dialogs_page(connection.id, std::nullopt, after, kPage);
      for (const auto& entry : page) ++out[entry.dialog.user_id];
      if (static_cast<int>(page.size()) < kPage) break;
      after = page.back().dialog.id;
    }
  }
  return out;
}

// The user's payments not refunded: how many, and the sums per currency ("100 XTR; 12.50 USD").
std::pair<int, std::string> payments_of(store::Store& store, core::ConnectionId connection,
                                        core::UserId user) {
  std::vector<std::pair<std::string, std::int64_t>> sums;
  int count = 0;
  for (const auto& p : store.user_payments(connection, user)) {
    if (p.refunded_at != 0) continue;
    ++count;
    auto it = std::find_if(sums.begin(), sums.end(), [&](const auto& s) { return s.first == p.currency; });
    if (it == sums.end()) {
      sums.emplace_back(p.currency, p.amount);
    } else {
      it->second += p.amount;
    }
  }
  std::string paid;
  for (const auto& [currency, amount] : sums)
    paid += (paid.empty() ? "" : "; ") + payments::decimal_amount(amount, currency) + " " + currency;
  return {count, paid};
}

}  // namespace

core::Result<Document> clients_document(store::Store& store, const ClientsQuery& query) {
  std::optional<crm::Segment> segment;
  if (!query.segment.empty()) {
    auto parsed = crm::parse_segment(query.segment);
    if (!parsed) return core::make_error("the segment expression: " + crm::describe(parsed.error));
    segment = std::move(parsed.segment);
  }
  const core::UnixMillis now = query.now != 0 ? query.now : system_now();
  const auto all = store.connections();
  std::vector<store::ConnectionRecord> chosen;
  for (const auto& connection : all) {
    if (query.connection && connection.id != *query.connection) continue;
    if (query.group && connection.group_id != *query.group) continue;
    chosen.push_back(connection);
  }
  // A user known to one connection only has one dialog: no need to count the others.
  std::unordered_map<core::UserId, int> dialogs;
  if (all.size() > 1) dialogs = dialogs_per_user(store, all);

  Document doc;
  doc.head = std::string(kClientColumns) + "\r\n";
  for (const auto& connection : chosen) {
    const bool reveal = query.reveals ? query.reveals(connection.id) : query.reveal;
    crm::for_each_segment_member(store, connection.id, [&](const crm::SegmentMember& member) {
      if (segment && !segment->matches(member.subject, now)) return true;
      const store::Dialog& d = member.dialog;
      const core::Person person = member.user.value_or(core::Person{.id = d.user_id});
      const auto& s = member.subject;
      std::string row = crm::csv_field(connection.name) + ",";
      row += reveal ? std::to_string(d.user_id) : std::string();
      row += "," + crm::csv_field(pseudonym_of(d));
      if (reveal) {
        row += "," + crm::csv_field(person.first_name) + "," + crm::csv_field(person.last_name) + "," +
               crm::csv_field(person.username);
      } else {
        row += ",,,";
      }
      row += "," + crm::csv_field(person.language_code);
      row += "," + (reveal ? crm::csv_field(person.phone) : std::string());
      row += "," + crm::csv_field(joined_labels(s.labels));
      row += "," + (reveal ? crm::csv_field(store.user_link(connection.id, d.user_id).value_or("")) : "");
      row += "," + (reveal ? crm::csv_field(fields_json(s.fields)) : std::string());
      row += "," + crm::iso_utc(d.created_at);
      row += "," + crm::iso_utc(last_contact(d));
      row += "," + crm::csv_field(s.start_parameter);
      auto count = dialogs.find(d.user_id);
      row += "," + std::to_string(count == dialogs.end() ? 1 : count->second);
      row += std::string(",") + store::to_string(d.status);
      auto [payments, paid] = payments_of(store, connection.id, d.user_id);
      row += "," + std::to_string(payments) + "," + crm::csv_field(paid) + "\r\n";
      doc.rows.push_back(std::move(row));
      return true;
    });
  }
  return doc;
}

core::Result<std::string> clients_csv(store::Store& store, const ClientsQuery& query) {
  auto doc = clients_document(store, query);
  if (!doc) return doc.error();
  return doc->str();
}

}  // namespace topicdesk::exports
