#include "store/sqlite/database_files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/file_lock.h"
#include "store/store_error.h"

namespace topicdesk::store {
namespace fs = std::filesystem;

namespace {

constexpr mode_t kFileMode = 0600;
constexpr mode_t kFolderMode = 0700;

[[noreturn]] void fail(const std::string& what, int error) {
  throw StoreError(fmt::format("sqlite {}: {}", what, std::strerror(error)), StoreError::Kind::kStorage);
}

}  // namespace

std::string lock_file_path(const std::string& database_path) { return database_path + ".lock"; }

void prepare_database_folder(const std::string& path) {
  const fs::path folder = fs::path(path).parent_path();
  if (!folder.empty()) {
    std::vector<fs::path> missing;
    for (fs::path p = folder; !p.empty() && !fs::exists(p); p = p.parent_path()) {
      missing.push_back(p);
      if (p == p.parent_path()) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      if (::mkdir(it->c_str(), kFolderMode) != 0 && errno != EEXIST) {
        fail(fmt::format("cannot create the database folder {}", it->string()), errno);
      }
      ::chmod(it->c_str(), kFolderMode);  // whatever the umask
    }
  }
}

void prepare_database_files(const std::string& path) {
  prepare_database_folder(path);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kFileMode);
  if (fd < 0) fail(fmt::format("cannot open or create the database file {}", path), errno);
  ::close(fd);
}

void restrict_database_files(const std::string& path) {
  for (const auto& name : {path, path + "-wal", path + "-shm", lock_file_path(path)}) {
    struct stat st {};
    if (::stat(name.c_str(), &st) != 0) continue;
    if ((st.st_mode & 0777) == kFileMode) continue;
    if (::chmod(name.c_str(), kFileMode) != 0) {
      spdlog::warn("sqlite {}: cannot narrow its mode to 0600 ({}); it may be readable by other users", name,
                   std::strerror(errno));
    }
  }
}

InstanceLock::InstanceLock(const std::string& database_path) {
  auto lock = core::FileLock::acquire(lock_file_path(database_path));
  if (lock) {
    lock_ = std::move(*lock);
    return;
  }
  if (lock.error().code == core::ErrorCode::kConflict) {
    throw StoreError(fmt::format(
        "sqlite {}: another topicdesk process uses this database (it holds the lock {}); one desk "
        "per database: stop the other desk, or give this one its own [storage] sqlite path",
        database_path, lock_file_path(database_path)));
  }
  throw StoreError("sqlite instance lock: " + lock.error().message, StoreError::Kind::kStorage);
}

InstanceLock::~InstanceLock() = default;

}  // namespace topicdesk::store
