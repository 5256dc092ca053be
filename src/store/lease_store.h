// Several desk instances on one database (docs/several-instances.md): who is in the cluster,
// and which instance owns which connection.
//
// Instances. Every `topicdesk run` on a shared database has a random instance id and beats
// into desk_instances every few seconds; an instance whose last beat is older than the lease
// time is gone. A beat also records the instance's own clock beside the database's, so doctor
// can report clock skew (leases themselves only ever use the database's clock).
//
// Leases. A connection is owned by at most one instance at a time through its lease row: the
// owner, a generation number that grows by one on every change of owner, and an expiry on the
// database's clock. The owner renews it on a timer; once it has expired (or was released) any
// instance may take it, and taking it raises the generation. Every write the owner makes for
// the connection (the inbox drain, the dispatcher's outcomes and started marks, broadcasts,
// timers) is fenced: lease_check inside the same transaction fails unless the lease still has
// the owner's generation, and it locks the lease row until that transaction ends, so a
// takeover waits for a commit already under way and every later commit of the former owner
// fails. A paused or partitioned former owner can therefore no longer commit for the
// connection; it stops sending on its own, from its local deadline (cluster/lease_keeper.h).
//
// The database's clock is PostgreSQL's clock_timestamp() or SQLite's julianday('now'), in
// milliseconds, read inside each statement that decides (sql/sql_leases.h). A ttl of 0 makes a
// lease expired at once (tests need no waiting).
//
// On SQLite there is one desk per database (its file lock); these calls work there too (the
// contract tests run on every backend) but the desk does not use them. The tables are runtime
// state: `store copy` skips them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "store/store_error.h"

namespace topicdesk::store {

using core::UnixMillis;

struct InstanceRecord {
  std::string id;             // random, per process run
  std::string address;        // where its HTTP server answers other instances ("host:port")
  UnixMillis started_at = 0;  // database clock
  UnixMillis seen_at = 0;     // database clock at its last beat
  UnixMillis local_at = 0;    // the instance's own clock at that beat
};

struct LeaseRecord {
  std::string connection;  // the connection's name (from the configuration)
  std::string owner;       // instance id; empty once released
  std::int64_t generation = 0;
  UnixMillis expires_at = 0;  // database clock
};

// A lease this instance holds: what every fenced write names.
struct Fence {
  std::string connection;
  std::string instance;
  std::int64_t generation = 0;
};

// Thrown by lease_check (and by every fenced write) when the lease has moved on: the caller
// no longer owns the connection and must stop working for it. Its kind is kFatal: retrying
// cannot help.
class LeaseLost : public StoreError {
 public:
  explicit LeaseLost(const std::string& connection);
  const std::string& connection() const { return connection_; }

 private:
  std::string connection_;
};

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // The database's clock (milliseconds since the epoch).
  virtual UnixMillis database_now() = 0;

  // Records a beat of `instance` (inserted on its first beat, with started_at): seen_at is the
  // database's clock, local_at the instance's. Returns the database's clock.
  virtual UnixMillis instance_beat(const std::string& instance, const std::string& address,
                                   UnixMillis local_now) = 0;
  // Every instance that has beaten, newest beat first (gone ones too, until instance_leave or
  // instance_forget_before).
  virtual std::vector<InstanceRecord> instances() = 0;
  // An instance that stops says so, so the others need not wait for its beats to age.
  virtual void instance_leave(const std::string& instance) = 0;
  // Forgets instances whose last beat is older than `before` (database clock).
  virtual void instance_forget_before(UnixMillis before) = 0;

  // Every lease row, in connection name order.
  virtual std::vector<LeaseRecord> leases() = 0;
  // Takes the lease of `connection` for `instance` when nobody holds it (no row yet, expired
  // on the database's clock, or released): the generation grows by one and it expires
  // `ttl_ms` from the database's now. nullopt: it is held, by another instance or by
  // `instance` itself (which renews it instead). An empty instance id is refused (StoreError).
  virtual std::optional<Fence> lease_acquire(const std::string& connection, const std::string& instance,
                                             std::int64_t ttl_ms) = 0;
  // Extends a lease still held at fence.generation to `ttl_ms` from the database's now (also
  // one that expired but that nobody took: nobody owned it in between). false: it has moved
  // on (taken, or released): the connection is no longer ours.
  virtual bool lease_renew(const Fence& fence, std::int64_t ttl_ms) = 0;
  // Gives the lease up at once (owner emptied, expires_at the database's now; the generation
  // stays, the next owner raises it), so another instance may take it without waiting. Does
  // nothing when it has moved on already.
  virtual void lease_release(const Fence& fence) = 0;
  // Inside a transaction: throws LeaseLost unless the lease is still held at fence.generation
  // and not expired; locks the lease row until the transaction ends (PostgreSQL: FOR SHARE).
  virtual void lease_check(const Fence& fence) = 0;
};

}  // namespace topicdesk::store
