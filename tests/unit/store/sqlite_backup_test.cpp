// Backup and restore of an SQLite desk database: a backup taken while a desk writes holds a
// consistent state and brings it back; every refusal (an existing file without --force, a
// running desk, a snapshot that is damaged, not topicdesk's or newer than this binary, a target
// that holds data) says what and where and changes nothing.
#include "store/sqlite/sqlite_backup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store/migrations/migrations.h"
#include "store/store.h"

namespace topicdesk::store {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr ChatId kGroup = -1001000000001;
constexpr UnixMillis kNow = 1'790'000'000'000;  // 2026-09-21T14:13:20Z

class SqliteBackup : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("topicdesk-backup-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    desk_path_ = (root_ / "desk" / "desk.db").string();
    out_path_ = (root_ / "backup.db").string();
    restored_path_ = (root_ / "restored" / "desk.db").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  static unsigned mode_of(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return 0;
    return st.st_mode & 0777;
  }

  static std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  static void write_all(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
  }

  // Runs SQL on a database file beside every store.
  static void exec(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  // Which files are in a folder: nothing half-written is left behind.
  static std::vector<std::string> files_in(const fs::path& folder) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path root_;
  std::string desk_path_;
  std::string out_path_;
  std::string restored_path_;
};

TEST_F(SqliteBackup, ABackupOfARunningDeskRestoresItsDialogs) {
  auto desk = open_sqlite(desk_path_);  // holds the instance lock, like a running desk
  auto conn = desk->ensure_connection("support", 1, kGroup);
  auto first = desk->create_dialog(conn, 501, kGroup, kNow);
  first.thread_id = 77;
  desk->update_dialog(first);
  desk->create_dialog(conn, 502, kGroup, kNow);
  desk->state_set(conn, "offset", "42");

  auto facts = backup_sqlite(desk_path_, out_path_);
  EXPECT_EQ(facts.schema_version, migrations::newest_version());
  EXPECT_EQ(facts.dialogs, 2);
  EXPECT_EQ(facts.bytes, static_cast<std::int64_t>(fs::file_size(out_path_)));
  EXPECT_EQ(mode_of(out_path_), 0600u);
  EXPECT_EQ(files_in(root_), (std::vector<std::string>{"backup.db", "desk"})) << "no temporary file is left";

  auto outcome = restore_sqlite(out_path_, restored_path_, kNow);
  EXPECT_EQ(outcome.schema_version, migrations::newest_version());
  EXPECT_TRUE(outcome.kept_aside.empty());
  EXPECT_EQ(mode_of(restored_path_), 0600u);
  auto restored = open_sqlite(restored_path_);
  auto dialog = restored->dialog_by_thread(kGroup, 77);
  ASSERT_TRUE(dialog.has_value());
  EXPECT_EQ(dialog->user_id, 501);
  EXPECT_EQ(restored->state_get(conn, "offset"), "42");
}

TEST_F(SqliteBackup, ABackupWhileTheDeskWritesIsOneConsistentMoment) {
  auto desk = open_sqlite(desk_path_);
  auto conn = desk->ensure_connection("support", 1, kGroup);
  desk->transaction([&] {
    for (int i = 0; i < 2000; ++i) desk->create_dialog(conn, 1000 + i, kGroup, kNow);
  });
  // Each write adds a dialog and records the count in the same transaction: a consistent copy
  // has exactly as many dialogs as its last recorded count says.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      desk->transaction([&] {
        desk->create_dialog(conn, 100000 + i, kGroup, kNow);
        desk->state_set(conn, "dialogs", std::to_string(2000 + i + 1));
      });
      ++written;
    }
  });
  while (written < 10) std::this_thread::yield();  // the writer is under way
  const int before = written;
  SnapshotFacts facts;
  EXPECT_NO_THROW(facts = backup_sqlite(desk_path_, out_path_, {.pages_per_step = 1}));
  const int after = written;
  stop = true;
  writer.join();

  EXPECT_GE(facts.dialogs, 2000 + before);
  EXPECT_LE(facts.dialogs, 2000 + after);
  restore_sqlite(out_path_, restored_path_, kNow);
  auto restored = open_sqlite(restored_path_);
  EXPECT_EQ(restored->state_get(conn, "dialogs"), std::to_string(facts.dialogs));
}

TEST_F(SqliteBackup, AnExistingFileIsReplacedOnlyWithForce) {
  open_sqlite(desk_path_)->ensure_connection("support", 1, kGroup);
  write_all(out_path_, "last night's backup");
  try {
    backup_sqlite(desk_path_, out_path_);
    FAIL() << "an existing file was replaced without --force";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr(out_path_ + " exists; pass --force"));
  }
  EXPECT_EQ(read_all(out_path_), "last night's backup");

  auto facts = backup_sqlite(desk_path_, out_path_, {.force = true});
  EXPECT_EQ(facts.schema_version, migrations::newest_version());
  EXPECT_EQ(inspect_snapshot(out_path_).schema_version, migrations::newest_version());
}

