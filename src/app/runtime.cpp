#include "app/runtime.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "app/ai_wiring.h"
#include "app/desk_health.h"
#include "app/doctor.h"
#include "app/open_store.h"
#include "app/proxy_connection.h"
#include "app/td_connections.h"
#include "cluster/lease_keeper.h"
#include "core/backoff.h"
#include "core/clock.h"
#include "doctor/periodic_checks.h"
#include "http/server.h"
#include "http/webhook_ingress.h"
#include "integrations/owner_forwarding.h"
#include "integrations/topics_api.h"
#include "integrations/webhooks.h"
#include "relay/broadcast_sender.h"
#include "relay/dispatcher.h"
#include "relay/engine.h"
#include "relay/housekeeping.h"
#include "relay/inbox.h"
#include "relay/scheduler.h"
#include "setup/connections_admin.h"
#include "store/store.h"
#include "telegram/bot_api_client.h"
#include "telegram/log_limiter.h"
#include "telegram/long_poller.h"
#include "telegram/redact.h"
#include "web/dashboard_routes.h"

namespace topicdesk::app {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// Each connection's recent sends are saved this often while it sends (and at shutdown), so a
// restart starts its flood windows where this run left them (docs/operations.md). While the
// store fails, the same tick tries it, so health recovers by itself.
constexpr auto kHeartbeatEvery = 1s;
constexpr const char* kFloodJournalKey = "flood_journal";
constexpr auto kConnectRetryMax = 30s;
// Several instances: how often the inbox is read again for entries other instances wrote, and
// how long a hand-over waits for the calls in flight.
constexpr auto kClusterPoll = 200ms;
constexpr auto kHandOverWait = 15s;
// Connections made at run time (docs/setup.md): how often the store's change serial is read, so
// changes made by another process (the shell, another instance) are applied.
constexpr auto kReconcileEvery = 1s;

// Where the other instances reach this one: the listen address, or this host's name when it
// listens on every interface.
std::string advertised_address(const std::string& host, unsigned short port) {
  std::string h = host;
  if (h.empty() || h == "0.0.0.0" || h == "::") {
    char name[256] = {};
    h = ::gethostname(name, sizeof name - 1) == 0 ? name : "localhost";
  }
  return h.find(':') != std::string::npos ? fmt::format("[{}]:{}", h, port) : fmt::format("{}:{}", h, port);
}

}  // namespace

// A configured connection. Every instance knows every connection (it reached Telegram as the
// bot and has its engine); it RUNS one (transport, inbox drain, sends, timers) while it holds
// the connection's lease, or always when it is alone on its database (SQLite).
struct ConnectionRuntime {
  ConnectionConfig config;
  core::ConnectionId id = 0;
  std::unique_ptr<telegram::BotApiClient> api;
  std::unique_ptr<relay::Engine> engine;  // set once known
  std::unique_ptr<telegram::LongPoller> poller;
  telegram::ParseContext parse_context;
  std::shared_ptr<telegram::FloodJournal> flood_journal;
  bool running = false;  // its transport and relay run here
  bool td_started = false;
  // Connections made at run time (docs/setup.md)
  bool from_database = false;
  bool initial = false;  // brought up at start: counts towards connection_settled()
  bool paused = false;   // stopped by an admin: its engine stays; its inbox and outbox wait for it
  bool removed = false;  // removed or replaced: no longer the runtime's, kept for work still in flight
  // Why it does not run, for people (a rejected token; setup.problem.*).
  i18n::Message problem;
};

// What makes a stored connection another one: a change of any of these brings it up anew.
std::string identity_of(const ConnectionConfig& c) {
  return fmt::format("{}|{}|{}|{}", to_string(c.mode), c.token, c.group_id, to_string(c.transport));
}

// A helper bot of a backend group (docs/helper-bots.md): its own Bot API client; once getMe
// answers, the dispatcher's GroupPosters has it.
struct HelperRuntime {
  core::ChatId group = 0;
  std::string token_source;  // safe to show
  std::unique_ptr<telegram::BotApiClient> api;
};

struct Runtime::Impl {
  explicit Impl(Config c)
      : config(std::move(c)), signals(io, SIGINT, SIGTERM), heartbeat_timer(io), reconcile_timer(io) {}

  Config config;
  asio::io_context io;  // the relay loop: the store, engines, inbox, sends, timers, API handlers
  // The HTTP server's loop: reads and writes requests, answers /healthz and /metrics and forwards
  // the proxy's calls, so none of them waits for the store (handlers run on `io`).
  asio::io_context edge;
  asio::signal_set signals;
  asio::steady_timer heartbeat_timer;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<DeskHealth> health;
  std::unique_ptr<relay::Inbox> inbox;
  std::vector<std::unique_ptr<ConnectionRuntime>> connections;
  std::vector<std::unique_ptr<HelperRuntime>> helpers;
  std::unique_ptr<relay::Dispatcher> dispatcher;
  std::unique_ptr<relay::BroadcastSender> broadcasts;  // inside the dispatcher's loop
  std::unique_ptr<relay::Scheduler> scheduler;
  std::unique_ptr<relay::Housekeeping> housekeeping;  // retention, hourly
  std::unique_ptr<http::Server> server;
  std::unique_ptr<ProxySupport> proxy_support;
  std::unique_ptr<TdConnections> td;  // TDLib sessions of mtproto and account connections
  std::unique_ptr<integrations::WebhookWorker> webhooks;
  std::unique_ptr<AiWiring> ai;                    // the AI consultant's calls (app/ai_wiring.h)
  std::unique_ptr<cluster::LeaseKeeper> keeper;    // several instances (PostgreSQL) only
  doctor::FindingsBoard findings;                  // the doctor's latest, for the dashboard
  std::unique_ptr<doctor::PeriodicChecks> checks;  // … made at start and every kCheckEvery
  std::vector<std::unique_ptr<doctor::PeriodicChecks>>
      retired_checks;  // replaced as connections came and went
  std::vector<std::unique_ptr<telegram::LongPoller>> retired_pollers;  // stopping; freed when they end
  telegram::LogLimiter log_limiter;
  std::size_t settled = 0;  // connections that are ready or gave up
  std::size_t initial = 0;  // connections brought up at start
  // Connections made at run time (docs/setup.md): the admin the shell and the setup bot use, the
  // store's change serial last applied, and the components that take connections as they come.
  std::unique_ptr<setup::StoreConnectionAdmin> admin;
  asio::steady_timer reconcile_timer;
  std::int64_t stored_serial = -1;
  bool integrations_started = false;
  std::shared_ptr<integrations::TopicsApi> topics_api;
  std::shared_ptr<web::Dashboard> dashboard;
  std::vector<ComponentFactory> component_factories;
  std::unique_ptr<DeskServices> services;  // what the components were given; lives as long as they do
  std::vector<std::unique_ptr<DeskComponent>> components;
  bool stopping = false;
  int exit_code = 0;

