#include "telegram/tdlib/database_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace topicdesk::telegram::tdlib {

core::Result<std::unique_ptr<DatabaseLock>> DatabaseLock::acquire(const std::string& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error)
    return core::make_error("cannot create the TDLib database directory " + directory + ": " +
                            error.message());
  std::filesystem::permissions(directory, std::filesystem::perms::owner_all, error);  // sessions are secrets
  const std::string path = directory + "/.topicdesk.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return core::make_error("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int why = errno;
    ::close(fd);
    if (why == EWOULDBLOCK) {
      return core::make_error(
          "the TDLib database directory " + directory +
          " is already used by another session (another topicdesk process, or two "
          "connections with the same directory); two TDLib instances must never share one");
    }
    return core::make_error("cannot lock " + path + ": " + std::strerror(why));
  }
  return std::unique_ptr<DatabaseLock>(new DatabaseLock(fd, directory));
}

DatabaseLock::~DatabaseLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

}  // namespace topicdesk::telegram::tdlib
