#include "cluster/lease_plan.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <tuple>

namespace topicdesk::cluster {

std::uint64_t lease_order_hash(const std::string& instance, const std::string& connection) {
  std::uint64_t hash = 14695981039346656037ULL;
  auto mix = [&hash](unsigned char byte) {
    hash ^= byte;
    hash *= 1099511628211ULL;
  };
  for (char c : instance) mix(static_cast<unsigned char>(c));
  mix(0);
  for (char c : connection) mix(static_cast<unsigned char>(c));
  return hash;
}

std::vector<std::string> live_instances(const std::vector<store::InstanceRecord>& instances,
                                        core::UnixMillis now, std::int64_t ttl_ms) {
  std::vector<std::string> live;
  for (const auto& instance : instances)
    if (instance.seen_at > now - ttl_ms) live.push_back(instance.id);
  return live;
}

LeasePlan plan_leases(const LeasePlanInput& input) {
  LeasePlan plan;
  const std::set<std::string> configured(input.connections.begin(), input.connections.end());
  std::set<std::string> live(input.live.begin(), input.live.end());
  live.insert(input.self);

  const auto n = static_cast<std::int64_t>(configured.size());
  const auto l = static_cast<std::int64_t>(live.size());
  const std::int64_t floor_share = n / l;
  const std::int64_t ceil_share = (n + l - 1) / l;

  // Who owns what among the live instances; this instance counts what it holds.
  std::map<std::string, std::int64_t> owned;
  for (const auto& id : live) owned[id] = 0;
  std::int64_t mine = 0;
  for (const auto& name : input.held)
    if (configured.count(name)) ++mine;
  owned[input.self] = mine;

  struct Free {
    core::UnixMillis expired_at;
    std::uint64_t hash;
    std::string name;
  };
  std::vector<Free> free;
  std::set<std::string> with_row;
  for (const auto& lease : input.leases) {
    if (!configured.count(lease.connection)) continue;
    with_row.insert(lease.connection);
    const bool valid = !lease.owner.empty() && lease.expires_at > input.now;
    if (valid && lease.owner != input.self && live.count(lease.owner)) ++owned[lease.owner];
    if (!valid && !input.held.count(lease.connection) && !input.avoid.count(lease.connection))
      free.push_back({lease.expires_at, 0, lease.connection});
  }
  for (const auto& name : configured)
    if (!with_row.count(name) && !input.held.count(name) && !input.avoid.count(name))
      free.push_back({std::numeric_limits<core::UnixMillis>::min(), 0, name});

  std::int64_t owned_by_live = 0;
  std::int64_t short_others = 0;  // what the other live instances below floor need to reach it
  for (const auto& [id, count] : owned) {
    owned_by_live += count;
    if (id != input.self && count < floor_share) short_others += floor_share - count;
  }
  const std::int64_t unowned = n - owned_by_live;  // free, expired, or held by gone instances

  // Acquire.
  const std::int64_t to_floor = std::max<std::int64_t>(0, floor_share - mine);
  const std::int64_t spare = unowned - short_others - to_floor;
  const std::int64_t extra =
      std::clamp<std::int64_t>(spare, 0, std::max<std::int64_t>(0, ceil_share - std::max(mine, floor_share)));
  plan.take = static_cast<int>(to_floor + extra);
  const auto bucket = [&input](core::UnixMillis at) {
    if (input.expiry_bucket_ms <= 0 || at == std::numeric_limits<core::UnixMillis>::min()) return at;
    return at / input.expiry_bucket_ms - (at % input.expiry_bucket_ms < 0 ? 1 : 0);
  };
  for (auto& lease : free) {
    lease.expired_at = bucket(lease.expired_at);
    lease.hash = lease_order_hash(input.self, lease.name);
  }
  std::sort(free.begin(), free.end(), [](const Free& a, const Free& b) {
    return std::tie(a.expired_at, a.hash, a.name) < std::tie(b.expired_at, b.hash, b.name);
  });
  if (plan.take > 0)
    for (auto& lease : free) plan.candidates.push_back(std::move(lease.name));

  // Release.
  std::int64_t outstanding = 0;  // held leases already on their way out
  for (const auto& name : input.releasing)
    if (configured.count(name) && input.held.count(name)) ++outstanding;
  const std::int64_t room = std::max(1, input.max_release) - outstanding;
  if (room <= 0 || mine <= floor_share) return plan;
  std::int64_t surplus_all = 0;  // what every live instance owns above ceil: it is given up anyway
  for (const auto& [id, count] : owned) surplus_all += std::max<std::int64_t>(0, count - ceil_share);
  std::int64_t due = std::max<std::int64_t>(0, mine - ceil_share);
  const std::int64_t shortfall = short_others - unowned - surplus_all;
  if (shortfall > 0) {
    std::vector<std::pair<std::int64_t, std::string>> above;  // (-owned, id): most owned first
    for (const auto& [id, count] : owned)
      if (count > floor_share) above.emplace_back(-count, id);
    std::sort(above.begin(), above.end());
    for (std::int64_t i = 0; i < shortfall && i < static_cast<std::int64_t>(above.size()); ++i)
      if (above[i].second == input.self) ++due;
  }
  // Never below floor (due is at most mine - ceil + 1, and ceil > floor when a shortfall is
  // shared out); what is on its way out counts as given.
  due = std::min(due, mine - floor_share) - outstanding;
  const std::int64_t count = std::min(due, room);
  if (count <= 0) return plan;
  std::vector<std::pair<std::uint64_t, std::string>> picks;  // highest first
  for (const auto& name : input.held) {
    if (!configured.count(name) || input.releasing.count(name)) continue;
    picks.emplace_back(lease_order_hash(input.self, name), name);
  }
  std::sort(picks.begin(), picks.end(), std::greater<>());
  for (std::int64_t i = 0; i < count && i < static_cast<std::int64_t>(picks.size()); ++i)
    plan.release.push_back(std::move(picks[i].second));
  return plan;
}

}  // namespace topicdesk::cluster