  asio::awaitable<void> start();
  void start_server();
  asio::awaitable<void> bring_up(ConnectionRuntime& c);
  asio::awaitable<bool> connect(ConnectionRuntime& c);
  asio::awaitable<void> bring_up_helper(HelperRuntime& h);
  asio::awaitable<void> run_connection(ConnectionRuntime& c);
  // `why`: stopped or removed by an admin (said in the log); nullptr: another instance runs it now.
  void stop_running(ConnectionRuntime& c, const char* why = nullptr);
  asio::awaitable<void> hand_over(ConnectionRuntime& c, std::function<void()> released);
  void start_cluster();
  void publish_owned();
  ConnectionRuntime* connection_by_name(std::string_view name);
  bool clustered() const { return config.storage.uses_postgres(); }
  asio::awaitable<void> setup_transport(ConnectionRuntime& c);
  void connection_settled();
  void start_integrations();
  void start_checks();   // the doctor's bot checks of every known connection (doctor/)
  void add_dashboard();  // the web dashboard under /ui/ (web/dashboard_routes.h)
  void commit(ConnectionRuntime& c, std::vector<telegram::Incoming> batch);
  ConnectionRuntime* connection_by_id(core::ConnectionId id);
  bool proxy_connecting(std::string_view token) const;
  void start_td_sessions();
  std::shared_ptr<telegram::FloodJournal> load_flood_journal(const ConnectionRuntime& c);
  asio::awaitable<core::UserId> group_owner(ConnectionRuntime& c);
  asio::awaitable<void> sleep(std::chrono::milliseconds delay);

  // Connections made at run time (docs/setup.md)
  void make_admin();
  std::optional<setup::LiveStatus> live_status(const std::string& name);
  std::optional<ConnectionConfig> config_of(const store::StoredConnection& row);
  ConnectionRuntime& add_connection_runtime(ConnectionConfig cs, bool from_database);
  void bring_up_later(ConnectionRuntime& c);
  asio::awaitable<void> run_reconcile();
  void reconcile();
  void request_reconcile();
  void connection_joined(ConnectionRuntime& c);
  asio::awaitable<void> pause(ConnectionRuntime& c);
  void resume(ConnectionRuntime& c, const store::StoredConnection& row);
  void retire(ConnectionRuntime& c, const char* why);
  void apply_parameters(ConnectionRuntime& c, const store::StoredConnection& row);
  void ensure_proxy_support();
  void restart_checks();

  asio::awaitable<void> run_heartbeat();
  void heartbeat();
  void store_failed(std::string_view where, const std::string& what);
  void shutdown(int code);
  void dispatcher_done();
  void stop_when_idle();
  bool dispatcher_running = false;
  bool server_running = false;
};

Runtime::Runtime(Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Runtime::~Runtime() = default;

void Runtime::add_component(ComponentFactory factory) {
  impl_->component_factories.push_back(std::move(factory));
}

int Runtime::run() {
  auto& impl = *impl_;
  impl.signals.async_wait([&impl](const boost::system::error_code& ec, int sig) {
    if (!ec) {
      spdlog::info("signal {} received, stopping", sig);
      impl.shutdown(0);
    }
  });
  asio::co_spawn(impl.io, impl.start(), [&impl](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::critical("start-up failed: {}", telegram::redact_tokens(ex.what()));
    }
    impl.shutdown(1);
  });
  auto edge_work = asio::make_work_guard(impl.edge);
  std::thread edge_thread([&impl] { impl.edge.run(); });
  impl.io.run();
  edge_work.reset();
  impl.edge.stop();
  edge_thread.join();
  return impl.exit_code;
}

// The store, then the HTTP server (health and metrics answer from here on), then every
// connection at once: each reaches Telegram, drains what a previous run left in its inbox and
// starts its transport on its own, so a slow or rejected one holds back no other.
asio::awaitable<void> Runtime::Impl::start() {
  store = open_store(config.storage);

  std::vector<std::string> names;
  for (const auto& cs : config.connections) names.push_back(cs.name);
  // The store's connections that should run (docs/setup.md) come up with the file's.
  std::vector<ConnectionConfig> stored;
  stored_serial = store->stored_connections_serial();
  for (const auto& row : store->stored_connections()) {
    if (config.find_connection(row.name) != nullptr) {
      spdlog::warn("connection {}: the configuration file names it too; the file's is used", row.name);
      continue;
    }
    if (!row.wanted_running || row.group_id == 0) continue;
    if (auto cs = config_of(row)) {
      names.push_back(cs->name);
      stored.push_back(std::move(*cs));
    }
  }
  health = std::make_unique<DeskHealth>(names);
  dispatcher = std::make_unique<relay::Dispatcher>(io.get_executor(), *store);
  scheduler = std::make_unique<relay::Scheduler>(io.get_executor(), *store, [this] { dispatcher->notify(); });
  relay::InboxHooks inbox_hooks;
  inbox_hooks.handled = [this] { dispatcher->notify(); };
  inbox_hooks.store_failed = [this](const std::string& what) { health->store_failed(what); };
  inbox_hooks.store_ok = [this] {
    health->store_ok();
    dispatcher->store_works();
  };
  relay::InboxOptions inbox_options;
  if (clustered()) {
    // Other instances write entries for the connections this one runs (intercepted sends,
    // command hooks' answers): look at the inbox often.
    inbox_options.poll_every = kClusterPoll;
    inbox_hooks.lease_lost = [this](core::ConnectionId id) {
      if (auto* c = connection_by_id(id)) stop_running(*c);
    };
  }
  inbox = std::make_unique<relay::Inbox>(io.get_executor(), *store, std::move(inbox_hooks), inbox_options);
  dispatcher->set_inbox(*inbox);
  broadcasts = std::make_unique<relay::BroadcastSender>(io.get_executor(), *store);
  dispatcher->set_broadcasts(*broadcasts);
  start_td_sessions();
  // Before the server: a client for https loads the CA certificates (~100 ms each).
  for (const auto& cs : config.connections) add_connection_runtime(cs, false);
  for (auto& cs : stored) add_connection_runtime(std::move(cs), true);
  initial = connections.size();
  for (auto& c : connections) c->initial = true;
  for (const auto& g : config.groups) {
    for (const auto& hc : g.helpers) {
      auto h = std::make_unique<HelperRuntime>();
      h->group = g.id;
      h->token_source = hc.token_source;
      h->api =
          std::make_unique<telegram::BotApiClient>(io.get_executor(), config.telegram.api_base, hc.token);
      helpers.push_back(std::move(h));
    }
  }
  start_server();
  for (auto& c : connections) {
    if (c->config.mode == ConnectionMode::kProxy) ensure_proxy_support();
  }
  if (clustered()) start_cluster();
  make_admin();

  dispatcher_running = true;
  asio::co_spawn(io, dispatcher->run(), [this](std::exception_ptr e) {
    if (e) spdlog::critical("dispatcher stopped unexpectedly");
    dispatcher_done();
  });
  asio::co_spawn(io, scheduler->run(), asio::detached);
  housekeeping = std::make_unique<relay::Housekeeping>(
      io.get_executor(), *store,
      relay::HousekeepingOptions{.event_retention_days = config.storage.event_retention_days,
                                 .history_retention_days = config.retention.history_days});
  asio::co_spawn(io, housekeeping->run(), asio::detached);
  asio::co_spawn(io, run_heartbeat(), asio::detached);
  asio::co_spawn(io, run_reconcile(), asio::detached);

  services = std::make_unique<DeskServices>(DeskServices{io.get_executor(), *store, *admin, config});
  services->desk_url = config.server.public_url.empty()
                           ? "http://" + advertised_address(config.server.listen_host, server->port())
                           : config.server.public_url;
  services->td_runtime = [this] { return td ? td->runtime() : nullptr; };
  for (auto& factory : component_factories) {
    if (auto component = factory(*services)) components.push_back(std::move(component));
  }

  for (auto& h : helpers) asio::co_spawn(io, bring_up_helper(*h), asio::detached);
  for (auto& c : connections) bring_up_later(*c);
  if (connections.empty()) {
    spdlog::info(
        "no connection yet: add one with `topicdesk connection add` (or the setup bot); the desk starts it "
        "without a restart");
    start_integrations();
  }
  co_return;
}

