// An exclusive flock on a file, held for the lifetime of a FileLock: one owner of a database or
// a folder at a time. flock belongs to the open file description, so a second lock in the same
// process is refused too, and the lock goes away with the process however it ends (kill -9
// included): there is no stale lock to clean up. The descriptor is close-on-exec, so a child
// process never inherits it. The file is created 0600 (and narrowed to 0600 when found wider).
//
// This and clock.h are the only places core asks the operating system for anything.
#pragma once
#include <memory>
#include <string>

#include "core/result.h"

namespace topicdesk::core {

class FileLock {
 public:
  // Takes the lock without waiting. ErrorCode::kConflict when another holder has it (the caller
  // says who that can be); kUnavailable when the file cannot be opened or locked (the message
  // names the file and the system's reason).
  static Result<std::unique_ptr<FileLock>> acquire(const std::string& path);
  ~FileLock();  // releases the lock
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  FileLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

}  // namespace topicdesk::core
