// The lease plan: instances share the connections evenly, take over a dead instance's
// connections, make room for one that joins, and then stay put. The cluster is simulated in
// rounds (each instance beats, renews, plans and acts once per round, as the keeper does every
// renew period) on a database modelled here, for 1..4 instances and 1..300 connections.
#include "cluster/lease_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace topicdesk::cluster {
namespace {

constexpr core::UnixMillis kRound = 250;  // renew period
constexpr core::UnixMillis kTtl = 1000;   // lease time: four rounds

std::vector<std::string> names(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("bot" + std::to_string(i));
  return out;
}

// Rounds of the plan against a modelled database, with instances starting, dying and joining.
class Cluster {
 public:
  explicit Cluster(int connections) : connections_(names(connections)) {}

  // Instances plan one after the other on fresh rows (the keepers' rounds are not in step), or
  // all on the rows read at the start of the round (the worst case for races).
  bool same_snapshot = false;
  // How many rounds after the plan gives a lease up the runtime has stopped the connection and
  // the lease goes back (0: in the same round). Until then it is renewed and counts as held.
  int release_rounds = 0;
  int max_release = LeasePlanInput{}.max_release;

  void start(const std::string& id) { instances_[id] = Instance{now_, {}, {}}; }
  // Gone without releasing anything (SIGKILL): its leases and its beat age out.
  void kill(const std::string& id) { instances_.erase(id); }

  // One round; returns how many leases changed hands.
  int round() {
    now_ += kRound;
    int changes = 0;
    std::vector<std::string> order;
    for (auto& [id, instance] : instances_) {
      order.push_back(id);
      seen_[id] = now_;  // beat
      for (const auto& name : instance.held) {
        auto& row = rows_[name];
        EXPECT_EQ(row.owner, id) << name << " held by " << id << " but the row says " << row.owner;
        row.expires_at = now_ + kTtl;  // renew
      }
    }
    if (!order.empty()) std::rotate(order.begin(), order.begin() + (round_ % order.size()), order.end());
    ++round_;
    const auto snapshot = lease_rows();
    const auto live = live_ids();
    for (const auto& id : order) {
      auto& instance = instances_[id];
      for (auto it = instance.releasing.begin(); it != instance.releasing.end();) {
        if (it->second > round_) {
          ++it;
          continue;
        }
        release(instance, it->first);  // the runtime has stopped it
        ++changes;
        it = instance.releasing.erase(it);
      }
      if (now_ - instance.started < kRound) continue;  // join delay: one renew period
      LeasePlanInput input;
      input.now = now_;
      input.leases = same_snapshot ? snapshot : lease_rows();
      input.live = same_snapshot ? live : live_ids();
      input.self = id;
      input.connections = connections_;
      input.held = instance.held;
      for (const auto& [name, until] : instance.releasing) input.releasing.insert(name);
      input.max_release = max_release;
      const auto plan = plan_leases(input);
      int taken = 0;
      for (const auto& name : plan.candidates) {
        if (taken >= plan.take) break;
        auto& row = rows_[name];
        if (!row.owner.empty() && row.expires_at > now_) continue;  // another instance was first
        row = {id, now_ + kTtl};
        instance.held.insert(name);
        ++taken;
        ++acquisitions_;
        ++changes;
      }
      EXPECT_LE(plan.release.size() + instance.releasing.size(), static_cast<std::size_t>(max_release))
          << id << " has more leases on their way out than the cap";
      for (const auto& name : plan.release) {
        EXPECT_TRUE(instance.held.count(name)) << id << " gives up " << name << " it does not hold";
        EXPECT_FALSE(instance.releasing.count(name)) << id << " gives up " << name << " twice";
        ++changes;
        if (release_rounds == 0)
          release(instance, name);
        else
          instance.releasing[name] = round_ + release_rounds;
      }
    }
    check_one_owner();
    return changes;
  }

  // Rounds until one changes nothing (at most `limit`); then checks that it stays so.
  int settle(int limit = 1000) {
    int rounds = 0;
    while (rounds < limit) {
      ++rounds;
      if (round() == 0 && fully_owned() && !releasing()) break;
    }
    for (int i = 0; i < 8; ++i) EXPECT_EQ(round(), 0) << "leases still move after the spread settled";
    return rounds;
  }

