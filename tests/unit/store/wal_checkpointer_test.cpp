// The background checkpointer moves committed pages from the WAL into the database file, so
// the WAL stays small although the store turns SQLite's automatic checkpoints off.
#include "store/sqlite/wal_checkpointer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
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
    for (const char* suffix : {"", "-wal", "-shm", ".lock"}) std::filesystem::remove(path_ + suffix);
  }
  std::uintmax_t wal_file_size() const {
    std::error_code missing;
    auto size = std::filesystem::file_size(path_ + "-wal", missing);
    return missing ? 0 : size;
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

// Under a steady stream of commits the thread never copies the last frames before the next
// write, so the WAL could only grow (it grew 180 MB a second at 5,000 relayed messages a second):
// the store's own connection checkpoints too once the WAL passes 16 MB, and the WAL starts over.
TEST_F(WalCheckpointerTest, AStoreUnderASteadyStreamOfCommitsKeepsItsWalBounded) {
  auto store = open_sqlite(path_);
  store->migrate();
  const auto connection = store->ensure_connection("shop", 1, -100);
  const std::string payload(1500, 'x');
  std::uintmax_t largest = 0;
  for (int i = 0; i < 40'000; ++i) {
    store->append_event(connection, 1, "message_received", payload, i);
    if (i % 500 == 0) largest = std::max(largest, wal_file_size());
  }
  largest = std::max(largest, wal_file_size());
  EXPECT_LT(largest, std::uintmax_t{48} << 20) << "40,000 commits of 1.5 KB would make a WAL of "
                                                  "over 150 MB if it never started over";
}

TEST_F(WalCheckpointerTest, AnUnopenableDatabaseIsAStoreError) {
  EXPECT_THROW(WalCheckpointer("/nonexistent-dir/x.db", 10), StoreError);
}

}  // namespace
}  // namespace topicdesk::store
