#include "app/td_connections.h"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <optional>
#include <set>

#include "core/backoff.h"
#include "core/clock.h"
#include "relay/dispatcher.h"
#include "relay/jobs.h"
#include "telegram/log_limiter.h"
#include "telegram/redact.h"
#include "telegram/tdlib/td_adapter.h"
#include "telegram/tdlib/td_auth.h"
#include "telegram/tdlib/td_client.h"
#include "telegram/tdlib/td_frontend_api.h"
#include "telegram/tdlib/td_library.h"
#include "telegram/tdlib/td_runtime.h"

namespace topicdesk::app {
namespace asio = boost::asio;
namespace json = boost::json;
namespace tdlib = telegram::tdlib;
using namespace std::chrono_literals;

namespace {

constexpr auto kResumeTimeout = 30s;       // an account session answering with its state
constexpr auto kRetryUnusableEvery = 60s;  // a signed-out session is looked at again this often
constexpr auto kStopDeadline = 5s;
constexpr auto kCommitRetryMin = 100ms;  // updates the store could not take are tried again
constexpr auto kCommitRetryMax = 30s;
constexpr std::size_t kMaxUndelivered = 100'000;  // beyond that the oldest are dropped (logged)

constexpr const char* kStateReady = "ready";
constexpr const char* kStateMissing = "missing";
constexpr const char* kStateRevoked = "revoked";
constexpr const char* kNoAnswer = "error: TDLib did not answer within 30 s";

std::string type_of(const json::object& o) {
  const auto* t = o.if_contains("@type");
  return t && t->is_string() ? std::string(t->get_string()) : std::string();
}

// Missing and revoked sessions need the same fix, so they share one notice.
std::string notice_category(const std::string& state) {
  return state == kStateMissing || state == kStateRevoked ? "signed_out" : state;
}

// The dispatcher's BotApi for a session: forwards once the session is ready; before that (and
// after a revoke) every call fails like a network error, so the dispatcher keeps the job and
// retries with backoff instead of dropping it.
class SessionApi : public telegram::BotApi {
 public:
  void attach(telegram::BotApi* api) { api_ = api; }
  asio::awaitable<telegram::ApiResult> call(std::string method, json::object params) override {
    if (api_ == nullptr) {
      telegram::ApiResult unavailable;
      unavailable.description = "the connection's Telegram session is not signed in";
      co_return unavailable;
    }
    co_return co_await api_->call(std::move(method), std::move(params));
  }
  asio::awaitable<telegram::ApiResult> upload(std::string method, json::object params,
                                              telegram::InputFile file) override {
    if (api_ == nullptr) {
      telegram::ApiResult unavailable;
      unavailable.description = "the connection's Telegram session is not signed in";
      co_return unavailable;
    }
    co_return co_await api_->upload(std::move(method), std::move(params), std::move(file));
  }

