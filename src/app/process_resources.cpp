#include "app/process_resources.h"

#include <fmt/format.h>
#include <malloc.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace topicdesk::app {
namespace {

// Blocks of this size and larger are mmap'ed and unmapped on free; fixing the threshold also
// fixes the heap's trim threshold, so the top of the heap is given back too.
constexpr int kMmapThreshold = 128 * 1024;

std::string raise_open_file_limit() {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0)
    return fmt::format("open files: unknown ({})", std::strerror(errno));
  if (files.rlim_cur != files.rlim_max) {
    rlimit raised = files;
    raised.rlim_cur = files.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      files = raised;
    } else {
      return fmt::format("open files: {} (could not raise to {}: {})", files.rlim_cur, files.rlim_max,
                         std::strerror(errno));
    }
  }
  if (files.rlim_cur == RLIM_INFINITY) return "open files: unlimited";
  return fmt::format("open files: {}", files.rlim_cur);
}

}  // namespace

std::string prepare_process_resources() {
  std::string files = raise_open_file_limit();
  const bool fixed = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1;
  return fmt::format("{}; large allocations {}", files,
                     fixed ? "returned to the system when freed" : "left to malloc's defaults");
}

}  // namespace topicdesk::app
