#include "app/backup_cli.h"

#include <fmt/format.h>

#include <iostream>

#include "app/config.h"
#include "core/clock.h"
#include "store/sqlite/sqlite_backup.h"
#include "store/store_error.h"

namespace topicdesk::app {
namespace {

std::string human_size(std::int64_t bytes) {
  if (bytes >= (std::int64_t{1} << 30))
    return fmt::format("{:.1f} GiB", bytes / double(std::int64_t{1} << 30));
  if (bytes >= (1 << 20)) return fmt::format("{:.1f} MiB", bytes / double(1 << 20));
  if (bytes >= (1 << 10)) return fmt::format("{:.1f} KiB", bytes / double(1 << 10));
  return fmt::format("{} bytes", bytes);
}

std::string describe(const store::SnapshotFacts& facts) {
  const char* from = facts.taken_from == store::TakenFrom::kRunningDesk   ? ", taken from a running desk"
                     : facts.taken_from == store::TakenFrom::kStoppedDesk ? ", taken from a stopped desk"
                                                                          : "";
  return fmt::format("{} dialogs, {} pending outbox jobs, {} unhandled updates, {}{}", facts.dialogs,
                     facts.pending_jobs, facts.pending_updates, human_size(facts.bytes), from);
}

store::RestoreOptions::Pending pending_from(const std::string& text) {
  if (text == "settle") return store::RestoreOptions::Pending::kSettle;
  if (text == "keep") return store::RestoreOptions::Pending::kKeep;
  return store::RestoreOptions::Pending::kAuto;
}

}  // namespace

int backup_command(const BackupCliOptions& options) {
  auto loaded = load_config(options.config_path);
  if (!loaded) {
    std::cerr << "backup: " << loaded.error().message << "\n";
    return 2;
  }
  if (loaded->storage.uses_postgres()) {
    std::cerr << "backup: copies an SQLite database; this desk keeps its data in PostgreSQL ("
              << loaded->storage.describe() << "): use pg_dump\n";
    return 2;
  }
  const auto& database = loaded->storage.sqlite_path;
  try {
    auto facts = store::backup_sqlite(database, options.out_path, {.force = options.force});
    std::cout << fmt::format("saved {} (from {}): schema version {}, {}\n", options.out_path, database,
                             facts.schema_version, describe(facts));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "backup: " << e.what() << "\n";
    return 1;
  }
}

int restore_command(const RestoreCliOptions& options) {
  auto loaded = load_config(options.config_path);
  if (!loaded) {
    std::cerr << "restore: " << loaded.error().message << "\n";
    return 2;
  }
  if (loaded->storage.uses_postgres()) {
    std::cerr << "restore: restores an SQLite database; this desk keeps its data in PostgreSQL ("
              << loaded->storage.describe() << "): use pg_restore\n";
    return 2;
  }
  const auto& database = loaded->storage.sqlite_path;
  try {
    auto outcome = store::restore_sqlite(options.from_path, database, core::unix_millis_now(),
                                         {.force = options.force, .pending = pending_from(options.pending)});
    std::cout << fmt::format("restored {} into {}: schema version {}", options.from_path, database,
                             outcome.snapshot.schema_version);
    if (outcome.schema_version != outcome.snapshot.schema_version) {
      std::cout << fmt::format(" (migrated to {})", outcome.schema_version);
    }
    std::cout << ", " << describe(outcome.snapshot) << "\n";
    if (outcome.settled_jobs + outcome.settled_updates > 0) {
      std::cout << fmt::format(
          "{} outbox jobs marked failed and {} updates marked handled: they were in flight at the backup, "
          "and "
          "the desk that went on running did them (--pending keep keeps them)\n",
          outcome.settled_jobs, outcome.settled_updates);
    }
    if (!outcome.kept_aside.empty())
      std::cout << "the previous database is kept as " << outcome.kept_aside << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "restore: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace topicdesk::app