  // Leases taken since the cluster started.
  int acquisitions() const { return acquisitions_; }
  std::size_t owns(const std::string& id) const { return instances_.at(id).held.size(); }
  bool releasing() const {
    for (const auto& [id, instance] : instances_)
      if (!instance.releasing.empty()) return true;
    return false;
  }
  bool fully_owned() const {
    std::size_t total = 0;
    for (const auto& [id, instance] : instances_) total += instance.held.size();
    return total == connections_.size();
  }
  std::vector<std::size_t> counts() const {
    std::vector<std::size_t> out;
    for (const auto& [id, instance] : instances_) out.push_back(instance.held.size());
    return out;
  }
  std::size_t spread() const {
    auto c = counts();
    if (c.empty()) return 0;
    return *std::max_element(c.begin(), c.end()) - *std::min_element(c.begin(), c.end());
  }

 private:
  struct Row {
    std::string owner;
    core::UnixMillis expires_at = 0;
  };
  struct Instance {
    core::UnixMillis started = 0;
    std::set<std::string> held;                    // those on their way out too
    std::map<std::string, std::size_t> releasing;  // name → the round its release completes
  };

  void release(Instance& instance, const std::string& name) {
    instance.held.erase(name);
    rows_[name] = {"", now_};
  }

  std::vector<store::LeaseRecord> lease_rows() const {
    std::vector<store::LeaseRecord> out;
    for (const auto& [name, row] : rows_) out.push_back({name, row.owner, 1, row.expires_at});
    return out;
  }
  std::vector<std::string> live_ids() const {
    std::vector<store::InstanceRecord> records;
    for (const auto& [id, seen] : seen_) records.push_back({id, "", 0, seen, 0});
    return live_instances(records, now_, kTtl);
  }
  void check_one_owner() const {
    std::map<std::string, std::string> owner;
    for (const auto& [id, instance] : instances_)
      for (const auto& name : instance.held) {
        auto [it, fresh] = owner.emplace(name, id);
        EXPECT_TRUE(fresh) << name << " owned by " << it->second << " and " << id;
      }
  }

