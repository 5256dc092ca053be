#include "app/runtime.h"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>

#include "app/td_connections.h"  // accounts (issue 4)
#include "app/proxy_connection.h"  // Bot API proxy, issue 4
#include "core/event_json.h"
#include "http/server.h"
#include "http/webhook_ingress.h"
#include "integrations/webhooks.h"  // issue 5: hooks
#include "integrations/topics_api.h"  // Topics API (issue 5)
#include "relay/dispatcher.h"
#include "relay/engine.h"
#include "relay/scheduler.h"
#include "store/store.h"
#include "telegram/bot_api_client.h"
#include "telegram/long_poller.h"
#include "telegram/redact.h"

namespace topicdesk::app {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr int kInboxBatch = 256;
constexpr std::chrono::milliseconds kPurgeEvery = std::chrono::hours(1);
constexpr std::chrono::milliseconds kKeepFinished = std::chrono::hours(48);
constexpr std::chrono::milliseconds kKeepProxyUpdates = std::chrono::hours(24);

}  // namespace

struct ConnectionRuntime {
  ConnectionSettings settings;
  core::ConnectionId id = 0;
  std::unique_ptr<telegram::BotApiClient> api;
  std::unique_ptr<relay::Engine> engine;
  std::unique_ptr<telegram::LongPoller> poller;
  telegram::ParseContext parse_context;
  bool inbox_scheduled = false;
};

struct Runtime::Impl {
  explicit Impl(RuntimeSettings s) : settings(std::move(s)), signals(io, SIGINT, SIGTERM), housekeeping_timer(io) {}

  RuntimeSettings settings;
  asio::io_context io;
  asio::signal_set signals;
  asio::steady_timer housekeeping_timer;
  std::unique_ptr<store::Store> store;
  std::vector<std::unique_ptr<ConnectionRuntime>> connections;
  std::unique_ptr<relay::Dispatcher> dispatcher;
  std::unique_ptr<relay::Scheduler> scheduler;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<ProxySupport> proxy_support;  // Bot API proxy, issue 4
  std::unique_ptr<TdConnections> td;  // accounts (issue 4): TDLib sessions of mtproto/account connections
  std::unique_ptr<integrations::WebhookWorker> webhooks;  // issue 5: webhooks out, command hooks
  bool stopping = false;
  int exit_code = 0;

  asio::awaitable<void> start();
  asio::awaitable<bool> connect(ConnectionRuntime& c);
  asio::awaitable<void> setup_transport(ConnectionRuntime& c);
  void commit(ConnectionRuntime& c, std::vector<telegram::Incoming> batch);
  ConnectionRuntime* connection_by_id(core::ConnectionId id);  // accounts (issue 4)
  void start_td_sessions();                                    // accounts (issue 4)
  void schedule_inbox(ConnectionRuntime& c);
  void drain_inbox(ConnectionRuntime& c);

  asio::awaitable<void> run_housekeeping();
  void shutdown(int code);
  void dispatcher_done();
  void stop_when_idle();
  bool dispatcher_running = false;
  bool server_running = false;
};

