// One holder at a time: a second lock on the same file is refused as a conflict until the first
// is released, and the lock file is private to its owner.
#include "core/file_lock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace topicdesk::core {
namespace {

class FileLockTest : public ::testing::Test {
 protected:
  FileLockTest()
      : dir_(std::filesystem::temp_directory_path() / ("file_lock_test_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~FileLockTest() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(FileLockTest, SecondHolderIsRefusedUntilTheFirstLetsGo) {
  auto first = FileLock::acquire(path("desk.lock"));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ((*first)->path(), path("desk.lock"));

  auto second = FileLock::acquire(path("desk.lock"));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_NE(second.error().message.find(path("desk.lock")), std::string::npos) << second.error().message;

  auto other = FileLock::acquire(path("other.lock"));
  EXPECT_TRUE(other) << "another file is another lock";

  first->reset();
  auto again = FileLock::acquire(path("desk.lock"));
  EXPECT_TRUE(again) << again.error().message;
}

TEST_F(FileLockTest, LockFileIsPrivateEvenWhenFoundWider) {
  const std::string file = path("wide.lock");
  ASSERT_EQ(::close(::creat(file.c_str(), 0644)), 0);
  ::chmod(file.c_str(), 0644);
  auto lock = FileLock::acquire(file);
  ASSERT_TRUE(lock) << lock.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST_F(FileLockTest, UnopenableFileNamesTheFileAndTheReason) {
  auto lock = FileLock::acquire(path("missing-folder/desk.lock"));
  ASSERT_FALSE(lock);
  EXPECT_EQ(lock.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(lock.error().message.find("missing-folder/desk.lock"), std::string::npos) << lock.error().message;
  EXPECT_NE(lock.error().message.find("No such file"), std::string::npos) << lock.error().message;
}

}  // namespace
}  // namespace topicdesk::core
