// What only the PostgreSQL store does (the contract suite covers the rest): a lost connection,
// the server named in errors without its password, migrations of two processes at once, and
// the fault plan on explicit commits. Skipped unless TOPICDESK_TEST_PG names a test server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <future>
#include <string>

#include "store/sql/sql_store.h"
#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::kGroup;
using ::testing::HasSubstr;
using ::testing::Not;

std::string admin_uri() {
  const char* uri = std::getenv("TOPICDESK_TEST_PG");
  return uri != nullptr ? uri : "";
}

// Runs `sql` as the admin; returns the first value of the first row ("" if none).
std::string admin_query(const std::string& sql) {
  PGconn* conn = PQconnectdb(admin_uri().c_str());
  EXPECT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);  // DROP ... CASCADE lists every table
  PGresult* result = PQexec(conn, sql.c_str());
  EXPECT_TRUE(PQresultStatus(result) == PGRES_TUPLES_OK || PQresultStatus(result) == PGRES_COMMAND_OK)
      << PQresultErrorMessage(result);
  std::string value = PQntuples(result) > 0 ? PQgetvalue(result, 0, 0) : "";
  PQclear(result);
  PQfinish(conn);
  return value;
}

class PostgresStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto backend = test_support::postgres_backend();
    if (!backend) GTEST_SKIP() << "TOPICDESK_TEST_PG is not set";
    backend_ = *backend;
    location_ = backend_.new_location();
    // The store's session, found by its name on the server.
    application_name_ = "td_store_test_" + std::to_string(::getpid());
    uri_ = location_ + "&application_name=" + application_name_;
    store_ = open_postgres(uri_);
    conn_ = store_->ensure_connection("support", 1, kGroup);
  }
  void TearDown() override {
    store_.reset();
    if (!location_.empty()) backend_.remove(location_);
  }

  // Ends the store's server session, as a server restart or a network cut would.
  void cut_the_connection() {
    ASSERT_EQ(admin_query(
                  "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" +
                  application_name_ + "'"),
              "1");
  }

  test_support::Backend backend_;
  std::string location_;
  std::string application_name_;
  std::string uri_;
  std::unique_ptr<Store> store_;
  ConnectionId conn_ = 0;
};

TEST_F(PostgresStore, ALostConnectionFailsTheCallAsBusyAndTheNextCallWorks) {
  store_->state_set(conn_, "offset", "42");
  cut_the_connection();
  try {
    store_->state_get(conn_, "offset");
    FAIL() << "a call on a lost connection succeeded";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.kind(), StoreError::Kind::kBusy) << error.what();
    EXPECT_TRUE(error.transient());
    EXPECT_THAT(error.what(), HasSubstr("state_get"));
  }
  EXPECT_EQ(store_->state_get(conn_, "offset"), "42") << "reconnected; statements prepared again";
}

TEST_F(PostgresStore, AUnitCutOffHalfWayLeavesNothingAndCanBeRetried) {
  auto unit = [&](bool cut) {
    store_->transaction([&] {
      store_->state_set(conn_, "a", "1");
      if (cut) cut_the_connection();
      store_->state_set(conn_, "b", "2");
    });
  };
  try {
    unit(true);
    FAIL() << "the unit went through";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.kind(), StoreError::Kind::kBusy) << error.what();
  }
  EXPECT_FALSE(store_->state_get(conn_, "a")) << "nothing of the unit is kept";
  unit(false);
  EXPECT_EQ(store_->state_get(conn_, "a"), "1");
  EXPECT_EQ(store_->state_get(conn_, "b"), "2");
}

TEST_F(PostgresStore, AUnitThatCarriesOnAfterLosingItsConnectionCommitsNothing) {
  try {
    store_->transaction([&] {
      store_->state_set(conn_, "a", "1");
      cut_the_connection();
      EXPECT_THROW(store_->state_set(conn_, "b", "2"), StoreError);
      store_->state_set(conn_, "c", "3");  // a caller that swallowed the error
    });
    FAIL() << "the unit went through";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.kind(), StoreError::Kind::kBusy) << error.what();
  }
  EXPECT_FALSE(store_->state_get(conn_, "a"));
  EXPECT_FALSE(store_->state_get(conn_, "c")) << "no half of the unit is committed on the new session";
}