 private:
  telegram::BotApi* api_ = nullptr;
};

}  // namespace

bool uses_tdlib(ConnectionMode mode) {
  return mode == ConnectionMode::kMtproto || mode == ConnectionMode::kAccount;
}

std::string session_directory(const Config& settings, const std::string& connection_name) {
  return (std::filesystem::path(settings.tdlib.data_dir) / connection_name).string();
}

void keep_backend_group_only(std::vector<telegram::Incoming>& batch, core::ChatId group_id) {
  std::erase_if(
      batch, [group_id](const telegram::Incoming& in) { return in.event && in.event->chat_id != group_id; });
}

std::string session_notice(const ConnectionConfig& c, const std::string& state) {
  const std::string connect = "topicdesk connect account --config FILE --name " + c.name;
  if (c.mode == ConnectionMode::kMtproto) {
    return "⚠️ Connection " + c.name + ": the desk could not sign in to Telegram as the bot (" + state +
           "). Messages to the bot are not relayed until this is fixed; the rest of the desk keeps working. "
           "Run `topicdesk doctor` for details.";
  }
  if (state == kStateMissing) {
    return "⚠️ Connection " + c.name +
           ": the personal account is not signed in, so its chats are not relayed. "
           "Sign it in with `" +
           connect + "` (the desk picks the session up within a minute).";
  }
  if (state == kStateRevoked) {
    return "⚠️ Connection " + c.name +
           ": the account's session was ended (logged out or revoked from another "
           "device). Its chats are not relayed and operators' answers wait until it is signed in again with "
           "`" +
           connect + "`.";
  }
  return "⚠️ Connection " + c.name + ": the account's Telegram session cannot be used (" + state +
         "). Its chats are not relayed; the rest of the desk keeps working. Run `topicdesk doctor` for "
         "details.";
}

struct TdConnections::Shared {
  std::shared_ptr<tdlib::TdLibrary> library;
  std::unique_ptr<tdlib::TdRuntime> runtime;
  std::string error;  // why the library could not be loaded
  bool tried = false;
};

struct TdConnections::Session {
  ConnectionConfig settings;
  core::ConnectionId id = 0;
  SessionApi api;
  std::unique_ptr<tdlib::TdClient> client;
  std::unique_ptr<tdlib::TdFrontendApi> frontend;
  tdlib::AdapterContext adapter;
  tdlib::ProfileCache profiles;
  std::map<core::ChatId, std::string> chat_titles;  // updateNewChat, for MONITOR_GROUPS topics
  std::set<core::ChatId> channels;                  // updateNewChat: chats that are channels
  std::vector<json::object> early;                  // updates that came before Ready
  bool ready = false;
  std::optional<asio::steady_timer> retry_timer;
  std::vector<telegram::Incoming> undelivered;  // not committed yet (the store failed), in order
  std::optional<asio::steady_timer> commit_timer;
  std::chrono::milliseconds commit_backoff{0};
  int commit_failures = 0;  // in a row
  telegram::LogLimiter log_limiter;
};

namespace {

// Account sessions only resume: signing in is `connect account`'s job.
asio::awaitable<core::Result<json::object>> resume_account(tdlib::TdClient& client) {
  const auto deadline = std::chrono::steady_clock::now() + kResumeTimeout;
  while (true) {
    const std::string type = client.auth_state_type();
    if (type == tdlib::auth_state::kReady) {
      json::object get_me;  // (GCC 12: no literals inside co_await expressions)
      get_me["@type"] = "getMe";
      co_return co_await client.send(std::move(get_me));
    }
    if (!type.empty() && type != tdlib::auth_state::kWaitTdlibParameters)
      co_return core::make_error(kStateMissing);
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) co_return core::make_error(kNoAnswer);
    co_await client.wait_auth_change(client.auth_state_version(), left);
  }
}

}  // namespace

void TdConnections::report(Session& s, const std::string& state) {
  const std::string notice = session_notice(s.settings, state);
  store_.transaction([&] {
    store_.state_set(s.id, kSessionStateKey, state);
    if (state == kStateReady) {
      store_.state_set(s.id, kSessionNoticeKey, "");
      return;
    }
    const std::string category = notice_category(state);
    if (store_.state_get(s.id, kSessionNoticeKey).value_or("") == category) return;  // said already
    store_.state_set(s.id, kSessionNoticeKey, category);
    if (!hooks_.add_event) return;
    core::Event problem;
    problem.kind = core::EventKind::kSessionProblem;
    problem.date = core::unix_millis_now();
    problem.update_id = relay::session_problem_update_id(problem.date);
    problem.text = notice;
    hooks_.add_event(s.id, problem);
  });
  if (state == kStateReady) {
    spdlog::info("connection {}: Telegram session ready", s.settings.name);
  } else {
    spdlog::error("{}", telegram::redact_tokens(notice));
  }
}

void TdConnections::deliver(Session& s, const json::object& update) {
  auto incoming = tdlib::make_incoming(update, s.adapter, s.profiles, core::unix_millis_now());
  if (!incoming) return;
  if (incoming->event) {
    auto& e = *incoming->event;
    // Account connections: the desk bot reads the backend group; the account only copies into
    // it. What the owner writes there from their own app is told apart here: the session
    // reports it as its own message sent elsewhere (the desk's copies carry a sending state).
    if (s.settings.mode == ConnectionMode::kAccount && e.chat_id == s.settings.group_id) {
      const bool owners = e.kind == core::EventKind::kOperatorMessage && e.from.id == s.adapter.self_id &&
                          e.from.id != 0 && !e.is_service;
      if (!owners) return;
      e.by_account_owner = true;
    }
    if (e.chat_id < 0 && e.chat_title.empty()) {
      if (auto title = s.chat_titles.find(e.chat_id); title != s.chat_titles.end())
        e.chat_title = title->second;
    }
    if (e.channel_post && !e.chat_title.empty()) e.from.first_name = e.chat_title;
  }
  s.undelivered.push_back(std::move(*incoming));
  if (!s.commit_timer) commit_undelivered(s);  // else: waiting out a store failure, in order
}

