// The lease keeper (docs/several-instances.md, "Leases"): decides which connections this
// instance runs when several desk instances share one PostgreSQL database, keeps their leases,
// and fences the relay's work for them (relay/fencing.h).
//
// Rounds. start() beats at once (so instances started together see each other), and every
// `renew_every` after that a round runs:
//   1. instance_beat with this instance's id and address;
//   2. every held lease is renewed. A lease whose renewal returns false, or whose local deadline
//      passes while the store fails, is LOST: hooks.on_lost(name), and from that moment
//      may_send is false and check throws LeaseLost for it;
//   3. from `join_delay` after start() on, the lease plan (cluster/lease_plan.h) runs on fresh
//      rows: leases are acquired in its order (hooks.on_acquired(name, fence) for each), and
//      the ones it names are given up: for each, hooks.on_release(name, released) asks the
//      runtime to stop the connection; it calls that released() once it has, and only then is
//      that lease released in the store. Until then the lease is renewed as usual and is not
//      given up again. Several may be on their way out at once, never more than
//      `max_release_per_round` (later rounds give up the rest);
//   4. instances gone for `forget_after` are forgotten.
// A name lost or released is not taken again for one renew period (the runtime may still be
// stopping it, and the instance that needs it should get it first).
//
// Deadlines. The local deadline of a lease is the steady-clock time at which its last
// successful renewal (or its acquisition) was *started*, plus ttl − margin. The database
// expires the lease ttl after it saw the renewal, which is later, so a paused or cut-off
// instance stops sending (may_send) at least `margin` before anyone can take over; its commits
// are fenced by the database itself (check → lease_check).
//
// Fencing. bind(name, id) maps the runtime's connection ids to lease names.
//   - check(id): for a lease held now, store.lease_check(fence) (inside the caller's
//     transaction). For a connection this instance held and then lost, gave up, or released at
//     stop(): throws store::LeaseLost without asking the store, so work still in flight for it
//     commits nothing. An id that is not bound, or whose lease this instance never held, is
//     not fenced (returns).
//   - may_send(id): held: steady now < deadline; held before and not now: false; unbound or
//     never held: true.
//
// Failures. store::StoreError never escapes a round: it is logged (a few lines a minute per
// kind of call, with the count held back) and the round goes on where it can or ends; the next
// round retries. Leases whose deadline passes meanwhile are lost. An exception thrown by a hook
// is logged the same way.
//
// Ending. stop() releases every held lease and calls instance_leave, so the survivors take the
// connections at their next round instead of after the lease time; the runtime calls it once
// it has stopped the connections (graceful shutdown). Destroying the keeper without stop()
// ends its rounds and leaves the leases to expire, as a killed process would.
//
// Threading: every call, the rounds, and the hooks run on `executor` (a single-threaded
// io_context or a strand). released() may be called from anywhere; it posts to the executor.
// The store is called inline (it blocks the round, not the deadline: may_send reads the clock).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "relay/fencing.h"
#include "store/lease_store.h"

namespace topicdesk::cluster {

struct LeaseKeeperOptions {
  std::chrono::milliseconds ttl{10'000};  // the lease time
  // Zero: derived from ttl. renew_every = ttl / 4; margin = ttl / 5; join_delay = renew_every;
  // forget_after = 10 × ttl. A margin not below ttl, or a renew period longer than half of
  // ttl − margin (two renewals must fit before the deadline), is replaced by its default.
  std::chrono::milliseconds renew_every{0};
  std::chrono::milliseconds margin{0};
  std::chrono::milliseconds join_delay{0};
  std::chrono::milliseconds forget_after{0};
  int error_lines_per_minute = 5;  // per kind of store call
  // Leases being given up (connections stopping for a handover) at once, at most: a newcomer
  // receives up to this many connections per renew period from each instance above its share.
  // Zero or less: the default.
  int max_release_per_round = 16;
};

struct LeaseKeeperHooks {
  // A lease was taken: start running the connection; its writes name `fence`.
  std::function<void(const std::string& name, const store::Fence& fence)> on_acquired;
  // A lease was lost (taken over, or its deadline passed): stop the connection now. Also for a
  // lease being given up (on_release) whose released() has not come yet; released() then does
  // nothing.
  std::function<void(const std::string& name)> on_lost;
  // The plan gives a lease up: stop the connection, then call `released` (once). Unset: the lease
  // is released at once.
  std::function<void(const std::string& name, std::function<void()> released)> on_release;
};

class LeaseKeeper : public relay::ConnectionFences {
 public:
  // `instance_id`: this run's id (new_instance_id()); `address`: where this instance's HTTP
  // server answers the others ("host:port"); `connections`: every configured connection name.
  LeaseKeeper(boost::asio::any_io_executor executor, store::LeaseStore& store, std::string instance_id,
              std::string address, std::vector<std::string> connections, LeaseKeeperHooks hooks,
              LeaseKeeperOptions options = {});
  // Ends the rounds without releasing anything (the leases expire); see stop().
  ~LeaseKeeper() override;
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // Beats now and starts the rounds on the executor.
  void start();
  // Releases every held lease (without on_release: the runtime has stopped the connections)
  // and leaves the cluster. Rounds end; nothing is acquired again.
  void stop();

  // The runtime's id of the connection named `name` (before or after its lease is taken).
  void bind(const std::string& name, core::ConnectionId id);
  // Connections made, stopped or removed while the desk runs (docs/setup.md). add: from the next
  // round on its lease is planned like the others'. remove: no longer planned; a held lease is
  // released at once (without on_release: the runtime has stopped it), and from then on check
  // throws LeaseLost and may_send is false for it, until it is added again.
  void add_connection(const std::string& name);
  void remove_connection(const std::string& name);

  void check(core::ConnectionId connection) override;
  bool may_send(core::ConnectionId connection) const override;

  // Names of the leases held now (those being given up too), in name order.
  std::vector<std::string> owned() const;
  // The fence of a lease held now.
  std::optional<store::Fence> fence(const std::string& name) const;
  // Where the instance that runs `name` answers ("host:port"), as the last round read the leases
  // and instances; nullopt when no live instance held it then.
  std::optional<std::string> owner_address(const std::string& name) const;
  const std::string& instance_id() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// A random instance id (16 hex digits).
std::string new_instance_id();

}  // namespace topicdesk::cluster
