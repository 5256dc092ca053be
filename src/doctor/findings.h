// Findings: what a check found and, when something needs fixing, how to fix it. `topicdesk
// doctor` prints them; the running desk keeps each connection's latest in a FindingsBoard that
// the dashboard's connections page reads.
//
// Threading: Findings is a value. FindingsBoard is thread-safe: the relay loop publishes, the
// dashboard reads (both may run on different threads).
#pragma once
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"

namespace topicdesk::doctor {

struct Finding {
  enum class Level { kOk, kFix, kNote };
  Level level = Level::kOk;
  std::string what;
  std::string fix;  // kFix: what to do about it
};
const char* to_string(Finding::Level level);  // ok, fix, note

struct Findings {
  std::vector<Finding> items;
  void pass(std::string what) { items.push_back({Finding::Level::kOk, std::move(what), {}}); }
  void fail(std::string what, std::string fix) {
    items.push_back({Finding::Level::kFix, std::move(what), std::move(fix)});
  }
  void note(std::string what) { items.push_back({Finding::Level::kNote, std::move(what), {}}); }
  bool healthy() const;  // nothing to fix
};

// The latest findings of each connection of a running desk, with when they were made.
class FindingsBoard {
 public:
  struct Entry {
    Findings findings;
    core::UnixMillis checked_at = 0;
  };
  void publish(core::ConnectionId connection, Findings findings, core::UnixMillis at);
  std::optional<Entry> latest(core::ConnectionId connection) const;
  // Asks for the checks to run again now (the dashboard's "Check now"); set_on_request names
  // what runs them. Without one, nothing happens.
  void request_check() const;
  void set_on_request(std::function<void()> on_request);

 private:
  mutable std::mutex mutex_;
  std::map<core::ConnectionId, Entry> entries_;
  std::function<void()> on_request_;
};

}  // namespace topicdesk::doctor
