// `topicdesk backup` and `topicdesk restore`: the command-line side of store/sqlite/sqlite_backup.h.
// They read [storage] sqlite from the configuration, print what was saved or restored on
// stdout, and a failure on stderr as "backup: what and where" (exit 1; 2 for a configuration
// that cannot be read). docs/operations.md, "Backup and restore", is the operators' guide.
#pragma once
#include <string>

namespace topicdesk::app {

struct BackupCliOptions {
  std::string config_path;
  std::string out_path;
  bool force = false;
};

struct RestoreCliOptions {
  std::string config_path;
  std::string from_path;
  bool force = false;
  std::string pending = "auto";  // auto, settle or keep (store::RestoreOptions::Pending)
};

int backup_command(const BackupCliOptions& options);
int restore_command(const RestoreCliOptions& options);

}  // namespace topicdesk::app
