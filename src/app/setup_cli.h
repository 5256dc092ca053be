// `topicdesk setup claim --config FILE`: a one-time code for the setup bot (docs/setup.md). The
// first person who sends it to the bot in a private chat becomes an admin; it works once and
// expires after setup::kClaimLifetime. Only its hash is kept ([setup] state beside the database).
#pragma once
#include <iosfwd>
#include <string>

namespace topicdesk::app {

// Exit code: 0 printed, 1 the state file cannot be written, 2 the configuration cannot be used
// (no [setup] token).
int setup_claim_command(const std::string& config_path, std::ostream& out, std::ostream& err);

}  // namespace topicdesk::app
