#include "setup/setup_bot.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>

#include "doctor/bot_checks.h"
#include "setup/setup_qr_png.h"
#include "telegram/long_poller.h"
#include "telegram/redact.h"
#include "telegram/tdlib/qr_code.h"

namespace topicdesk::setup {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

enum class Awaiting { kNothing, kToken, kPhone, kParameterValue, kCode, kPassword, kGroupId };

std::string str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t num(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}

const json::object* obj(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr ? v->if_object() : nullptr;
}

bool flag(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

json::object button(std::string text, std::string data) {
  return json::object{{"text", std::move(text)}, {"callback_data", std::move(data)}};
}

json::object url_button(std::string text, std::string url) {
  return json::object{{"text", std::move(text)}, {"url", std::move(url)}};
}

// Parameters of a call that takes none (named: no braced temporaries as coroutine arguments).
json::object no_params() { return json::object(); }

json::array row(json::object a) { return json::array{std::move(a)}; }
json::array row(json::object a, json::object b) { return json::array{std::move(a), std::move(b)}; }

// "123456789:AA…": the shape of a bot token (the Bot API checks the rest).
bool looks_like_token(std::string_view token) {
  const auto colon = token.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 20 || token.size() - colon < 30) return false;
  const auto id = token.substr(0, colon);
  const auto secret = token.substr(colon + 1);
  return std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isdigit(c); }) &&
         std::all_of(secret.begin(), secret.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// "+49 170 1234567" → "+491701234567"; "" when it is not a phone number.
std::string phone_number(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      out += c;
    } else if (c == '+' && out.empty()) {
      out += c;
    } else if (c != ' ' && c != '-' && c != '(' && c != ')') {
      return {};
    }
  }
  const auto digits = out.size() - (out.starts_with('+') ? 1 : 0);
  return digits >= 7 && digits <= 15 ? (out.starts_with('+') ? out : "+" + out) : std::string();
}

std::string digits_only(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) out += c;
  }
  return out;
}

const char* state_key(ConnectionState state) {
  switch (state) {
    case ConnectionState::kStarting:
      return "setup.state.starting";
    case ConnectionState::kRunning:
      return "setup.state.running";
    case ConnectionState::kStopped:
      return "setup.state.stopped";
    case ConnectionState::kFailed:
      return "setup.state.failed";
    case ConnectionState::kIncomplete:
      return "setup.state.incomplete";
  }
  return "setup.state.failed";
}

const char* state_icon(ConnectionState state) {
  switch (state) {
    case ConnectionState::kRunning:
      return "🟢";
    case ConnectionState::kStarting:
      return "🟡";
    case ConnectionState::kStopped:
      return "⏸";
    case ConnectionState::kFailed:
      return "🔴";
    case ConnectionState::kIncomplete:
      return "⚪";
  }
  return "⚪";
}

}  // namespace

struct SetupBot::Session {
  core::ChatId chat = 0;
  std::string language = "en";
  Awaiting awaiting = Awaiting::kNothing;
  std::string mode = "bot";  // kToken: what the token is for: "bot" or "account"
  std::string connection;    // kParameterValue: the connection; account: the session's name
  std::string parameter;     // kParameterValue
  std::int64_t parameter_message = 0;
  // A token that getMe accepted, waiting for the admin's next choice (mode, sign-in method).
  std::string pending_token;
  std::string pending_bot;  // its username
  core::UserId pending_bot_id = 0;
  // An account sign-in waiting for an answer (code, password).
  std::optional<std::string> answer;
  std::unique_ptr<asio::steady_timer> answer_signal;
  bool signing_in = false;
  std::int64_t qr_message = 0;
};

struct SetupBot::GroupPick {
  core::UserId admin = 0;
  std::string token;
  std::string bot;
  std::string mode;  // the connection's: an mtproto bot's own program keeps its updates
  asio::cancellation_signal cancel;
  bool watching = false;
  core::ChatId candidate = 0;  // the group the bot was last added to
  std::string candidate_title;
  bool done = false;          // the watcher ends: a group was accepted, or the connection deleted
  core::ChatId accepted = 0;  // the healthy group the watcher keeps once its poll is over
  std::string accepted_title;
};

SetupBot::SetupBot(asio::any_io_executor executor, SetupBotDeps deps)
    : executor_(std::move(executor)), deps_(std::move(deps)), alive_(std::make_shared<bool>(true)) {}

SetupBot::~SetupBot() { stop(); }

void SetupBot::stop() {
  *alive_ = false;
  for (auto& [name, pick] : picks_) pick->cancel.emit(asio::cancellation_type::all);
  for (auto& [admin, session] : sessions_) {
    if (session->answer_signal) session->answer_signal->cancel();
  }
}

std::string SetupBot::t(const Session& session, std::string_view key) const {
  return i18n::text(session.language, key);
}
std::string SetupBot::t(const Session& session, std::string_view key, std::string_view n1,
                        std::string v1) const {
  return i18n::text(session.language, key, {{n1, std::move(v1)}});
}
std::string SetupBot::t(const Session& session, std::string_view key, std::string_view n1, std::string v1,
                        std::string_view n2, std::string v2) const {
  return i18n::text(session.language, key, {{n1, std::move(v1)}, {n2, std::move(v2)}});
}
std::string SetupBot::t(const Session& session, std::string_view key, std::string_view n1, std::string v1,
                        std::string_view n2, std::string v2, std::string_view n3, std::string v3) const {
  return i18n::text(session.language, key, {{n1, std::move(v1)}, {n2, std::move(v2)}, {n3, std::move(v3)}});
}
std::string SetupBot::t(const Session& session, std::string_view key, std::string_view n1, std::string v1,
                        std::string_view n2, std::string v2, std::string_view n3, std::string v3,
                        std::string_view n4, std::string v4) const {
  return i18n::text(session.language, key,
                    {{n1, std::move(v1)}, {n2, std::move(v2)}, {n3, std::move(v3)}, {n4, std::move(v4)}});
}

