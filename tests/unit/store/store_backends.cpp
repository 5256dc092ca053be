#include "store_backends.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>

namespace topicdesk::store::test_support {
namespace {

std::string new_sqlite_file() {
  static std::atomic<int> counter{0};
  auto name = "topicdesk-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".db";
  auto path = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove(path);
  return path.string();
}

void remove_sqlite_file(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", ".lock"}) std::filesystem::remove(path + suffix);
}

}  // namespace

std::vector<Backend> all_backends() {
  return {
      Backend{"sqlite_file", true, new_sqlite_file, [](const std::string& p) { return open_sqlite(p); },
              remove_sqlite_file},
      Backend{"sqlite_memory", false, [] { return std::string(":memory:"); },
              [](const std::string& p) { return open_sqlite(p); }, [](const std::string&) {}},
  };
}

}  // namespace topicdesk::store::test_support
