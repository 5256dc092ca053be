#include "app/export_cli.h"

#include <ostream>

#include "app/config.h"
#include "app/open_store.h"
#include "exports/exports.h"
#include "telegram/redact.h"

namespace topicdesk::app {

int export_command(const ExportCliOptions& options, std::ostream& out, std::ostream& err) {
  auto loaded = load_config(options.config_path);
  if (!loaded) {
    err << "export: " << telegram::redact_secrets(loaded.error().message) << "\n";
    return 2;
  }
  for (const auto& password : postgres_uri_passwords(loaded->storage.postgres_uri))
    telegram::register_secret(password);
  try {
    auto store = open_store(loaded->storage, store::OpenAs::kTool);
    auto summary = exports::export_all(*store, options.out_dir);
    if (!summary) {
      err << "export: " << telegram::redact_secrets(summary.error().message) << "\n";
      return 1;
    }
    out << *summary;
    return 0;
  } catch (const std::exception& e) {
    err << "export: " << telegram::redact_secrets(e.what()) << "\n";
    return 1;
  }
}

}  // namespace topicdesk::app