std::string SetupBot::findings_text(const Session& session, const doctor::Findings& findings,
                                    bool fixes_only) const {
  std::string text;
  for (const auto& finding : findings.items) {
    if (fixes_only && finding.level != doctor::Finding::Level::kFix) continue;
    const char* icon = finding.level == doctor::Finding::Level::kOk    ? "✅"
                       : finding.level == doctor::Finding::Level::kFix ? "❌"
                                                                       : "ℹ️";
    text += "\n" + std::string(icon) + " " + doctor::what_text(finding, session.language);
    if (const auto fix = doctor::fix_text(finding, session.language); !fix.empty()) text += "\n   → " + fix;
  }
  return text;
}

SetupBot::Session& SetupBot::session_of(core::UserId admin, core::ChatId chat,
                                        std::string_view language_code) {
  auto& slot = sessions_[admin];
  if (!slot) {
    slot = std::make_unique<Session>();
    // The admin's choice (/language), else their app's language when a catalogue has it.
    auto language = deps_.access->language_of(admin);
    slot->language = language ? *language : i18n::resolve(language_code);
  }
  if (chat != 0) slot->chat = chat;
  return *slot;
}

void SetupBot::log_action(core::UserId admin, std::string_view what) const {
  spdlog::info("setup bot: admin {} {}", admin, what);
}

asio::awaitable<std::int64_t> SetupBot::say(const Session& session, std::string text, Keyboard keyboard,
                                            std::int64_t edit_message) {
  json::object params{{"chat_id", session.chat}, {"text", std::move(text)}};
  params["link_preview_options"] = json::object{{"is_disabled", true}};
  if (!keyboard.empty()) params["reply_markup"] = json::object{{"inline_keyboard", std::move(keyboard)}};
  if (edit_message != 0) {
    json::object edit = params;
    edit["message_id"] = edit_message;
    auto edited = co_await deps_.api->call("editMessageText", std::move(edit));
    if (edited.ok || edited.kind == telegram::ErrorKind::kNotModified) co_return edit_message;
  }
  auto sent = co_await deps_.api->call("sendMessage", std::move(params));
  if (!sent.ok) {
    spdlog::warn("setup bot: cannot answer in chat {}: {}", session.chat, sent.description);
    co_return 0;
  }
  const auto* result = sent.result.if_object();
  co_return result != nullptr ? num(*result, "message_id") : 0;
}

asio::awaitable<void> SetupBot::handle(json::object update) {
  try {
    if (const auto* message = obj(update, "message")) {
      co_await on_message(*message);
    } else if (const auto* query = obj(update, "callback_query")) {
      co_await on_callback(*query);
    }
  } catch (const std::exception& error) {
    // Outside input never ends the bot: a bug is logged and the next update is handled.
    spdlog::error("setup bot: update {} failed: {}", num(update, "update_id"), error.what());
  }
}

asio::awaitable<void> SetupBot::on_message(const json::object& message) {
  const auto* chat = obj(message, "chat");
  const auto* from = obj(message, "from");
  if (chat == nullptr || from == nullptr || str(*chat, "type") != "private") co_return;
  const core::UserId user = num(*from, "id");
  const std::string text = trim(str(message, "text"));
  if (!deps_.access->is_admin(user, str(*from, "username"))) {
    Session visitor;
    visitor.chat = num(*chat, "id");
    visitor.language = i18n::resolve(str(*from, "language_code"));
    if (deps_.access->try_claim(user, text, deps_.now())) {
      log_action(user, "claimed the setup bot with the one-time code");
      Session& session = session_of(user, visitor.chat);
      session.language = visitor.language;
      co_await say(session, t(session, "setup.claimed"));
      co_await show_home(session, 0);
      co_return;
    }
    spdlog::info("setup bot: refused user {} (not an admin)", user);
    co_await say(visitor, t(visitor, "setup.refused", "id", std::to_string(user)));
    co_return;
  }
  Session& session = session_of(user, num(*chat, "id"), str(*from, "language_code"));
  co_await on_text(session, user, message, text);
}

asio::awaitable<void> SetupBot::on_text(Session& session, core::UserId admin, const json::object& message,
                                        std::string text) {
  if (text == "/cancel") {
    const bool answering = session.awaiting == Awaiting::kCode || session.awaiting == Awaiting::kPassword;
    session.awaiting = Awaiting::kNothing;
    session.pending_token.clear();
    if (answering && session.answer_signal) session.answer_signal->cancel();  // the sign-in gives up
    co_await say(session, t(session, "setup.cancelled"));
    co_return;
  }
  if (text == "/start" || text.starts_with("/start ")) {
    if (session.awaiting == Awaiting::kCode || session.awaiting == Awaiting::kPassword) {
      co_await say(session, t(session, "setup.busy"));
      co_return;
    }
    session.awaiting = Awaiting::kNothing;
    co_await show_home(session, 0);
    co_return;
  }
  if (text == "/language") {
    Keyboard keyboard;
    for (const auto& language : i18n::languages()) {
      keyboard.push_back(row(button(i18n::text(language, "language.name"), "lang:" + language)));
    }
    co_await say(session, t(session, "setup.language_choose"), std::move(keyboard));
    co_return;
  }
  switch (session.awaiting) {
    case Awaiting::kToken:
      co_await on_token(session, admin, text);
      co_return;
    case Awaiting::kPhone: {
      const std::string phone = phone_number(text);
      if (phone.empty()) {
        co_await say(session, t(session, "setup.phone_malformed"));
        co_return;
      }
      session.awaiting = Awaiting::kNothing;
      co_await begin_account_sign_in(session, admin, phone);
      co_return;
    }
    case Awaiting::kCode:
    case Awaiting::kPassword: {
      if (session.awaiting == Awaiting::kPassword) {
        // The password does not stay in the chat.
        json::object remove{{"chat_id", session.chat}, {"message_id", num(message, "message_id")}};
        co_await deps_.api->call("deleteMessage", std::move(remove));
        session.answer = str(message, "text");
      } else {
        session.answer = digits_only(text);
      }
      session.awaiting = Awaiting::kNothing;
      if (session.answer_signal) session.answer_signal->cancel();
      co_return;
    }
    case Awaiting::kParameterValue: {
      const std::string name = session.connection;
      const std::string parameter = session.parameter;
      auto status = deps_.connections->set_parameter(name, parameter, text, admin);
      if (!status) {
        co_await say(session,
                     t(session, "setup.param_refused", "reason", status.message_in(session.language)));
        co_return;  // still waiting for a value
      }
      session.awaiting = Awaiting::kNothing;
      log_action(admin, fmt::format("set {} of connection {}", parameter, name));
      // What is kept now: OFF turns off a parameter that knows OFF, or gives back its default.
      std::optional<std::string> kept;
      if (auto now = deps_.connections->get(name)) {
        for (const auto& [key, value] : now->parameters) {
          if (key == parameter) kept = value;
        }
      }
      if (kept) {
        co_await say(session,
                     t(session, "setup.param_saved", "param", parameter, "name", name, "value", *kept));
      } else {
        co_await say(session, t(session, "setup.param_cleared", "param", parameter, "name", name));
      }
      co_await show_parameters(session, name, 0);
      co_return;
    }
    case Awaiting::kGroupId: {
      core::ChatId group = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), group);
      if (error != std::errc() || end != text.data() + text.size() || group >= 0) {
        co_await say(session, t(session, "setup.group_id_malformed"));
        co_return;
      }
      const std::string name = session.connection;
      co_await check_group(name, group, std::to_string(group));
      co_return;
    }
    case Awaiting::kNothing:
      break;
  }
  co_await say(session, t(session, "setup.unknown"));
}