  std::vector<std::string> connections_;
  std::map<std::string, Instance> instances_;
  std::map<std::string, core::UnixMillis> seen_;
  std::map<std::string, Row> rows_;
  core::UnixMillis now_ = 1'000'000;
  std::size_t round_ = 0;
  int acquisitions_ = 0;
};

std::string id(int i) { return "instance-" + std::to_string(i); }

void expect_even(const Cluster& cluster, const std::string& when) {
  EXPECT_TRUE(cluster.fully_owned()) << when;
  EXPECT_LE(cluster.spread(), 1U) << when;
}

struct Scenario {
  int instances = 1;
  int connections = 1;
  bool same_snapshot = false;
  int release_rounds = 0;
  int max_release = LeasePlanInput{}.max_release;
};

// Instances started together, then one killed, then a new one joining.
void start_die_join(const Scenario& s) {
  const std::string what = std::to_string(s.instances) + " instances, " + std::to_string(s.connections) +
                           " connections, releases taking " + std::to_string(s.release_rounds) +
                           " rounds, at most " + std::to_string(s.max_release) + " at once";
  Cluster cluster(s.connections);
  cluster.same_snapshot = s.same_snapshot;
  cluster.release_rounds = s.release_rounds;
  cluster.max_release = s.max_release;
  for (int i = 0; i < s.instances; ++i) cluster.start(id(i));
  int rounds = cluster.settle();
  expect_even(cluster, "started together: " + what);
  // (A release, when instances planning on the same rows took too many, takes its rounds.)
  EXPECT_LE(rounds, 4 + s.release_rounds) << "started together: " << what;

  if (s.instances > 1) {
    cluster.kill(id(0));
    rounds = cluster.settle();
    expect_even(cluster, "one killed: " + what);
    // Its leases expire after four rounds; survivors take them in the round after.
    EXPECT_LE(rounds, static_cast<int>(kTtl / kRound) + 3 + s.release_rounds) << "one killed: " << what;
  }

  // A newcomer gets its share from the instances above it, each giving up to `max_release` a
  // round (fewer while releases are still on their way out), handed over gracefully.
  const int before = s.instances > 1 ? s.instances - 1 : s.instances;
  const int after = before + 1;
  const int to_move = s.connections / after;  // the newcomer reaches at least floor
  const int releasers = std::min(before, std::max(1, to_move));
  const int per_releaser = (to_move + releasers - 1) / releasers + 1;
  const int batches = (per_releaser + s.max_release - 1) / s.max_release;  // of stops in flight
  cluster.start(id(s.instances));
  rounds = cluster.settle();
  expect_even(cluster, "one joined: " + what);
  EXPECT_LE(rounds, batches * (s.release_rounds + 1) + 4) << "one joined: " << what;
}

void start_die_join(int instances, int connections, bool same_snapshot) {
  start_die_join(Scenario{instances, connections, same_snapshot});
}

TEST(LeasePlan, SpreadsEvenlyForOneToFourInstancesAndUpTo300Connections) {
  for (int instances = 1; instances <= 4; ++instances)
    for (int connections = 1; connections <= 300; connections += connections < 64 ? 1 : 11)
      start_die_join(instances, connections, false);
  for (int instances = 1; instances <= 4; ++instances) start_die_join(instances, 300, false);
}

TEST(LeasePlan, SpreadsEvenlyWhenInstancesPlanOnTheSameRows) {
  for (int instances = 1; instances <= 4; ++instances)
    for (int connections : {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 13, 17, 25, 50, 99, 100, 101, 299, 300})
      start_die_join(instances, connections, true);
}

// The runtime takes a while to stop a connection it gives up (calls in flight end first): the
// lease stays held meanwhile, counts for its owner, and is not given up twice.
TEST(LeasePlan, SpreadsEvenlyWhenReleasesTakeRounds) {
  for (int instances = 1; instances <= 4; ++instances)
    for (int connections : {1, 2, 3, 5, 7, 10, 13, 25, 50, 99, 100, 101, 300})
      for (int release_rounds : {1, 3})
        for (int max_release : {1, 4, 16})
          for (bool same_snapshot : {false, true})
            start_die_join(Scenario{instances, connections, same_snapshot, release_rounds, max_release});
}

// Rounds a newcomer (a rolling restart) needs to receive its share of 300 connections, with the
// default cap and with one lease a round (the cap at 1). Each lease moves once: only the
// newcomer takes any.
int rounds_to_join(int before, int max_release, int release_rounds = 0) {
  Cluster cluster(300);
  cluster.max_release = max_release;
  cluster.release_rounds = release_rounds;
  for (int i = 0; i < before; ++i) cluster.start(id(i));
  cluster.settle();
  const int acquired_before = cluster.acquisitions();
  cluster.start(id(before));
  const int rounds = cluster.settle();
  expect_even(cluster, std::to_string(before) + " to " + std::to_string(before + 1));
  EXPECT_EQ(cluster.owns(id(before)), 300U / (before + 1));
  EXPECT_EQ(cluster.acquisitions() - acquired_before, static_cast<int>(cluster.owns(id(before))))
      << "leases moved more than once on the way";
  return rounds;
}

TEST(LeasePlan, ANewcomerGetsItsShareOf300ConnectionsInAFewRounds) {
  for (int before = 1; before <= 3; ++before) {
    const int rounds = rounds_to_join(before, LeasePlanInput{}.max_release);
    EXPECT_LE(rounds, 12) << before << " to " << before + 1;
    // Stops that take two renew periods (calls in flight): at most 16 on their way out per
    // instance, so about twice as long.
    EXPECT_LE(rounds_to_join(before, LeasePlanInput{}.max_release, 2), 24) << before << " to " << before + 1;
    // One lease a round from each instance above its share, as with a cap of 1.
    EXPECT_GE(rounds_to_join(before, 1), 300 / (before + 1) / before) << before << " to " << before + 1;
  }
}

TEST(LeasePlan, AnInstanceAloneTakesEverythingAtOnce) {
  LeasePlanInput input;
  input.now = 5000;
  input.self = "a";
  input.connections = names(5);
  const auto plan = plan_leases(input);
  EXPECT_EQ(plan.take, 5);
  EXPECT_EQ(plan.candidates.size(), 5U);
  EXPECT_TRUE(plan.release.empty());
}

TEST(LeasePlan, OldestExpiredFirstAndNeverWhatIsHeldOrAvoided) {
  LeasePlanInput input;
  input.now = 10'000;
  input.self = "a";
  input.connections = {"never", "old", "recent", "held-by-b", "mine", "stopping"};
  input.live = {"a", "b"};
  input.leases = {{"old", "c", 3, 2000},
                  {"recent", "", 4, 9000},
                  {"held-by-b", "b", 1, 12'000},
                  {"mine", "a", 2, 12'000},
                  {"stopping", "", 1, 100}};
  input.held = {"mine"};
  input.avoid = {"stopping"};
  const auto plan = plan_leases(input);
  EXPECT_EQ(plan.candidates, (std::vector<std::string>{"never", "old", "recent"}));
  EXPECT_EQ(plan.take, 2);  // ceil(6 / 2) = 3, one held
}

TEST(LeasePlan, InstancesStartingTogetherReachForDifferentNamesFirst) {
  LeasePlanInput input;
  input.now = 10'000;
  input.connections = names(40);
  input.live = {"a", "b"};
  input.self = "a";
  const auto a = plan_leases(input);
  input.self = "b";
  const auto b = plan_leases(input);
  ASSERT_EQ(a.take, 20);
  ASSERT_EQ(b.take, 20);
  std::set<std::string> first_a(a.candidates.begin(), a.candidates.begin() + 20);
  int both = 0;
  for (int i = 0; i < 20; ++i) both += first_a.count(b.candidates[i]);
  EXPECT_LT(both, 16) << "both instances would go for mostly the same names";
}

TEST(LeasePlan, GivesUpSeveralAtOnceButNeverMoreOnTheirWayOutThanTheCap) {
  LeasePlanInput input;
  input.now = 10'000;
  input.self = "a";
  input.connections = names(40);
  input.live = {"a", "b"};
  for (const auto& name : input.connections) {
    input.leases.push_back({name, "a", 1, 12'000});
    input.held.insert(name);
  }
  input.max_release = 16;
  auto plan = plan_leases(input);
  ASSERT_EQ(plan.release.size(), 16U);  // 20 above its share of 20, at most 16 at once
  EXPECT_EQ(std::set<std::string>(plan.release.begin(), plan.release.end()).size(), 16U);
  for (const auto& name : plan.release) EXPECT_TRUE(input.held.count(name));

  // While those 16 are on their way out, nothing more; once 5 of them are gone, the last 4.
  input.releasing.insert(plan.release.begin(), plan.release.end());
  EXPECT_TRUE(plan_leases(input).release.empty());
  for (int i = 0; i < 5; ++i) {
    input.held.erase(plan.release[i]);
    input.releasing.erase(plan.release[i]);
    input.leases[std::stoi(plan.release[i].substr(3))].owner = "";
  }
  const auto rest = plan_leases(input);
  ASSERT_EQ(rest.release.size(), 4U);  // 35 held, 11 on their way out: 24, 4 above 20
  for (const auto& name : rest.release)
    EXPECT_FALSE(input.releasing.count(name)) << name << " given up twice";
  input.releasing.insert(rest.release.begin(), rest.release.end());
  EXPECT_TRUE(plan_leases(input).release.empty());  // down to its share: never below
}

TEST(LeasePlan, WithACapOfOneReleasesNothingWhileAReleaseIsUnderWay) {
  LeasePlanInput input;
  input.now = 10'000;
  input.self = "a";
  input.connections = names(4);
  input.live = {"a", "b"};
  input.max_release = 1;
  for (const auto& name : input.connections) {
    input.leases.push_back({name, "a", 1, 12'000});
    input.held.insert(name);
  }
  auto plan = plan_leases(input);
  ASSERT_EQ(plan.release.size(), 1U);  // 4 > ceil(4 / 2), one at a time
  input.releasing = {plan.release[0]};
  plan = plan_leases(input);
  EXPECT_TRUE(plan.release.empty());
  EXPECT_EQ(plan.take, 0);
}

TEST(LeasePlan, LeasesOfAGoneInstanceDoNotMakeTheOthersRelease) {
  // c's beat aged out but its leases have not expired yet: they count as free, nobody gives up
  // anything to make room; the survivors will take them once they expire.
  LeasePlanInput input;
  input.now = 10'000;
  input.self = "a";
  input.connections = names(9);
  input.live = {"a", "b"};
  for (int i = 0; i < 9; ++i)
    input.leases.push_back({"bot" + std::to_string(i), i < 3 ? "a" : i < 6 ? "b" : "c", 1, 11'000});
  input.held = {"bot0", "bot1", "bot2"};
  const auto plan = plan_leases(input);
  EXPECT_TRUE(plan.release.empty());
  EXPECT_TRUE(plan.candidates.empty());  // nothing free yet
  EXPECT_EQ(plan.take, 2);               // up to floor(9 / 2) = 4, then ceil 5 when it is there
}

}  // namespace
}  // namespace topicdesk::cluster
