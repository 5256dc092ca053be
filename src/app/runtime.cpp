#include "app/runtime.h"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>

#include "app/desk_health.h"
#include "app/open_store.h"
#include "app/proxy_connection.h"
#include "app/td_connections.h"
#include "core/backoff.h"
#include "core/clock.h"
#include "http/server.h"
#include "http/webhook_ingress.h"
#include "integrations/topics_api.h"
#include "integrations/webhooks.h"
#include "relay/broadcast_sender.h"
#include "relay/dispatcher.h"
#include "relay/engine.h"
#include "relay/housekeeping.h"
#include "relay/inbox.h"
#include "relay/scheduler.h"
#include "store/store.h"
#include "telegram/bot_api_client.h"
#include "telegram/log_limiter.h"
#include "telegram/long_poller.h"
#include "telegram/redact.h"

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

}  // namespace

struct ConnectionRuntime {
  ConnectionConfig config;
  core::ConnectionId id = 0;
  std::unique_ptr<telegram::BotApiClient> api;
  std::unique_ptr<relay::Engine> engine;
  std::unique_ptr<telegram::LongPoller> poller;
  telegram::ParseContext parse_context;
  std::shared_ptr<telegram::FloodJournal> flood_journal;
};

struct Runtime::Impl {
  explicit Impl(Config c) : config(std::move(c)), signals(io, SIGINT, SIGTERM), heartbeat_timer(io) {}

  Config config;
  asio::io_context io;
  asio::signal_set signals;
  asio::steady_timer heartbeat_timer;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<DeskHealth> health;
  std::unique_ptr<relay::Inbox> inbox;
  std::vector<std::unique_ptr<ConnectionRuntime>> connections;
  std::unique_ptr<relay::Dispatcher> dispatcher;
  std::unique_ptr<relay::BroadcastSender> broadcasts;  // inside the dispatcher's loop
  std::unique_ptr<relay::Scheduler> scheduler;
  std::unique_ptr<relay::Housekeeping> housekeeping;  // retention, hourly
  std::unique_ptr<http::Server> server;
  std::unique_ptr<ProxySupport> proxy_support;
  std::unique_ptr<TdConnections> td;  // TDLib sessions of mtproto and account connections
  std::unique_ptr<integrations::WebhookWorker> webhooks;
  telegram::LogLimiter log_limiter;
  std::size_t settled = 0;  // connections that are ready or gave up
  bool stopping = false;
  int exit_code = 0;

  asio::awaitable<void> start();
  void start_server();
  asio::awaitable<void> bring_up(ConnectionRuntime& c);
  asio::awaitable<bool> connect(ConnectionRuntime& c);
  asio::awaitable<void> setup_transport(ConnectionRuntime& c);
  void connection_settled();
  void start_integrations();
  void commit(ConnectionRuntime& c, std::vector<telegram::Incoming> batch);
  ConnectionRuntime* connection_by_id(core::ConnectionId id);
  bool proxy_connecting(std::string_view token) const;
  void start_td_sessions();
  std::shared_ptr<telegram::FloodJournal> load_flood_journal(const ConnectionRuntime& c);
  asio::awaitable<core::UserId> group_owner(ConnectionRuntime& c);
  asio::awaitable<void> sleep(std::chrono::milliseconds delay);

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
  impl.io.run();
  return impl.exit_code;
}

