// The lease keeper on a real io_context with a short lease time: instances share the
// connections, a killed instance's connections are taken within the lease time, an instance
// cut off from the database stops sending before anyone else can start, a graceful stop hands
// over at once, and a former owner's writes are refused.
#include "cluster/lease_keeper.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "fake_lease_store.h"

namespace topicdesk::cluster {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::FakeLeaseStore;
using testing::FlakyLeaseStore;

constexpr auto kTtl = 300ms;
constexpr auto kRenew = kTtl / 4;
// Timers on a loaded test machine fire late; what a bound in these tests allows beyond the rule.
constexpr auto kJitter = 200ms;

LeaseKeeperOptions short_leases() {
  LeaseKeeperOptions options;
  options.ttl = kTtl;
  return options;
}

std::vector<std::string> names(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("bot" + std::to_string(i));
  return out;
}
core::ConnectionId id_of(const std::string& name) { return 100 + std::stoi(name.substr(3)); }

// One desk instance: its keeper, its own way to the database, and what the runtime was told.
struct Node {
  Node(asio::io_context& io, FakeLeaseStore& database, const std::string& id, int connections,
       bool hold_releases = false, LeaseKeeperOptions options = short_leases())
      : view(database) {
    LeaseKeeperHooks hooks;
    hooks.on_acquired = [this](const std::string& name, const store::Fence& fence) {
      acquired.push_back(name);
      if (on_acquired) on_acquired(name);
      EXPECT_EQ(fence.connection, name);
    };
    hooks.on_lost = [this](const std::string& name) { lost.push_back(name); };
    hooks.on_release = [this, hold_releases](const std::string& name, std::function<void()> released) {
      if (hold_releases)
        releases.emplace_back(name, std::move(released));
      else
        released();  // the connection stops at once
    };
    keeper = std::make_unique<LeaseKeeper>(io.get_executor(), view, id, id + ":8080", names(connections),
                                           std::move(hooks), options);
    for (const auto& name : names(connections)) keeper->bind(name, id_of(name));
  }
  std::size_t owns() const { return keeper->owned().size(); }

  FlakyLeaseStore view;
  std::unique_ptr<LeaseKeeper> keeper;
  std::vector<std::string> acquired;
  std::vector<std::string> lost;
  std::vector<std::pair<std::string, std::function<void()>>> releases;
  std::function<void(const std::string&)> on_acquired;
};

// Runs the io_contexts in turn until `done` (false, and a failure, after `deadline`).
template <typename Pred>
bool run_until(std::vector<asio::io_context*> ios, Pred done, std::chrono::milliseconds deadline = 5000ms) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) {
      ADD_FAILURE() << "condition not reached in time";
      return false;
    }
    for (auto* io : ios) {
      io->restart();
      io->run_for(5ms);
    }
  }
  return true;
}

std::set<std::string> owned_by(const std::vector<Node*>& nodes) {
  std::set<std::string> all;
  for (auto* node : nodes)
    for (const auto& name : node->keeper->owned())
      EXPECT_TRUE(all.insert(name).second) << name << " owned twice";
  return all;
}

TEST(LeaseKeeper, TwoInstancesStartedTogetherRunThreeConnectionsEach) {
  asio::io_context io;
  FakeLeaseStore database;
  Node a(io, database, "a", 6), b(io, database, "b", 6);
  a.keeper->start();
  b.keeper->start();
  ASSERT_TRUE(run_until({&io}, [&] { return a.owns() == 3 && b.owns() == 3; }));
  EXPECT_EQ(owned_by({&a, &b}).size(), 6U);
  for (const auto& name : a.keeper->owned()) {
    EXPECT_EQ(database.owner(name), "a");
    EXPECT_TRUE(a.keeper->may_send(id_of(name)));
    EXPECT_NO_THROW(a.keeper->check(id_of(name)));
  }
  EXPECT_EQ(a.acquired.size(), 3U);  // nothing moved back and forth on the way
  EXPECT_EQ(b.acquired.size(), 3U);
  EXPECT_TRUE(a.lost.empty());
  EXPECT_TRUE(b.lost.empty());
}

TEST(LeaseKeeper, AKilledInstancesConnectionsAreTakenWithinTheLeaseTimeAndARenewPeriod) {
  asio::io_context io;
  FakeLeaseStore database;
  auto a = std::make_unique<Node>(io, database, "a", 6);
  Node b(io, database, "b", 6);
  a->keeper->start();
  b.keeper->start();
  ASSERT_TRUE(run_until({&io}, [&] { return a->owns() == 3 && b.owns() == 3; }));

  auto& metrics = core::Metrics::global();
  auto& taken = metrics.counter("topicdesk_cluster_lease_moves_total", "", "kind=\"taken\"");
  const double taken_before = taken.value();
  a.reset();  // no stop(): nothing released, no leave, as a killed process
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until({&io}, [&] { return b.owns() == 6; }));
  EXPECT_EQ(taken.value() - taken_before, 3) << "/metrics counts the takeovers";
  ASSERT_TRUE(run_until({&io}, [&] {
    return metrics.gauge("topicdesk_cluster_instances_alive", "").value() == 1;
  })) << "/metrics: the killed instance is gone once its beat is older than the lease time";
  const auto took = std::chrono::steady_clock::now() - killed;
  EXPECT_LE(took, kTtl + kRenew + kJitter)
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  EXPECT_EQ(database.acquired_expired, 3);  // they had to expire: nobody released them
  EXPECT_TRUE(b.lost.empty());
}