TEST_F(PostgresStore, ErrorsNameTheStatementAndTheServerButNeverThePassword) {
  const std::string password = "s3cret-Passw0rd";
  // A server that does not answer: the socket folder does not exist.
  try {
    open_postgres("postgresql://desk:" + password + "@/topicdesk?host=/nonexistent-td-folder&port=5999");
    FAIL() << "connected to nothing";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("/nonexistent-td-folder:5999/topicdesk"));
    EXPECT_THAT(error.what(), Not(HasSubstr(password)));
    EXPECT_TRUE(error.transient()) << "the server may come back";
  }
  // A URI libpq cannot read is not echoed.
  try {
    open_postgres("postgresql://desk:" + password + "@host/db?no_such_option=%zz");
    FAIL() << "an unreadable URI was used";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("not one libpq reads"));
    EXPECT_THAT(error.what(), Not(HasSubstr(password)));
    EXPECT_FALSE(error.transient());
  }
  // The test server, a database it does not have.
  auto uri = admin_uri();
  auto at = uri.find("@");
  ASSERT_NE(at, std::string::npos) << "TOPICDESK_TEST_PG is expected to be a URI with a user";
  auto slash = uri.find('/', at);
  auto query = uri.find('?', at);
  auto wrong = uri.substr(0, at) + ":" + password + uri.substr(at, slash - at) + "/no_such_database_td" +
               (query == std::string::npos ? "" : uri.substr(query));
  try {
    open_postgres(wrong);
    FAIL() << "opened a database that does not exist";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("no_such_database_td"));
    EXPECT_THAT(error.what(), Not(HasSubstr(password)));
  }
  // A statement that fails names itself.
  try {
    sql_store(*store_).exec_for_tests("SELECT * FROM no_such_table");
    FAIL();
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("postgres exec_for_tests on "));
    EXPECT_THAT(error.what(), HasSubstr("no_such_table"));
    EXPECT_EQ(error.kind(), StoreError::Kind::kOther);
  }
}

TEST_F(PostgresStore, TwoProcessesOpeningAFreshSchemaAtOnceMigrateItOnce) {
  const auto fresh = backend_.new_location();
  auto open_one = [&] { return open_postgres(fresh)->schema_version(); };
  auto first = std::async(std::launch::async, open_one);
  auto second = std::async(std::launch::async, open_one);
  const int version = first.get();
  EXPECT_EQ(second.get(), version);
  EXPECT_EQ(store_->schema_version(), version);
  backend_.remove(fresh);
}

TEST_F(PostgresStore, TheFaultPlanFailsTheNthCommitAndRollsItBack) {
  auto& sql = sql_store(*store_);
  const auto before = sql.commits();
  sql.fail_commits(FaultPlan{.fail_commit = 2});
  store_->transaction([&] { store_->state_set(conn_, "a", "1"); });  // commit 1
  try {
    store_->transaction([&] { store_->state_set(conn_, "b", "2"); });  // commit 2
    FAIL() << "the second commit went through";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.kind(), StoreError::Kind::kStorage);
    EXPECT_THAT(error.what(), HasSubstr("injected"));
  }
  EXPECT_EQ(store_->state_get(conn_, "a"), "1");
  EXPECT_FALSE(store_->state_get(conn_, "b")) << "nothing of the failed unit is kept";
  store_->transaction([&] { store_->state_set(conn_, "c", "3"); });  // the plan is spent
  EXPECT_EQ(store_->state_get(conn_, "c"), "3");
  EXPECT_EQ(sql.commits() - before, 3);
  EXPECT_EQ(sql.commits_failed(), 1);
}

}  // namespace
}  // namespace topicdesk::store
