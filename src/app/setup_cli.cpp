#include "app/setup_cli.h"

#include <chrono>
#include <exception>
#include <ostream>

#include "app/config.h"
#include "app/open_store.h"
#include "setup/setup_access.h"

namespace topicdesk::app {

int setup_claim_command(const std::string& config_path, std::ostream& out, std::ostream& err) {
  auto loaded = load_config(config_path);
  if (!loaded) {
    err << loaded.error().message << "\n";
    return 2;
  }
  if (!loaded->setup.enabled()) {
    err << config_path
        << ": no setup bot: add [setup] token = \"env:SETUP_BOT_TOKEN\" (a bot from @BotFather)\n";
    return 2;
  }
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  try {
    // Beside a running desk, as the other commands that write the desk's data.
    auto store = open_store(loaded->storage, store::OpenAs::kTool);
    auto code = setup::issue_claim_code(*store, now);
    if (!code) {
      err << "setup claim: " << code.error().message << "\n";
      return 1;
    }
    out << "Send this code to the setup bot in a private chat within "
        << std::chrono::duration_cast<std::chrono::minutes>(setup::kClaimLifetime).count()
        << " minutes; the first to send it becomes its admin (it works once):\n\n  " << *code << "\n";
    return 0;
  } catch (const std::exception& e) {
    err << "setup claim: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace topicdesk::app
