#include "app/postgres_probe.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <memory>

#include "store/migrations/migrations.h"
#include "telegram/redact.h"

namespace topicdesk::app {
namespace {

struct ConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultCloser {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Connection = std::unique_ptr<PGconn, ConnectionCloser>;
using Result = std::unique_ptr<PGresult, ResultCloser>;

// libpq's message on one line, without the password if it ever held one.
std::string message_of(const char* text) {
  std::string message = text != nullptr ? text : "";
  std::replace(message.begin(), message.end(), '\n', ' ');
  while (!message.empty() && message.back() == ' ') message.pop_back();
  return telegram::redact_secrets(message);
}

}  // namespace

int newest_schema_version() {
  int newest = 0;
  for (const auto& m : store::migrations::all()) newest = std::max(newest, m.version);
  return newest;
}

PostgresProbe probe_postgres(const std::string& uri, int connect_timeout_s) {
  PostgresProbe probe;
  // Parsed first: a malformed URI gets libpq's reason, not a connection attempt.
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &parse_error);
  if (options == nullptr) {
    probe.error = "not a valid libpq URI: " + message_of(parse_error);
    PQfreemem(parse_error);
    return probe;
  }
  PQconninfoFree(options);

  const std::string timeout = std::to_string(connect_timeout_s);
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {uri.c_str(), timeout.c_str(), "topicdesk doctor", nullptr};
  Connection connection(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (!connection || PQstatus(connection.get()) != CONNECTION_OK) {
    probe.error = connection ? message_of(PQerrorMessage(connection.get())) : "out of memory";
    return probe;
  }
  probe.reachable = true;
  const int version = PQserverVersion(connection.get());  // 150018 for 15.18
  probe.server_version = version >= 100000
                             ? fmt::format("{}.{}", version / 10000, version % 10000)
                             : fmt::format("{}.{}.{}", version / 10000, version / 100 % 100, version % 100);
  Result exists(PQexec(connection.get(), "SELECT to_regclass('schema_migrations') IS NOT NULL"));
  if (PQresultStatus(exists.get()) != PGRES_TUPLES_OK) {
    probe.error = "cannot read the schema: " + message_of(PQresultErrorMessage(exists.get()));
    return probe;
  }
  if (std::string(PQgetvalue(exists.get(), 0, 0)) != "t") return probe;
  Result newest(PQexec(connection.get(), "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  if (PQresultStatus(newest.get()) != PGRES_TUPLES_OK) {
    probe.error = "cannot read schema_migrations: " + message_of(PQresultErrorMessage(newest.get()));
    return probe;
  }
  probe.schema_version = std::stoi(PQgetvalue(newest.get(), 0, 0));
  return probe;
}

}  // namespace topicdesk::app