Runtime::Runtime(RuntimeSettings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {}
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

asio::awaitable<void> Runtime::Impl::start() {
  auto db_dir = std::filesystem::path(settings.sqlite_path).parent_path();
  if (!db_dir.empty()) std::filesystem::create_directories(db_dir);
  store = store::open_sqlite(settings.sqlite_path);
  dispatcher = std::make_unique<relay::Dispatcher>(io.get_executor(), *store);
  scheduler = std::make_unique<relay::Scheduler>(io.get_executor(), *store, [this] { dispatcher->notify(); });
  start_td_sessions();  // accounts (issue 4)

  http::ServerOptions server_options;
  server_options.address = settings.listen_address;
  server_options.port = settings.listen_port;
  server = std::make_unique<http::Server>(io.get_executor(), server_options);

  for (const auto& cs : settings.connections) {
    auto c = std::make_unique<ConnectionRuntime>();
    c->settings = cs;
    c->api = std::make_unique<telegram::BotApiClient>(io.get_executor(), settings.api_base, cs.token);
    if (!co_await connect(*c)) co_return;
    connections.push_back(std::move(c));
  }
  for (auto& c : connections) {
    if (c->settings.transport == Transport::kWebhook) {
      http::WebhookConnection wc{c->settings.name, c->settings.webhook_secret, c->parse_context,
                                 [this, conn = c.get()](std::vector<telegram::Incoming> batch) {
                                   commit(*conn, std::move(batch));
                                 }};
      if (auto st = http::add_webhook_route(*server, std::move(wc)); !st) throw std::runtime_error(st.error().message);
    }
  }
  // --- Bot API proxy (issue 4): /bot<token>/… and /file/bot<token>/… for proxy connections ---
  for (auto& c : connections) {
    if (c->settings.mode != Mode::kProxy) continue;
    if (!proxy_support) {
      proxy_support = make_proxy_support(io.get_executor(), *store, settings.api_base, [this](core::ConnectionId id) {
        for (auto& conn : connections) {
          if (conn->id == id) schedule_inbox(*conn);
        }
      });
      proxy_support->proxy->add_routes(*server);
    }
    proxy_support->proxy->add_connection({c->id, c->settings.name, c->settings.token, c->parse_context.bot_id,
                                          c->settings.group_id, c->settings.parameters.intercept_external,
                                          c->settings.parameters.proxy_private_webhooks});
  }
  if (proxy_support) proxy_support->proxy->start();  // the program's webhook pushers
  // --- end Bot API proxy (issue 4) ---
  // --- Topics API (issue 5) ---
  std::vector<integrations::ApiConnection> api_connections;
  for (auto& c : connections) {
    constexpr const char* kFrontends[] = {"bot", "proxy", "mtproto", "account"};  // app::Mode order
    if (c->engine) api_connections.push_back({c->engine.get(), kFrontends[static_cast<int>(c->settings.mode)]});
  }
  integrations::add_topics_api(*server, *store, std::move(api_connections),
                               {settings.api_rate_per_second, settings.api_burst}, [this] { dispatcher->notify(); });
  // --- end Topics API (issue 5) ---
  if (auto st = server->start(); !st) throw std::runtime_error(st.error().message);
  server_running = true;
  spdlog::info("listening on {}:{}", settings.listen_address, server->port());
  if (proxy_support) {
    proxy_support->proxy->set_desk_address(
        proxy::desk_address(settings.listen_address, server->port(), settings.public_url));
  }

  for (auto& c : connections) {
    drain_inbox(*c);  // replay what a previous run stored but did not handle
    co_await setup_transport(*c);
  }
  dispatcher_running = true;
  asio::co_spawn(io, dispatcher->run(), [this](std::exception_ptr e) {
    if (e) spdlog::critical("dispatcher stopped unexpectedly");
    dispatcher_done();
  });
  asio::co_spawn(io, scheduler->run(), asio::detached);
  // --- Integrations (issue 5): webhooks out and command hooks ---
  std::vector<integrations::HookConnection> hook_connections;
  for (auto& c : connections) hook_connections.push_back({c->id, c->settings.name, c->settings.parameters});
  webhooks = integrations::start_webhooks(io.get_executor(), *store, std::move(hook_connections),
                                          [this] { dispatcher->notify(); });
  asio::co_spawn(io, run_housekeeping(), asio::detached);
  spdlog::info("topicdesk is running with {} connection(s)", connections.size());
}

// Learns who the bot is (retrying while Telegram cannot be reached) and prepares its engine.
asio::awaitable<bool> Runtime::Impl::connect(ConnectionRuntime& c) {
  auto backoff = 1s;
  telegram::ApiResult me;
  while (!stopping) {
    me = co_await c.api->call("getMe", {});
    if (me.ok) break;
    if (me.error_code == 401 || me.error_code == 404) {
      spdlog::critical("connection {}: Telegram rejected the bot token ({}); fix the token and restart",
                       c.settings.name, telegram::redact_tokens(me.description));
      shutdown(2);
      co_return false;
    }
    spdlog::warn("connection {}: getMe failed ({}), retrying in {}s", c.settings.name,
                 telegram::redact_tokens(me.description), backoff.count());
    asio::steady_timer timer(io, backoff);
    co_await timer.async_wait(asio::use_awaitable);
    backoff = std::min(backoff * 2, std::chrono::seconds(30));
  }
  if (stopping) co_return false;
  const auto bot_id = me.result.at("id").to_number<core::UserId>();
  const auto* username = me.result.as_object().if_contains("username");
  c.id = store->ensure_connection(c.settings.name, bot_id, c.settings.group_id);
  c.parse_context = telegram::ParseContext{bot_id, {c.settings.group_id}};
  relay::ConnectionContext context{c.id, c.settings.name, bot_id,
                                   username && username->is_string() ? std::string(username->as_string()) : "",
                                   c.settings.group_id, c.settings.parameters};
  context.account = c.settings.mode == Mode::kAccount;  // accounts (issue 4)
  dispatcher->add_connection(context, *c.api, settings.flood_limits, td->frontend_for(c.settings));
  c.engine = std::make_unique<relay::Engine>(*store, std::move(context));
  scheduler->add_engine(*c.engine);
  spdlog::info("connection {} (instance {}): bot {} ready, backend group {}", c.settings.name, c.id, bot_id,
               c.settings.group_id);
  co_return true;
}

asio::awaitable<void> Runtime::Impl::setup_transport(ConnectionRuntime& c) {
  // --- accounts (issue 4): mtproto takes every update from its TDLib session; account
  // connections add the account's session beside the desk bot's usual polling.
  if (uses_tdlib(c.settings.mode)) td->start(c.settings, c.id);
  if (c.settings.mode == Mode::kMtproto) co_return;
  if (c.settings.transport == Transport::kWebhook) {
    json::object params{{"url", settings.public_url + "/telegram/" + c.settings.name},
                        {"secret_token", c.settings.webhook_secret},
                        {"allowed_updates", json::array{"message", "edited_message", "message_reaction",
                                                        "my_chat_member", "callback_query"}}};
    auto res = co_await c.api->call("setWebhook", std::move(params));
    if (!res.ok) spdlog::error("connection {}: setWebhook failed: {}", c.settings.name, res.description);
    co_return;
  }
  // getUpdates and a webhook exclude each other: make sure no webhook is left from earlier.
  json::object delete_params{{"drop_pending_updates", false}};
  co_await c.api->call("deleteWebhook", std::move(delete_params));
  telegram::LongPollerOptions options;
  options.connection_name = c.settings.name;
  if (c.settings.mode == Mode::kProxy) use_proxy_polling(options);  // Bot API proxy, issue 4
  c.poller = std::make_unique<telegram::LongPoller>(
      io.get_executor(), *c.api, c.parse_context, options,
      [this, conn = &c](std::vector<telegram::Incoming> batch) {
        // accounts (issue 4): the desk bot's own private chats are not the account's dialogs.
        if (conn->settings.mode == Mode::kAccount) keep_backend_group_only(batch, conn->settings.group_id);
        commit(*conn, std::move(batch));
      },
      [this, conn = &c](const std::string& description) {
        spdlog::critical("connection {}: polling stopped: {}", conn->settings.name, description);
      });
  c.poller->start();
}

// Called by a transport with a batch of updates: returns once they are durable.
void Runtime::Impl::commit(ConnectionRuntime& c, std::vector<telegram::Incoming> batch) {
  const auto now = relay::unix_millis_now();
  store->transaction([&] {
    for (const auto& in : batch) {
      if (in.event) {
        store->inbox_add(c.id, in.update_id, core::event_to_json(*in.event));
      } else if (!in.parse_error.empty()) {  // Bot API proxy, issue 4: ignored raw updates are no errors
        spdlog::warn("connection {}: update {} skipped: {}", c.settings.name, in.update_id, in.parse_error);
        json::object record{{"update_id", in.update_id}, {"error", in.parse_error}};
        store->append_event(c.id, 0, "malformed_update", json::serialize(record), now);
      }
    }
    if (proxy_support) proxy_support->proxy->keep_for_program(c.id, batch, now);  // Bot API proxy, issue 4
  });
  if (proxy_support) proxy_support->proxy->updates_committed(c.id);  // Bot API proxy, issue 4
  schedule_inbox(c);
}

// --- accounts (issue 4) ---
ConnectionRuntime* Runtime::Impl::connection_by_id(core::ConnectionId id) {
  for (auto& c : connections) {
    if (c->id == id) return c.get();
  }
  return nullptr;
}

void Runtime::Impl::start_td_sessions() {
  TdConnections::Hooks hooks;
  hooks.commit = [this](core::ConnectionId id, std::vector<telegram::Incoming> batch) {
    if (auto* c = connection_by_id(id)) commit(*c, std::move(batch));
  };
  hooks.account_known = [this](core::ConnectionId id, core::UserId account) {
    if (auto* c = connection_by_id(id); c && c->engine) c->engine->set_account_id(account);
  };
  hooks.outbox_changed = [this] { dispatcher->notify(); };
  td = std::make_unique<TdConnections>(io.get_executor(), *store, settings, std::move(hooks));
  dispatcher->set_inbox_listener([this](core::ConnectionId id) {
    if (auto* c = connection_by_id(id)) schedule_inbox(*c);
  });
}
// --- end accounts (issue 4) ---

void Runtime::Impl::schedule_inbox(ConnectionRuntime& c) {
  if (c.inbox_scheduled) return;
  c.inbox_scheduled = true;
  asio::post(io, [this, conn = &c] {
    conn->inbox_scheduled = false;
    drain_inbox(*conn);
  });
}

// Handles stored events in batches: one transaction per batch (commits are the store's main
// cost under load); the engine falls back to one transaction per entry if a batch fails.
void Runtime::Impl::drain_inbox(ConnectionRuntime& c) {
  bool handled = false;
  for (;;) {
    auto entries = store->inbox_pending(c.id, kInboxBatch);
    if (entries.empty()) break;
    c.engine->handle_inbox_batch(entries, relay::unix_millis_now());
    handled = true;
  }
  if (handled && dispatcher) dispatcher->notify();
}

// Hourly housekeeping. Handled inbox rows are kept 48 h, longer than Telegram keeps
// unconfirmed updates (24 h), so a redelivered update is still recognised as a duplicate.
asio::awaitable<void> Runtime::Impl::run_housekeeping() {
  while (!stopping) {
    housekeeping_timer.expires_after(kPurgeEvery);
    boost::system::error_code ec;
    co_await housekeeping_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping) break;
    try {
      const auto now = relay::unix_millis_now();
      const auto removed = store->purge_finished(now - kKeepFinished.count());
      if (removed > 0) spdlog::info("purged {} finished inbox, outbox and webhook rows", removed);
      // Telegram keeps a bot's unconfirmed updates for 24 hours; so does the proxy for its program.
      const auto expired = store->proxy_expire(now - kKeepProxyUpdates.count());
      if (expired > 0) spdlog::warn("proxy: dropped {} updates the bot's program did not fetch within 24 hours", expired);
    } catch (const std::exception& e) {
      spdlog::error("housekeeping: {}", e.what());
    }
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
  housekeeping_timer.cancel();
  if (scheduler) scheduler->stop();
  if (td) td->stop();  // accounts (issue 4): TDLib sessions close (bounded wait)
  for (auto& c : connections) {
    if (c->poller) c->poller->stop();
  }
  if (proxy_support) proxy_support->proxy->stop();  // Bot API proxy, issue 4
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