asio::awaitable<void> SetupBot::on_callback(const json::object& query) {
  const auto* from = obj(query, "from");
  if (from == nullptr) co_return;
  const core::UserId user = num(*from, "id");
  const std::string data = str(query, "data");
  const auto* message = obj(query, "message");
  const std::int64_t message_id = message != nullptr ? num(*message, "message_id") : 0;
  const auto* chat = message != nullptr ? obj(*message, "chat") : nullptr;
  json::object answer{{"callback_query_id", str(query, "id")}};
  if (!deps_.access->is_admin(user, str(*from, "username"))) {
    Session visitor;
    visitor.language = i18n::resolve(str(*from, "language_code"));
    answer["text"] = t(visitor, "setup.refused", "id", std::to_string(user));
    answer["show_alert"] = true;
    co_await deps_.api->call("answerCallbackQuery", std::move(answer));
    co_return;
  }
  co_await deps_.api->call("answerCallbackQuery", std::move(answer));
  Session& session = session_of(user, chat != nullptr ? num(*chat, "id") : 0, str(*from, "language_code"));
  if (session.chat == 0) co_return;
  const auto colon = data.find(':');
  const std::string verb = data.substr(0, colon);
  const std::string arg = colon == std::string::npos ? std::string() : data.substr(colon + 1);

  if (verb == "h") {
    session.awaiting = Awaiting::kNothing;
    co_await show_home(session, message_id);
  } else if (verb == "n") {
    Keyboard keyboard;
    keyboard.push_back(
        row(button(t(session, "setup.button_bot"), "nb"), button(t(session, "setup.button_account"), "na")));
    keyboard.push_back(row(button(t(session, "setup.button_back"), "h")));
    co_await say(session, t(session, "setup.new_choose"), std::move(keyboard), message_id);
  } else if (verb == "nb" || verb == "na") {
    if (verb == "na" && deps_.accounts == nullptr) {
      co_await say(session, t(session, "setup.no_tdlib"));
      co_return;
    }
    session.awaiting = Awaiting::kToken;
    session.mode = verb == "nb" ? "bot" : "account";
    session.pending_token.clear();
    const char* ask = verb == "nb" ? "setup.ask_token" : "setup.ask_desk_token";
    co_await say(session, t(session, ask), Keyboard(), message_id);
  } else if (verb == "m") {
    if (session.pending_token.empty()) {
      co_await show_home(session, 0);
      co_return;
    }
    if ((arg == "mtproto") && deps_.accounts == nullptr) {
      co_await say(session, t(session, "setup.no_tdlib"));
      co_return;
    }
    std::string mode = "bot";  // named: no ?: temporaries as coroutine arguments (GCC)
    if (arg == "proxy" || arg == "mtproto") mode = arg;
    co_await add_connection(session, user, mode);
  } else if (verb == "ai") {
    if (session.pending_token.empty() || session.signing_in) co_return;
    if (arg == "qr") {
      co_await begin_account_sign_in(session, user, "");
    } else {
      session.awaiting = Awaiting::kPhone;
      co_await say(session, t(session, "setup.ask_phone"));
    }
  } else if (verb == "c") {
    co_await show_card(session, arg, message_id);
  } else if (verb == "p") {
    co_await show_parameters(session, arg, message_id);
  } else if (verb == "pv") {
    const auto split = arg.find(':');
    if (split == std::string::npos) co_return;
    co_await show_parameter(session, arg.substr(0, split), arg.substr(split + 1), message_id);
  } else if (verb == "stop" || verb == "start") {
    auto status = verb == "stop" ? deps_.connections->stop(arg, user) : deps_.connections->start(arg, user);
    if (!status) {
      co_await say(session, t(session, "setup.failed", "reason", status.message_in(session.language)));
    } else {
      log_action(user, fmt::format("{} connection {}", verb == "stop" ? "stopped" : "started", arg));
      const char* done = verb == "stop" ? "setup.stopped" : "setup.started";
      co_await say(session, t(session, done, "name", arg));
    }
    co_await show_card(session, arg, message_id);
  } else if (verb == "key") {
    auto key = deps_.connections->reset_api_key(arg, user);
    if (!key) {
      co_await say(session, t(session, "setup.failed", "reason", key.message_in(session.language)));
    } else {
      log_action(user, fmt::format("reset the API key of connection {}", arg));
      co_await say(session, t(session, "setup.key_reset", "name", arg, "key", *key));
    }
  } else if (verb == "web") {
    auto connection = deps_.connections->get(arg);
    if (!connection) {
      co_await say(session, t(session, "setup.failed", "reason", connection.message_in(session.language)));
      co_return;
    }
    auto link = deps_.dashboard_link ? deps_.dashboard_link(*connection, user)
                                     : core::Outcome<std::string>(i18n::Message{"setup.no_dashboard", {}});
    if (!link) {
      co_await say(session,
                   t(session, "setup.dashboard_unavailable", "reason", link.message_in(session.language)));
    } else {
      log_action(user, fmt::format("took a dashboard link of connection {}", arg));
      co_await say(session, t(session, "setup.dashboard_link", "name", arg, "url", *link));
    }
  } else if (verb == "doc") {
    co_await show_doctor(session, arg);
  } else if (verb == "del") {
    Keyboard keyboard;
    keyboard.push_back(row(button(t(session, "setup.button_delete_yes"), "dely:" + arg),
                           button(t(session, "setup.button_delete_no"), "c:" + arg)));
    co_await say(session, t(session, "setup.delete_confirm", "name", arg), std::move(keyboard), message_id);
  } else if (verb == "dely") {
    auto status = deps_.connections->remove(arg, user);
    if (!status) {
      co_await say(session, t(session, "setup.failed", "reason", status.message_in(session.language)),
                   Keyboard(), message_id);
      co_return;
    }
    if (auto pick = picks_.find(arg); pick != picks_.end()) {
      pick->second->done = true;
      pick->second->cancel.emit(asio::cancellation_type::all);
    }
    log_action(user, fmt::format("deleted connection {}", arg));
    co_await say(session, t(session, "setup.deleted", "name", arg), Keyboard(), message_id);
    co_await show_home(session, 0);
  } else if (verb == "grp") {
    auto connection = deps_.connections->get(arg);
    if (!connection) {
      co_await say(session, t(session, "setup.failed", "reason", connection.message_in(session.language)));
      co_return;
    }
    co_await offer_group(session, user, *connection);
  } else if (verb == "chk") {
    auto pick = picks_.find(arg);
    if (pick == picks_.end() || pick->second->candidate == 0) {
      co_await say(session,
                   t(session, "setup.waiting_group", "bot", pick != picks_.end() ? pick->second->bot : arg));
      co_return;
    }
    co_await check_group(arg, pick->second->candidate, pick->second->candidate_title);
  } else if (verb == "test") {
    co_await check_test_message(session, arg);
  } else if (verb == "lang") {
    if (std::find(i18n::languages().begin(), i18n::languages().end(), arg) == i18n::languages().end())
      co_return;
    session.language = arg;
    deps_.access->set_language(user, arg);
    log_action(user, "chose the language " + arg);
    co_await say(session, t(session, "setup.language_set", "language", i18n::text(arg, "language.name")), {},
                 message_id);
  }
}

