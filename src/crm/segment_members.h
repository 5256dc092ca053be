// The users a segment (crm/segment.h) picks among a connection's dialogs, read from the store:
// what /segment counts, what the Topics API's segment actions list and whom broadcasts and
// exports send to.
//
// One pass per connection and no query per user: the dialogs with their users' profiles come in
// pages, and the custom fields, /start parameters and labels of all the connection's users in
// one read each, joined in memory. A user is one dialog (one per connection and user), so a user
// of two connections is two members.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "core/event.h"
#include "core/ids.h"
#include "crm/segment.h"
#include "store/store.h"

namespace topicdesk::crm {

struct SegmentMember {
  store::Dialog dialog;
  std::optional<core::Person> user;  // the profile as last seen; nullopt when none is stored
  SegmentSubject subject;
};

// Calls `visit` for every dialog of `connection` in dialog id order; it returns false to stop.
// Nothing happens for an unknown connection.
void for_each_segment_member(store::Store& store, core::ConnectionId connection,
                             const std::function<bool(const SegmentMember&)>& visit);

// Which matches to keep: those with a dialog id above `after_id`, at most `limit` of them.
struct SegmentPage {
  core::DialogId after_id = 0;
  std::size_t limit = std::numeric_limits<std::size_t>::max();
};

struct SegmentMatches {
  std::int64_t count = 0;              // every member the segment picks (the page does not change it)
  std::vector<SegmentMember> members;  // the page's matches, in dialog id order
  bool more = false;                   // there are matches after the page's last
};

// The members of `connection` that `segment` picks, ages counted back from `now`.
SegmentMatches users_matching(store::Store& store, core::ConnectionId connection, const Segment& segment,
                              core::UnixMillis now, const SegmentPage& page = {});

}  // namespace topicdesk::crm
