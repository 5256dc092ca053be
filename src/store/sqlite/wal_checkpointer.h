// Checkpoints an SQLite WAL database from a thread of its own.
//
// With SQLite's automatic checkpoints, the commit that crosses the WAL size threshold copies
// the WAL into the database file and fsyncs it — a few milliseconds, taken on the desk's event
// loop every few hundred commits, which is what made the p99 of relayed messages and proxied
// calls. The store turns automatic checkpoints off and this thread runs PASSIVE checkpoints
// (which never block writers or readers) on its own connection instead.
#pragma once
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "store/unit_of_work.h"

struct sqlite3;

namespace topicdesk::store {

class WalCheckpointer {
 public:
  // Opens its own connection to `path` (StoreError if it cannot) and checkpoints every
  // `interval_ms` until destroyed.
  WalCheckpointer(std::string path, int interval_ms);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  int checkpoints_done() const;  // checkpoints that found frames in the WAL (for tests)
  // Failed checkpoints in a row (not counting SQLITE_BUSY: another checkpoint was running),
  // since when, and the last error. Thread-safe.
  Upkeep upkeep() const;

 private:
  void run();

  std::string path_;
  int interval_ms_;
  sqlite3* db_ = nullptr;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  int checkpoints_done_ = 0;
  int failures_ = 0;  // in a row
  std::chrono::steady_clock::time_point failing_since_;
  std::string last_error_;
  std::chrono::steady_clock::time_point last_failure_log_;
  std::thread thread_;
};

}  // namespace topicdesk::store
