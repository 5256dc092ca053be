// StoreError: how every Store implementation reports a database failure (not bad input).
//
// The kind tells callers whether trying again can help:
//   kBusy     another connection holds the database's write lock. A running desk waits only
//             a few milliseconds (kDeskBusyTimeoutMs in sqlite/sqlite_store.cpp, 5 ms) before
//             giving up, so a held lock never stalls the event loop; the caller retries the
//             whole unit of work with backoff. Tools and migrations wait up to 5 s.
//   kStorage  the disk is full, an I/O error, no memory, a read-only file system: transient
//             from the desk's point of view (an operator frees space, the disk comes back);
//             retry with a longer backoff and tell the operator.
//   kOther    a constraint violation, a corrupt database, a bug: retrying the same work fails
//             the same way.
//   kFatal    the database is fine but the work must stop: this instance no longer owns what
//             it writes for (LeaseLost, lease_store.h). Retrying cannot help.
// A failed call inside transaction() rolls the whole unit back; nothing of it is kept.
#pragma once
#include <stdexcept>
#include <string>

namespace topicdesk::store {

class StoreError : public std::runtime_error {
 public:
  enum class Kind { kBusy, kStorage, kOther, kFatal };

  // `what` names the operation and the database's message.
  explicit StoreError(const std::string& what, Kind kind = Kind::kOther)
      : std::runtime_error(what), kind_(kind) {}
  explicit StoreError(const char* what, Kind kind = Kind::kOther) : std::runtime_error(what), kind_(kind) {}

  Kind kind() const { return kind_; }
  // kBusy or kStorage: the same work may succeed later.
  bool transient() const { return kind_ == Kind::kBusy || kind_ == Kind::kStorage; }

 private:
  Kind kind_;
};

const char* to_string(StoreError::Kind kind);  // "busy", "storage", "other", "fatal"

}  // namespace topicdesk::store
