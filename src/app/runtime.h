// The running desk: wires store, transports, engines, dispatcher, scheduler and the HTTP
// server on one Asio event loop (see docs/architecture.md, "Threads").
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "app/config.h"

namespace topicdesk::app {

class Runtime {
 public:
  explicit Runtime(Config config);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Runs until SIGINT/SIGTERM or a fatal error; returns the process exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace topicdesk::app
