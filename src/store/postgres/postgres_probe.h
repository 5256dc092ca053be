// What `topicdesk doctor` and `topicdesk migrate` ask a PostgreSQL server before the desk uses
// it: can it be reached, which version it runs, and which schema version the database holds
// (read only: nothing is created or migrated). Every text is free of the password (the URI's
// credentials are redacted, and libpq never echoes a password).
#pragma once
#include <string>

namespace topicdesk::store {

struct PostgresProbe {
  bool reachable = false;
  std::string error;           // why not reachable (libpq's words), or why the schema could not be read
  std::string server_version;  // "15.18"
  int schema_version = 0;      // the newest migration the database records; 0: no schema yet
};

// Connects once to `uri` (a libpq URI), waits at most `connect_timeout_s` seconds.
PostgresProbe probe_postgres(const std::string& uri, int connect_timeout_s = 5);

}  // namespace topicdesk::store
