// `topicdesk doctor`: checks each connection against Telegram and says what to fix.
#pragma once
#include <ostream>

#include "app/runtime.h"

namespace topicdesk::app {

// Prints one line per check; returns true when every connection is ready.
bool run_doctor(const Config& settings, std::ostream& out);

}  // namespace topicdesk::app
