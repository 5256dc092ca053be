// The setup bot in the running desk (docs/setup.md, "The setup bot"): its own getUpdates loop on
// the relay loop, handing each update to setup::SetupBot, which works on the desk's live
// connections (DeskServices::connections, applied at once); account sign-ins through the desk's
// TDLib runtime. A component of the runtime (Runtime::add_component), started when [setup]
// token is set.
#pragma once
#include <memory>

#include "app/runtime.h"

namespace topicdesk::app {

// The setup bot for this desk; nullptr when the configuration has no [setup] token.
std::unique_ptr<DeskComponent> make_setup_bot(DeskServices& services);

}  // namespace topicdesk::app