asio::awaitable<void> SetupBot::show_home(Session& session, std::int64_t edit_message) {
  const auto connections = deps_.connections->list();
  std::string text = t(session, "setup.home_title");
  Keyboard keyboard;
  if (connections.empty()) text += "\n\n" + t(session, "setup.home_empty");
  for (const auto& c : connections) {
    const std::string bot = c.bot_username.empty() ? std::string() : " @" + c.bot_username;
    text += "\n" + std::string(state_icon(c.state)) + " " + c.name + bot + " · " + c.mode + " · " +
            t(session, state_key(c.state));
    keyboard.push_back(row(button(std::string(state_icon(c.state)) + " " + c.name, "c:" + c.name)));
  }
  keyboard.push_back(row(button(t(session, "setup.button_new"), "n")));
  co_await say(session, std::move(text), std::move(keyboard), edit_message);
}

asio::awaitable<void> SetupBot::show_card(Session& session, const std::string& name,
                                          std::int64_t edit_message) {
  auto found = deps_.connections->get(name);
  if (!found) {
    co_await say(session, t(session, "setup.failed", "reason", found.message_in(session.language)));
    co_return;
  }
  const ConnectionSummary& c = *found;
  const std::string none = t(session, "setup.none");
  std::string text =
      i18n::text(session.language, "setup.card",
                 {{"name", c.name},
                  {"state", std::string(state_icon(c.state)) + " " + t(session, state_key(c.state))},
                  {"mode", c.mode},
                  {"bot", c.bot_username.empty() ? none : "@" + c.bot_username},
                  {"group", c.group_id == 0 ? none : std::to_string(c.group_id)},
                  {"id", c.id == 0 ? none : std::to_string(c.id)}});
  if (!c.problem.key.empty()) {
    text += "\n\n" + t(session, "setup.card_problem", "problem", i18n::text(session.language, c.problem));
  }
  Keyboard keyboard;
  if (c.origin == ConnectionOrigin::kFile) {
    text += "\n\n" + t(session, "setup.card_file");
    keyboard.push_back(row(button(t(session, "setup.button_doctor"), "doc:" + name)));
    keyboard.push_back(row(button(t(session, "setup.button_back"), "h")));
    co_await say(session, std::move(text), std::move(keyboard), edit_message);
    co_return;
  }
  if (c.group_id == 0) keyboard.push_back(row(button(t(session, "setup.button_pick_group"), "grp:" + name)));
  keyboard.push_back(row(button(t(session, "setup.button_parameters"), "p:" + name)));
  if (c.state == ConnectionState::kStopped) {
    keyboard.push_back(row(button(t(session, "setup.button_start"), "start:" + name),
                           button(t(session, "setup.button_doctor"), "doc:" + name)));
  } else if (c.group_id != 0) {
    keyboard.push_back(row(button(t(session, "setup.button_stop"), "stop:" + name),
                           button(t(session, "setup.button_doctor"), "doc:" + name)));
  }
  keyboard.push_back(row(button(t(session, "setup.button_api_key"), "key:" + name),
                         button(t(session, "setup.button_dashboard"), "web:" + name)));
  keyboard.push_back(row(button(t(session, "setup.button_delete"), "del:" + name),
                         button(t(session, "setup.button_back"), "h")));
  co_await say(session, std::move(text), std::move(keyboard), edit_message);
}