TEST(LeaseKeeper, AnInstanceCutOffFromTheDatabaseStopsSendingBeforeAnotherTakesOver) {
  asio::io_context io;
  FakeLeaseStore database;
  Node a(io, database, "a", 4), b(io, database, "b", 4);
  a.keeper->start();
  b.keeper->start();
  ASSERT_TRUE(run_until({&io}, [&] { return a.owns() == 2 && b.owns() == 2; }));
  const auto a_had = a.keeper->owned();

  // Whenever b starts running one of a's connections, a must have stopped sending for it.
  int checked = 0;
  b.on_acquired = [&](const std::string& name) {
    EXPECT_FALSE(a.keeper->may_send(id_of(name))) << "a still sends for " << name << " while b runs it";
    ++checked;
  };
  a.view.failing = true;
  ASSERT_TRUE(run_until({&io}, [&] { return a.lost.size() == 2 && b.owns() == 4; }));
  EXPECT_EQ(checked, 2);
  EXPECT_EQ(std::set<std::string>(a.lost.begin(), a.lost.end()),
            std::set<std::string>(a_had.begin(), a_had.end()));
  for (const auto& name : a_had) {
    EXPECT_FALSE(a.keeper->may_send(id_of(name)));
    EXPECT_THROW(a.keeper->check(id_of(name)), store::LeaseLost);
  }
  EXPECT_TRUE(a.keeper->owned().empty());

  // The store errors did not end a's rounds: once the database answers again, a rejoins and b
  // hands two connections back.
  a.view.failing = false;
  ASSERT_TRUE(run_until({&io}, [&] { return a.owns() == 2 && b.owns() == 2; }));
  EXPECT_EQ(owned_by({&a, &b}).size(), 4U);
}

TEST(LeaseKeeper, AGracefulStopHandsTheConnectionsOverWithoutWaitingForTheLeaseTime) {
  asio::io_context io;
  FakeLeaseStore database;
  Node a(io, database, "a", 6), b(io, database, "b", 6);
  a.keeper->start();
  b.keeper->start();
  ASSERT_TRUE(run_until({&io}, [&] { return a.owns() == 3 && b.owns() == 3; }));
  const auto a_had = a.keeper->owned();

  a.keeper->stop();
  EXPECT_TRUE(a.keeper->owned().empty());
  for (const auto& name : a_had) {
    EXPECT_EQ(database.owner(name), "");
    EXPECT_FALSE(a.keeper->may_send(id_of(name)));
    EXPECT_THROW(a.keeper->check(id_of(name)), store::LeaseLost);
  }
  EXPECT_TRUE(database.instances().size() == 1 && database.instances()[0].id == "b");
  ASSERT_TRUE(run_until({&io}, [&] { return b.owns() == 6; }));
  EXPECT_EQ(database.acquired_released, 3);  // taken as released, not after expiring
  EXPECT_EQ(database.acquired_expired, 0);
}

TEST(LeaseKeeper, AFormerOwnerThatWasPausedCannotCommitAfterATakeover) {
  asio::io_context io_a, io_b;
  FakeLeaseStore database;
  Node a(io_a, database, "a", 6), b(io_b, database, "b", 6);
  a.keeper->start();
  b.keeper->start();
  ASSERT_TRUE(run_until({&io_a, &io_b}, [&] { return a.owns() == 3 && b.owns() == 3; }));
  const auto a_had = a.keeper->owned();

  // a is paused (its event loop does not run); b takes over once a's leases expire.
  ASSERT_TRUE(run_until({&io_b}, [&] { return b.owns() == 6; }));
  ASSERT_EQ(a.keeper->owned(), a_had);  // a has not noticed yet
  const int checks_before = database.checks;
  for (const auto& name : a_had) {
    EXPECT_FALSE(a.keeper->may_send(id_of(name)));
    EXPECT_THROW(a.keeper->check(id_of(name)), store::LeaseLost);  // refused by the database
    EXPECT_NO_THROW(b.keeper->check(id_of(name)));
  }
  EXPECT_EQ(database.checks, checks_before + 2 * static_cast<int>(a_had.size()));

  // a wakes up: its renewals fail and it lets the connections go.
  ASSERT_TRUE(run_until({&io_a, &io_b}, [&] { return a.lost.size() == 3; }));
  for (const auto& name : a_had) EXPECT_EQ(database.owner(name), "b");
}

