// What only the SQLite store promises: one desk per database file, private file modes, error
// kinds and a short busy timeout, and the test-only fault plan that fails commits.
#include "store/sqlite/sqlite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "store/store.h"

namespace topicdesk::store {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr ChatId kGroup = -1001000000001;

class SqliteStoreFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("topicdesk-sqlite-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    path_ = (root_ / "data" / "desk.db").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  static unsigned mode_of(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return 0;
    return st.st_mode & 0777;
  }

  fs::path root_;
  std::string path_;
};

TEST_F(SqliteStoreFiles, ASecondDeskOnTheSameFileIsRefusedWithAClearMessage) {
  auto first = open_sqlite(path_);
  try {
    auto second = open_sqlite(path_);
    FAIL() << "a second desk opened the same database";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("another topicdesk process uses this database"));
    EXPECT_THAT(error.what(), HasSubstr(path_ + ".lock"));
    EXPECT_FALSE(error.transient());
  }
  first->state_set(first->ensure_connection("support", 1, kGroup), "k", "v");  // the first one goes on
}

TEST_F(SqliteStoreFiles, TheLockIsReleasedWhenTheStoreGoesAway) {
  auto first = open_sqlite(path_);
  auto conn = first->ensure_connection("support", 1, kGroup);
  first->state_set(conn, "offset", "7");
  first.reset();
  auto second = open_sqlite(path_);
  EXPECT_EQ(second->state_get(conn, "offset"), "7");
}

TEST_F(SqliteStoreFiles, ToolsOpenBesideARunningDesk) {
  auto desk = open_sqlite(path_);
  auto conn = desk->ensure_connection("support", 1, kGroup);
  desk->state_set(conn, "offset", "7");
  auto tool = open_sqlite(path_, OpenAs::kTool);
  EXPECT_EQ(tool->state_get(conn, "offset"), "7");
  EXPECT_THROW(open_sqlite(path_), StoreError) << "the desk still holds the lock";
}

TEST_F(SqliteStoreFiles, InMemoryStoresTakeNoLock) {
  auto a = open_sqlite(":memory:");
  auto b = open_sqlite(":memory:");
  EXPECT_NE(a->install_secret(), b->install_secret());
}

TEST_F(SqliteStoreFiles, TheFolderIs0700AndEveryFile0600) {
  const mode_t previous = ::umask(022);  // the usual umask, which would give 0755 and 0644
  auto store = open_sqlite(path_);
  ::umask(previous);
  store->state_set(store->ensure_connection("support", 1, kGroup), "k", "v");  // the WAL has content
  EXPECT_EQ(mode_of(root_ / "data"), 0700u);
  EXPECT_EQ(mode_of(root_), 0700u) << "missing parents too";
  for (const char* suffix : {"", "-wal", "-shm", ".lock"}) {
    ASSERT_TRUE(fs::exists(path_ + suffix)) << suffix;
    EXPECT_EQ(mode_of(path_ + suffix), 0600u) << suffix;
  }
}

TEST_F(SqliteStoreFiles, FilesOfAnOlderInstallAreNarrowed) {
  fs::create_directories(root_ / "data");
  { open_sqlite(path_); }
  ::chmod(path_.c_str(), 0644);
  ::chmod((path_ + ".lock").c_str(), 0644);
  auto store = open_sqlite(path_);
  EXPECT_EQ(mode_of(path_), 0600u);
  EXPECT_EQ(mode_of(path_ + ".lock"), 0600u);
}

TEST_F(SqliteStoreFiles, AFolderThatExistsKeepsItsMode) {
  fs::create_directories(root_ / "data");
  ::chmod((root_ / "data").c_str(), 0750);
  auto store = open_sqlite(path_);
  EXPECT_EQ(mode_of(root_ / "data"), 0750u) << "only folders the store creates are made 0700";
}

TEST_F(SqliteStoreFiles, AHeldWriteLockFailsFastAsBusy) {
  auto store = open_sqlite(path_);
  auto conn = store->ensure_connection("support", 1, kGroup);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto start = std::chrono::steady_clock::now();
  try {
    store->state_set(conn, "k", "v");
    ADD_FAILURE() << "a write went through while another connection held the lock";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.kind(), StoreError::Kind::kBusy) << error.what();
    EXPECT_TRUE(error.transient());
  }
  // The task's bound: a held lock never blocks the event loop for seconds.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  store->state_set(conn, "k", "v");
  EXPECT_EQ(store->state_get(conn, "k"), "v");
}

