// The unit of work every store concern shares, and the schema it runs on.
//
// Thread safety: implementations may be called from several threads. transaction() runs
// `body` as one atomic unit; store calls made by `body` (on the same thread), whichever concern
// interface they belong to, join it. Outside a transaction every call is its own unit.
#pragma once
#include <chrono>
#include <functional>
#include <string>

namespace topicdesk::store {

class UnitOfWork {
 public:
  virtual ~UnitOfWork() = default;
  // Commits what `body` did, or rolls it all back if `body` throws (the exception propagates)
  // or the commit fails (StoreError). Nested calls join the outermost one.
  virtual void transaction(const std::function<void()>& body) = 0;
};

// The store's own upkeep, done in the background (SQLite: the WAL checkpoint): whether it
// keeps failing. Nothing fails while failed_attempts is 0.
struct Upkeep {
  int failed_attempts = 0;                  // in a row
  std::chrono::milliseconds failing_for{};  // since the first of them
  std::string error;                        // the last one's
};

class SchemaStore {
 public:
  virtual ~SchemaStore() = default;
  virtual void migrate() = 0;  // applies pending numbered migrations; idempotent
  virtual int schema_version() = 0;
  // Thread-safe and cheap (no database call); a backend without background upkeep keeps the default.
  virtual Upkeep upkeep() { return {}; }
};

}  // namespace topicdesk::store