TEST(LeaseKeeper, ALateInstanceGetsItsShareInGracefulHandoversSeveralAtOnceUpToTheCap) {
  asio::io_context io;
  FakeLeaseStore database;
  auto options = short_leases();
  options.max_release_per_round = 3;
  Node a(io, database, "a", 8, /*hold_releases=*/true, options), b(io, database, "b", 8);
  a.keeper->start();
  ASSERT_TRUE(run_until({&io}, [&] { return a.owns() == 8; }));
  b.keeper->start();

  // a gives up 4 of its 8: three at once (the cap), each stopped by the runtime on its own.
  ASSERT_TRUE(run_until({&io}, [&] { return a.releases.size() == 3; }));
  std::set<std::string> first;
  for (const auto& [name, released] : a.releases) first.insert(name);
  ASSERT_EQ(first.size(), 3U);
  // While the runtime stops them, a keeps the leases renewed and may still send; nothing else
  // is given up in the meantime, for longer than the lease time.
  auto a_seen = [&] {
    for (const auto& instance : database.instances())
      if (instance.id == "a") return instance.seen_at;
    return core::UnixMillis{0};
  };
  const auto seen = a_seen();
  ASSERT_TRUE(run_until({&io}, [&] {
    return a_seen() > seen + std::chrono::duration_cast<std::chrono::milliseconds>(kTtl).count();
  }));
  for (const auto& name : first) {
    EXPECT_EQ(database.owner(name), "a");
    EXPECT_TRUE(a.keeper->may_send(id_of(name)));
  }
  EXPECT_EQ(a.releases.size(), 3U);
  EXPECT_EQ(b.owns(), 0U);

  // Each released() hands over its own connection, in whatever order the runtime finishes; the
  // fourth may start once fewer than three are on their way out.
  auto releases = std::move(a.releases);
  a.releases.clear();
  std::reverse(releases.begin(), releases.end());
  std::size_t in_flight = releases.size();
  for (auto& [name, released] : releases) {
    released();
    --in_flight;
    ASSERT_TRUE(run_until({&io}, [&, name = name] { return database.owner(name) == "b"; }));
    EXPECT_FALSE(a.keeper->may_send(id_of(name)));
    EXPECT_LE(in_flight + a.releases.size(), 3U) << "more than three on their way out";
  }
  ASSERT_TRUE(run_until({&io}, [&] { return a.releases.size() == 1; }));
  const std::string last = a.releases[0].first;
  EXPECT_FALSE(first.count(last));
  a.releases[0].second();
  ASSERT_TRUE(run_until({&io}, [&] { return a.owns() == 4 && b.owns() == 4; }));
  EXPECT_EQ(database.owner(last), "b");
  EXPECT_EQ(a.releases.size(), 1U);  // nothing more given up
  EXPECT_TRUE(a.lost.empty());
  EXPECT_EQ(database.acquired_released, 4);
}

TEST(LeaseKeeper, ConnectionsNeverHeldHereAreNotFenced) {
  asio::io_context io;
  FakeLeaseStore database;
  ASSERT_TRUE(database.lease_acquire("bot0", "elsewhere", 60'000));
  Node a(io, database, "a", 1);
  EXPECT_NO_THROW(a.keeper->check(id_of("bot0")));  // bound, never held
  EXPECT_TRUE(a.keeper->may_send(id_of("bot0")));
  EXPECT_NO_THROW(a.keeper->check(999));  // not bound
  EXPECT_TRUE(a.keeper->may_send(999));
  EXPECT_EQ(database.checks, 0);
}

TEST(LeaseKeeper, OldInstancesAreForgotten) {
  asio::io_context io;
  core::UnixMillis now = 1'000'000;
  FakeLeaseStore database([&now] { return now; });
  database.instance_beat("long-gone", "x:1", 0);
  now += 10 * 300 + 1;  // ten lease times
  Node a(io, database, "a", 1);
  a.keeper->start();
  ASSERT_TRUE(run_until({&io}, [&] {
    const auto instances = database.instances();
    return instances.size() == 1 && instances[0].id == "a";
  }));
}

TEST(LeaseKeeper, AHookThatThrowsDoesNotEndTheRounds) {
  asio::io_context io;
  FakeLeaseStore database;
  Node a(io, database, "a", 2);
  a.on_acquired = [](const std::string&) { throw std::runtime_error("the runtime could not start it"); };
  a.keeper->start();
  ASSERT_TRUE(run_until({&io}, [&] { return a.owns() == 2; }));
  // Rounds go on: the leases are renewed past their first lease time.
  const auto fence = a.keeper->fence("bot0");
  ASSERT_TRUE(fence);
  const auto until =
      database.database_now() + 2 * std::chrono::duration_cast<std::chrono::milliseconds>(kTtl).count();
  ASSERT_TRUE(run_until({&io}, [&] { return database.database_now() > until; }));
  EXPECT_EQ(database.owner("bot0"), "a");
  EXPECT_NO_THROW(database.lease_check(*fence));
  EXPECT_TRUE(a.keeper->may_send(id_of("bot0")));
  EXPECT_TRUE(a.lost.empty());
}

TEST(LeaseKeeper, InstanceIdsDiffer) { EXPECT_NE(new_instance_id(), new_instance_id()); }

}  // namespace
}  // namespace topicdesk::cluster
