// The Store contract, SetupStore: the setup bot's claimed admins, their languages and the one
// claim code, spent exactly once also when two stores (two desk instances) race for it. Every
// backend must pass it unchanged (store_backends.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::StoreContract;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class SetupStoreContract : public StoreContract {
 protected:
  // Another store on the same database, as another desk instance would open it (SQLite: as a
  // tool beside the desk, which waits for the other's write instead of failing fast).
  std::unique_ptr<Store> another_store() {
    if (GetParam().name == "sqlite_file") return open_sqlite(location_, OpenAs::kTool);
    return GetParam().open(location_);
  }
};

TEST_P(SetupStoreContract, TheClaimCodeWorksOnceAndMakesItsSenderAnAdmin) {
  EXPECT_FALSE(store_->setup_claim_code()) << "no code before one is written";
  EXPECT_FALSE(store_->claim_setup_admin("aa11", 42, 1000)) << "no code, no claim";
  store_->set_setup_claim_code("aa11", 5000);
  if (GetParam().persistent) reopen();
  auto kept = store_->setup_claim_code();
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->code_hash, "aa11");
  EXPECT_EQ(kept->expires_at, 5000);
  EXPECT_EQ(kept->used_by, 0);

  EXPECT_FALSE(store_->claim_setup_admin("bb22", 42, 1000)) << "another code claims nothing";
  EXPECT_FALSE(store_->is_claimed_setup_admin(42));
  EXPECT_TRUE(store_->claim_setup_admin("aa11", 42, 2000));
  EXPECT_TRUE(store_->is_claimed_setup_admin(42));
  EXPECT_FALSE(store_->claim_setup_admin("aa11", 43, 2001)) << "a code works once";
  EXPECT_FALSE(store_->is_claimed_setup_admin(43));
  kept = store_->setup_claim_code();
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->used_by, 42);
  EXPECT_EQ(kept->used_at, 2000);
  if (GetParam().persistent) reopen();
  EXPECT_THAT(store_->claimed_setup_admins(), ElementsAre(42));
}

TEST_P(SetupStoreContract, AnExpiredCodeClaimsNothingAndANewCodeReplacesTheOld) {
  store_->set_setup_claim_code("aa11", 5000);
  EXPECT_FALSE(store_->claim_setup_admin("aa11", 42, 5000)) << "valid strictly before expires_at";
  store_->set_setup_claim_code("bb22", 9000);
  EXPECT_FALSE(store_->claim_setup_admin("aa11", 42, 1000)) << "the old code is gone";
  EXPECT_TRUE(store_->claim_setup_admin("bb22", 42, 1000));
  // A new code after a used one is live again; a second claim by an admin keeps one row.
  store_->set_setup_claim_code("cc33", 9000);
  EXPECT_EQ(store_->setup_claim_code()->used_by, 0);
  EXPECT_TRUE(store_->claim_setup_admin("cc33", 42, 1500));
  EXPECT_THAT(store_->claimed_setup_admins(), ElementsAre(42));
}

TEST_P(SetupStoreContract, EachAdminsLanguageIsKeptAndChanged) {
  EXPECT_FALSE(store_->setup_language(42));
  store_->set_setup_language(42, "ru");
  store_->set_setup_language(43, "fa");
  if (GetParam().persistent) reopen();
  EXPECT_EQ(store_->setup_language(42), "ru");
  store_->set_setup_language(42, "de");
  EXPECT_EQ(store_->setup_language(42), "de");
  EXPECT_EQ(store_->setup_language(43), "fa");
  EXPECT_THAT(store_->claimed_setup_admins(), IsEmpty()) << "a language makes nobody an admin";
}

// Two desk instances on one database, two users sending the one code at the same moment:
// exactly one becomes an admin, every round.
TEST_P(SetupStoreContract, OfTwoConcurrentClaimsExactlyOneWins) {
  if (!GetParam().persistent) GTEST_SKIP() << "one in-memory database cannot be opened twice";
  auto one = another_store();
  auto other = another_store();
  for (int round = 0; round < 20; ++round) {
    const std::string hash = "code" + std::to_string(round);
    store_->set_setup_claim_code(hash, 1'000'000);
    const UserId first = 1000 + 2 * round;
    const UserId second = first + 1;
    std::atomic<int> ready{0};
    bool won_first = false;
    bool won_second = false;
    auto claim = [&](Store& store, UserId user, bool& won) {
      ready.fetch_add(1);
      while (ready.load() < 2) std::this_thread::yield();  // both start together
      won = store.claim_setup_admin(hash, user, 1000);
    };
    std::thread a([&] { claim(*one, first, won_first); });
    std::thread b([&] { claim(*other, second, won_second); });
    a.join();
    b.join();
    EXPECT_NE(won_first, won_second) << "round " << round;
    EXPECT_NE(store_->is_claimed_setup_admin(first), store_->is_claimed_setup_admin(second))
        << "round " << round;
    EXPECT_EQ(store_->setup_claim_code()->used_by, won_first ? first : second) << "round " << round;
  }
  EXPECT_EQ(other->claimed_setup_admins().size(), 20U);
}

TD_STORE_CONTRACT_SUITE(SetupStoreContract);

}  // namespace
}  // namespace topicdesk::store
