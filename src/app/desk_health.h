// What /healthz and /metrics say about the running desk: the state of each connection and
// whether the store works (docs/operations.md, "Health and readiness").
//
//   "starting"            the HTTP server runs, some connection is still connecting    200
//   "ok"                  every connection is ready and the store works                 200
//   "degraded: <reason>"  the store fails (503: the desk cannot do its work), or a
//                         connection gave up (its token was rejected, polling stopped), or
//                         the store's background upkeep (the WAL checkpoint) has failed for
//                         kUpkeepFailingFor and more: 200, since the desk still works and
//                         restarting the process fixes none of them (the WAL grows meanwhile)
//
// The answer is text: that line, then one "<connection>: <state>" line per connection. With
// ?format=json or Accept: application/json it is {"status","reason"?,"connections":{…}}.
// Several instances on one database (docs/several-instances.md): each connection this
// instance does not run is "elsewhere" (not a problem), and the answer also names the
// instance and the connections it runs: an "instance: <id>" and an "owned: a, b" line, or
// "instance" and "owned" (a list) in JSON.
//
// Not thread-safe: used on the desk's event loop (the server's strands run there too).
#pragma once
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "http/server.h"

namespace topicdesk::app {

enum class ConnectionState { kConnecting, kReady, kTokenRejected, kStopped, kElsewhere };
// "connecting", "ready", "token rejected", "stopped", "elsewhere"
const char* to_string(ConnectionState state);

class DeskHealth {
 public:
  explicit DeskHealth(const std::vector<std::string>& connection_names);

  void set(const std::string& connection, ConnectionState state, std::string detail = {});
  // This process is one instance of several: its id, and the connections it runs.
  void set_instance(std::string id) { instance_ = std::move(id); }
  void set_owned(std::vector<std::string> names) { owned_ = std::move(names); }
  ConnectionState state(const std::string& connection) const;
  // A store call failed / succeeded. The problem stays until a later call succeeds.
  void store_failed(const std::string& what);
  void store_ok();
  bool store_failing() const { return store_problem_.has_value(); }
  // What the store says of its upkeep (store::SchemaStore::upkeep), given every second or so.
  static constexpr std::chrono::seconds kUpkeepFailingFor{10};
  void upkeep(int failed_attempts, std::chrono::milliseconds failing_for, const std::string& error);

  std::string status() const;  // "starting", "ok", "degraded"
  std::string reason() const;  // why degraded; empty otherwise
  // GET /healthz (text, or JSON when the request asks for it); 503 while the store fails.
  http::Response response(const http::Request& request) const;

 private:
  struct Entry {
    ConnectionState state = ConnectionState::kConnecting;
    std::string detail;
  };
  void publish(const std::string& connection) const;  // /metrics gauges

  std::map<std::string, Entry> connections_;
  std::string instance_;  // empty: a desk alone on its database
  std::vector<std::string> owned_;
  std::optional<std::string> store_problem_;
  std::optional<std::string> upkeep_problem_;
};

}  // namespace topicdesk::app
