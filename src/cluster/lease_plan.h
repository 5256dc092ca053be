// The lease plan (docs/several-instances.md, "Leases"): given what the database says about the
// cluster, which connection leases this instance should take and which ones it should give up.
// A pure function: the lease keeper (cluster/lease_keeper.h) runs it every round with fresh rows.
//
// Spread rule. With n configured connections and L live instances (this one always counts),
// floor = n / L and ceil = ceil(n / L); an even spread has every instance at floor or ceil.
// Counts are taken from the lease rows: a lease counts for its owner while it has not expired;
// a lease that is free, expired, or held by an instance that is not live counts as free (its
// owner's leases expire within the lease time, so they are as good as free for the spread).
//   - Acquire: up to floor always; beyond floor, up to ceil, only with free leases left over once
//     every other live instance below floor could reach floor. So an instance never takes what
//     an instance below floor needs, and never goes above ceil.
//   - Release, counted from the lease rows (a lease on its way out still counts for its owner):
//     an instance gives up what it owns above ceil (its surplus: every instance reading the same
//     rows agrees on it), and one more when the live instances below floor need more than the
//     free leases and every instance's surplus can give (the shortfall): of the instances above
//     floor, the first `shortfall` in the order (most owned first, then instance id) give one
//     each, so instances looking at the same rows do not all release for the same need. What is
//     due less what is already on its way out is released now, but never more leases on their
//     way out at once than `max_release` (a cap on stops in flight: a newcomer's share arrives
//     a few rounds later instead of stopping hundreds of connections in one go). A lease on its
//     way out is never picked again. An instance never gives up below floor.
// Neither rule fires again on the state its own step produced (a release leaves free leases that
// only instances below their share may take; an acquisition never makes anyone else short), so
// the spread settles with every instance at floor or ceil and then nothing moves (no ping-pong).
// Tests: tests/unit/cluster/lease_plan_test.cpp simulates rounds of several instances.
//
// Order of acquisition: the oldest-expired leases first (leases that never had a row before any
// other); leases that expired within the same `expiry_bucket_ms` (or at the same millisecond
// when it is 0) are ordered by a hash of (instance id, connection name), so instances starting
// together do not all reach for the same names first.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/ids.h"
#include "store/lease_store.h"

namespace topicdesk::cluster {

struct LeasePlanInput {
  core::UnixMillis now = 0;                // database clock
  std::vector<store::LeaseRecord> leases;  // every lease row (rows of unknown names are ignored)
  std::vector<std::string> live;           // live instance ids (live_instances); `self` is added
  std::string self;                        // this instance's id
  std::vector<std::string> connections;    // the configured connection names
  std::set<std::string> held;              // leases this instance holds (those being released too)
  std::set<std::string> releasing;         // held leases on their way out (stopping, then released)
  std::set<std::string> avoid;             // names this instance must not take now
  core::UnixMillis expiry_bucket_ms = 0;   // expiries this close together count as a tie
  int max_release = 16;                    // leases on their way out at once, at most (1 if lower)
};

struct LeasePlan {
  // Free leases this instance may take, in the order to try them. Acquire them in this order
  // until `take` succeeded (one another instance took first is skipped).
  std::vector<std::string> candidates;
  int take = 0;
  // Held leases to give up this round (none on their way out already), in the order to give
  // them up.
  std::vector<std::string> release;
};

LeasePlan plan_leases(const LeasePlanInput& input);

// Ids of the instances whose last beat is within `ttl_ms` of `now` (database clock).
std::vector<std::string> live_instances(const std::vector<store::InstanceRecord>& instances,
                                        core::UnixMillis now, std::int64_t ttl_ms);

// The stable hash behind the tie order (FNV-1a over instance id, a zero byte, and name).
std::uint64_t lease_order_hash(const std::string& instance, const std::string& connection);

}  // namespace topicdesk::cluster