TEST_F(SqliteBackup, AMissingDatabaseOrFolderIsNamed) {
  try {
    backup_sqlite(desk_path_, out_path_);
    FAIL() << "a backup of no database";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("the database " + desk_path_ + " does not exist"));
  }
  EXPECT_FALSE(fs::exists(desk_path_)) << "a backup never creates the database";
  open_sqlite(desk_path_);
  const auto nowhere = (root_ / "no-such-folder" / "b.db").string();
  EXPECT_THROW(
      {
        try {
          backup_sqlite(desk_path_, nowhere);
        } catch (const StoreError& e) {
          EXPECT_THAT(e.what(),
                      HasSubstr("the folder " + (root_ / "no-such-folder").string() + " does not exist"));
          throw;
        }
      },
      StoreError);
}

TEST_F(SqliteBackup, ASnapshotFromANewerTopicdeskIsRefused) {
  open_sqlite(desk_path_)->ensure_connection("support", 1, kGroup);
  const int newer = migrations::newest_version() + 1;
  exec(desk_path_, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (" +
                       std::to_string(newer) + ", 'from the future', 0)");
  EXPECT_EQ(backup_sqlite(desk_path_, out_path_).schema_version, newer);  // a backup copies it as it is
  try {
    restore_sqlite(out_path_, restored_path_, kNow);
    FAIL() << "a newer schema was restored";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("has schema version " + std::to_string(newer) +
                                    ", newer than this topicdesk knows (" +
                                    std::to_string(migrations::newest_version()) + ")"));
  }
  EXPECT_FALSE(fs::exists(restored_path_));
  EXPECT_EQ(files_in(fs::path(restored_path_).parent_path()), (std::vector<std::string>{"desk.db.lock"}));
}

TEST_F(SqliteBackup, AnOlderSnapshotIsMigratedOnRestore) {
  fs::create_directories(fs::path(desk_path_).parent_path());
  std::string script = migrations::kCreateSchemaMigrations + std::string(";");
  int older = 0;  // the newest but one (version numbers may leave gaps)
  for (const auto& m : migrations::all()) {
    if (m.version >= migrations::newest_version()) continue;
    script += migrations::render_sqlite(m);
    script += "; INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 'old', 0);";
    older = std::max(older, m.version);
  }
  exec(out_path_, script);
  ASSERT_EQ(inspect_snapshot(out_path_).schema_version, older);

  auto outcome = restore_sqlite(out_path_, restored_path_, kNow);
  EXPECT_EQ(outcome.snapshot.schema_version, older);
  EXPECT_EQ(outcome.schema_version, migrations::newest_version());
}

TEST_F(SqliteBackup, RestoreIsRefusedWhileADeskRunsOnTheTarget) {
  open_sqlite(desk_path_)->ensure_connection("support", 1, kGroup);
  backup_sqlite(desk_path_, out_path_);
  auto running = open_sqlite(restored_path_);
  auto conn = running->ensure_connection("live", 2, kGroup);
  try {
    restore_sqlite(out_path_, restored_path_, kNow, {.force = true});
    FAIL() << "restored under a running desk";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("a desk is running on " + restored_path_));
    EXPECT_THAT(e.what(), HasSubstr(restored_path_ + ".lock"));
  }
  EXPECT_EQ(running->connection(conn)->name, "live") << "the running desk's database is untouched";
}

TEST_F(SqliteBackup, ADamagedSnapshotIsRefused) {
  auto desk = open_sqlite(desk_path_);
  auto conn = desk->ensure_connection("support", 1, kGroup);
  desk->transaction([&] {
    for (int i = 0; i < 500; ++i) desk->create_dialog(conn, 1000 + i, kGroup, kNow);
  });
  backup_sqlite(desk_path_, out_path_);
  // Pages past the first (the schema) overwritten: the tables' b-trees no longer hold together.
  std::string bytes = read_all(out_path_);
  for (std::size_t i = 8192; i < bytes.size() && i < 8192 + 32768; ++i) bytes[i] = static_cast<char>(0x5a);
  write_all(out_path_, bytes);
  try {
    restore_sqlite(out_path_, restored_path_, kNow);
    FAIL() << "a damaged snapshot was restored";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr(out_path_));
    EXPECT_THAT(e.what(), HasSubstr("nothing was restored"));
  }
  EXPECT_FALSE(fs::exists(restored_path_));
  EXPECT_EQ(files_in(fs::path(restored_path_).parent_path()), (std::vector<std::string>{"desk.db.lock"}))
      << "the checked copy was removed";
}

