#include "store_backends.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace topicdesk::store::test_support {
namespace {

std::string new_sqlite_file() {
  static std::atomic<int> counter{0};
  auto name = "topicdesk-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".db";
  auto path = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove(path);
  return path.string();
}

void remove_sqlite_file(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", ".lock"}) std::filesystem::remove(path + suffix);
}

// PostgreSQL: the server of TOPICDESK_TEST_PG (an admin URI); every test gets a schema of its
// own, made here and dropped by remove, and a URI whose search_path is that schema. A schema
// is much cheaper to make than a database.
void run_admin(const std::string& admin_uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(admin_uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("TOPICDESK_TEST_PG: cannot connect: " + message);
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);  // DROP ... CASCADE lists every table
  PGresult* result = PQexec(conn, sql.c_str());
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  std::string message = PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(conn);
  if (!ok) throw std::runtime_error("TOPICDESK_TEST_PG: " + sql + ": " + message);
}

std::string schema_uri(const std::string& admin_uri, const std::string& schema) {
  const bool uri_form = admin_uri.starts_with("postgresql://") || admin_uri.starts_with("postgres://");
  if (!uri_form) return admin_uri + " options='-csearch_path=" + schema + "'";
  return admin_uri + (admin_uri.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

Backend postgres_backend_at(const std::string& admin_uri) {
  return Backend{"postgres",
                 true,
                 !admin_uri.empty(),
                 [admin_uri] {
                   static std::atomic<int> counter{0};
                   auto schema = "td_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
                   run_admin(admin_uri,
                             "DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
                   return schema_uri(admin_uri, schema);
                 },
                 [](const std::string& uri) { return open_postgres(uri); },
                 [admin_uri](const std::string& uri) {
                   auto schema = uri.substr(uri.rfind("td_test_"));
                   if (!schema.empty() && schema.back() == '\'') schema.pop_back();
                   run_admin(admin_uri, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                 }};
}

}  // namespace

std::vector<Backend> all_backends() {
  std::vector<Backend> backends{
      Backend{"sqlite_file", true, true, new_sqlite_file, [](const std::string& p) { return open_sqlite(p); },
              remove_sqlite_file},
      Backend{"sqlite_memory", false, true, [] { return std::string(":memory:"); },
              [](const std::string& p) { return open_sqlite(p); }, [](const std::string&) {}},
  };
  // Always listed, so that the test names do not depend on the environment (CTest lists them
  // before a fixture starts the server); each test skips itself when there is no server.
  backends.push_back(postgres_backend_at(
      std::getenv("TOPICDESK_TEST_PG") != nullptr ? std::getenv("TOPICDESK_TEST_PG") : ""));
  return backends;
}

std::optional<Backend> postgres_backend() {
  const char* admin_uri = std::getenv("TOPICDESK_TEST_PG");
  if (admin_uri == nullptr || *admin_uri == '\0') return std::nullopt;
  return postgres_backend_at(admin_uri);
}

}  // namespace topicdesk::store::test_support