void TdConnections::commit_undelivered(Session& s) {
  if (s.undelivered.empty()) return;
  try {
    hooks_.commit(s.id, s.undelivered);
    s.undelivered.clear();
    s.commit_failures = 0;
    return;
  } catch (const std::exception& e) {
    if (s.undelivered.size() > kMaxUndelivered) {
      spdlog::error("connection {}: dropped {} updates of the Telegram session the store could not take",
                    s.settings.name, s.undelivered.size() - kMaxUndelivered);
      s.undelivered.erase(
          s.undelivered.begin(),
          s.undelivered.begin() + static_cast<std::ptrdiff_t>(s.undelivered.size() - kMaxUndelivered));
    }
    s.commit_backoff = core::Backoff{kCommitRetryMin, kCommitRetryMax}.delay(s.commit_failures++);
    const std::string what = e.what();
    if (s.log_limiter.should_log(what)) {
      spdlog::error("connection {}: {} update(s) of the Telegram session wait for the store ({}); retrying",
                    s.settings.name, s.undelivered.size(), what);
    }
  }
  s.commit_timer.emplace(executor_, s.commit_backoff);
  s.commit_timer->async_wait([this, &s](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    s.commit_timer.reset();
    commit_undelivered(s);
  });
}

void TdConnections::on_update(Session& s, const json::object& update) {
  const std::string type = type_of(update);
  if (type == "updateNewChat") {
    const auto* chat = update.if_contains("chat");
    if (chat && chat->is_object()) {
      auto id = tdlib::json_int(chat->get_object().if_contains("id"));
      const auto* title = chat->get_object().if_contains("title");
      if (id && title && title->is_string()) s.chat_titles[*id] = std::string(title->get_string());
      const auto* kind = chat->get_object().if_contains("type");
      const auto* is_channel =
          kind && kind->is_object() ? kind->get_object().if_contains("is_channel") : nullptr;
      if (id && is_channel && is_channel->is_bool() && is_channel->get_bool()) s.channels.insert(*id);
    }
    return;
  }
  if (type == "updateAuthorizationState") return on_auth_state(s, update);
  if (!s.ready) {
    s.early.push_back(update);  // handled once the adapter knows who we are
    return;
  }
  deliver(s, update);
}

// The session ended while in use (revoked from another device, logged out): say so once and
// let keep_alive() look at it again.
void TdConnections::on_auth_state(Session& s, const json::object& update) {
  const auto* state = update.if_contains("authorization_state");
  const std::string type = state && state->is_object() ? type_of(state->get_object()) : "";
  const bool ended = type == tdlib::auth_state::kLoggingOut || type == tdlib::auth_state::kClosing ||
                     type == tdlib::auth_state::kClosed;
  if (!s.ready || !ended || stopping_) return;
  s.ready = false;
  s.api.attach(nullptr);
  report(s, kStateRevoked);
  if (s.retry_timer) s.retry_timer->cancel();
}

asio::awaitable<std::string> TdConnections::open(Session& s) {
  tdlib::TdParameters parameters;
  parameters.database_directory = session_directory(settings_, s.settings.name);
  parameters.api_id = settings_.tdlib.api_id;
  parameters.api_hash = settings_.tdlib.api_hash;
  auto client = tdlib::TdClient::open(*shared_->runtime, executor_, parameters, s.settings.name);
  if (!client) co_return "error: " + client.error().message;
  s.client = std::move(client).value();
  s.client->add_update_handler([this, &s](const json::object& update) { on_update(s, update); });
  s.frontend = std::make_unique<tdlib::TdFrontendApi>(
      *s.client, tdlib::TdFrontendOptions{.bot_session = s.settings.mode == ConnectionMode::kMtproto});

  // (GCC 12 miscompiles a ?: around co_await: two statements.)
  std::optional<core::Result<json::object>> me;
  if (s.settings.mode == ConnectionMode::kMtproto) {
    std::string token = s.settings.token;
    me.emplace(co_await tdlib::log_in_bot(*s.client, std::move(token)));
  } else {
    me.emplace(co_await resume_account(*s.client));
  }
  if (!*me) {
    std::string why = telegram::redact_tokens(me->error().message);
    co_return why == kStateMissing || why.starts_with("error: ") ? why : "error: " + why;
  }
  const auto self = tdlib::json_int(me->value().if_contains("id")).value_or(0);
  s.adapter = tdlib::AdapterContext{.backend_group_id = s.settings.group_id,
                                    .self_id = self,
                                    .monitor_groups = s.settings.parameters.monitor_groups,
                                    .monitor_channels = s.settings.parameters.monitor_channels,
                                    .channels = &s.channels};
  if (s.settings.mode == ConnectionMode::kAccount) {
    store_.state_set(s.id, kAccountIdKey, std::to_string(self));
    if (hooks_.account_known) hooks_.account_known(s.id, self);
  }
  s.ready = true;
  s.api.attach(s.frontend.get());
  auto early = std::move(s.early);
  s.early.clear();
  for (const auto& update : early) deliver(s, update);
  co_return kStateReady;
}

