// The background checkpointer moves committed pages from the WAL into the database file, so
// the WAL stays small although the store turns SQLite's automatic checkpoints off.
#include "store/sqlite/wal_checkpointer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace topicdesk::store {
namespace {

class WalCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override { remove_files(); }
  void TearDown() override { remove_files(); }
  void remove_files() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  std::uintmax_t database_file_size() const { return std::filesystem::file_size(path_); }

  std::string path_ = (std::filesystem::temp_directory_path() /
                       ("topicdesk-checkpoint-" + std::to_string(::getpid()) + ".db"))
                          .string();
};

TEST_F(WalCheckpointerTest, CopiesCommittedPagesIntoTheDatabaseFile) {
  SqliteDb db(path_);
  db.exec_script(
      "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;"
      "CREATE TABLE t (v TEXT);",
      "setup");
  const auto size_before = database_file_size();
  for (int i = 0; i < 200; ++i) {
    db.exec_script("INSERT INTO t VALUES (hex(randomblob(512)));", "insert");
  }
  ASSERT_EQ(database_file_size(), size_before) << "without a checkpoint the rows stay in the WAL";

  WalCheckpointer checkpointer(path_, 10);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (checkpointer.checkpoints_done() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_GT(checkpointer.checkpoints_done(), 0);
  EXPECT_GT(database_file_size(), size_before + 100 * 1024) << "the rows are in the database file";
}

TEST_F(WalCheckpointerTest, AnUnopenableDatabaseIsAStoreError) {
  EXPECT_THROW(WalCheckpointer("/nonexistent-dir/x.db", 10), StoreError);
}

}  // namespace
}  // namespace topicdesk::store
