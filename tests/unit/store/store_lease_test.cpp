// The Store contract, LeaseStore: instances' beats, connection leases on the database's clock
// and fencing (lease_check). Every backend must pass it unchanged (store_backends.h); on
// PostgreSQL two stores (two connections) also show that a takeover waits for a fenced
// transaction under way.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "core/clock.h"
#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::eventually;
using test_support::StoreContract;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::int64_t kLong = 600'000;  // a lease that does not expire during a test
constexpr auto kDeadline = std::chrono::seconds(10);

class LeaseStoreContract : public StoreContract {
 protected:
  std::optional<LeaseRecord> lease(const std::string& connection) {
    for (const auto& l : store_->leases()) {
      if (l.connection == connection) return l;
    }
    return std::nullopt;
  }

  // Whether lease_check passes for `fence`, inside a transaction as the desk runs it.
  bool checks(const Fence& fence) {
    try {
      store_->transaction([&] { store_->lease_check(fence); });
      return true;
    } catch (const LeaseLost&) {
      return false;
    }
  }

  std::vector<std::string> instance_ids() {
    std::vector<std::string> out;
    for (const auto& i : store_->instances()) out.push_back(i.id);
    return out;
  }
};

TEST_P(LeaseStoreContract, AnInstanceAcquiresRenewsAndReleasesALease) {
  const auto before = store_->database_now();
  auto fence = store_->lease_acquire("support", "a", kLong);
  ASSERT_TRUE(fence);
  EXPECT_EQ(fence->connection, "support");
  EXPECT_EQ(fence->instance, "a");
  EXPECT_EQ(fence->generation, 1);
  auto held = lease("support");
  ASSERT_TRUE(held);
  EXPECT_EQ(held->owner, "a");
  EXPECT_GE(held->expires_at, before + kLong) << "expires ttl from the database's now";
  EXPECT_TRUE(checks(*fence));

  EXPECT_TRUE(store_->lease_renew(*fence, 2 * kLong));
  EXPECT_GE(lease("support")->expires_at, before + 2 * kLong);
  EXPECT_EQ(lease("support")->generation, 1) << "a renewal keeps the generation";

  store_->lease_release(*fence);
  EXPECT_EQ(lease("support")->owner, "") << "released: nobody owns it";
  EXPECT_FALSE(checks(*fence));
  EXPECT_FALSE(store_->lease_renew(*fence, kLong)) << "a released lease is not ours to renew";
  const Fence nobody{"support", "", 1};
  EXPECT_FALSE(store_->lease_renew(nobody, kLong)) << "no fence names the empty owner";
  EXPECT_FALSE(checks(nobody));
}

TEST_P(LeaseStoreContract, ALiveLeaseIsNotTakenAnExpiredOrReleasedOneIs) {
  auto a = store_->lease_acquire("support", "a", kLong);
  ASSERT_TRUE(a);
  EXPECT_FALSE(store_->lease_acquire("support", "b", kLong)) << "a holds it";
  EXPECT_FALSE(store_->lease_acquire("support", "a", kLong))
      << "a renews what it holds, it does not take it again";

  ASSERT_TRUE(store_->lease_renew(*a, 0));  // expires at once
  auto b = store_->lease_acquire("support", "b", kLong);
  ASSERT_TRUE(b) << "an expired lease is taken";
  EXPECT_EQ(b->generation, 2);

  store_->lease_release(*b);
  auto c = store_->lease_acquire("support", "c", kLong);
  ASSERT_TRUE(c) << "a released lease is taken without waiting";
  EXPECT_EQ(c->generation, 3);
}

TEST_P(LeaseStoreContract, TheGenerationGrowsOnEveryChangeOfOwner) {
  std::vector<std::int64_t> generations;
  for (const char* instance : {"a", "b", "a", "c"}) {
    auto fence = store_->lease_acquire("support", instance, 0);  // ttl 0: expired at once
    ASSERT_TRUE(fence) << instance;
    generations.push_back(fence->generation);
  }
  EXPECT_THAT(generations, ElementsAre(1, 2, 3, 4));
  EXPECT_EQ(lease("support")->owner, "c");
}

TEST_P(LeaseStoreContract, AfterATakeoverTheFormerOwnerCanNeitherRenewNorCommit) {
  auto a = store_->lease_acquire("support", "a", 0);
  ASSERT_TRUE(a);
  auto b = store_->lease_acquire("support", "b", kLong);
  ASSERT_TRUE(b);
  EXPECT_FALSE(store_->lease_renew(*a, kLong));
  try {
    store_->transaction([&] { store_->lease_check(*a); });
    ADD_FAILURE() << "lease_check passed for the former owner";
  } catch (const LeaseLost& lost) {
    EXPECT_EQ(lost.connection(), "support");
    EXPECT_EQ(lost.kind(), StoreError::Kind::kFatal);
    EXPECT_FALSE(lost.transient());
    EXPECT_THAT(lost.what(), HasSubstr("support"));
  }
  store_->lease_release(*a);  // moved on already: changes nothing
  EXPECT_EQ(lease("support")->owner, "b");
  EXPECT_TRUE(checks(*b));
}

TEST_P(LeaseStoreContract, AFencedWriteIsRolledBackWhenTheLeaseMovedOn) {
  auto a = store_->lease_acquire("support", "a", 0);
  ASSERT_TRUE(store_->lease_acquire("support", "b", kLong));
  EXPECT_THROW(store_->transaction([&] {
    store_->state_set(conn_, "fenced", "written");
    store_->lease_check(*a);
  }),
               LeaseLost);
  EXPECT_FALSE(store_->state_get(conn_, "fenced")) << "nothing of the fenced transaction is kept";
}

