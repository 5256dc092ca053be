// Backups of an SQLite desk database taken while the desk runs, and restoring one into a
// desk's database path (the operators' side: docs/operations.md, "Backup and restore").
//
// backup_sqlite copies the database with SQLite's online backup API, in steps, inside ONE read
// transaction on the source: the copy is the database as it was when that transaction began
// (a consistent snapshot), and in WAL mode a reader never blocks the desk's writers. It never
// migrates or writes the source. The copy goes to a temporary file beside the target, is
// checked (integrity_check, a topicdesk schema), fsynced and renamed into place, mode 0600; a
// failure (a full disk) removes the partial file.
//
// restore_sqlite brings a snapshot into a database path: it holds the instance lock for the
// whole restore (a running desk refuses it; no desk starts half-way), copies and checks the
// snapshot beside the target first, keeps a target that holds data aside as
// "<path>.before-restore-<UTC time>" (its -wal too), renames the copy into place, removes
// stale -wal/-shm, applies pending migrations and settles the work that was in flight when
// the snapshot was taken (see RestoreOptions::pending).
//
// Every failure is a StoreError whose message names the file and what to do.
#pragma once
#include <cstdint>
#include <string>

#include "core/ids.h"

namespace topicdesk::store {

// Whether a desk ran on the database while the backup copied it: the backup reads it from the
// instance lock (is "<path>.lock" flock'ed, per /proc/locks, without taking it: a desk that
// starts meanwhile is never refused) and records it in the copy's desk_meta.
enum class TakenFrom { kUnknown, kRunningDesk, kStoppedDesk };

// Whether a desk runs on the database at `database_path` now (see TakenFrom); the store copy
// (store/copy/store_copy.h) says so too.
TakenFrom desk_state(const std::string& database_path);

// What a snapshot holds, for the operator.
struct SnapshotFacts {
  TakenFrom taken_from = TakenFrom::kUnknown;
  int schema_version = 0;
  std::int64_t dialogs = 0;
  std::int64_t pending_jobs = 0;     // outbox jobs not sent yet
  std::int64_t pending_updates = 0;  // inbox updates not handled yet
  std::int64_t bytes = 0;            // the file's size
};

// Opens `path` as a snapshot and checks it: an SQLite database, integrity_check "ok", a
// topicdesk schema (schema_migrations). Does not judge the version. Never writes the data.
// Messages name the file `shown_as` when given (a copy checked under its original's name).
SnapshotFacts inspect_snapshot(const std::string& path, const std::string& shown_as = {});

struct BackupOptions {
  bool force = false;        // replace an existing out file
  int pages_per_step = 256;  // pages copied per sqlite3_backup_step
};

// Copies the database at `database_path` to `out_path` (see above).
SnapshotFacts backup_sqlite(const std::string& database_path, const std::string& out_path,
                            const BackupOptions& options = {});

struct RestoreOptions {
  bool force = false;  // restore over a database that holds data (kept aside, never deleted)
  // The inbox updates and outbox jobs the snapshot holds as pending. A backup of a running desk
  // caught them in flight, and the desk that went on running finished them: doing them again
  // would post the same messages twice, so they are settled (updates marked handled, jobs
  // marked failed "in flight at the backup"). A backup of a stopped desk holds work nobody
  // did: it is kept pending and done by the restored desk. kAuto decides by the snapshot's
  // TakenFrom (unknown: settled); kSettle and kKeep override it.
  enum class Pending { kAuto, kSettle, kKeep };
  Pending pending = Pending::kAuto;
};

struct RestoreOutcome {
  SnapshotFacts snapshot;  // as read from the snapshot
  int schema_version = 0;  // after migrations
  std::string kept_aside;  // where the previous database went; empty when there was none
  std::int64_t settled_jobs = 0;
  std::int64_t settled_updates = 0;
};

RestoreOutcome restore_sqlite(const std::string& snapshot_path, const std::string& database_path,
                              core::UnixMillis now, const RestoreOptions& options = {});

}  // namespace topicdesk::store
