#include "store/postgres/postgres_probe.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <string_view>

#include "store/migrations/migrations.h"
#include "store/postgres/pg_connection.h"

namespace topicdesk::store {
namespace {

struct ConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultCloser {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Connection = std::unique_ptr<PGconn, ConnectionCloser>;
using Result = std::unique_ptr<PGresult, ResultCloser>;

}  // namespace

PostgresProbe probe_postgres(const std::string& uri, int connect_timeout_s) {
  PostgresProbe probe;
  // Read first: a malformed URI is refused without a connection attempt (and without echoing it).
  std::string password;
  try {
    describe_postgres_server(uri, password);
  } catch (const StoreError& e) {
    probe.error = e.what();
    return probe;
  }

  const std::string timeout = std::to_string(connect_timeout_s);
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {uri.c_str(), timeout.c_str(), "topicdesk doctor", nullptr};
  Connection connection(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (!connection || PQstatus(connection.get()) != CONNECTION_OK) {
    probe.error = connection ? postgres_message(PQerrorMessage(connection.get()), password) : "out of memory";
    return probe;
  }
  probe.reachable = true;
  const int version = PQserverVersion(connection.get());  // 150018 for 15.18
  probe.server_version = version >= 100000
                             ? fmt::format("{}.{}", version / 10000, version % 10000)
                             : fmt::format("{}.{}.{}", version / 10000, version / 100 % 100, version % 100);
  Result exists(PQexec(connection.get(), "SELECT to_regclass('schema_migrations') IS NOT NULL"));
  if (PQresultStatus(exists.get()) != PGRES_TUPLES_OK) {
    probe.error = "cannot read the schema: " + postgres_message(PQresultErrorMessage(exists.get()), password);
    return probe;
  }
  if (std::string(PQgetvalue(exists.get(), 0, 0)) != "t") return probe;
  Result newest(PQexec(connection.get(), "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  if (PQresultStatus(newest.get()) != PGRES_TUPLES_OK) {
    probe.error =
        "cannot read schema_migrations: " + postgres_message(PQresultErrorMessage(newest.get()), password);
    return probe;
  }
  probe.schema_version = std::stoi(PQgetvalue(newest.get(), 0, 0));
  return probe;
}

}  // namespace topicdesk::store