TEST_P(LeaseStoreContract, AnExpiredLeaseNobodyTookFailsTheCheckUntilRenewed) {
  auto a = store_->lease_acquire("support", "a", 0);
  ASSERT_TRUE(a);
  EXPECT_FALSE(checks(*a)) << "expired on the database's clock";
  EXPECT_TRUE(store_->lease_renew(*a, kLong)) << "nobody owned it in between";
  EXPECT_TRUE(checks(*a));
  EXPECT_EQ(lease("support")->generation, 1);
}

TEST_P(LeaseStoreContract, LeasesOfConnectionsAreIndependentAndListedByName) {
  ASSERT_TRUE(store_->lease_acquire("sales", "a", kLong));
  ASSERT_TRUE(store_->lease_acquire("billing", "b", kLong));
  auto leases = store_->leases();
  ASSERT_EQ(leases.size(), 2u);
  EXPECT_EQ(leases[0].connection, "billing");
  EXPECT_EQ(leases[0].owner, "b");
  EXPECT_EQ(leases[1].connection, "sales");
  EXPECT_EQ(leases[1].owner, "a");
  EXPECT_FALSE(checks(Fence{"sales", "b", 1})) << "b owns billing, not sales";
}

TEST_P(LeaseStoreContract, InstancesBeatLeaveAndAreForgotten) {
  const auto before = store_->database_now();
  const auto first = store_->instance_beat("a", "10.0.0.1:8080", 111);
  EXPECT_GE(first, before);
  store_->instance_beat("b", "10.0.0.2:8080", 222);
  auto all = store_->instances();
  ASSERT_EQ(all.size(), 2u);
  const auto& a = all[0].id == "a" ? all[0] : all[1];
  EXPECT_EQ(a.address, "10.0.0.1:8080");
  EXPECT_EQ(a.local_at, 111);
  EXPECT_EQ(a.started_at, first);
  EXPECT_EQ(a.seen_at, first);

  // a beats again once the database's clock moved: it is the newest, started when it was.
  ASSERT_TRUE(eventually([&] { return store_->database_now() > first; }, kDeadline));
  const auto again = store_->instance_beat("a", "10.0.0.1:9090", 333);
  EXPECT_GT(again, first);
  all = store_->instances();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "a") << "newest beat first";
  EXPECT_EQ(all[0].started_at, first);
  EXPECT_EQ(all[0].seen_at, again);
  EXPECT_EQ(all[0].local_at, 333);
  EXPECT_EQ(all[0].address, "10.0.0.1:9090");

  store_->instance_leave("a");
  EXPECT_THAT(instance_ids(), ElementsAre("b"));
  const auto b_seen = store_->instances().at(0).seen_at;
  ASSERT_TRUE(eventually([&] { return store_->database_now() > b_seen; }, kDeadline));
  store_->instance_beat("c", "", 0);
  store_->instance_forget_before(b_seen + 1);  // b's beat is older than c's
  EXPECT_THAT(instance_ids(), ElementsAre("c"));
}

TEST_P(LeaseStoreContract, TheDatabaseClockMovesAndIsNearOurs) {
  const auto first = store_->database_now();
  EXPECT_LT(std::abs(first - core::unix_millis_now()), 60'000) << "the test server runs on this machine";
  EXPECT_TRUE(eventually([&] { return store_->database_now() > first; }, kDeadline));
}

TD_STORE_CONTRACT_SUITE(LeaseStoreContract);

// PostgreSQL: a takeover waits for the former owner's fenced transaction under way, and that
// owner's next fenced transaction fails. Two stores are two connections, as two instances.
TEST(LeaseStorePostgres, ATakeoverWaitsForAFencedTransactionUnderWay) {
  auto backend = test_support::postgres_backend();
  if (!backend) GTEST_SKIP() << "postgres: no test server (TOPICDESK_TEST_PG)";
  const auto location = backend->new_location();
  {
    auto a = backend->open(location);
    auto b = backend->open(location);
    auto fence = a->lease_acquire("support", "a", 300);
    ASSERT_TRUE(fence);

    std::promise<void> checked;
    std::promise<void> finish;
    auto finish_signal = finish.get_future();
    std::thread owner([&] {
      a->transaction([&] {
        a->lease_check(*fence);  // passes and holds the lease row until the commit
        a->state_set(a->ensure_connection("support", 111, test_support::kGroup), "fenced", "written");
        checked.set_value();
        finish_signal.wait();
      });
    });
    auto checked_signal = checked.get_future();
    ASSERT_EQ(checked_signal.wait_for(kDeadline), std::future_status::ready);

    // The lease expires on the database's clock while the fenced transaction is still open.
    const auto expires_at = b->leases().at(0).expires_at;
    ASSERT_TRUE(eventually([&] { return b->database_now() > expires_at; }, kDeadline));
    auto takeover = std::async(std::launch::async, [&] { return b->lease_acquire("support", "b", kLong); });
    EXPECT_EQ(takeover.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
        << "the takeover waits for the fenced transaction";

    finish.set_value();
    owner.join();
    ASSERT_EQ(takeover.wait_for(kDeadline), std::future_status::ready);
    auto taken = takeover.get();
    ASSERT_TRUE(taken) << "after the commit the expired lease is taken";
    EXPECT_EQ(taken->generation, 2);
    EXPECT_EQ(b->state_get(b->ensure_connection("support", 111, test_support::kGroup), "fenced"), "written")
        << "the commit under way was kept";
    EXPECT_THROW(a->transaction([&] { a->lease_check(*fence); }), LeaseLost);
    EXPECT_NO_THROW(b->transaction([&] { b->lease_check(*taken); }));
  }
  backend->remove(location);
}

}  // namespace
}  // namespace topicdesk::store
