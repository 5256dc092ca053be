#include "telegram/tdlib/database_lock.h"

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
  auto lock = core::FileLock::acquire(directory + "/.topicdesk.lock");
  if (!lock) {
    if (lock.error().code != core::ErrorCode::kConflict) return lock.error();
    return core::make_error(
        core::ErrorCode::kConflict,
        "the TDLib database directory " + directory +
            " is already used by another session (another topicdesk process, or two "
            "connections with the same directory); two TDLib instances must never share one");
  }
  return std::unique_ptr<DatabaseLock>(new DatabaseLock(std::move(*lock), directory));
}

}  // namespace topicdesk::telegram::tdlib