ConnectionRuntime& Runtime::Impl::add_connection_runtime(ConnectionConfig cs, bool from_database) {
  auto c = std::make_unique<ConnectionRuntime>();
  c->config = std::move(cs);
  c->from_database = from_database;
  c->api =
      std::make_unique<telegram::BotApiClient>(io.get_executor(), config.telegram.api_base, c->config.token);
  connections.push_back(std::move(c));
  return *connections.back();
}

void Runtime::Impl::bring_up_later(ConnectionRuntime& c) {
  asio::co_spawn(io, bring_up(c), [this, conn = &c](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::critical("connection {}: start-up failed: {}", conn->config.name,
                       telegram::redact_tokens(ex.what()));
      conn->problem =
          i18n::Message{"setup.problem.start_failed", {{"reason", telegram::redact_tokens(ex.what())}}};
    }
    health->set(conn->config.name, ConnectionState::kStopped, "start-up failed");
    if (conn->initial) connection_settled();
  });
}

void Runtime::Impl::start_server() {
  http::ServerOptions server_options;
  server_options.address = config.server.listen_host;
  server_options.port = config.server.listen_port;
  server_options.handlers = io.get_executor();
  server = std::make_unique<http::Server>(edge.get_executor(), server_options);
  server->health_check([this](const http::Request& request) { return health->response(request); });
  if (auto st = server->start(); !st) throw std::runtime_error(st.error().message);
  server_running = true;
  spdlog::info("listening on {}:{}", config.server.listen_host, server->port());
}

// The Bot API proxy's routes, made with the first proxy connection (at start, or when one is
// made at run time).
void Runtime::Impl::ensure_proxy_support() {
  if (proxy_support) return;
  proxy_support =
      make_proxy_support(io.get_executor(), *store, config.telegram.api_base, *inbox, edge.get_executor());
  add_proxy_routes(*server, *proxy_support,
                   [this](std::string_view token) { return proxy_connecting(token); });
  proxy_support->proxy->set_desk_address(
      proxy::desk_address(config.server.listen_host, server->port(), config.server.public_url));
  if (integrations_started) proxy_support->proxy->start();
}

// Knows the connection (reaches Telegram as its bot, prepares its engine and its routes), then
// runs it when this instance holds its lease.
asio::awaitable<void> Runtime::Impl::bring_up(ConnectionRuntime& c) {
  if (!co_await connect(c) || c.removed) {
    if (c.initial) connection_settled();
    co_return;
  }
  // Telegram's webhook pushes and the proxy's calls may reach any instance (a load balancer in
  // front): both only write to the store, which the running instance reads.
  if (c.config.transport == TransportKind::kWebhook) {
    http::WebhookConnection wc{
        c.config.name, c.config.webhook_secret, c.parse_context,
        [this, conn = &c](std::vector<telegram::Incoming> batch) { commit(*conn, std::move(batch)); }};
    if (auto st = http::add_webhook_route(*server, std::move(wc)); !st)
      throw std::runtime_error(st.error().message);
  }
  if (c.config.mode == ConnectionMode::kProxy) {
    const auto& p = c.config.parameters;
    // Run here or not, the proxy serves the program's calls (docs/several-instances.md).
    proxy_support->proxy->add_connection(
        {c.id, c.config.name, c.config.token, c.parse_context.bot_id, c.config.group_id, p.intercept_external,
         p.proxy_private_webhooks, p.proxy_backlog, core::UnixMillis{p.proxy_outage_seconds} * 1000},
        /*owned=*/false);
  }
  if (keeper) keeper->bind(c.config.name, c.id);
  // Alone on the database every connection is this desk's; otherwise the lease says.
  if (!keeper || keeper->fence(c.config.name)) {
    co_await run_connection(c);
  } else {
    health->set(c.config.name, ConnectionState::kElsewhere);
  }
  // Made at run time: it joins the running integrations (before they start, they take it then).
  if (c.initial) {
    connection_settled();
  } else if (integrations_started) {
    connection_joined(c);
  }
}

