// `topicdesk export --config F --out DIR`: the command-line side of exports::export_all. It
// opens the store the configuration names as a tool (beside a running desk, SQLite or
// PostgreSQL), writes clients.csv, dialogs.csv, history/<connection>.jsonl, labels.csv and
// templates.jsonl under DIR and prints one line per file on stdout; a failure goes to stderr as
// "export: what and where" (exit 1; 2 for a configuration that cannot be read). Everything is
// written as the store keeps it, HIDE_INFO or not: whoever can run this holds the database.
// docs/exports.md is the operators' guide.
#pragma once
#include <iosfwd>
#include <string>

namespace topicdesk::app {

struct ExportCliOptions {
  std::string config_path;
  std::string out_dir;
};

int export_command(const ExportCliOptions& options, std::ostream& out, std::ostream& err);

}  // namespace topicdesk::app
