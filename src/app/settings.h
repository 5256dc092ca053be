// From the configuration file to what the runtime needs: reads config.toml (app/config.h),
// checks the parameters of every connection, and names the first mistake with file and line.
#pragma once
#include <string>

#include "app/runtime.h"
#include "core/result.h"

namespace topicdesk::app {

struct LoadedSettings {
  RuntimeSettings runtime;
  std::string log_level = "info";
  std::string summary;  // one line for the log, secrets redacted
};

core::Result<LoadedSettings> load_settings(const std::string& config_path);

}  // namespace topicdesk::app
