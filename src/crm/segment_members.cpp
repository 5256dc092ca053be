#include "crm/segment_members.h"

#include <charconv>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace topicdesk::crm {
namespace {

constexpr int kDialogPage = 2000;
// The engine keeps a dialog's /start parameter under "start:<dialog id>"
// (relay::start_parameter_key); the engine tests of /segment check that both agree.
constexpr std::string_view kStartPrefix = "start:";

using Fields = std::vector<std::pair<std::string, std::string>>;

std::unordered_map<core::UserId, Fields> fields_by_user(store::Store& store, core::ConnectionId id) {
  std::unordered_map<core::UserId, Fields> out;
  for (auto& field : store.connection_user_fields(id))
    out[field.user_id].emplace_back(std::move(field.key), std::move(field.value));
  return out;
}

std::unordered_map<core::DialogId, std::string> start_by_dialog(store::Store& store, core::ConnectionId id) {
  std::unordered_map<core::DialogId, std::string> out;
  for (auto& [key, value] : store.state_with_prefix(id, std::string(kStartPrefix))) {
    std::string_view digits = std::string_view(key).substr(kStartPrefix.size());
    core::DialogId dialog = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), dialog);
    if (ec == std::errc() && end == digits.data() + digits.size()) out[dialog] = std::move(value);
  }
  return out;
}

// One read per label of the connection (at most crm::kMaxLabels), none per user.
std::unordered_map<core::DialogId, std::vector<std::string>> labels_by_dialog(store::Store& store,
                                                                              core::ConnectionId id) {
  std::unordered_map<core::DialogId, std::vector<std::string>> out;
  for (const auto& label : store.labels(id)) {
    for (const auto& carrier : store.label_carriers(label.id, std::numeric_limits<int>::max()))
      out[carrier.dialog_id].push_back(label.name);
  }
  return out;
}

}  // namespace

void for_each_segment_member(store::Store& store, core::ConnectionId connection,
                             const std::function<bool(const SegmentMember&)>& visit) {
  auto record = store.connection(connection);
  if (!record) return;
  auto fields = fields_by_user(store, connection);
  auto starts = start_by_dialog(store, connection);
  auto labels = labels_by_dialog(store, connection);
  SegmentMember member;
  core::DialogId after = 0;
  for (;;) {
    auto page = store.dialogs_page(connection, std::nullopt, after, kDialogPage);
    for (auto& entry : page) {
      member.dialog = std::move(entry.dialog);
      member.user = std::move(entry.user);
      const store::Dialog& d = member.dialog;
      SegmentSubject& s = member.subject;
      s.user_id = d.user_id;
      s.connection_id = connection;
      s.connection = record->name;
      s.status = d.status;
      s.last_user_message_at = d.last_user_message_at;
      s.first_contact_at = d.created_at;
      s.language_code = member.user ? member.user->language_code : std::string();
      s.blocked = d.user_blocked_bot;
      s.banned = d.banned;
      auto f = fields.find(d.user_id);
      s.fields = f == fields.end() ? Fields{} : f->second;
      auto st = starts.find(d.id);
      s.start_parameter = st == starts.end() ? std::string() : st->second;
      auto l = labels.find(d.id);
      s.labels = l == labels.end() ? std::vector<std::string>{} : l->second;
      after = d.id;
      if (!visit(member)) return;
    }
    if (static_cast<int>(page.size()) < kDialogPage) return;
  }
}

SegmentMatches users_matching(store::Store& store, core::ConnectionId connection, const Segment& segment,
                              core::UnixMillis now, const SegmentPage& page) {
  SegmentMatches out;
  for_each_segment_member(store, connection, [&](const SegmentMember& member) {
    if (!segment.matches(member.subject, now)) return true;
    ++out.count;
    if (member.dialog.id <= page.after_id) return true;
    if (out.members.size() < page.limit)
      out.members.push_back(member);
    else
      out.more = true;
    return true;
  });
  return out;
}

}  // namespace topicdesk::crm