asio::awaitable<void> SetupBot::show_parameters(Session& session, const std::string& name,
                                                std::int64_t edit_message) {
  auto found = deps_.connections->get(name);
  if (!found) {
    co_await say(session, t(session, "setup.failed", "reason", found.message_in(session.language)));
    co_return;
  }
  Keyboard keyboard;
  json::array pair;
  for (const auto& parameter : core::known_parameter_names()) {
    const bool set = std::any_of(found->parameters.begin(), found->parameters.end(),
                                 [&](const auto& entry) { return entry.first == parameter; });
    pair.push_back(button((set ? "✏️ " : "") + parameter, "pv:" + name + ":" + parameter));
    if (pair.size() == 2) {
      keyboard.push_back(std::move(pair));
      pair = json::array{};
    }
  }
  if (!pair.empty()) keyboard.push_back(std::move(pair));
  keyboard.push_back(row(button(t(session, "setup.button_back"), "c:" + name)));
  co_await say(session, t(session, "setup.params_title", "name", name), std::move(keyboard), edit_message);
}

asio::awaitable<void> SetupBot::show_parameter(Session& session, const std::string& name,
                                               const std::string& parameter, std::int64_t edit_message) {
  auto found = deps_.connections->get(name);
  if (!found) {
    co_await say(session, t(session, "setup.failed", "reason", found.message_in(session.language)));
    co_return;
  }
  const auto& known = core::known_parameter_names();
  if (std::find(known.begin(), known.end(), parameter) == known.end()) co_return;
  std::string value = t(session, "setup.param_unset");
  for (const auto& [key, current] : found->parameters) {
    if (key == parameter) value = current;
  }
  Keyboard keyboard;
  if (found->origin == ConnectionOrigin::kDatabase) {
    session.awaiting = Awaiting::kParameterValue;
    session.connection = name;
    session.parameter = parameter;
  }
  keyboard.push_back(row(button(t(session, "setup.button_back"), "p:" + name)));
  // The parameter's own help when the catalogues have it (a parameter added later falls back to
  // the pointer to docs/parameters.md alone).
  const std::string own_help = "setup.param." + parameter;
  std::string help = i18n::catalogue("en").contains(own_help) ? t(session, own_help) + "\n\n" : std::string();
  help += t(session, "setup.param_help", "param", parameter);
  std::string text = i18n::text(session.language, "setup.param_card",
                                {{"param", parameter}, {"value", value}, {"help", help}});
  co_await say(session, std::move(text), std::move(keyboard), edit_message);
}

asio::awaitable<void> SetupBot::show_doctor(Session& session, const std::string& name) {
  auto found = deps_.connections->get(name);
  if (!found) {
    co_await say(session, t(session, "setup.failed", "reason", found.message_in(session.language)));
    co_return;
  }
  auto token = deps_.token_of ? deps_.token_of(name) : std::nullopt;
  if (!token) {
    co_await say(session, t(session, "setup.doctor_no_token", "name", name));
    co_return;
  }
  auto api = deps_.api_for_token(*token);
  doctor::Findings findings;
  doctor::BotCheck check;
  check.group_id = found->group_id;
  check.polling = found->mode != "proxy";
  check.api_base = deps_.api_base;
  co_await doctor::check_bot(*api, check, findings);
  std::string text = t(session, "setup.doctor_title", "name", name);
  text += findings_text(session, findings, false);
  text += "\n\n" + t(session, findings.healthy() ? "setup.doctor_healthy" : "setup.doctor_unhealthy");
  log_action(session.chat, fmt::format("ran the doctor on connection {}", name));
  Keyboard keyboard;
  keyboard.push_back(row(button(t(session, "setup.button_back"), "c:" + name)));
  co_await say(session, std::move(text), std::move(keyboard));
}

asio::awaitable<void> SetupBot::on_token(Session& session, core::UserId admin, std::string token) {
  if (!looks_like_token(token)) {
    co_await say(session, t(session, "setup.token_malformed"));
    co_return;
  }
  auto api = deps_.api_for_token(token);
  auto me = co_await api->call("getMe", no_params());
  if (!me.ok) {
    const std::string reason = telegram::redact_tokens(me.description);
    const char* why = me.network_error() ? "setup.token_unreachable" : "setup.token_invalid";
    co_await say(session, t(session, why, "reason", reason));
    co_return;
  }
  const auto* bot = me.result.if_object();
  const core::UserId bot_id = bot != nullptr ? num(*bot, "id") : 0;
  const std::string username = bot != nullptr ? str(*bot, "username") : std::string();
  if (bot_id == 0 || bot == nullptr || !flag(*bot, "is_bot")) {
    co_await say(session, t(session, "setup.token_not_bot"));
    co_return;
  }
  for (const auto& c : deps_.connections->list()) {
    if (c.bot_id == bot_id || (!username.empty() && c.bot_username == username)) {
      co_await say(session, t(session, "setup.bot_taken", "bot", username, "name", c.name));
      co_return;
    }
  }
  session.pending_token = token;
  session.pending_bot = username;
  session.pending_bot_id = bot_id;
  session.awaiting = Awaiting::kNothing;
  if (session.mode == "account") {
    Keyboard keyboard;
    keyboard.push_back(row(button(t(session, "setup.button_qr"), "ai:qr"),
                           button(t(session, "setup.button_phone"), "ai:phone")));
    co_await say(session, t(session, "setup.account_how", "bot", username), std::move(keyboard));
    co_return;
  }
  // Another program using the bot: a webhook set, or a getUpdates running elsewhere (409).
  std::string in_use;
  auto hook = co_await api->call("getWebhookInfo", no_params());
  const auto* hook_info = hook.ok ? hook.result.if_object() : nullptr;
  if (hook_info != nullptr && !str(*hook_info, "url").empty()) {
    in_use = t(session, "setup.in_use_webhook", "bot", username, "url",
               telegram::redact_tokens(str(*hook_info, "url")));
  } else {
    json::object probe{{"offset", -1}, {"limit", 1}, {"timeout", 0}};
    auto updates = co_await api->call("getUpdates", std::move(probe));
    if (!updates.ok && updates.kind == telegram::ErrorKind::kConflict) {
      in_use = t(session, "setup.in_use_polling", "bot", username);
    }
  }
  if (!in_use.empty()) {
    Keyboard keyboard;
    keyboard.push_back(row(button(t(session, "setup.button_mode_proxy"), "m:proxy")));
    keyboard.push_back(row(button(t(session, "setup.button_mode_mtproto"), "m:mtproto")));
    keyboard.push_back(row(button(t(session, "setup.button_mode_bot"), "m:bot")));
    co_await say(session, in_use + "\n\n" + t(session, "setup.in_use_choice"), std::move(keyboard));
    co_return;
  }
  co_await add_connection(session, admin, "bot");
}

