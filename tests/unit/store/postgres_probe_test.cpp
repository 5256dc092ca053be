// What doctor and migrate learn from a PostgreSQL server: reachable or why not, its version,
// the schema version the database records; never the password. Against the throwaway server
// (TOPICDESK_TEST_PG, cmake/pg_test_server.cmake); skipped without it.
#include "store/postgres/postgres_probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "store/migrations/migrations.h"

namespace topicdesk::store {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

// The admin URI with another database: postgresql://user@/DB?host=...
std::string with_database(const std::string& uri, const std::string& database) {
  const auto path = uri.find('/', uri.find("://") + 3);
  const auto query = uri.find('?', path);
  return uri.substr(0, path + 1) + database + (query == std::string::npos ? "" : uri.substr(query));
}

void admin(const std::string& uri, const std::string& sql) {
  PGconn* connection = PQconnectdb(uri.c_str());
  ASSERT_EQ(PQstatus(connection), CONNECTION_OK) << PQerrorMessage(connection);
  PGresult* result = PQexec(connection, sql.c_str());
  const auto status = PQresultStatus(result);
  EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
      << sql << ": " << PQerrorMessage(connection);
  PQclear(result);
  PQfinish(connection);
}

class PostgresProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* uri = std::getenv("TOPICDESK_TEST_PG");
    if (uri == nullptr || *uri == '\0') GTEST_SKIP() << "TOPICDESK_TEST_PG is not set (no test server)";
    admin_uri_ = uri;
    database_ = "probe_test_" + std::to_string(::getpid());
    admin(admin_uri_, "DROP DATABASE IF EXISTS " + database_);
    admin(admin_uri_, "CREATE DATABASE " + database_);
    uri_ = with_database(admin_uri_, database_);
  }
  void TearDown() override {
    if (!database_.empty()) admin(admin_uri_, "DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
  }

  std::string admin_uri_, database_, uri_;
};

TEST_F(PostgresProbeTest, AnEmptyDatabaseIsReachableWithNoSchemaYet) {
  const auto probe = probe_postgres(uri_);
  EXPECT_TRUE(probe.reachable) << probe.error;
  EXPECT_EQ(probe.error, "");
  EXPECT_THAT(probe.server_version, MatchesRegex("[0-9]+\\.[0-9]+"));
  EXPECT_EQ(probe.schema_version, 0);
}

TEST_F(PostgresProbeTest, TellsTheSchemaVersionTheDatabaseRecords) {
  admin(uri_,
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT "
        "NOT NULL); INSERT INTO schema_migrations VALUES (1, 'a', 0), (2, 'b', 0), (99, 'from a newer desk', "
        "0)");
  const auto probe = probe_postgres(uri_);
  EXPECT_TRUE(probe.reachable) << probe.error;
  EXPECT_EQ(probe.schema_version, 99);
  EXPECT_GT(99, migrations::newest_version()) << "99 stands for a newer desk's schema";
}

TEST_F(PostgresProbeTest, SaysWhyAServerCannotBeUsedWithoutShowingThePassword) {
  const auto gone =
      probe_postgres("postgresql://desk:hunter2-secret@/topicdesk?host=/nonexistent-socket-dir");
  EXPECT_FALSE(gone.reachable);
  EXPECT_THAT(gone.error, HasSubstr("/nonexistent-socket-dir"));
  EXPECT_THAT(gone.error, Not(HasSubstr("hunter2")));

  const auto no_database = probe_postgres(with_database(admin_uri_, "no_such_database"));
  EXPECT_FALSE(no_database.reachable);
  EXPECT_THAT(no_database.error, HasSubstr("no_such_database"));

  const auto malformed = probe_postgres("postgresql://desk:hunter2-secret@db/topicdesk?no_such_option=1");
  EXPECT_FALSE(malformed.reachable);
  EXPECT_THAT(malformed.error, HasSubstr("not one libpq reads"));
  EXPECT_THAT(malformed.error, Not(HasSubstr("hunter2")));
}

}  // namespace
}  // namespace topicdesk::store