TEST_F(SqliteBackup, AFileThatIsNotATopicdeskDatabaseIsRefused) {
  write_all(out_path_, std::string(4096, 'x'));
  try {
    restore_sqlite(out_path_, restored_path_, kNow);
    FAIL() << "junk was restored";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr(out_path_ + " is not a readable SQLite database"));
  }
  fs::remove(out_path_);
  exec(out_path_, "CREATE TABLE notes(text TEXT)");
  try {
    restore_sqlite(out_path_, restored_path_, kNow);
    FAIL() << "another program's database was restored";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr(out_path_ + " is not a topicdesk database"));
  }
  EXPECT_FALSE(fs::exists(restored_path_));
}

TEST_F(SqliteBackup, RestoringOverDataNeedsForceAndKeepsTheOldFilesAside) {
  open_sqlite(desk_path_)->ensure_connection("from-backup", 1, kGroup);
  backup_sqlite(desk_path_, out_path_);
  {
    auto current = open_sqlite(restored_path_);
    current->ensure_connection("current", 2, kGroup);
  }
  try {
    restore_sqlite(out_path_, restored_path_, kNow);
    FAIL() << "restored over data without --force";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr(restored_path_ + " already holds a database; pass --force"));
  }
  EXPECT_EQ(open_sqlite(restored_path_)->connections().front().name, "current");

  auto outcome = restore_sqlite(out_path_, restored_path_, kNow, {.force = true});
  EXPECT_EQ(outcome.kept_aside, restored_path_ + ".before-restore-20260921T141320Z");
  EXPECT_EQ(mode_of(outcome.kept_aside), 0600u);
  EXPECT_FALSE(fs::exists(restored_path_ + "-wal") && fs::file_size(restored_path_ + "-wal") > 0);
  EXPECT_EQ(open_sqlite(restored_path_)->connections().front().name, "from-backup");
  EXPECT_EQ(open_sqlite(outcome.kept_aside, OpenAs::kTool)->connections().front().name, "current");
}

// A desk with an update not handled yet and two jobs not sent yet.
void add_pending_work(Store& desk) {
  auto conn = desk.ensure_connection("support", 1, kGroup);
  desk.inbox_add(conn, 9001, "{}");
  OutboxJob job;
  job.connection_id = conn;
  job.queue_key = "user:501";
  job.kind = "send";
  job.payload = "{}";
  desk.outbox_add(job);
  desk.outbox_add(job);
}

TEST_F(SqliteBackup, WorkInFlightAtABackupOfARunningDeskIsSettledUnlessKept) {
  auto desk = open_sqlite(desk_path_);
  add_pending_work(*desk);
  auto facts = backup_sqlite(desk_path_, out_path_);
  EXPECT_EQ(facts.taken_from, TakenFrom::kRunningDesk);
  EXPECT_EQ(facts.pending_jobs, 2);
  EXPECT_EQ(facts.pending_updates, 1);

  auto settled = restore_sqlite(out_path_, restored_path_, kNow);
  EXPECT_EQ(settled.settled_jobs, 2);
  EXPECT_EQ(settled.settled_updates, 1);
  {
    auto restored = open_sqlite(restored_path_);
    EXPECT_TRUE(restored->outbox_ready(kNow * 2, 10, {}).empty());
    EXPECT_EQ(restored->outbox_stats().failed, 2);
    EXPECT_TRUE(restored->inbox_pending(1, 10).empty());
  }
  auto kept = restore_sqlite(out_path_, restored_path_, kNow,
                             {.force = true, .pending = RestoreOptions::Pending::kKeep});
  EXPECT_EQ(kept.settled_jobs, 0);
  auto restored = open_sqlite(restored_path_);
  EXPECT_EQ(restored->outbox_ready(kNow * 2, 10, {}).size(), 1u);  // one queue: its head
  EXPECT_EQ(restored->inbox_pending(1, 10).size(), 1u);
}

TEST_F(SqliteBackup, WorkWaitingInABackupOfAStoppedDeskIsKeptForTheRestoredDesk) {
  add_pending_work(*open_sqlite(desk_path_));  // the desk stopped with work not done
  auto facts = backup_sqlite(desk_path_, out_path_);
  EXPECT_EQ(facts.taken_from, TakenFrom::kStoppedDesk);

  auto outcome = restore_sqlite(out_path_, restored_path_, kNow);
  EXPECT_EQ(outcome.snapshot.taken_from, TakenFrom::kStoppedDesk);
  EXPECT_EQ(outcome.settled_jobs, 0);
  auto restored = open_sqlite(restored_path_);
  EXPECT_EQ(restored->outbox_ready(kNow * 2, 10, {}).size(), 1u);
  EXPECT_EQ(restored->inbox_pending(1, 10).size(), 1u);
  EXPECT_EQ(inspect_snapshot(restored_path_).taken_from, TakenFrom::kUnknown)
      << "the mark stays with the snapshot";
}

}  // namespace
}  // namespace topicdesk::store
