// The files of an SQLite desk database, and who may use them.
//
// One desk per database: InstanceLock holds an exclusive flock on "<db>.lock" beside the
// database for its lifetime (core::FileLock: a second store in this process is refused too, and
// the lock goes away with the process however it ends, kill -9 included).
//
// Modes: the folder, when the store creates it, is 0700; the database, its -wal and -shm files
// and the lock file are 0600 (message texts, secrets). SQLite gives -wal and -shm the mode of
// the database file, so creating that one 0600 covers them; files found with wider modes (an
// older install) are narrowed at open.
#pragma once
#include <memory>
#include <string>

#include "core/file_lock.h"

namespace topicdesk::store {

// Creates the database's folder (and missing parents, each 0700) if it does not exist.
// StoreError (kStorage) when it cannot.
void prepare_database_folder(const std::string& path);

// Creates the database's folder (and missing parents, each 0700) and the empty database file
// (0600) if they do not exist. StoreError (kStorage) when it cannot.
void prepare_database_files(const std::string& path);

// Narrows the database, -wal, -shm and lock files that exist to 0600. Failing to (a file owned
// by another user) is logged, not fatal.
void restrict_database_files(const std::string& path);

class InstanceLock {
 public:
  // Takes the lock on "<path>.lock" (created 0600), or throws StoreError naming the lock file
  // when another topicdesk process (or another store in this one) holds it.
  explicit InstanceLock(const std::string& database_path);
  ~InstanceLock();  // releases it
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

  const std::string& lock_path() const { return lock_->path(); }

 private:
  std::unique_ptr<core::FileLock> lock_;
};

std::string lock_file_path(const std::string& database_path);  // "<path>.lock"

}  // namespace topicdesk::store