// Frees the directory lock, so `connect account` (or doctor) can use it meanwhile.
asio::awaitable<void> TdConnections::close(Session& s) {
  s.ready = false;
  s.api.attach(nullptr);
  if (s.client) co_await s.client->close(kStopDeadline);
  s.frontend.reset();
  s.client.reset();
  s.early.clear();
}

asio::awaitable<void> TdConnections::keep_alive(Session& s) {
  if (!shared_->runtime) {
    report(s, "error: " + shared_->error);
    co_return;
  }
  while (!stopping_) {
    if (!s.ready) {
      if (s.client) co_await close(s);  // a revoked session's client is finished
      std::string state = co_await open(s);
      if (stopping_) co_return;
      report(s, state);
      if (state != kStateReady) co_await close(s);
    }
    // Ready: sleeps until a revoke cancels the timer. Signed out: looks again in a minute, so
    // an account signed in with `connect account` while the desk runs is picked up.
    s.retry_timer.emplace(executor_, s.ready ? std::chrono::hours(24) : kRetryUnusableEvery);
    boost::system::error_code ec;
    co_await s.retry_timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

TdConnections::TdConnections(asio::any_io_executor executor, store::Store& store, const Config& settings,
                             Hooks hooks)
    : executor_(std::move(executor)),
      store_(store),
      settings_(settings),
      hooks_(std::move(hooks)),
      shared_(std::make_shared<Shared>()) {}

TdConnections::~TdConnections() {
  sessions_.clear();  // clients before the runtime they are registered with
  shared_.reset();
}

telegram::BotApi* TdConnections::frontend_for(const ConnectionConfig& connection) {
  if (!uses_tdlib(connection.mode)) return nullptr;
  auto& session = sessions_[connection.name];
  if (!session) {
    session = std::make_unique<Session>();
    session->settings = connection;
  }
  return &session->api;
}

void TdConnections::start(const ConnectionConfig& connection, core::ConnectionId id) {
  if (!uses_tdlib(connection.mode)) return;
  frontend_for(connection);
  Session& s = *sessions_.at(connection.name);
  s.id = id;
  core::UserId known = 0;
  const std::string stored = store_.state_get(id, kAccountIdKey).value_or("");
  std::from_chars(stored.data(), stored.data() + stored.size(), known);
  if (known > 0 && hooks_.account_known) hooks_.account_known(id, known);  // from an earlier run
  runtime();
  asio::co_spawn(executor_, keep_alive(s), asio::detached);
}

tdlib::TdRuntime* TdConnections::runtime() {
  if (!shared_->tried) {
    shared_->tried = true;
    auto library = tdlib::load_library(settings_.tdlib.library);
    if (library) {
      shared_->library = std::move(library).value();
      shared_->runtime = std::make_unique<tdlib::TdRuntime>(shared_->library);
      shared_->runtime->start();
    } else {
      shared_->error = library.error().message;
    }
  }
  return shared_->runtime.get();
}

void TdConnections::stop() {
  stopping_ = true;
  for (auto& [name, session] : sessions_) {
    session->ready = false;
    session->api.attach(nullptr);
    if (session->retry_timer) session->retry_timer->cancel();
    if (session->commit_timer) session->commit_timer->cancel();
  }
  if (shared_->runtime) shared_->runtime->stop(kStopDeadline);
}

}  // namespace topicdesk::app