// This instance runs the connection from now on: its flood windows as the last runner left
// them, its sends, timers and inbox (what the last runner left is drained first), then its
// transport.
asio::awaitable<void> Runtime::Impl::run_connection(ConnectionRuntime& c) {
  if (c.running || stopping || c.paused || c.removed || !c.engine) co_return;
  c.running = true;
  telegram::FloodLimits limits = config.telegram.limits;
  // Run here before, the dispatcher keeps its flood control and with it this journal.
  if (!c.flood_journal) c.flood_journal = load_flood_journal(c);
  limits.journal = c.flood_journal;
  dispatcher->add_connection(c.engine->context(), *c.api, limits, td->frontend_for(c.config));
  scheduler->add_engine(*c.engine);
  if (c.config.mode == ConnectionMode::kProxy) proxy_support->proxy->set_owned(c.id, true);
  inbox->add_connection(c.id, c.config.name, *c.engine);  // replays what a previous run left
  dispatcher->notify();                                   // jobs a previous run left for this connection
  co_await setup_transport(c);
  if (stopping || !c.running) co_return;
  if (health->state(c.config.name) == ConnectionState::kConnecting ||
      health->state(c.config.name) == ConnectionState::kElsewhere) {
    health->set(c.config.name, ConnectionState::kReady);
  }
  publish_owned();
  spdlog::info("connection {} (instance {}): ready", c.config.name, c.id);
}

// This instance stops running the connection (its lease moved on, or it hands it over): no
// update is fetched, no entry drained, no job started for it any more. Calls in flight end
// and their outcomes are committed, fenced (a moved lease leaves them to the new owner).
void Runtime::Impl::stop_running(ConnectionRuntime& c, const char* why) {
  if (!c.running) return;
  c.running = false;
  if (c.poller) {
    c.poller->stop();
    retired_pollers.push_back(std::move(c.poller));  // freed at exit: its loop may still be ending
  }
  inbox->remove_connection(c.id);
  scheduler->remove_engine(c.id);
  dispatcher->remove_connection(c.id);
  if (c.config.mode == ConnectionMode::kProxy) proxy_support->proxy->set_owned(c.id, false);
  if (c.flood_journal) {
    try {
      store->state_set(c.id, kFloodJournalKey, c.flood_journal->to_json(core::unix_millis_now()));
    } catch (const store::StoreError& e) {
      spdlog::warn("connection {}: its flood windows were not saved for the next runner: {}", c.config.name,
                   e.what());
    }
  }
  if (why != nullptr) {
    health->forget(c.config.name);  // an admin's wish, not a problem
    publish_owned();
    spdlog::info("connection {}: {}; what waits for it stays for later", c.config.name, why);
    return;
  }
  health->set(c.config.name, ConnectionState::kElsewhere);
  publish_owned();
  spdlog::info("connection {}: run by another instance from now on", c.config.name);
}

// A graceful hand-over (another instance has fewer connections): stop, let the calls in flight
// end and their outcomes commit, then let the lease go so the other instance takes it at once.
asio::awaitable<void> Runtime::Impl::hand_over(ConnectionRuntime& c, std::function<void()> released) {
  stop_running(c);
  const auto deadline = std::chrono::steady_clock::now() + kHandOverWait;
  while (dispatcher->busy(c.id) > 0 && std::chrono::steady_clock::now() < deadline && !stopping) {
    co_await sleep(50ms);
  }
  released();
}

void Runtime::Impl::start_cluster() {
  std::string address = config.cluster.advertise;
  if (address.empty()) address = advertised_address(config.server.listen_host, server->port());
  std::vector<std::string> names;
  for (const auto& c : connections) names.push_back(c->config.name);
  cluster::LeaseKeeperOptions options;
  options.ttl = std::chrono::seconds(config.cluster.lease_seconds);
  cluster::LeaseKeeperHooks callbacks;
  callbacks.on_acquired = [this](const std::string& name, const store::Fence&) {
    auto* c = connection_by_name(name);
    if (c == nullptr || stopping) return;
    spdlog::info("connection {}: this instance runs it now (lease taken)", name);
    if (c->engine) asio::co_spawn(io, run_connection(*c), asio::detached);  // else bring_up will
  };
  callbacks.on_lost = [this](const std::string& name) {
    if (auto* c = connection_by_name(name)) {
      spdlog::warn("connection {}: this instance lost its lease; another instance runs it", name);
      stop_running(*c);
    }
  };
  callbacks.on_release = [this](const std::string& name, std::function<void()> released) {
    auto* c = connection_by_name(name);
    if (c == nullptr) {
      released();
      return;
    }
    spdlog::info("connection {}: handed over to an instance with fewer connections", name);
    asio::co_spawn(io, hand_over(*c, std::move(released)), asio::detached);
  };
  keeper = std::make_unique<cluster::LeaseKeeper>(io.get_executor(), *store, cluster::new_instance_id(),
                                                  address, names, std::move(callbacks), options);
  health->set_instance(keeper->instance_id());
  dispatcher->set_fences(keeper.get());
  keeper->start();
  spdlog::info("several instances: this is instance {} at {}; lease time {} s", keeper->instance_id(),
               address, config.cluster.lease_seconds);
}

void Runtime::Impl::publish_owned() {
  std::vector<std::string> owned;
  std::size_t known = 0;  // every connection this desk has now, run here or not
  for (const auto& c : connections) {
    if (c->removed || c->paused) continue;
    ++known;
    if (c->running) owned.push_back(c->config.name);
  }
  dispatcher->set_runs_every_connection(owned.size() == known);
  health->set_owned(std::move(owned));
}

// A helper learns who it is (getMe, retried while Telegram cannot be reached), then posts in its
// group. A token Telegram rejects leaves the group without it (the log and `doctor` say why).
asio::awaitable<void> Runtime::Impl::bring_up_helper(HelperRuntime& h) {
  const core::Backoff backoff{1s, kConnectRetryMax};
  for (int failures = 0; !stopping; ++failures) {
    telegram::ApiResult me = co_await h.api->call("getMe", {});
    if (me.ok && me.result.is_object() && me.result.as_object().contains("id")) {
      const auto bot_id = me.result.at("id").to_number<core::UserId>();
      const auto* username = me.result.as_object().if_contains("username");
      std::string name = username && username->is_string() ? std::string(username->as_string()) : "";
      telegram::FloodLimits limits = config.telegram.limits;
      limits.journal = nullptr;  // a helper's windows start empty at each start
      dispatcher->posters().add_helper(h.group, bot_id, name, *h.api, limits);
      dispatcher->notify();
      spdlog::info("helper bot @{} ({}, from {}) posts in group {}", name, bot_id, h.token_source, h.group);
      co_return;
    }
    if (me.error_code == 401 || me.error_code == 404) {
      spdlog::critical(
          "helper bot of group {} (from {}): Telegram rejected its token ({}); the group goes on "
          "without it",
          h.group, h.token_source, telegram::redact_tokens(me.description));
      co_return;
    }
    spdlog::warn("helper bot of group {} (from {}): getMe failed ({}), retrying in {} ms", h.group,
                 h.token_source, telegram::redact_tokens(me.description), backoff.delay(failures).count());
    co_await sleep(backoff.delay(failures));
  }
}

