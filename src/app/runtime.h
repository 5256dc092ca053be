// The running desk: wires store, transports, engines, dispatcher, scheduler and the HTTP
// server on one Asio event loop (see docs/architecture.md, "Threads").
//
// Connections come from the configuration file and from the store (docs/setup.md): the ones
// made at run time start, stop and change while the desk runs. Components that make and change
// them in-process (the setup bot) are given the desk's setup::ConnectionAdmin through
// add_component; its changes are applied at once, other processes' within a second or two.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/config.h"

namespace topicdesk::store {
class Store;
}
namespace topicdesk::setup {
class ConnectionAdmin;
}
namespace topicdesk::telegram::tdlib {
class TdRuntime;
}

namespace topicdesk::app {

// What the runtime offers a component it starts. Everything lives until the desk stops; use it
// on `executor` (the relay loop) only.
struct DeskServices {
  boost::asio::any_io_executor executor;
  store::Store& store;
  setup::ConnectionAdmin& connections;  // the file's (read-only) and the store's connections
  const Config& config;
  std::string desk_url;  // the desk's address as a browser reaches it (public_url, else http://host:port)
  // The process's TDLib runtime (one receive loop per process), loaded on first use; nullptr
  // when the library cannot be loaded.
  std::function<telegram::tdlib::TdRuntime*()> td_runtime;
};

// A component started with the desk (the setup bot). stop() is called once when the desk stops.
class DeskComponent {
 public:
  virtual ~DeskComponent() = default;
  virtual void stop() = 0;
};
// Called once on the relay loop, when the store, the HTTP server and the admin exist and before
// the connections come up; may return nullptr (nothing to run, e.g. not configured).
using ComponentFactory = std::function<std::unique_ptr<DeskComponent>(DeskServices& services)>;

class Runtime {
 public:
  explicit Runtime(Config config);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Before run(): a component to start with the desk.
  void add_component(ComponentFactory factory);

  // Runs until SIGINT/SIGTERM or a fatal error; returns the process exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace topicdesk::app
