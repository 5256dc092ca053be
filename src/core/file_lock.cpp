#include "core/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace topicdesk::core {

Result<std::unique_ptr<FileLock>> FileLock::acquire(const std::string& path) {
  constexpr mode_t kMode = 0600;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kMode);
  if (fd < 0) return make_error(ErrorCode::kUnavailable, "cannot open " + path + ": " + std::strerror(errno));
  ::fchmod(fd, kMode);  // a file left by an older install may be wider
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int why = errno;
    ::close(fd);
    if (why == EWOULDBLOCK) return make_error(ErrorCode::kConflict, path + " is locked by another holder");
    return make_error(ErrorCode::kUnavailable, "cannot lock " + path + ": " + std::strerror(why));
  }
  return std::unique_ptr<FileLock>(new FileLock(fd, path));
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

}  // namespace topicdesk::core
