// Fencing of a connection's work when several desk instances share one database
// (store/lease_store.h, docs/several-instances.md). The relay (inbox drain, dispatcher,
// broadcasts, timers) asks before it commits or sends for a connection; the lease keeper
// (cluster/lease_keeper.h) answers. A desk alone on its database (SQLite) has no fences: every
// component takes a null ConnectionFences* and works as before.
#pragma once
#include "core/ids.h"

namespace topicdesk::relay {

class ConnectionFences {
 public:
  virtual ~ConnectionFences() = default;
  // Inside a transaction that writes for `connection`: throws store::LeaseLost when this
  // instance no longer holds its lease (and locks the lease until the transaction ends, so no
  // takeover commits in between). A connection this instance does not run is not fenced.
  virtual void check(core::ConnectionId connection) = 0;
  // Right before a call to Telegram for `connection`: false once the lease may have moved on
  // (its local deadline passed without a renewal), so a paused former owner sends nothing.
  virtual bool may_send(core::ConnectionId connection) const = 0;
};

}  // namespace topicdesk::relay
