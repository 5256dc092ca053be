#include "app/setup_wiring.h"

#include <spdlog/spdlog.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>

#include "app/commands.h"
#include "app/td_connections.h"
#include "setup/setup_bot.h"
#include "telegram/bot_api_client.h"
#include "telegram/redact.h"
#include "telegram/tdlib/td_adapter.h"
#include "telegram/tdlib/td_auth.h"
#include "telegram/tdlib/td_client.h"
#include "web/sessions.h"

namespace topicdesk::app {
namespace asio = boost::asio;
namespace json = boost::json;
namespace td = telegram::tdlib;

namespace {

core::UnixMillis now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Account sign-ins for the setup bot: a TDLib client on the session directory the connection
// will use (<[tdlib] data_dir>/<name>), closed once signed in so the connection can open it.
class TdAccountSignIn : public setup::AccountSignIn {
 public:
  TdAccountSignIn(asio::any_io_executor executor, const Config& config,
                  std::function<td::TdRuntime*()> runtime)
      : executor_(std::move(executor)), config_(config), runtime_(std::move(runtime)) {}

  asio::awaitable<core::Result<setup::AccountUser>> sign_in(std::string name,
                                                            td::LoginDialog dialog) override {
    td::TdRuntime* runtime = runtime_ ? runtime_() : nullptr;
    if (runtime == nullptr) co_return core::make_error("TDLib cannot be loaded: check [tdlib] library");
    const std::string directory = session_directory(config_, name);
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);  // no connection has this name: a stale leftover
    td::TdParameters parameters;
    parameters.database_directory = directory;
    parameters.api_id = config_.tdlib.api_id;
    parameters.api_hash = config_.tdlib.api_hash;
    parameters.application_version = version();
    auto client = td::TdClient::open(*runtime, executor_, parameters, name);
    if (!client) co_return client.error();
    auto user = co_await td::log_in_interactively(*client.value(), std::move(dialog));
    // A clean close flushes the session, and frees the directory for the connection.
    co_await client.value()->close(std::chrono::seconds(30));
    client.value().reset();
    if (!user) {
      std::filesystem::remove_all(directory, ignored);
      co_return user.error();
    }
    const core::Person person = td::person_from_user(*user);
    setup::AccountUser out;
    out.id = person.id;
    out.username = person.username;
    out.name = person.first_name + (person.last_name.empty() ? "" : " " + person.last_name);
    co_return out;
  }

  void forget(const std::string& name) override {
    std::error_code ignored;
    std::filesystem::remove_all(session_directory(config_, name), ignored);
  }

 private:
  asio::any_io_executor executor_;
  const Config& config_;
  std::function<td::TdRuntime*()> runtime_;
};

}  // namespace

struct SetupWiring::Impl {
  Impl(asio::any_io_executor executor, const Config& c, Hooks h)
      : strand(asio::make_strand(executor)),
        config(c),
        hooks(std::move(h)),
        api(strand, c.telegram.api_base, c.setup.token),
        access(c.setup.admins, setup::SetupStateFile(c.setup.state_path)) {
    if (config.tdlib.api_id != 0 && !config.tdlib.api_hash.empty()) {
      accounts = std::make_unique<TdAccountSignIn>(strand, config, hooks.td_runtime);
    }
    setup::SetupBotDeps deps;
    deps.api = &api;
    deps.connections = hooks.connections;
    deps.access = &access;
    deps.accounts = accounts.get();
    deps.api_for_token = [this](const std::string& token) -> std::unique_ptr<telegram::BotApi> {
      return std::make_unique<telegram::BotApiClient>(strand, config.telegram.api_base, token);
    };
    deps.token_of = hooks.token_of;
    deps.dashboard_link = [this](const setup::ConnectionSummary& connection,
                                 core::UserId admin) -> core::Result<std::string> {
      if (connection.group_id == 0) return core::make_error("the connection has no group yet");
      auto link =
          web::issue_login_link(*hooks.store, connection.group_id, admin, hooks.dashboard_base_url, now_ms());
      if (!link) return link.error();
      return link->url;
    };
    deps.latest_topic = [this](const setup::ConnectionSummary& connection) -> std::optional<std::string> {
      if (connection.id == 0) return std::nullopt;
      std::optional<std::string> title;
      for (const auto& entry : hooks.store->dialogs_page(connection.id, std::nullopt, 0, 100)) {
        if (entry.dialog.thread_id != 0) title = entry.dialog.topic_title;
      }
      return title;
    };
    deps.now = now_ms;
    deps.api_base = config.telegram.api_base;
    bot = std::make_unique<setup::SetupBot>(strand, std::move(deps));
  }

  asio::awaitable<void> poll() {
    std::int64_t offset = 0;
    auto backoff = std::chrono::seconds(1);
    spdlog::info("setup bot: polling ({} admins by id, {} by username{})", config.setup.admins.ids.size(),
                 config.setup.admins.usernames.size(),
                 access.last_problem().empty() ? "" : "; " + access.last_problem());
    while (!stopping) {
      json::object params{
          {"offset", offset}, {"timeout", 25}, {"allowed_updates", json::array{"message", "callback_query"}}};
      auto answer = co_await api.call("getUpdates", std::move(params));
      if (stopping) break;
      const auto* batch = answer.ok ? answer.result.if_array() : nullptr;
      if (batch == nullptr) {
        if (answer.kind == telegram::ErrorKind::kUnauthorized) {
          spdlog::error("setup bot: Telegram refuses [setup] token ({}); the setup bot is off",
                        telegram::redact_tokens(answer.description));
          co_return;
        }
        spdlog::warn("setup bot: getUpdates failed: {}", telegram::redact_tokens(answer.description));
        asio::steady_timer pause(strand, backoff);
        boost::system::error_code ignored;
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        backoff = std::min<std::chrono::seconds>(backoff * 2, std::chrono::seconds(30));
        continue;
      }
      backoff = std::chrono::seconds(1);
      for (const auto& item : *batch) {
        const auto* update = item.if_object();
        if (update == nullptr) continue;
        const auto* id = update->if_contains("update_id");
        if (id != nullptr && id->is_int64()) offset = std::max(offset, id->get_int64() + 1);
        co_await bot->handle(*update);
        if (stopping) break;
      }
    }
  }

  asio::strand<asio::any_io_executor> strand;
  const Config& config;
  Hooks hooks;
  telegram::BotApiClient api;
  setup::SetupAccess access;
  std::unique_ptr<TdAccountSignIn> accounts;
  std::unique_ptr<setup::SetupBot> bot;
  asio::cancellation_signal cancel;
  bool stopping = false;
};

SetupWiring::SetupWiring(asio::any_io_executor executor, const Config& config, Hooks hooks)
    : impl_(std::make_unique<Impl>(std::move(executor), config, std::move(hooks))) {}

SetupWiring::~SetupWiring() { stop(); }

void SetupWiring::start() {
  asio::co_spawn(impl_->strand, impl_->poll(),
                 asio::bind_cancellation_slot(impl_->cancel.slot(), asio::detached));
}

void SetupWiring::stop() {
  if (!impl_ || impl_->stopping) return;
  impl_->stopping = true;
  impl_->bot->stop();
  impl_->cancel.emit(asio::cancellation_type::all);
}

}  // namespace topicdesk::app
