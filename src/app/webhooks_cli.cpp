// `topicdesk webhooks status --config FILE [--show-secret]`: per connection and URL, how many
// deliveries went out, how many wait, since when a URL fails and its last error.
#include <fmt/format.h>

#include <ctime>
#include <iostream>
#include <set>

#include "app/commands.h"
#include "app/config.h"
#include "app/open_store.h"
#include "integrations/webhooks.h"
#include "store/store.h"

namespace topicdesk::app {
namespace {

std::string utc_time(core::UnixMillis millis) {
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

void print_url(std::ostream& out, const std::string& url, const store::WebhookUrlStatus* status) {
  out << "  " << url << "\n";
  if (status == nullptr) {
    out << "    delivered 0, pending 0, failed 0\n";
    return;
  }
  out << fmt::format("    delivered {}, pending {}, failed {}\n", status->delivered, status->pending,
                     status->failed);
  if (status->failing_since > 0) out << "    failing since " << utc_time(status->failing_since) << "\n";
  if (!status->last_error.empty()) {
    out << "    last error: " << status->last_error << " (" << utc_time(status->last_error_at) << ")\n";
  }
}

void print_connection(std::ostream& out, store::Store& store, const ConnectionConfig& settings,
                      const std::vector<store::WebhookUrlStatus>& statuses, bool show_secret) {
  std::optional<store::ConnectionRecord> record;
  for (const auto& r : store.connections()) {
    if (r.name == settings.name) record = r;
  }
  out << "connection " << settings.name;
  if (!record) {
    out << ": has not run yet\n";
    return;
  }
  out << " (instance " << record->id << ")\n";
  integrations::HookConnection hook{record->id, settings.name, settings.parameters};
  if (!settings.parameters.webhooks_secret.empty()) {
    out << "  signing secret: WEBHOOKS_SECRET\n";
  } else if (show_secret) {
    out << "  signing secret (generated): " << integrations::signing_secret(store, hook) << "\n";
  } else {
    out << "  signing secret: generated (--show-secret prints it)\n";
  }
  std::set<std::string> shown;
  for (const auto& target : settings.parameters.webhooks) {
    const store::WebhookUrlStatus* found = nullptr;
    for (const auto& s : statuses) {
      if (s.connection_id == record->id && s.url == target.url) found = &s;
    }
    print_url(out, target.url, found);
    shown.insert(target.url);
  }
  for (const auto& s : statuses) {  // URLs removed from WEBHOOKS that still have records
    if (s.connection_id == record->id && !shown.contains(s.url))
      print_url(out, s.url + " (no longer configured)", &s);
  }
  if (settings.parameters.webhooks.empty() && shown.empty()) out << "  no WEBHOOKS\n";
}

}  // namespace

int webhooks_status_command(const std::string& config_path, bool show_secret) {
  auto loaded = load_config(config_path);
  if (!loaded) {
    std::cerr << loaded.error().message << "\n";
    return 2;
  }
  try {
    auto store = open_store(loaded->storage, store::OpenAs::kTool);
    auto statuses = store->webhook_status();
    for (const auto& connection : loaded->connections) {
      print_connection(std::cout, *store, connection, statuses, show_secret);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "webhooks status: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace topicdesk::app
