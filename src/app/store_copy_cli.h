// `topicdesk store copy --from CONFIG_A --to CONFIG_B`: the command-line side of
// store/copy/store_copy.h. It reads [storage] of both configurations (SQLite file or
// PostgreSQL URI), copies every table of the first store into the empty second one, and prints
// per table the row counts and checksums of both sides on stdout; progress goes to stderr
// (about once a second while a copy runs), a failure to stderr as "store copy: what and where".
// Exit 0 when every table matched, 1 when the copy failed, was refused or differed (nothing is
// then kept on the target), 2 for a configuration that cannot be read. A PostgreSQL store is
// shown as host:port/database, never with its password. docs/operations.md, "Moving between
// SQLite and PostgreSQL", is the operators' guide.
#pragma once
#include <iosfwd>
#include <string>

namespace topicdesk::app {

struct StoreCopyCliOptions {
  std::string from_config;
  std::string to_config;
  int batch_rows = 500;
};

int store_copy_command(const StoreCopyCliOptions& options, std::ostream& out, std::ostream& err);

}  // namespace topicdesk::app
