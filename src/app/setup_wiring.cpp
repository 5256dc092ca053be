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

  asio::awaitable<core::Outcome<setup::AccountUser>> sign_in(std::string name,
                                                             td::LoginDialog dialog) override {
    td::TdRuntime* runtime = runtime_ ? runtime_() : nullptr;
    if (runtime == nullptr)
      co_return core::Outcome<setup::AccountUser>(i18n::Message{"setup.login.no_tdlib", {}});
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
      co_return user.failure<setup::AccountUser>();
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

// The component: the setup bot's client, who may use it (kept in the store), the conversations
// and the loop.
class SetupBotComponent : public DeskComponent {
 public:
  explicit SetupBotComponent(DeskServices& services)
      : strand_(asio::make_strand(services.executor)),
        store_(services.store),
        config_(services.config),
        desk_url_(services.desk_url),
        api_(strand_, services.config.telegram.api_base, services.config.setup.token),
        access_(services.config.setup.admins, services.store) {
    if (config_.tdlib.api_id != 0 && !config_.tdlib.api_hash.empty()) {
      accounts_ = std::make_unique<TdAccountSignIn>(strand_, config_, services.td_runtime);
    }
    setup::SetupBotDeps deps;
    deps.api = &api_;
    deps.connections = &services.connections;
    deps.access = &access_;
    deps.accounts = accounts_.get();
    deps.api_for_token = [this](const std::string& token) -> std::unique_ptr<telegram::BotApi> {
      return std::make_unique<telegram::BotApiClient>(strand_, config_.telegram.api_base, token);
    };
    deps.token_of = [this](const std::string& name) -> std::optional<std::string> {
      if (const auto* file = config_.find_connection(name)) return file->token;
      if (auto kept = store_.stored_connection(name)) return kept->token;
      return std::nullopt;
    };
    deps.dashboard_link = [this](const setup::ConnectionSummary& connection,
                                 core::UserId admin) -> core::Outcome<std::string> {
      if (connection.group_id == 0) return i18n::Message{"setup.dashboard_no_group", {}};
      auto link = web::issue_login_link(store_, connection.group_id, admin, desk_url_, now_ms());
      if (!link) return link.failure<std::string>();
      return link->url;
    };
    deps.latest_topic = [this](const setup::ConnectionSummary& connection) -> std::optional<std::string> {
      if (connection.id == 0) return std::nullopt;
      std::optional<std::string> title;
      for (const auto& entry : store_.dialogs_page(connection.id, std::nullopt, 0, 100)) {
        if (entry.dialog.thread_id != 0) title = entry.dialog.topic_title;
      }
      return title;
    };
    deps.now = now_ms;
    deps.api_base = config_.telegram.api_base;
    bot_ = std::make_unique<setup::SetupBot>(strand_, std::move(deps));
    asio::co_spawn(strand_, poll(), asio::bind_cancellation_slot(cancel_.slot(), asio::detached));
  }

  ~SetupBotComponent() override { SetupBotComponent::stop(); }

  void stop() override {
    if (stopping_) return;
    stopping_ = true;
    bot_->stop();
    cancel_.emit(asio::cancellation_type::all);
  }

 private:
  asio::awaitable<void> poll() {
    std::int64_t offset = 0;
    auto backoff = std::chrono::seconds(1);
    spdlog::info("setup bot: on ({} admin(s) listed)",
                 config_.setup.admins.ids.size() + config_.setup.admins.usernames.size());
    while (!stopping_) {
      json::object params{
          {"offset", offset}, {"timeout", 25}, {"allowed_updates", json::array{"message", "callback_query"}}};
      auto answer = co_await api_.call("getUpdates", std::move(params));
      if (stopping_) break;
      const auto* batch = answer.ok ? answer.result.if_array() : nullptr;
      if (batch == nullptr) {
        if (answer.kind == telegram::ErrorKind::kUnauthorized) {
          spdlog::error("setup bot: Telegram refuses [setup] token ({}); the setup bot is off",
                        telegram::redact_tokens(answer.description));
          co_return;
        }
        spdlog::warn("setup bot: getUpdates failed: {}", telegram::redact_tokens(answer.description));
        asio::steady_timer pause(strand_, backoff);
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
        co_await bot_->handle(*update);
        if (stopping_) break;
      }
    }
  }

  asio::strand<asio::any_io_executor> strand_;
  store::Store& store_;
  const Config& config_;
  std::string desk_url_;
  telegram::BotApiClient api_;
  setup::SetupAccess access_;
  std::unique_ptr<TdAccountSignIn> accounts_;
  std::unique_ptr<setup::SetupBot> bot_;
  asio::cancellation_signal cancel_;
  bool stopping_ = false;
};

}  // namespace

std::unique_ptr<DeskComponent> make_setup_bot(DeskServices& services) {
  if (!services.config.setup.enabled()) return nullptr;
  return std::make_unique<SetupBotComponent>(services);
}

}  // namespace topicdesk::app