// The store, then the HTTP server (health and metrics answer from here on), then every
// connection at once: each reaches Telegram, drains what a previous run left in its inbox and
// starts its transport on its own, so a slow or rejected one holds back no other.
asio::awaitable<void> Runtime::Impl::start() {
  store = open_store(config.storage);

  std::vector<std::string> names;
  for (const auto& cs : config.connections) names.push_back(cs.name);
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
  inbox = std::make_unique<relay::Inbox>(io.get_executor(), *store, std::move(inbox_hooks));
  dispatcher->set_inbox(*inbox);
  broadcasts = std::make_unique<relay::BroadcastSender>(io.get_executor(), *store);
  dispatcher->set_broadcasts(*broadcasts);
  start_td_sessions();
  // Before the server: a client for https loads the CA certificates (~100 ms each).
  for (const auto& cs : config.connections) {
    auto c = std::make_unique<ConnectionRuntime>();
    c->config = cs;
    c->api = std::make_unique<telegram::BotApiClient>(io.get_executor(), config.telegram.api_base, cs.token);
    connections.push_back(std::move(c));
  }
  start_server();

  dispatcher_running = true;
  asio::co_spawn(io, dispatcher->run(), [this](std::exception_ptr e) {
    if (e) spdlog::critical("dispatcher stopped unexpectedly");
    dispatcher_done();
  });
  asio::co_spawn(io, scheduler->run(), asio::detached);
  housekeeping = std::make_unique<relay::Housekeeping>(
      io.get_executor(), *store,
      relay::HousekeepingOptions{.event_retention_days = config.storage.event_retention_days});
  asio::co_spawn(io, housekeeping->run(), asio::detached);
  asio::co_spawn(io, run_heartbeat(), asio::detached);

  for (auto& c : connections) {
    asio::co_spawn(io, bring_up(*c), [this, conn = c.get()](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::critical("connection {}: start-up failed: {}", conn->config.name,
                         telegram::redact_tokens(ex.what()));
      }
      health->set(conn->config.name, ConnectionState::kStopped, "start-up failed");
      connection_settled();
    });
  }
  co_return;
}

void Runtime::Impl::start_server() {
  http::ServerOptions server_options;
  server_options.address = config.server.listen_host;
  server_options.port = config.server.listen_port;
  server = std::make_unique<http::Server>(io.get_executor(), server_options);
  server->health_check([this](const http::Request& request) { return health->response(request); });
  for (const auto& cs : config.connections) {
    if (cs.mode != ConnectionMode::kProxy || proxy_support) continue;
    proxy_support = make_proxy_support(io.get_executor(), *store, config.telegram.api_base, *inbox);
    add_proxy_routes(*server, *proxy_support,
                     [this](std::string_view token) { return proxy_connecting(token); });
  }
  if (auto st = server->start(); !st) throw std::runtime_error(st.error().message);
  server_running = true;
  spdlog::info("listening on {}:{}", config.server.listen_host, server->port());
  if (proxy_support) {
    proxy_support->proxy->set_desk_address(
        proxy::desk_address(config.server.listen_host, server->port(), config.server.public_url));
  }
}

asio::awaitable<void> Runtime::Impl::bring_up(ConnectionRuntime& c) {
  if (!co_await connect(c)) {
    connection_settled();
    co_return;
  }
  if (c.config.transport == TransportKind::kWebhook) {
    http::WebhookConnection wc{
        c.config.name, c.config.webhook_secret, c.parse_context,
        [this, conn = &c](std::vector<telegram::Incoming> batch) { commit(*conn, std::move(batch)); }};
    if (auto st = http::add_webhook_route(*server, std::move(wc)); !st)
      throw std::runtime_error(st.error().message);
  }
  if (c.config.mode == ConnectionMode::kProxy) {
    const auto& p = c.config.parameters;
    proxy_support->proxy->add_connection({c.id, c.config.name, c.config.token, c.parse_context.bot_id,
                                          c.config.group_id, p.intercept_external, p.proxy_private_webhooks,
                                          p.proxy_backlog, core::UnixMillis{p.proxy_outage_seconds} * 1000});
  }
  inbox->add_connection(c.id, c.config.name, *c.engine);  // replays what a previous run left
  co_await setup_transport(c);
  if (stopping) co_return;
  if (health->state(c.config.name) == ConnectionState::kConnecting) {
    health->set(c.config.name, ConnectionState::kReady);
  }
  spdlog::info("connection {} (instance {}): ready", c.config.name, c.id);
  connection_settled();
}

