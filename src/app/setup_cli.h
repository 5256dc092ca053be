// `topicdesk setup claim --config FILE`: a one-time code for the setup bot (docs/setup.md). The
// first person who sends it to the bot in a private chat becomes an admin; it works once and
// expires after setup::kClaimLifetime. Only its hash is kept, in the desk's store (SQLite or
// PostgreSQL, as [storage] says), so every desk instance on that database knows it.
#pragma once
#include <iosfwd>
#include <string>

namespace topicdesk::app {

// Exit code: 0 printed, 1 the store cannot be opened or written, 2 the configuration cannot be used
// (no [setup] token).
int setup_claim_command(const std::string& config_path, std::ostream& out, std::ostream& err);

}  // namespace topicdesk::app
