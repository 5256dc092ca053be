// What /healthz and /metrics say about the running desk: the state of each connection and
// whether the store works (docs/operations.md, "Health and readiness").
//
//   "starting"            the HTTP server runs, some connection is still connecting    200
//   "ok"                  every connection is ready and the store works                 200
//   "degraded: <reason>"  the store fails, or the relay loop has been waiting for it for
//                         kRelayStalledAfter and more (503: the desk cannot do its work), or a
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
// Thread-safe: the relay loop sets states, the HTTP server's loop answers /healthz.
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
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
  // A connection stopped or removed by an admin (docs/setup.md): no longer part of the answer.
  void forget(const std::string& connection);
  // This process is one instance of several: its id, and the connections it runs.
  void set_instance(std::string id);
  void set_owned(std::vector<std::string> names);
  ConnectionState state(const std::string& connection) const;
  // A store call failed / succeeded. The problem stays until a later call succeeds.
  void store_failed(const std::string& what);
  void store_ok();
  bool store_failing() const;
  // The relay loop (which calls the store) is alive: called every second or so on it. /healthz
  // answers on the server's own loop, so it tells a relay stuck in a store call that does not
  // return (a server that stopped answering) from one at work: it is 503 after this long.
  static constexpr std::chrono::seconds kRelayStalledAfter{10};
  void relay_beat();
  // Tests: where the time comes from (steady_clock::now by default).
  void set_clock(std::function<std::chrono::steady_clock::time_point()> clock);
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
  // The same as the public ones, with mutex_ held.
  ConnectionState state_locked(const std::string& connection) const;
  std::string status_locked() const;
  std::string reason_locked() const;

  mutable std::mutex mutex_;
  std::map<std::string, Entry> connections_;
  std::string instance_;  // empty: a desk alone on its database
  std::vector<std::string> owned_;
  std::optional<std::string> store_problem_;
  std::function<std::chrono::steady_clock::time_point()> clock_ = [] {
    return std::chrono::steady_clock::now();
  };
  std::chrono::steady_clock::time_point relay_beat_ = clock_();
  std::optional<std::string> relay_stalled_locked() const;
  std::optional<std::string> upkeep_problem_;
};

}  // namespace topicdesk::app
