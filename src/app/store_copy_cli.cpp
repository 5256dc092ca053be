#include "app/store_copy_cli.h"

#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <ostream>

#include "app/config.h"
#include "store/copy/store_copy.h"
#include "telegram/redact.h"

namespace topicdesk::app {
namespace {

constexpr auto kProgressEvery = std::chrono::seconds(1);

std::optional<store::StoreLocation> location_of(const std::string& config_path, std::ostream& err) {
  auto loaded = load_config(config_path);
  if (!loaded) {
    err << "store copy: " << telegram::redact_secrets(loaded.error().message) << "\n";
    return std::nullopt;
  }
  for (const auto& password : postgres_uri_passwords(loaded->storage.postgres_uri))
    telegram::register_secret(password);
  const auto& storage = loaded->storage;
  if (storage.uses_postgres()) return store::StoreLocation::postgres(storage.postgres_uri);
  return store::StoreLocation::sqlite(storage.sqlite_path);
}

std::string short_hash(const std::string& sha256) { return sha256.substr(0, 16); }

void print_tables(const store::CopyOutcome& outcome, std::ostream& out) {
  std::size_t width = 5;
  for (const auto& t : outcome.tables) width = std::max(width, t.source.table.size());
  out << fmt::format("{:<{}}  {:>10}  {:>10}  {:<16}  {:<16}  {}\n", "table", width, "source", "target",
                     "source sha-256", "target sha-256", "match");
  for (const auto& t : outcome.tables) {
    out << fmt::format("{:<{}}  {:>10}  {:>10}  {:<16}  {:<16}  {}\n", t.source.table, width, t.source.rows,
                       t.target.rows, short_hash(t.source.sha256), short_hash(t.target.sha256),
                       t.same() ? "same" : "DIFFERS");
  }
}

}  // namespace

int store_copy_command(const StoreCopyCliOptions& options, std::ostream& out, std::ostream& err) {
  const auto from = location_of(options.from_config, err);
  if (!from) return 2;
  const auto to = location_of(options.to_config, err);
  if (!to) return 2;
  if (from->kind == to->kind && from->where == to->where) {
    err << "store copy: --from and --to name the same store (" << from->describe() << ")\n";
    return 2;
  }

  store::CopyOptions copy;
  copy.batch_rows = options.batch_rows;
  auto last = std::chrono::steady_clock::now();
  copy.progress = [&](const store::CopyProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last < kProgressEvery) return;
    last = now;
    err << fmt::format("store copy: {}: {} of {} rows; all tables: {} of {} rows ({}%)\n", p.table,
                       p.table_rows_done, p.table_rows, p.rows_done, p.rows,
                       p.rows > 0 ? p.rows_done * 100 / p.rows : 100);
  };
  try {
    err << "store copy: " << from->describe() << " -> " << to->describe() << "\n";
    const auto outcome = store::copy_store(*from, *to, copy);
    if (outcome.source_desk == store::TakenFrom::kRunningDesk) {
      err << "store copy: a desk runs on " << from->describe()
          << ": the copy is its store as it was when the copy began; what it does from now on is not in "
             "the copy. To move the desk, stop it, copy again into an empty target, then start it on the "
             "target.\n";
    }
    print_tables(outcome, out);
    if (!outcome.verified()) {
      err << "store copy: the target differs from the source in the tables marked DIFFERS; the copy was "
             "rolled back and "
          << to->describe() << " holds nothing of it\n";
      return 1;
    }
    out << fmt::format("copied {} rows in {} tables from {} to {} at schema version {}: verified\n",
                       outcome.rows(), outcome.tables.size(), from->describe(), to->describe(),
                       outcome.schema_version);
    return 0;
  } catch (const std::exception& e) {
    err << "store copy: " << telegram::redact_secrets(e.what()) << "\n";
    return 1;
  }
}

}  // namespace topicdesk::app
