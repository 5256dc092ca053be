#include "app/doctor.h"

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <optional>

#include "app/open_store.h"
#include "app/td_connections.h"  // TDLib accounts
#include "cluster/cluster_review.h"
#include "core/clock.h"
#include "doctor/bot_checks.h"
#include "store/migrations/migrations.h"
#include "store/postgres/postgres_probe.h"
#include "store/store.h"
#include "telegram/bot_api_client.h"
#include "telegram/redact.h"
#include "telegram/tdlib/td_library.h"

namespace topicdesk::app {
namespace asio = boost::asio;
namespace json = boost::json;
namespace {

using Report = doctor::Findings;

}  // namespace

void print_findings(const doctor::Findings& findings, std::ostream& out) {
  constexpr std::string_view kEnglish = i18n::kFallbackLanguage;  // the shell's language
  for (const auto& f : findings.items) {
    switch (f.level) {
      case doctor::Finding::Level::kOk:
        out << "  ok    " << doctor::what_text(f, kEnglish) << "\n";
        break;
      case doctor::Finding::Level::kFix:
        out << "  FIX   " << doctor::what_text(f, kEnglish) << "\n        -> "
            << doctor::fix_text(f, kEnglish) << "\n";
        break;
      case doctor::Finding::Level::kNote:
        out << "  note  " << doctor::what_text(f, kEnglish) << "\n";
        break;
    }
  }
}

namespace {

asio::awaitable<void> check_connection(asio::io_context& io, const Config& s, const ConnectionConfig& c,
                                       Report& report) {
  telegram::BotApiClient api(io.get_executor(), s.telegram.api_base, c.token);
  co_await doctor::check_bot(api, bot_check_of(s, c), report);
}

asio::awaitable<void> check_helper(asio::io_context& io, const Config& s, core::ChatId group,
                                   const HelperConfig& h, Report& report) {
  telegram::BotApiClient api(io.get_executor(), s.telegram.api_base, h.token);
  // A named value: GCC 12 miscompiles a braced temporary passed to a coroutine.
  doctor::HelperCheck check{group, h.token_source, s.telegram.api_base};
  co_await doctor::check_helper(api, std::move(check), report);
}

// accounts: TDLib sessions of mtproto and account connections
// The session itself belongs to the running desk (its database is locked while open), so doctor
// reads what the desk recorded in the store, and checks what it can without opening it.
// The desk's store, when the desk has run (nullptr otherwise). Reading it while the desk runs is
// safe: SQLite in WAL mode lets readers in beside the writer, PostgreSQL serves many sessions.
// A PostgreSQL database the desk has not migrated yet counts as not run: doctor changes nothing.
std::unique_ptr<store::Store> recorded_store(const Config& s) {
  if (s.storage.uses_postgres()) {
    const auto probe = store::probe_postgres(s.storage.postgres_uri);
    if (!probe.reachable) throw std::runtime_error(probe.error);
    if (probe.schema_version == 0) return nullptr;
  } else if (s.storage.sqlite_path.empty() || !std::filesystem::exists(s.storage.sqlite_path)) {
    return nullptr;
  }
  return open_store(s.storage, store::OpenAs::kTool);
}

std::optional<core::ConnectionId> recorded_connection(store::Store& store, const std::string& name) {
  for (const auto& record : store.connections()) {
    if (record.name == name) return record.id;
  }
  return std::nullopt;
}

std::string recorded_session_state(const Config& s, const std::string& name) {
  try {
    auto store = recorded_store(s);
    auto id = store ? recorded_connection(*store, name) : std::nullopt;
    return id ? store->state_get(*id, kSessionStateKey).value_or("") : "";
  } catch (const std::exception& e) {
    return "error: cannot read " + s.storage.describe() + ": " + telegram::redact_secrets(e.what());
  }
}

void check_tdlib_session(const Config& s, const ConnectionConfig& c, Report& report) {
  const std::string connect = "run `topicdesk connect account --config FILE --name " + c.name + "`";
  if (c.mode == ConnectionMode::kMtproto) {
    report.note(
        "Telegram does not promise every update to a second session: a bot logged in twice may miss "
        "updates in one of them. The Bot API proxy (mode = \"proxy\") is the lossless way.");
  }
  if (auto library = telegram::tdlib::find_library(s.tdlib.library); library) {
    report.pass("TDLib library: " + *library);
  } else {
    report.fail(library.error().message,
                "install the npm package @prebuilt-tdlib/linux-x64-glibc or set [tdlib] library");
  }
  if (s.tdlib.api_id == 0 || s.tdlib.api_hash.empty()) {
    report.fail("[tdlib] api_id / api_hash are not set",
                "get them at https://my.telegram.org and add them to [tdlib]");
  }
  const std::string directory = session_directory(s, c.name);
  const std::string state = recorded_session_state(s, c.name);
  if (state == "ready") {
    report.pass("Telegram session ready (as the desk last recorded it; " + directory + ")");
  } else if (state == "missing" ||
             (state.empty() && c.mode == ConnectionMode::kAccount && !std::filesystem::exists(directory))) {
    report.fail("the account is not signed in (no session in " + directory + ")", connect);
  } else if (state == "revoked") {
    report.fail("the account's session was ended (revoked from another device or logged out)", connect);
  } else if (!state.empty()) {
    report.fail(
        "the Telegram session cannot be used: " + state,
        c.mode == ConnectionMode::kAccount ? connect : "check the token and [tdlib], then restart the desk");
  } else {
    report.note("the desk has not opened this session yet (" + directory +
                "); `run` signs in and records it");
  }
}

// Bot API proxy: is the bot's program fetching what the proxy keeps for it?
constexpr std::int64_t kProgramLateMs = 60'000;

void check_proxy_program(const Config& s, const ConnectionConfig& c, Report& report) {
  const std::string base = fmt::format("http://{}:{}", s.server.listen_host, s.server.listen_port);
  const std::string point = "start the bot's program with its Bot API base URL set to " + base +
                            " (it calls " + base + "/bot<token>/METHOD)";
  try {
    auto store = recorded_store(s);
    auto id = store ? recorded_connection(*store, c.name) : std::nullopt;
    if (!id) return report.note("the desk has not run this connection yet; then " + point);
    const auto backlog = store->proxy_backlog(*id);
    const auto now = core::unix_millis_now();
    const auto age_ms = backlog.count == 0 ? 0 : now - backlog.oldest;
    if (auto hook = store->proxy_webhook(*id); hook && !hook->last_error.empty()) {
      report.fail(
          "the program's webhook " + telegram::redact_tokens(hook->url) + " fails: " + hook->last_error,
          "start the program's webhook server, or let it call deleteWebhook and poll");
    } else if (age_ms > kProgramLateMs) {
      report.fail(fmt::format("{} update(s) wait for the bot's program, the oldest for {} min", backlog.count,
                              age_ms / 60'000),
                  point + "; updates older than 24 hours are dropped, as at Telegram");
    } else {
      report.pass(fmt::format("the bot's program is keeping up ({} update(s) waiting)", backlog.count));
    }
  } catch (const std::exception& e) {
    report.fail("cannot read " + s.storage.describe() + ": " + telegram::redact_secrets(e.what()),
                "check [storage]");
  }
}

// storage: a PostgreSQL server must be reachable and hold a schema this desk can use.
void check_postgres(const StorageConfig& storage, Report& report) {
  const std::string where = storage.describe();
  const auto probe = store::probe_postgres(storage.postgres_uri);
  if (!probe.reachable) {
    return report.fail(fmt::format("cannot use {}: {}", where, probe.error),
                       "check [storage] postgres (" + storage.postgres_source +
                           ": postgresql://user:password@host:port/database), that the server runs and "
                           "the database exists");
  }
  if (!probe.error.empty())
    return report.fail(fmt::format("{}: {}", where, probe.error), "check the database");
  const int newest = store::migrations::newest_version();
  const std::string server = fmt::format("PostgreSQL {} reachable: {}", probe.server_version, where);
  if (probe.schema_version > newest) {
    return report.fail(fmt::format("{}; its schema version {} is newer than this topicdesk knows ({})",
                                   server, probe.schema_version, newest),
                       "run the topicdesk version that wrote it, or a newer one");
  }
  report.pass(server);
  if (probe.schema_version == 0) {
    report.note(fmt::format(
        "no tables yet: `topicdesk migrate` or the first `run` creates them (schema version {})", newest));
  } else if (probe.schema_version < newest) {
    report.note(fmt::format("schema version {}; `topicdesk migrate` or the next `run` brings it to {}",
                            probe.schema_version, newest));
  } else {
    report.pass(fmt::format("schema version {} (this topicdesk's)", probe.schema_version));
  }
}

// Several instances: who is alive, their clocks, who runs each connection.
void check_cluster(const Config& s, Report& report) {
  try {
    auto store = recorded_store(s);
    if (!store) return report.note("no instance has run on this database yet");
    std::vector<std::string> names;
    for (const auto& c : s.connections) names.push_back(c.name);
    const auto findings =
        cluster::review_cluster(store->database_now(), std::int64_t{s.cluster.lease_seconds} * 1000,
                                store->instances(), store->leases(), names);
    for (const auto& f : findings) {
      switch (f.kind) {
        case cluster::ClusterFinding::Kind::kPass:
          report.pass(f.text);
          break;
        case cluster::ClusterFinding::Kind::kFail:
          report.fail(f.text, f.fix);
          break;
        case cluster::ClusterFinding::Kind::kNote:
          report.note(f.text);
          break;
      }
    }
  } catch (const std::exception& e) {
    report.fail("cannot read the instances and leases in " + s.storage.describe() + ": " +
                    telegram::redact_secrets(e.what()),
                "check [storage]");
  }
}

}  // namespace

doctor::BotCheck bot_check_of(const Config& settings, const ConnectionConfig& connection) {
  return {connection.group_id, connection.transport == TransportKind::kPolling, settings.telegram.api_base};
}

bool run_doctor(const Config& settings, std::ostream& out) {
  asio::io_context io;
  bool healthy = true;
  if (settings.storage.uses_postgres()) {
    out << "storage:\n";
    Report report;
    check_postgres(settings.storage, report);
    print_findings(report, out);
    healthy = report.healthy();
    out << "instances:\n";
    Report instances;
    if (healthy) check_cluster(settings, instances);
    print_findings(instances, out);
    healthy = healthy && instances.healthy();
  }
  for (const auto& c : settings.connections) {
    out << "connection " << c.name << ":\n";
    Report report;
    asio::co_spawn(io, check_connection(io, settings, c, report), asio::detached);
    io.run();
    io.restart();
    if (uses_tdlib(c.mode)) check_tdlib_session(settings, c, report);  // accounts
    if (c.mode == ConnectionMode::kProxy) check_proxy_program(settings, c, report);
    print_findings(report, out);
    healthy = healthy && report.healthy();
  }
  for (const auto& g : settings.groups) {
    if (g.helpers.empty()) continue;
    out << "group " << g.id << " helpers:\n";
    Report report;
    for (const auto& h : g.helpers) {
      asio::co_spawn(io, check_helper(io, settings, g.id, h, report), asio::detached);
      io.run();
      io.restart();
    }
    print_findings(report, out);
    healthy = healthy && report.healthy();
  }
  out << (healthy ? "\nall connections are ready\n" : "\nsome checks need fixing (see FIX above)\n");
  return healthy;
}

}  // namespace topicdesk::app
