#include "cluster/cluster_review.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>

namespace topicdesk::cluster {
namespace {

std::string seconds(core::UnixMillis ms) { return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0); }

}  // namespace

std::vector<ClusterFinding> review_cluster(core::UnixMillis now, std::int64_t lease_ms,
                                           const std::vector<store::InstanceRecord>& instances,
                                           const std::vector<store::LeaseRecord>& leases,
                                           const std::vector<std::string>& connections) {
  using Kind = ClusterFinding::Kind;
  std::vector<ClusterFinding> out;
  std::map<std::string, const store::InstanceRecord*> alive;
  for (const auto& i : instances) {
    if (now - i.seen_at < lease_ms) alive[i.id] = &i;
  }
  if (alive.empty()) {
    out.push_back(
        {Kind::kNote,
         "no instance is running on this database (none has beaten in the last " + seconds(lease_ms) + ")",
         ""});
  }
  for (const auto& [id, i] : alive) {
    // The instance's clock at its beat against the database's at the same beat (the round trip
    // is in it too, a few milliseconds at most on a healthy network).
    const core::UnixMillis skew = i->local_at - i->seen_at;
    const std::string who = fmt::format("instance {} at {}", id, i->address);
    if (std::llabs(skew) > kClockSkewLimitMs) {
      out.push_back(
          {Kind::kFail,
           fmt::format("{}: its clock is {} {} the database's", who, seconds(std::llabs(skew)),
                       skew > 0 ? "ahead of" : "behind"),
           "keep the clocks in step (chrony or systemd-timesyncd on every machine); leases use "
           "the database's clock, but times in logs, reports and working hours use each instance's"});
    } else {
      out.push_back({Kind::kPass,
                     fmt::format("{}: alive (beat {} ago), clock within {} of the database's", who,
                                 seconds(now - i->seen_at), seconds(kClockSkewLimitMs)),
                     ""});
    }
  }
  std::map<std::string, const store::LeaseRecord*> by_name;
  for (const auto& l : leases) by_name[l.connection] = &l;
  std::map<std::string, int> runs;
  for (const auto& name : connections) {
    auto it = by_name.find(name);
    const store::LeaseRecord* lease = it == by_name.end() ? nullptr : it->second;
    if (lease != nullptr && !lease->owner.empty() && lease->expires_at > now &&
        alive.contains(lease->owner)) {
      ++runs[lease->owner];
      out.push_back({Kind::kPass,
                     fmt::format("connection {}: run by instance {} (lease generation {}, expires in {})",
                                 name, lease->owner, lease->generation, seconds(lease->expires_at - now)),
                     ""});
    } else if (alive.empty()) {
      continue;  // said once above
    } else if (lease == nullptr) {
      out.push_back({Kind::kFail, fmt::format("connection {}: no instance has taken it yet", name),
                     "an instance takes it within the lease time; if it does not, read the instances' logs "
                     "(does `run` know this connection? the same configuration on every instance?)"});
    } else {
      out.push_back(
          {Kind::kFail,
           fmt::format("connection {}: nobody runs it; its lease (generation {}) {}", name, lease->generation,
                       lease->owner.empty() ? "was released"
                                            : "expired " + seconds(now - lease->expires_at) + " ago"),
           "an instance takes it within the lease time; if it does not, read the instances' logs"});
    }
  }
  // A live instance running a connection this configuration does not have: another desk (or
  // an instance with another configuration) shares the database, and the instances of the two
  // count each other when they divide their connections.
  for (const auto& l : leases) {
    if (std::find(connections.begin(), connections.end(), l.connection) != connections.end()) continue;
    if (l.owner.empty() || l.expires_at <= now || !alive.contains(l.owner)) continue;
    out.push_back({Kind::kFail,
                   fmt::format("instance {} runs connection {}, which this configuration does not have",
                               l.owner, l.connection),
                   "run every instance with the same configuration file; a different desk needs its own "
                   "database or schema (docs/several-instances.md)"});
  }
  if (alive.size() > 1) {
    int most = 0;
    int fewest = static_cast<int>(connections.size());
    for (const auto& [id, i] : alive) {
      most = std::max(most, runs[id]);
      fewest = std::min(fewest, runs[id]);
    }
    if (most - fewest > 1) {
      out.push_back(
          {Kind::kNote,
           fmt::format("the connections are not spread evenly yet ({} to {} per instance); the "
                       "instances even it out, each above its share handing over up to 16 connections per "
                       "renewal",
                       fewest, most),
           ""});
    }
  }
  return out;
}

}  // namespace topicdesk::cluster