TEST_F(SqliteStoreFiles, TheRelaysWritePathHasNoIndexByAge) {
  { open_sqlite(path_); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(
                db, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('inbox', 'outbox')",
                -1, &q, nullptr),
            SQLITE_OK);
  std::vector<std::string> names;
  while (sqlite3_step(q) == SQLITE_ROW)
    names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
  sqlite3_finalize(q);
  sqlite3_close(db);
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("inbox_handled_by_age")));
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("outbox_done_by_age")));
  EXPECT_THAT(names, ::testing::Contains("inbox_pending"));
}

// Fault plan --------------------------------------------------------------------------------

class SqliteFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_sqlite(":memory:");
    conn_ = store_->ensure_connection("support", 1, kGroup);
  }
  SqliteStore& sqlite() { return sqlite_store(*store_); }

  std::unique_ptr<Store> store_;
  ConnectionId conn_ = 0;
};

TEST_F(SqliteFaults, TheNthCommitFailsAsAFailingDiskAndIsRolledBack) {
  sqlite().fail_commits(FaultPlan{.fail_commit = 2});
  store_->state_set(conn_, "a", "1");  // commit 1
  try {
    store_->transaction([&] {  // commit 2
      store_->state_set(conn_, "b", "2");
      OutboxJob job;
      job.connection_id = conn_;
      job.queue_key = "q";
      job.kind = "copy";
      store_->outbox_add(job);
    });
    FAIL() << "the second commit went through";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.kind(), StoreError::Kind::kStorage);
    EXPECT_THAT(error.what(), HasSubstr("injected"));
  }
  EXPECT_EQ(store_->state_get(conn_, "a"), "1");
  EXPECT_FALSE(store_->state_get(conn_, "b")) << "nothing of the failed unit is kept";
  EXPECT_EQ(store_->outbox_stats().pending, 0);
  store_->state_set(conn_, "c", "3");  // commit 3: the plan is spent
  EXPECT_EQ(store_->state_get(conn_, "c"), "3");
  EXPECT_EQ(sqlite().commits_failed(), 1);
}

TEST_F(SqliteFaults, AStatementOutsideATransactionFailsToo) {
  sqlite().fail_commits(FaultPlan{.fail_commit = 1, .kind = StoreError::Kind::kBusy});
  try {
    store_->inbox_add(conn_, 1, "{}");
    FAIL() << "the commit went through";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.kind(), StoreError::Kind::kBusy) << "reported as the plan says";
  }
  EXPECT_TRUE(store_->inbox_pending(conn_, 10).empty());
  EXPECT_TRUE(store_->inbox_add(conn_, 1, "{}")) << "the update was not recorded: it can be stored again";
}

TEST_F(SqliteFaults, EveryCommitFailsWhileTheFlagIsSet) {
  sqlite().fail_commits(FaultPlan{.fail_every_commit = true});
  EXPECT_THROW(store_->state_set(conn_, "a", "1"), StoreError);
  EXPECT_THROW(store_->state_set(conn_, "a", "1"), StoreError);
  EXPECT_THROW(store_->transaction([&] { store_->state_set(conn_, "a", "1"); }), StoreError);
  EXPECT_FALSE(store_->state_get(conn_, "a")) << "reads still work";
  sqlite().fail_commits({});
  store_->state_set(conn_, "a", "1");
  EXPECT_EQ(store_->state_get(conn_, "a"), "1");
  EXPECT_EQ(sqlite().commits_failed(), 3);
}

TEST_F(SqliteFaults, CommitsAreCountedSoATestCanWalkEveryStep) {
  const auto before = sqlite().commits();
  store_->state_set(conn_, "a", "1");
  store_->transaction([&] {
    store_->state_set(conn_, "b", "1");
    store_->state_set(conn_, "c", "1");
  });
  EXPECT_EQ(sqlite().commits() - before, 2) << "one per unit of work";
}

TEST(SqliteFaultPlan, OnlyAnSqliteStoreHasOne) {
  auto store = open_sqlite(":memory:");
  EXPECT_NO_THROW(sqlite_store(*store));
}

}  // namespace
}  // namespace topicdesk::store
