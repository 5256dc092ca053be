// The Store contract, the unit of work and the schema: migrations, transactions across concerns.
// Every backend must pass it unchanged (store_backends.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "store/sql/sql_store.h"
#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::kGroup;
using test_support::kOtherGroup;
using test_support::StoreContract;
using ::testing::ElementsAre;

class SchemaContract : public StoreContract {};

TEST_P(SchemaContract, OpenAppliesMigrationsAndMigrateAgainIsANoOp) {
  int version = store_->schema_version();
  EXPECT_GE(version, 1);
  store_->state_set(conn_, "offset", "42");
  store_->migrate();
  store_->migrate();
  EXPECT_EQ(store_->schema_version(), version);
  EXPECT_EQ(store_->state_get(conn_, "offset"), "42");
}

TEST_P(SchemaContract, ASchemaNewerThanThisBinaryIsRefused) {
  if (!GetParam().persistent) GTEST_SKIP() << "in-memory database";
  const int newer = store_->schema_version() + 1;
  sql_store(*store_).exec_for_tests("INSERT INTO schema_migrations(version, name, applied_at) VALUES (" +
                                    std::to_string(newer) + ", 'from the future', 0)");
  store_.reset();
  try {
    store_ = GetParam().open(location_);
    FAIL() << "a database of a newer topicdesk was opened";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), ::testing::HasSubstr("has schema version " + std::to_string(newer) +
                                                   ", newer than this topicdesk knows (" +
                                                   std::to_string(newer - 1) + ")"));
    EXPECT_FALSE(error.transient());
  }
}

TEST_P(SchemaContract, AConstraintViolationIsNotTransient) {
  try {
    store_->create_dialog(999, 1, kGroup, 1);
    FAIL() << "a dialog of an unknown connection was created";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.kind(), StoreError::Kind::kOther);
    EXPECT_FALSE(error.transient());
  }
  EXPECT_TRUE(store_->create_dialog(conn_, 1, kGroup, 1).id > 0) << "the store works on";
}

TEST_P(SchemaContract, ReopeningKeepsData) {
  if (!GetParam().persistent) GTEST_SKIP() << "in-memory database";
  auto dialog = store_->create_dialog(conn_, 500, kGroup, 1000);
  ASSERT_TRUE(store_->inbox_add(conn_, 7, "{}"));
  auto job_id = store_->outbox_add(job("chat:500"));
  store_->timer_set(conn_, "album:1", 5000, "p");
  reopen();
  EXPECT_EQ(store_->dialog(dialog.id)->user_id, 500);
  EXPECT_FALSE(store_->inbox_add(conn_, 7, "{}")) << "dedupe survives a restart";
  EXPECT_THAT(ready_ids(0), ElementsAre(job_id));
  EXPECT_TRUE(store_->timer_get(conn_, "album:1").has_value());
  EXPECT_EQ(store_->ensure_connection("support", 111, kGroup), conn_);
}

TD_STORE_CONTRACT_SUITE(SchemaContract);

class UnitOfWorkContract : public StoreContract {};

TEST_P(UnitOfWorkContract, TransactionCommitsEverything) {
  store_->transaction([&] {
    store_->inbox_add(conn_, 1, "x");
    store_->outbox_add(job("chat:a"));
    store_->state_set(conn_, "k", "v");
  });
  EXPECT_EQ(store_->inbox_pending(conn_, 10).size(), 1u);
  EXPECT_EQ(ready_ids(0).size(), 1u);
  EXPECT_EQ(store_->state_get(conn_, "k"), "v");
}

TEST_P(UnitOfWorkContract, TransactionRollsBackAndRethrows) {
  store_->state_set(conn_, "k", "before");
  EXPECT_THROW(store_->transaction([&] {
    store_->state_set(conn_, "k", "during");
    store_->outbox_add(job("chat:a"));
    store_->create_dialog(conn_, 500, kGroup, 1);
    throw std::logic_error("relay bug");
  }),
               std::logic_error);
  EXPECT_EQ(store_->state_get(conn_, "k"), "before");
  EXPECT_THAT(ready_ids(0), ElementsAre()) << "queue heads roll back with the jobs";
  EXPECT_FALSE(store_->dialog_by_user(conn_, 500));
  // The store stays usable and a later job becomes a head normally.
  auto a = store_->outbox_add(job("chat:a"));
  EXPECT_THAT(ready_ids(0), ElementsAre(a));
}

TEST_P(UnitOfWorkContract, NestedTransactionsJoinTheOuterOne) {
  EXPECT_THROW(store_->transaction([&] {
    store_->transaction([&] { store_->state_set(conn_, "inner", "1"); });
    store_->state_set(conn_, "outer", "1");
    throw std::runtime_error("late failure");
  }),
               std::runtime_error);
  EXPECT_FALSE(store_->state_get(conn_, "inner")) << "inner work rolled back with the outer";
  EXPECT_FALSE(store_->state_get(conn_, "outer"));

  store_->transaction([&] { store_->transaction([&] { store_->state_set(conn_, "inner", "2"); }); });
  EXPECT_EQ(store_->state_get(conn_, "inner"), "2");
}

TEST_P(UnitOfWorkContract, StoreErrorInsideTransactionRollsBack) {
  EXPECT_THROW(store_->transaction([&] {
    store_->state_set(conn_, "k", "v");
    store_->create_dialog(conn_ + 100, 1, kGroup, 1);  // foreign key violation
  }),
               StoreError);
  EXPECT_FALSE(store_->state_get(conn_, "k"));
}

TEST_P(UnitOfWorkContract, ConcurrentTransactionsDoNotInterleave) {
  constexpr int kPerThread = 200;
  auto worker = [&](const std::string& queue) {
    for (int i = 0; i < kPerThread; ++i) {
      store_->transaction([&] {
        auto n = std::stoi(store_->state_get(conn_, "n").value_or("0"));
        store_->outbox_add(job(queue));
        store_->state_set(conn_, "n", std::to_string(n + 1));
      });
    }
  };
  std::thread a(worker, "chat:a");
  std::thread b(worker, "chat:b");
  a.join();
  b.join();
  EXPECT_EQ(store_->state_get(conn_, "n"), std::to_string(2 * kPerThread));
  EXPECT_EQ(store_->outbox_stats().pending, 2 * kPerThread);
}

TD_STORE_CONTRACT_SUITE(UnitOfWorkContract);

}  // namespace
}  // namespace topicdesk::store
