// Two TDLib instances must never share a database directory: each session holds an flock
// (core::FileLock) on <database_directory>/.topicdesk.lock while it is open. A second holder (this process or
// another) is refused with an error naming the directory.
#pragma once
#include <memory>
#include <string>

#include "core/file_lock.h"
#include "core/result.h"

namespace topicdesk::telegram::tdlib {

class DatabaseLock {
 public:
  // Creates the directory (and parents, mode 0700) if needed, then takes the lock.
  static core::Result<std::unique_ptr<DatabaseLock>> acquire(const std::string& directory);
  // The lock is released when the DatabaseLock goes.
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;

  const std::string& directory() const { return directory_; }

 private:
  DatabaseLock(std::unique_ptr<core::FileLock> lock, std::string directory)
      : lock_(std::move(lock)), directory_(std::move(directory)) {}
  std::unique_ptr<core::FileLock> lock_;
  std::string directory_;
};

}  // namespace topicdesk::telegram::tdlib