// Learns who the bot is (retrying while Telegram or the store cannot be reached) and prepares
// its engine. false: the token was rejected, or the desk stops.
asio::awaitable<bool> Runtime::Impl::connect(ConnectionRuntime& c) {
  const core::Backoff backoff{1s, kConnectRetryMax};
  int failures = 0;  // in a row
  telegram::ApiResult me;
  while (!stopping && !c.removed) {
    me = co_await c.api->call("getMe", {});
    if (me.ok) break;
    if (me.error_code == 401 || me.error_code == 404) {
      spdlog::critical(
          "connection {}: Telegram rejected the bot token ({}); this connection stays off until the "
          "token is fixed and the desk restarted; the other connections go on",
          c.config.name, telegram::redact_tokens(me.description));
      health->set(c.config.name, ConnectionState::kTokenRejected, telegram::redact_tokens(me.description));
      c.problem = i18n::Message{"setup.problem.token_rejected",
                                {{"reason", telegram::redact_tokens(me.description)}}};
      co_return false;
    }
    spdlog::warn("connection {}: getMe failed ({}), retrying in {} ms", c.config.name,
                 telegram::redact_tokens(me.description), backoff.delay(failures).count());
    co_await sleep(backoff.delay(failures++));
  }
  if (stopping || c.removed) co_return false;
  const auto bot_id = me.result.at("id").to_number<core::UserId>();
  const auto* username = me.result.as_object().if_contains("username");
  for (failures = 0; !stopping; ++failures) {
    try {
      c.id = store->ensure_connection(c.config.name, bot_id, c.config.group_id);
      break;
    } catch (const store::StoreError& e) {
      store_failed("connection " + c.config.name, e.what());
    }
    co_await sleep(backoff.delay(failures));
  }
  if (stopping) co_return false;
  c.parse_context = telegram::ParseContext{bot_id, {c.config.group_id}};
  relay::ConnectionContext context{
      c.id,
      c.config.name,
      bot_id,
      username && username->is_string() ? std::string(username->as_string()) : "",
      c.config.group_id,
      c.config.parameters};
  context.account = c.config.mode == ConnectionMode::kAccount;
  context.proxy = c.config.mode == ConnectionMode::kProxy;
  context.group_owner = co_await group_owner(c);
  const auto* group = config.find_group(c.config.group_id);
  context.group_has_helpers = group != nullptr && !group->helpers.empty();
  context.dashboard_url = config.server.public_url.empty()
                              ? "http://" + advertised_address(config.server.listen_host, server->port())
                              : config.server.public_url;
  context.payment_provider_token = config.payments.provider_token;
  c.engine = std::make_unique<relay::Engine>(*store, std::move(context));
  c.engine->set_fences(keeper.get());
  spdlog::info("connection {} (instance {}): bot {} reached, backend group {}", c.config.name, c.id, bot_id,
               c.config.group_id);
  co_return true;
}

// The backend group's creator (0 when Telegram does not tell: the call fails, or the owner is
// anonymous to the bot): with EXTENSIONS_ALLOWED set, the owner manages the CRM.
asio::awaitable<core::UserId> Runtime::Impl::group_owner(ConnectionRuntime& c) {
  json::object params{{"chat_id", c.config.group_id}};
  telegram::ApiResult admins = co_await c.api->call(std::string("getChatAdministrators"), std::move(params));
  if (!admins.ok || !admins.result.is_array()) {
    spdlog::warn("connection {}: the backend group's owner is unknown (getChatAdministrators: {})",
                 c.config.name, telegram::redact_tokens(admins.description));
    co_return 0;
  }
  for (const auto& member : admins.result.get_array()) {
    const auto* m = member.if_object();
    if (m == nullptr) continue;
    const auto* status = m->if_contains("status");
    const auto* user = m->if_contains("user");
    if (status && status->is_string() && status->get_string() == "creator" && user && user->is_object()) {
      if (const auto* id = user->get_object().if_contains("id"); id && id->is_int64())
        co_return id->get_int64();
    }
  }
  co_return 0;
}

// What the previous run sent in its last minute (empty when unknown: the store fails, or it
// never ran).
std::shared_ptr<telegram::FloodJournal> Runtime::Impl::load_flood_journal(const ConnectionRuntime& c) {
  const auto& limits = config.telegram.limits;
  const int private_window =
      telegram::FloodJournal::private_window_ms(limits.chat_per_second, limits.chat_burst);
  std::string saved;
  try {
    saved = store->state_get(c.id, kFloodJournalKey).value_or("");
  } catch (const store::StoreError& e) {
    store_failed("flood windows", e.what());
  }
  auto journal = telegram::FloodJournal::from_json(saved, core::unix_millis_now(), private_window);
  if (!journal->sends().empty() || !journal->blocks().empty()) {
    spdlog::info("connection {}: flood windows go on from the previous run ({} chat(s) with recent sends)",
                 c.config.name, journal->sends().size());
  }
  return journal;
}

asio::awaitable<void> Runtime::Impl::setup_transport(ConnectionRuntime& c) {
  // mtproto takes every update from its TDLib session; account connections add the account's
  // session beside the desk bot's usual polling.
  if (uses_tdlib(c.config.mode) && !c.td_started) {
    // A TDLib session is not stopped when the connection moves to another instance: it only
    // commits what it receives to the shared inbox (docs/several-instances.md).
    c.td_started = true;
    td->start(c.config, c.id);
  }
  if (c.config.mode == ConnectionMode::kMtproto) co_return;
  if (c.config.transport == TransportKind::kWebhook) {
    json::object params{
        {"url", config.server.public_url + "/telegram/" + c.config.name},
        {"secret_token", c.config.webhook_secret},
        {"allowed_updates", json::array{"message", "edited_message", "message_reaction", "my_chat_member",
                                        "callback_query", "pre_checkout_query"}}};
    auto res = co_await c.api->call("setWebhook", std::move(params));
    if (!res.ok) spdlog::error("connection {}: setWebhook failed: {}", c.config.name, res.description);
    co_return;
  }
  // getUpdates and a webhook exclude each other: make sure no webhook is left from earlier.
  json::object delete_params{{"drop_pending_updates", false}};
  co_await c.api->call("deleteWebhook", std::move(delete_params));
  // The desk stops, another instance took the connection meanwhile, or a later run of it polls already.
  if (stopping || !c.running || c.poller) co_return;
  telegram::LongPollerOptions options;
  options.connection_name = c.config.name;
  options.gather = std::chrono::milliseconds(config.telegram.poll_gather_ms);
  if (c.config.mode == ConnectionMode::kProxy) use_proxy_polling(options);
  if (keeper) options.may_poll = [this, id = c.id] { return keeper->may_send(id); };
  c.poller = std::make_unique<telegram::LongPoller>(
      io.get_executor(), *c.api, c.parse_context, options,
      [this, conn = &c](std::vector<telegram::Incoming> batch) {
        // Account connections: the desk bot's own private chats are not the account's dialogs.
        if (conn->config.mode == ConnectionMode::kAccount)
          keep_backend_group_only(batch, conn->config.group_id);
        commit(*conn, std::move(batch));
      },
      [this, conn = &c](const std::string& description) {
        spdlog::critical("connection {}: polling stopped: {}", conn->config.name, description);
        health->set(conn->config.name, ConnectionState::kStopped, description);
      });
  c.poller->start();
}