namespace {

// A connection name from the bot's username: [a-z0-9_-]{1,32}, not yet taken.
std::string name_for(const std::string& username, const std::vector<ConnectionSummary>& taken) {
  std::string base;
  for (char c : username) {
    const auto lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::isalnum(static_cast<unsigned char>(lower)) != 0 || lower == '_' || lower == '-') base += lower;
  }
  if (base.empty()) base = "connection";
  base = base.substr(0, 28);
  auto is_taken = [&](const std::string& name) {
    return std::any_of(taken.begin(), taken.end(), [&](const auto& c) { return c.name == name; });
  };
  std::string name = base;
  for (int n = 2; is_taken(name); ++n) name = base + "-" + std::to_string(n);
  return name;
}

}  // namespace

asio::awaitable<void> SetupBot::add_connection(Session& session, core::UserId admin, std::string mode) {
  NewConnection spec;
  spec.name = name_for(session.pending_bot, deps_.connections->list());
  spec.mode = mode;
  spec.token = session.pending_token;
  auto added = deps_.connections->add(spec, admin);
  if (!added) {
    co_await say(session, t(session, "setup.failed", "reason", added.message_in(session.language)));
    co_return;
  }
  session.pending_token.clear();
  log_action(admin, fmt::format("added connection {} ({}, @{})", spec.name, mode, session.pending_bot));
  co_await say(session,
               t(session, "setup.added", "bot", session.pending_bot, "name", spec.name, "mode", mode));
  ConnectionSummary connection = *added;
  if (connection.bot_username.empty()) connection.bot_username = session.pending_bot;
  auto& pick = picks_[spec.name];
  pick = std::make_unique<GroupPick>();
  pick->admin = admin;
  pick->token = spec.token;
  pick->bot = connection.bot_username;
  pick->mode = mode;
  co_await offer_group(session, admin, connection);
}

asio::awaitable<void> SetupBot::offer_group(Session& session, core::UserId admin,
                                            const ConnectionSummary& connection) {
  auto& pick = picks_[connection.name];
  if (!pick) {
    auto token = deps_.token_of ? deps_.token_of(connection.name) : std::nullopt;
    if (!token) {
      co_await say(session, t(session, "setup.doctor_no_token", "name", connection.name));
      co_return;
    }
    pick = std::make_unique<GroupPick>();
    pick->token = *token;
    pick->bot = connection.bot_username;
    pick->mode = connection.mode;
  }
  pick->admin = admin;
  pick->done = false;
  pick->accepted = 0;
  const std::string link =
      fmt::format("https://t.me/{}?startgroup=setup&admin={}", connection.bot_username, kGroupRights);
  Keyboard keyboard;
  keyboard.push_back(
      row(url_button(t(session, "setup.button_add_to_group", "bot", connection.bot_username), link)));
  if (pick->mode == "proxy" || pick->mode == "mtproto") {
    // The bot's own program still reads its updates (a getUpdates here would cut its long poll
    // short): the admin names the group instead.
    session.awaiting = Awaiting::kGroupId;
    session.connection = connection.name;
    co_await say(session, t(session, "setup.ask_group_id", "bot", connection.bot_username),
                 std::move(keyboard));
    co_return;
  }
  keyboard.push_back(row(button(t(session, "setup.button_recheck"), "chk:" + connection.name)));
  co_await say(session, t(session, "setup.pick_group", "bot", connection.bot_username), std::move(keyboard));
  if (!pick->watching) {
    pick->watching = true;
    asio::co_spawn(executor_, watch_group(connection.name),
                   asio::bind_cancellation_slot(pick->cancel.slot(), asio::detached));
  }
}

