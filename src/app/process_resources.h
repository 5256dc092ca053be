// Process-wide resource settings the desk makes once at start, before it serves anything:
//  - the soft open-file limit (RLIMIT_NOFILE) is raised to the hard limit, so the HTTP server's
//    connection cap (3/4 of the soft limit, http/server.h) is as high as the system allows;
//  - glibc's malloc gives large blocks (request bodies, uploads, answers) back to the system as
//    soon as they are freed. By default the mmap threshold adapts upwards after the first large
//    free, and later large blocks come from the heap, where a burst leaves them resident for good.
#pragma once
#include <string>

namespace topicdesk::app {

// Applies both; returns a line for the log that says what it set.
std::string prepare_process_resources();

}  // namespace topicdesk::app