// Every connection is ready or gave up: the parts that take the list of connections once.
void Runtime::Impl::connection_settled() {
  if (++settled < initial || stopping || integrations_started) return;
  std::size_t ready = 0;  // known: reached Telegram (run here or by another instance)
  bool stored = false;    // connections made at run time can be fixed without a restart
  for (auto& c : connections) {
    ready += c->engine ? 1 : 0;
    stored = stored || c->from_database;
  }
  if (ready == 0 && !stored) {
    spdlog::critical("no connection could be started; stopping");
    shutdown(2);
    return;
  }
  start_integrations();
  spdlog::info("topicdesk is running with {} of {} connection(s)", ready, initial);
}

void Runtime::Impl::start_integrations() {
  integrations_started = true;
  if (proxy_support) proxy_support->proxy->start();  // the programs' webhook pushers
  std::vector<integrations::ApiConnection> api_connections;
  std::vector<integrations::HookConnection> hook_connections;
  for (auto& c : connections) {
    if (!c->engine || c->removed) continue;
    api_connections.push_back({c->engine.get(), to_string(c->config.mode)});
    hook_connections.push_back({c->id, c->config.name, c->config.parameters});
  }
  std::shared_ptr<integrations::OwnerForwarder> owners;
  if (keeper) {
    // A call for a connection another instance runs is passed to that instance.
    integrations::ApiOwners api_owners;
    api_owners.instance = keeper->instance_id();
    api_owners.runs_here = [this](core::ConnectionId id) {
      const auto* c = connection_by_id(id);
      return c != nullptr && c->running;
    };
    api_owners.owner_address = [this](core::ConnectionId id) -> std::optional<std::string> {
      const auto* c = connection_by_id(id);
      return c == nullptr ? std::nullopt : keeper->owner_address(c->config.name);
    };
    owners = std::make_shared<integrations::OwnerForwarder>(io.get_executor(), std::move(api_owners));
  }
  topics_api = integrations::add_topics_api(
      *server, *store, std::move(api_connections), {config.api.rate_per_second, config.api.burst},
      [this] { dispatcher->notify(); }, std::move(owners));
  start_checks();
  add_dashboard();
  webhooks = integrations::start_webhooks(
      io.get_executor(), *store, std::move(hook_connections),
      [this](core::ConnectionId id, const core::Event& e) { inbox->add_event(id, e); });
  ai = start_ai(io.get_executor(), *store, config.ai,
                [this](core::ConnectionId id, const core::Event& e) { inbox->add_event(id, e); });
  for (auto& c : connections) {
    if (ai && c->engine && !c->removed && !c->paused)
      ai->connect({c->id, c->config.name, c->config.parameters});
  }
}

// How often the running desk repeats the doctor's checks on its own (the dashboard can ask sooner).
constexpr std::chrono::minutes kCheckEvery{15};

void Runtime::Impl::start_checks() {
  std::vector<doctor::CheckedConnection> checked;
  for (auto& c : connections) {
    if (c->engine && !c->removed) checked.push_back({c->id, c->api.get(), bot_check_of(config, c->config)});
  }
  checks =
      std::make_unique<doctor::PeriodicChecks>(io.get_executor(), findings, std::move(checked), kCheckEvery);
  asio::co_spawn(io, checks->run(), asio::detached);
}

void Runtime::Impl::add_dashboard() {
  std::vector<web::DashboardConnection> dashboard_connections;
  for (auto& c : connections) {
    if (!c->engine || c->removed) continue;
    dashboard_connections.push_back({c->engine.get(), std::string(to_string(c->config.mode)),
                                     std::string(to_string(c->config.transport)), c->config.token,
                                     c->config.raw_parameters});
  }
  dashboard = std::make_shared<web::Dashboard>(
      *store, std::move(dashboard_connections),
      web::DashboardOptions{.secure_cookies = config.server.public_url.starts_with("https://"),
                            .findings = &findings,
                            .on_outbox = [this] { dispatcher->notify(); }});
  web::add_dashboard_routes(*server, dashboard);
}

// Called by a transport with a batch of updates: returns once they are durable, throws when
// the store failed (the transport delivers them again).
void Runtime::Impl::commit(ConnectionRuntime& c, std::vector<telegram::Incoming> batch) {
  if (!proxy_support) {
    inbox->commit(c.id, batch);
    return;
  }
  // The proxy keeps the raw updates for the bot's program in the same transaction.
  inbox->commit(c.id, batch,
                [&] { proxy_support->proxy->keep_for_program(c.id, batch, core::unix_millis_now()); });
  proxy_support->proxy->updates_committed(c.id);
}

ConnectionRuntime* Runtime::Impl::connection_by_name(std::string_view name) {
  for (auto& c : connections) {
    if (c->config.name == name && !c->removed) return c.get();
  }
  return nullptr;
}

ConnectionRuntime* Runtime::Impl::connection_by_id(core::ConnectionId id) {
  for (auto& c : connections) {
    if (c->id == id && !c->removed) return c.get();
  }
  return nullptr;
}

bool Runtime::Impl::proxy_connecting(std::string_view token) const {
  for (const auto& c : connections) {
    if (c->config.mode == ConnectionMode::kProxy && http::secret_matches(token, c->config.token)) {
      return health->state(c->config.name) == ConnectionState::kConnecting;
    }
  }
  return false;
}

void Runtime::Impl::start_td_sessions() {
  TdConnections::Hooks hooks;
  hooks.commit = [this](core::ConnectionId id, std::vector<telegram::Incoming> batch) {
    if (auto* c = connection_by_id(id)) commit(*c, std::move(batch));
  };
  hooks.account_known = [this](core::ConnectionId id, core::UserId account) {
    if (auto* c = connection_by_id(id); c && c->engine) c->engine->set_account_id(account);
  };
  hooks.add_event = [this](core::ConnectionId id, const core::Event& e) { inbox->add_event(id, e); };
  td = std::make_unique<TdConnections>(io.get_executor(), *store, config, std::move(hooks));
}