asio::awaitable<void> SetupBot::watch_group(std::string name) {
  auto alive = alive_;
  std::unique_ptr<telegram::BotApi> api;
  {
    auto pick = picks_.find(name);
    if (pick == picks_.end()) co_return;
    api = deps_.api_for_token(pick->second->token);
  }
  std::int64_t offset = 0;
  bool webhook_removed = false;
  while (*alive) {
    auto pick = picks_.find(name);
    if (pick == picks_.end() || pick->second->done) break;
    const std::string mode = pick->second->mode;
    const std::string bot = pick->second->bot;
    if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
      co_return;
    json::object params{{"offset", offset},
                        {"timeout", deps_.group_poll_seconds},
                        {"allowed_updates", json::array{"my_chat_member"}}};
    telegram::ApiResult updates;
    try {
      updates = co_await api->call("getUpdates", std::move(params));
    } catch (const boost::system::system_error&) {
      co_return;  // cancelled: the connection was deleted or the bot stops
    }
    if (!*alive) co_return;
    if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
      co_return;
    const auto* batch = updates.ok ? updates.result.if_array() : nullptr;
    if (batch == nullptr && updates.kind == telegram::ErrorKind::kConflict && !webhook_removed &&
        mode == "bot") {
      // A webhook left by the program the desk takes over (mode bot, chosen by the admin): the
      // connection removes it when it starts anyway; reading the group's news needs it gone now.
      webhook_removed = true;
      auto removed = co_await api->call("deleteWebhook", no_params());
      spdlog::info("setup bot: removed the webhook of @{} to read its updates: {}", bot,
                   removed.ok ? "done" : removed.description);
      continue;
    }
    if (batch == nullptr) {
      // A failed poll (network, 409 while another program still polls) is tried again shortly.
      asio::steady_timer pause(executor_, std::chrono::seconds(2));
      boost::system::error_code ignored;
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    for (const auto& item : *batch) {
      const auto* update = item.if_object();
      if (update == nullptr) continue;
      offset = std::max(offset, num(*update, "update_id") + 1);
      const auto* member = obj(*update, "my_chat_member");
      const auto* chat = member != nullptr ? obj(*member, "chat") : nullptr;
      const auto* now = member != nullptr ? obj(*member, "new_chat_member") : nullptr;
      if (chat == nullptr || now == nullptr) continue;
      const std::string status = str(*now, "status");
      if (status == "left" || status == "kicked") continue;
      const std::string type = str(*chat, "type");
      auto current = picks_.find(name);
      if (current == picks_.end() || current->second->done) break;
      if (type != "group" && type != "supergroup") {
        Session& session = session_of(current->second->admin, 0);
        if (type == "channel") {
          co_await say(session, t(session, "setup.group_channel", "bot", current->second->bot));
        } else {
          co_await say(session,
                       t(session, "setup.group_not_group", "bot", current->second->bot, "type", type));
        }
        continue;
      }
      current->second->candidate = num(*chat, "id");
      current->second->candidate_title = str(*chat, "title");
      co_await check_group(name, num(*chat, "id"), str(*chat, "title"));
    }
  }
  if (!*alive) co_return;
  auto pick = picks_.find(name);
  if (pick == picks_.end()) co_return;
  pick->second->watching = false;
  if (pick->second->accepted == 0) co_return;
  // Telegram forgets what was read here, so the connection's own poller starts after it; and
  // the update kinds go back to the desk's (Telegram keeps the last allowed_updates: with only
  // my_chat_member, a customer's first message before the poller's first call would be lost).
  const telegram::LongPollerOptions desk_defaults;
  json::array kinds;
  for (const auto& kind : desk_defaults.allowed_updates) kinds.emplace_back(kind);
  json::object confirm{
      {"offset", offset}, {"timeout", 0}, {"limit", 1}, {"allowed_updates", std::move(kinds)}};
  co_await api->call("getUpdates", std::move(confirm));
  if (!*alive) co_return;
  co_await keep_group(name);
}

asio::awaitable<void> SetupBot::check_group(std::string name, core::ChatId group, std::string title) {
  auto pick_it = picks_.find(name);
  if (pick_it == picks_.end() || pick_it->second->done) co_return;
  const core::UserId admin = pick_it->second->admin;
  auto api = deps_.api_for_token(pick_it->second->token);
  doctor::Findings findings;
  doctor::BotCheck check;
  check.group_id = group;
  check.api_base = deps_.api_base;
  co_await doctor::check_bot(*api, check, findings);
  if (!*alive_) co_return;
  Session& session = session_of(admin, 0);
  if (!findings.healthy()) {
    const std::string problems = findings_text(session, findings, true);
    Keyboard keyboard;
    keyboard.push_back(row(button(t(session, "setup.button_recheck"), "chk:" + name)));
    co_await say(session, t(session, "setup.group_problems", "group", title, "findings", problems),
                 std::move(keyboard));
    co_return;
  }
  auto again = picks_.find(name);
  if (again == picks_.end() || again->second->done) co_return;  // decided meanwhile
  // The watcher keeps it once its getUpdates is over, so that the connection's own poller
  // never meets it (409).
  again->second->done = true;
  again->second->accepted = group;
  again->second->accepted_title = title;
  if (!again->second->watching) {
    // Nothing reads the bot's updates here (a group named by its id): keep it now.
    session.awaiting = Awaiting::kNothing;
    co_await keep_group(name);
  }
}

asio::awaitable<void> SetupBot::keep_group(std::string name) {
  auto pick_it = picks_.find(name);
  if (pick_it == picks_.end()) co_return;
  GroupPick& pick = *pick_it->second;
  const core::UserId admin = pick.admin;
  const std::string bot = pick.bot;
  const std::string title = pick.accepted_title;
  const core::ChatId group = pick.accepted;
  Session& session = session_of(admin, 0);
  auto status = deps_.connections->set_group(name, group, admin);
  if (!status) {
    picks_.erase(name);
    co_await say(session, t(session, "setup.failed", "reason", status.message_in(session.language)));
    co_return;
  }
  log_action(admin, fmt::format("chose group {} for connection {}", group, name));
  auto connection = deps_.connections->get(name);
  const char* target =
      connection && connection->mode == "account" ? "setup.test_target_account" : "setup.test_target_bot";
  Keyboard keyboard;
  keyboard.push_back(row(button(t(session, "setup.button_test"), "test:" + name)));
  keyboard.push_back(row(button(t(session, "setup.button_card"), "c:" + name)));
  co_await say(session,
               t(session, "setup.group_ready", "group", title, "bot", bot, "name", name, "target",
                 t(session, target, "bot", bot)),
               std::move(keyboard));
}

asio::awaitable<void> SetupBot::check_test_message(Session& session, const std::string& name) {
  auto connection = deps_.connections->get(name);
  if (!connection) {
    co_await say(session, t(session, "setup.failed", "reason", connection.message_in(session.language)));
    co_return;
  }
  auto topic = deps_.latest_topic ? deps_.latest_topic(*connection) : std::nullopt;
  Keyboard keyboard;
  if (!topic) {
    keyboard.push_back(row(button(t(session, "setup.button_test"), "test:" + name)));
    co_await say(session, t(session, "setup.test_missing", "bot", connection->bot_username),
                 std::move(keyboard));
    co_return;
  }
  picks_.erase(name);
  keyboard.push_back(row(button(t(session, "setup.button_card"), "c:" + name)));
  co_await say(session, t(session, "setup.test_ok", "topic", *topic, "name", name), std::move(keyboard));
}

asio::awaitable<std::optional<std::string>> SetupBot::ask(core::UserId admin,
                                                          std::chrono::milliseconds timeout) {
  auto alive = alive_;
  Session& session = session_of(admin, 0);
  session.answer.reset();
  session.answer_signal = std::make_unique<asio::steady_timer>(executor_, timeout);
  boost::system::error_code ignored;
  co_await session.answer_signal->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  if (!*alive) co_return std::nullopt;
  Session& again = session_of(admin, 0);
  again.awaiting = Awaiting::kNothing;
  auto answer = std::move(again.answer);
  again.answer.reset();
  co_return answer;
}

asio::awaitable<void> SetupBot::begin_account_sign_in(Session& session, core::UserId admin,
                                                      std::string phone) {
  if (session.signing_in) co_return;
  session.signing_in = true;
  session.qr_message = 0;
  session.connection = name_for(session.pending_bot, deps_.connections->list());
  if (phone.empty()) co_await say(session, t(session, "setup.account_qr"));
  asio::co_spawn(executor_, sign_in_account(admin, session.connection, phone), asio::detached);
}

asio::awaitable<void> SetupBot::sign_in_account(core::UserId admin, std::string name, std::string phone) {
  auto alive = alive_;
  telegram::tdlib::LoginDialog dialog;
  dialog.phone_number = phone;
  dialog.show_qr_link = [this, alive, admin](const std::string& link) {
    if (!*alive) return;
    asio::co_spawn(
        executor_,
        [this, alive, admin, link]() -> asio::awaitable<void> {
          auto matrix = telegram::tdlib::encode_qr(link);
          if (!*alive || !matrix) co_return;
          Session& session = session_of(admin, 0);
          telegram::InputFile photo{"photo", "login.png", qr_png(*matrix), "image/png"};
          const std::string caption = t(session, "setup.account_qr_caption");
          if (session.qr_message != 0) {
            // The link changed: the same message shows the new code.
            telegram::InputFile replacement = photo;
            replacement.field = "qr";
            json::object media{{"type", "photo"}, {"media", "attach://qr"}, {"caption", caption}};
            json::object params{{"chat_id", session.chat},
                                {"message_id", session.qr_message},
                                {"media", json::serialize(media)}};
            auto edited =
                co_await deps_.api->upload("editMessageMedia", std::move(params), std::move(replacement));
            if (edited.ok) co_return;
          }
          json::object params{{"chat_id", session.chat}, {"caption", caption}};
          auto sent = co_await deps_.api->upload("sendPhoto", std::move(params), std::move(photo));
          const auto* result = sent.ok ? sent.result.if_object() : nullptr;
          if (result != nullptr && *alive) session_of(admin, 0).qr_message = num(*result, "message_id");
        },
        asio::detached);
  };
  dialog.ask_code =
      [this, admin](telegram::tdlib::CodePrompt prompt) -> asio::awaitable<std::optional<std::string>> {
    Session& session = session_of(admin, 0);
    session.awaiting = Awaiting::kCode;
    const char* key = prompt.attempt == 1 ? "setup.ask_code" : "setup.ask_code_again";
    co_await say(session, t(session, key, "phone", prompt.phone_number));
    co_return co_await ask(admin, std::chrono::minutes(5));
  };
  dialog.ask_password =
      [this, admin](telegram::tdlib::PasswordPrompt prompt) -> asio::awaitable<std::optional<std::string>> {
    Session& session = session_of(admin, 0);
    session.awaiting = Awaiting::kPassword;
    const std::string hint =
        prompt.hint.empty() ? std::string() : t(session, "setup.password_hint", "hint", prompt.hint);
    const char* key = prompt.attempt == 1 ? "setup.ask_password" : "setup.ask_password_again";
    co_await say(session, t(session, key, "hint", hint));
    co_return co_await ask(admin, std::chrono::minutes(5));
  };
  // No dialog.tell: a wrong code or password is asked again (ask_code_again, ask_password_again)
  // in the admin's language; a failure ends with sign_in_failed.
  auto user = co_await deps_.accounts->sign_in(name, std::move(dialog));
  if (!*alive) co_return;
  Session& session = session_of(admin, 0);
  session.signing_in = false;
  session.awaiting = Awaiting::kNothing;
  if (!user) {
    log_action(admin, fmt::format("could not sign an account in for {}: {}", name, user.error().message));
    co_await say(session, t(session, "setup.sign_in_failed", "reason", user.message_in(session.language)));
    co_return;
  }
  std::string who = user->name;
  if (!user->username.empty()) who += " (@" + user->username + ")";
  co_await say(session, t(session, "setup.signed_in", "account", who));
  NewConnection spec;
  spec.name = name;
  spec.mode = "account";
  spec.token = session.pending_token;
  auto added = deps_.connections->add(spec, admin);
  if (!added) {
    deps_.accounts->forget(name);  // nothing half-made: no connection, no session
    co_await say(session, t(session, "setup.failed", "reason", added.message_in(session.language)));
    co_return;
  }
  log_action(admin, fmt::format("added connection {} (account {}, desk bot @{})", name, user->id,
                                session.pending_bot));
  ConnectionSummary connection = *added;
  if (connection.bot_username.empty()) connection.bot_username = session.pending_bot;
  auto& pick = picks_[name];
  pick = std::make_unique<GroupPick>();
  pick->admin = admin;
  pick->token = session.pending_token;
  pick->bot = connection.bot_username;
  pick->mode = "account";
  session.pending_token.clear();
  co_await say(session,
               t(session, "setup.added", "bot", connection.bot_username, "name", name, "mode", "account"));
  co_await offer_group(session, admin, connection);
}

}  // namespace topicdesk::setup
