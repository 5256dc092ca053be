#include "cluster/lease_plan.h"

#include <algorithm>
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
  if (!input.releasing.empty() || mine <= floor_share) return plan;
  bool give = mine > ceil_share;
  if (!give) {
    const std::int64_t shortfall = short_others - unowned;
    if (shortfall > 0) {
      std::vector<std::pair<std::int64_t, std::string>> above;  // (-owned, id): most owned first
      for (const auto& [id, count] : owned)
        if (count > floor_share) above.emplace_back(-count, id);
      std::sort(above.begin(), above.end());
      for (std::int64_t i = 0; i < shortfall && i < static_cast<std::int64_t>(above.size()); ++i)
        if (above[i].second == input.self) give = true;
    }
  }
  if (!give) return plan;
  std::optional<std::pair<std::uint64_t, std::string>> pick;
  for (const auto& name : input.held) {
    if (!configured.count(name) || input.releasing.count(name)) continue;
    std::pair<std::uint64_t, std::string> key{lease_order_hash(input.self, name), name};
    if (!pick || key > *pick) pick = std::move(key);
  }
  if (pick) plan.release = pick->second;
  return plan;
}

}  // namespace topicdesk::cluster