asio::awaitable<void> Runtime::Impl::sleep(std::chrono::milliseconds delay) {
  asio::steady_timer timer(io, delay);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

void Runtime::Impl::store_failed(std::string_view where, const std::string& what) {
  health->store_failed(what);
  if (log_limiter.should_log(std::string(where) + what)) {
    spdlog::error("{}: the store failed ({}); retrying", where, what);
  }
}

// Every second: saves the flood journals that changed and, while the store fails, tries it, so
// /healthz recovers by itself once it works again.
asio::awaitable<void> Runtime::Impl::run_heartbeat() {
  while (!stopping) {
    heartbeat_timer.expires_after(kHeartbeatEvery);
    boost::system::error_code ec;
    co_await heartbeat_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping) break;
    heartbeat();
  }
}

void Runtime::Impl::heartbeat() {
  health->relay_beat();
  const auto now = core::unix_millis_now();
  const auto upkeep = store->upkeep();
  health->upkeep(upkeep.failed_attempts, upkeep.failing_for, upkeep.error);
  const bool probe = health->store_failing();
  try {
    bool wrote = false;
    for (auto& c : connections) {
      // While the store fails every journal is written: a write tells whether it works again
      // (reads may work while writes fail, e.g. while another process holds the write lock).
      if (!c->running || !c->flood_journal || !(c->flood_journal->changed() || probe)) continue;
      store->state_set(c->id, kFloodJournalKey, c->flood_journal->to_json(now));
      c->flood_journal->saved();
      wrote = true;
    }
    if (probe && !wrote) store->connections();  // no connection is ready yet: a read at least
    if (probe) {
      spdlog::info("the store works again");
      health->store_ok();
      inbox->wake_all();
      dispatcher->store_works();
    }
  } catch (const std::exception& e) {
    store_failed("health check", e.what());
  }
}

void Runtime::Impl::dispatcher_done() {
  dispatcher_running = false;
  if (!stopping) {
    shutdown(1);
    return;
  }
  // The outcomes are committed: the leases go now, so the other instances take over at once.
  if (keeper) keeper->stop();
  stop_when_idle();
}

void Runtime::Impl::stop_when_idle() {
  if (!dispatcher_running && !server_running) io.stop();
}

void Runtime::Impl::shutdown(int code) {
  if (stopping) return;
  stopping = true;
  exit_code = code;
  signals.cancel();
  if (housekeeping) housekeeping->stop();
  if (checks) checks->stop();
  reconcile_timer.cancel();
  for (auto& component : components) component->stop();
  if (ai) ai->stop();
  heartbeat_timer.cancel();
  if (store && health) heartbeat();  // the next start knows what this run sent last
  if (inbox) inbox->stop();
  if (scheduler) scheduler->stop();
  if (td) td->stop();  // TDLib sessions close (bounded wait)
  for (auto& c : connections) {
    if (c->poller) c->poller->stop();
  }
  if (proxy_support) proxy_support->proxy->stop();
  // The dispatcher lets calls in flight finish and records them before run() returns.
  if (dispatcher_running) dispatcher->stop();
  if (server_running) {
    server->stop([this] {  // on the server's loop
      asio::post(io, [this] {
        server_running = false;
        stop_when_idle();
      });
    });
  }
  stop_when_idle();
}

// ---- connections made at run time (docs/setup.md) -------------------------------------------

void Runtime::Impl::make_admin() {
  setup::ConnectionsAdminOptions options;
  options.config_path = config.path.empty() ? "the configuration file" : config.path;
  for (const auto& cs : config.connections) {
    options.file_connections.push_back(
        {cs.name, to_string(cs.mode), cs.token, cs.group_id, cs.raw_parameters});
  }
  options.tdlib_configured = config.tdlib.api_id != 0 && !config.tdlib.api_hash.empty();
  options.live = [this](const std::string& name) { return live_status(name); };
  options.changed = [this] { request_reconcile(); };
  admin = std::make_unique<setup::StoreConnectionAdmin>(*store, std::move(options));
}

std::optional<setup::LiveStatus> Runtime::Impl::live_status(const std::string& name) {
  const auto* c = connection_by_name(name);
  if (c == nullptr || c->paused) return std::nullopt;
  setup::LiveStatus s;
  s.id = c->id;
  s.bot_id = c->parse_context.bot_id;
  if (c->engine) s.bot_username = c->engine->context().bot_username;
  switch (health->state(name)) {
    case ConnectionState::kConnecting:
      s.state = setup::ConnectionState::kStarting;
      break;
    case ConnectionState::kReady:
    case ConnectionState::kElsewhere:  // another instance runs it
      s.state = setup::ConnectionState::kRunning;
      break;
    case ConnectionState::kTokenRejected:
    case ConnectionState::kStopped:
      s.state = setup::ConnectionState::kFailed;
      s.problem = c->problem.key.empty() ? i18n::Message{"setup.problem.stopped", {}} : c->problem;
      break;
  }
  return s;
}

// A stored connection as the runtime runs it; nullopt (logged) when what is kept cannot run.
std::optional<ConnectionConfig> Runtime::Impl::config_of(const store::StoredConnection& row) {
  ConnectionConfig cs;
  cs.name = row.name;
  auto mode = connection_mode_from_string(row.mode);
  auto params = core::parse_parameters(row.parameters);
  if (!mode || !params) {
    spdlog::error(
        "connection {}: what the store keeps cannot run ({}); change it with `topicdesk connection`",
        row.name, !mode ? "mode " + row.mode : params.error().message);
    return std::nullopt;
  }
  cs.mode = *mode;
  cs.token = row.token;
  cs.token_source = "database";
  cs.group_id = row.group_id;
  cs.transport = TransportKind::kPolling;
  cs.raw_parameters = row.parameters;
  cs.parameters = std::move(*params);
  telegram::register_secret(cs.token);  // never in a log line
  telegram::register_secret(cs.parameters.webhooks_secret);
  return cs;
}

asio::awaitable<void> Runtime::Impl::run_reconcile() {
  while (!stopping) {
    reconcile_timer.expires_after(kReconcileEvery);
    boost::system::error_code ec;
    co_await reconcile_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping) break;
    reconcile();
  }
}

void Runtime::Impl::request_reconcile() {
  asio::post(io, [this] {
    if (!stopping) reconcile();
  });
}

