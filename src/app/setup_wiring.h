// The setup bot in the running desk (docs/setup.md, "The setup bot"): its own getUpdates loop on
// the relay loop's executor, handing each update to setup::SetupBot, which works on the desk's
// live connections (setup::ConnectionAdmin); account sign-ins through the desk's TDLib runtime.
// Started by the runtime when [setup] token is set.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "app/config.h"
#include "setup/connection_admin.h"
#include "store/store.h"

namespace topicdesk::telegram::tdlib {
class TdRuntime;
}

namespace topicdesk::app {

class SetupWiring {
 public:
  struct Hooks {
    setup::ConnectionAdmin* connections = nullptr;
    store::Store* store = nullptr;
    // A connection's token (the setup bot checks its group and runs the doctor with it).
    std::function<std::optional<std::string>(const std::string& name)> token_of;
    // The process's TDLib runtime (one per process: TDLib has one receive loop), created on
    // first use; nullptr when the library cannot be loaded.
    std::function<telegram::tdlib::TdRuntime*()> td_runtime;
    std::string dashboard_base_url;  // the desk's address as a browser reaches it
  };

  SetupWiring(boost::asio::any_io_executor executor, const Config& config, Hooks hooks);
  ~SetupWiring();
  SetupWiring(const SetupWiring&) = delete;
  SetupWiring& operator=(const SetupWiring&) = delete;

  // Starts polling the setup bot's updates.
  void start();
  // Ends the loop and every conversation in progress.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace topicdesk::app
