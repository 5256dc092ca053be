// `topicdesk doctor`: checks each connection against Telegram and says what to fix.
#pragma once
#include <ostream>

#include "app/runtime.h"
#include "doctor/bot_checks.h"

namespace topicdesk::app {

// Prints one line per check; returns true when every connection is ready.
bool run_doctor(const Config& settings, std::ostream& out);

// The findings as `doctor` prints them, in English: "  ok    …", "  FIX   …" and "        -> fix".
void print_findings(const doctor::Findings& findings, std::ostream& out);

// What the bot checks of `connection` need to know from the configuration.
doctor::BotCheck bot_check_of(const Config& settings, const ConnectionConfig& connection);

}  // namespace topicdesk::app