// Brings the running connections in line with the store: one cheap read of the change serial,
// and the rows only when it moved.
void Runtime::Impl::reconcile() {
  std::vector<store::StoredConnection> rows;
  std::int64_t serial = 0;
  try {
    serial = store->stored_connections_serial();
    if (serial == stored_serial) return;
    rows = store->stored_connections();
  } catch (const store::StoreError& e) {
    store_failed("connections in the store", e.what());
    return;
  }
  stored_serial = serial;
  std::set<std::string> kept;
  for (const auto& row : rows) {
    if (config.find_connection(row.name) != nullptr) continue;  // the file's wins
    kept.insert(row.name);
    auto* c = connection_by_name(row.name);
    const bool should_run = row.wanted_running && row.group_id != 0;
    if (c != nullptr) {
      auto cs = config_of(row);
      if (!cs || identity_of(*cs) != identity_of(c->config)) {
        retire(*c, "changed: it starts anew");
        c = nullptr;
      }
    }
    if (c == nullptr) {
      if (!should_run) continue;
      auto cs = config_of(row);
      if (!cs) continue;
      spdlog::info("connection {}: made at run time; starting it", cs->name);
      auto& added = add_connection_runtime(std::move(*cs), true);
      health->set(added.config.name, ConnectionState::kConnecting);
      if (added.config.mode == ConnectionMode::kProxy) ensure_proxy_support();
      if (keeper) keeper->add_connection(added.config.name);
      bring_up_later(added);
      continue;
    }
    if (row.parameters != c->config.raw_parameters) apply_parameters(*c, row);
    if (!should_run && !c->paused) {
      asio::co_spawn(io, pause(*c), asio::detached);
    } else if (should_run && c->paused) {
      resume(*c, row);
    }
  }
  for (auto& c : connections) {
    if (c->from_database && !c->removed && !kept.contains(c->config.name)) retire(*c, "removed");
  }
}

// Stopped by an admin: nothing is fetched, drained or sent for it any more; the calls in flight
// end and commit, then (several instances) its lease goes. What Telegram holds for it and what
// waits in its inbox and outbox stay for its next start.
asio::awaitable<void> Runtime::Impl::pause(ConnectionRuntime& c) {
  if (c.paused) co_return;
  c.paused = true;
  if (!c.running) spdlog::info("connection {}: stopped by an admin", c.config.name);
  stop_running(c, "stopped by an admin");
  if (ai) ai->disconnect(c.id);
  health->forget(c.config.name);
  const auto deadline = std::chrono::steady_clock::now() + kHandOverWait;
  while (c.id != 0 && dispatcher->busy(c.id) > 0 && std::chrono::steady_clock::now() < deadline &&
         !stopping) {
    co_await sleep(50ms);
  }
  if (keeper && c.paused) keeper->remove_connection(c.config.name);
}

void Runtime::Impl::resume(ConnectionRuntime& c, const store::StoredConnection& row) {
  if (!c.engine) {  // it never came up (e.g. its token was rejected): try again from the start
    retire(c, "started again");
    auto cs = config_of(row);
    if (!cs) return;
    auto& added = add_connection_runtime(std::move(*cs), true);
    health->set(added.config.name, ConnectionState::kConnecting);
    if (keeper) keeper->add_connection(added.config.name);
    bring_up_later(added);
    return;
  }
  c.paused = false;
  spdlog::info("connection {}: started again", c.config.name);
  if (ai) ai->connect({c.id, c.config.name, c.config.parameters});
  if (keeper) {
    keeper->add_connection(c.config.name);  // the instance that takes its lease runs it
    health->set(c.config.name, ConnectionState::kElsewhere);
    return;
  }
  health->set(c.config.name, ConnectionState::kConnecting);
  asio::co_spawn(io, run_connection(c), asio::detached);
}

// Removed, or changed so that it starts anew: stopped for good here; its dialogs and history
// stay in the store under its instance id.
void Runtime::Impl::retire(ConnectionRuntime& c, const char* why) {
  if (c.removed) return;
  const bool was_running = c.running;
  stop_running(c, why);
  c.removed = true;
  if (keeper) keeper->remove_connection(c.config.name);
  if (c.id != 0) {
    if (topics_api) topics_api->remove_connection(c.id);
    if (webhooks) webhooks->remove_connection(c.id);
    if (dashboard) dashboard->remove_connection(c.id);
    if (ai) ai->disconnect(c.id);
  }
  health->forget(c.config.name);
  if (c.engine && integrations_started) restart_checks();
  publish_owned();
  if (!was_running) spdlog::info("connection {}: {}", c.config.name, why);
}

// A parameter change takes effect on the connection's next event.
void Runtime::Impl::apply_parameters(ConnectionRuntime& c, const store::StoredConnection& row) {
  auto params = core::parse_parameters(row.parameters);
  if (!params) {
    spdlog::error("connection {}: its parameters in the store cannot be used ({}); the previous ones stay",
                  c.config.name, params.error().message);
    return;
  }
  telegram::register_secret(params->webhooks_secret);
  c.config.raw_parameters = row.parameters;
  c.config.parameters = *params;
  if (!c.engine) return;  // it takes them when it comes up
  c.engine->set_parameters(*params);
  dispatcher->set_parameters(c.id, *params);
  if (webhooks) webhooks->set_connection({c.id, c.config.name, *params});
  if (ai && !c.paused) ai->connect({c.id, c.config.name, *params});
  if (dashboard) {
    dashboard->add_connection({c.engine.get(), std::string(to_string(c.config.mode)),
                               std::string(to_string(c.config.transport)), c.config.token,
                               c.config.raw_parameters});
  }
  spdlog::info("connection {}: parameters changed; in effect from its next event", c.config.name);
}

// A connection made after the desk's start is known: the Topics API, webhooks, the dashboard
// and the doctor's checks take it.
void Runtime::Impl::connection_joined(ConnectionRuntime& c) {
  if (!c.engine || c.removed || stopping) return;
  if (topics_api) topics_api->add_connection({c.engine.get(), to_string(c.config.mode)});
  if (webhooks) webhooks->set_connection({c.id, c.config.name, c.config.parameters});
  if (ai) ai->connect({c.id, c.config.name, c.config.parameters});
  if (dashboard) {
    dashboard->add_connection({c.engine.get(), std::string(to_string(c.config.mode)),
                               std::string(to_string(c.config.transport)), c.config.token,
                               c.config.raw_parameters});
  }
  restart_checks();
}

void Runtime::Impl::restart_checks() {
  if (checks) {
    checks->stop();
    retired_checks.push_back(std::move(checks));  // its loop may still be ending
  }
  start_checks();
}

}  // namespace topicdesk::app