// Learns who the bot is (retrying while Telegram or the store cannot be reached) and prepares
// its engine. false: the token was rejected, or the desk stops.
asio::awaitable<bool> Runtime::Impl::connect(ConnectionRuntime& c) {
  const core::Backoff backoff{1s, kConnectRetryMax};
  int failures = 0;  // in a row
  telegram::ApiResult me;
  while (!stopping) {
    me = co_await c.api->call("getMe", {});
    if (me.ok) break;
    if (me.error_code == 401 || me.error_code == 404) {
      spdlog::critical(
          "connection {}: Telegram rejected the bot token ({}); this connection stays off until the "
          "token is fixed and the desk restarted; the other connections go on",
          c.config.name, telegram::redact_tokens(me.description));
      health->set(c.config.name, ConnectionState::kTokenRejected, telegram::redact_tokens(me.description));
      co_return false;
    }
    spdlog::warn("connection {}: getMe failed ({}), retrying in {} ms", c.config.name,
                 telegram::redact_tokens(me.description), backoff.delay(failures).count());
    co_await sleep(backoff.delay(failures++));
  }
  if (stopping) co_return false;
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
  telegram::FloodLimits limits = config.telegram.limits;
  c.flood_journal = limits.journal = load_flood_journal(c);
  dispatcher->add_connection(context, *c.api, limits, td->frontend_for(c.config));
  c.engine = std::make_unique<relay::Engine>(*store, std::move(context));
  scheduler->add_engine(*c.engine);
  dispatcher->notify();  // jobs a previous run left for this connection
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
  if (uses_tdlib(c.config.mode)) td->start(c.config, c.id);
  if (c.config.mode == ConnectionMode::kMtproto) co_return;
  if (c.config.transport == TransportKind::kWebhook) {
    json::object params{{"url", config.server.public_url + "/telegram/" + c.config.name},
                        {"secret_token", c.config.webhook_secret},
                        {"allowed_updates", json::array{"message", "edited_message", "message_reaction",
                                                        "my_chat_member", "callback_query"}}};
    auto res = co_await c.api->call("setWebhook", std::move(params));
    if (!res.ok) spdlog::error("connection {}: setWebhook failed: {}", c.config.name, res.description);
    co_return;
  }
  // getUpdates and a webhook exclude each other: make sure no webhook is left from earlier.
  json::object delete_params{{"drop_pending_updates", false}};
  co_await c.api->call("deleteWebhook", std::move(delete_params));
  if (stopping) co_return;
  telegram::LongPollerOptions options;
  options.connection_name = c.config.name;
  if (c.config.mode == ConnectionMode::kProxy) use_proxy_polling(options);
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
  if (++settled < connections.size() || stopping) return;
  std::size_t ready = 0;
  for (auto& c : connections) ready += c->engine ? 1 : 0;
  if (ready == 0) {
    spdlog::critical("no connection could be started; stopping");
    shutdown(2);
    return;
  }
  start_integrations();
  spdlog::info("topicdesk is running with {} of {} connection(s)", ready, connections.size());
}

void Runtime::Impl::start_integrations() {
  if (proxy_support) proxy_support->proxy->start();  // the programs' webhook pushers
  std::vector<integrations::ApiConnection> api_connections;
  std::vector<integrations::HookConnection> hook_connections;
  for (auto& c : connections) {
    if (!c->engine) continue;
    api_connections.push_back({c->engine.get(), to_string(c->config.mode)});
    hook_connections.push_back({c->id, c->config.name, c->config.parameters});
  }
  integrations::add_topics_api(*server, *store, std::move(api_connections),
                               {config.api.rate_per_second, config.api.burst},
                               [this] { dispatcher->notify(); });
  webhooks = integrations::start_webhooks(
      io.get_executor(), *store, std::move(hook_connections),
      [this](core::ConnectionId id, const core::Event& e) { inbox->add_event(id, e); });
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

ConnectionRuntime* Runtime::Impl::connection_by_id(core::ConnectionId id) {
  for (auto& c : connections) {
    if (c->id == id) return c.get();
  }
  return nullptr;
}

bool Runtime::Impl::proxy_connecting(std::string_view token) const {
  for (const auto& c : connections) {
    if (c->config.mode == ConnectionMode::kProxy && http::secret_matches(token, c->config.token)) {
      return health->state(c->config.name) == ConnectionState::kConnecting && !c->engine;
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
  const auto now = core::unix_millis_now();
  const auto upkeep = store->upkeep();
  health->upkeep(upkeep.failed_attempts, upkeep.failing_for, upkeep.error);
  const bool probe = health->store_failing();
  try {
    bool wrote = false;
    for (auto& c : connections) {
      // While the store fails every journal is written: a write tells whether it works again
      // (reads may work while writes fail, e.g. while another process holds the write lock).
      if (!c->flood_journal || !(c->flood_journal->changed() || probe)) continue;
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
    server->stop([this] {
      server_running = false;
      stop_when_idle();
    });
  }
  stop_when_idle();
}

}  // namespace topicdesk::app
