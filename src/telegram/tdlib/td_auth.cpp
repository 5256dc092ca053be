#include "telegram/tdlib/td_auth.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include "telegram/tdlib/td_adapter.h"
#include "telegram/tdlib/td_json.h"

namespace topicdesk::telegram::tdlib {
namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

bool is_ending(const std::string& state) {
  return state == auth_state::kClosed || state == auth_state::kClosing || state == auth_state::kLoggingOut;
}

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
}

std::string describe(const json::object& error) {
  return std::to_string(error_code(error)) + " " + error_message(error);
}

i18n::Message login_text(std::string key, std::vector<std::pair<std::string, std::string>> args = {}) {
  return i18n::Message{"setup.login." + key, std::move(args)};
}

// The number after `prefix` in `message` ("FLOOD_WAIT_" in "FLOOD_WAIT_333"), or nullopt.
std::optional<std::int64_t> number_after(std::string_view message, std::string_view prefix) {
  const auto at = message.find(prefix);
  if (at == std::string_view::npos) return std::nullopt;
  const char* first = message.data() + at + prefix.size();
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(first, message.data() + message.size(), n);
  if (ec != std::errc() || end == first) return std::nullopt;
  return n;
}

// After a request that changes the state: waits for the change unless it came already.
asio::awaitable<core::OutcomeStatus> await_next_state(TdClient* client, std::uint64_t seen,
                                                      std::chrono::milliseconds timeout, std::string step) {
  if (client->auth_state_version() > seen) co_return core::Ok{};
  auto changed = co_await client->wait_auth_change(seen, timeout);
  if (changed) co_return core::Ok{};
  const std::string seconds = std::to_string(timeout.count() / 1000);
  co_return core::OutcomeStatus(
      core::make_error(client->name() + ": no answer from Telegram within " + seconds + " s while " + step),
      login_text("timeout", {{"seconds", seconds}}));
}

asio::awaitable<core::Result<json::object>> get_me(TdClient& client) {
  json::object request{{"@type", "getMe"}};  // (GCC: no literals inside co_await expressions)
  auto me = co_await client.send(std::move(request));
  if (!me) co_return me.error();
  co_return std::move(me).value();
}

// One interactive login, one state at a time.
class InteractiveLogin {
 public:
  InteractiveLogin(TdClient& client, LoginDialog dialog) : client_(client), dialog_(std::move(dialog)) {}

  asio::awaitable<core::Outcome<json::object>> run() {
    for (;;) {
      const std::string state = client_.auth_state_type();
      const std::uint64_t seen = client_.auth_state_version();
      if (state == auth_state::kReady) {
        auto me = co_await get_me(client_);
        if (!me) {
          co_return core::Outcome<json::object>(
              me.error(), login_text("telegram_answered", {{"error", me.error().message}}));
        }
        co_return me;
      }
      if (is_ending(state)) {
        co_return fail("the session was closed while signing in (" + state + ")", login_text("closed"))
            .failure<json::object>();
      }
      core::OutcomeStatus step = core::Ok{};
      if (state.empty() || state == auth_state::kWaitTdlibParameters) {
        const std::string step_name = "starting TDLib";
        step = co_await await_next_state(&client_, seen, dialog_.step_timeout, step_name);
      } else if (state == auth_state::kWaitPhoneNumber) {
        step = co_await start_login(seen);
      } else if (state == auth_state::kWaitOtherDeviceConfirmation) {
        step = co_await show_qr(seen);
      } else if (state == auth_state::kWaitCode) {
        step = co_await enter_code(seen);
      } else if (state == auth_state::kWaitPassword) {
        step = co_await enter_password(seen);
      } else {
        co_return fail("Telegram asks for " + state +
                           ", which topicdesk does not support; finish signing up in a Telegram app first",
                       login_text("unsupported", {{"state", state}}))
            .failure<json::object>();
      }
      if (!step) co_return step.failure<json::object>();
    }
  }

 private:
  // A failed sign-in: `what` in English after the client's name (the shell), `text` for others.
  core::OutcomeStatus fail(const std::string& what, i18n::Message text) const {
    return {core::make_error(client_.name() + ": " + what), std::move(text)};
  }
  // Telegram refused a step: English as `what` says, the refusal in words for others.
  core::OutcomeStatus refused(const std::string& what, const json::object& answer) const {
    return fail(what + describe(answer),
                login_error_text(error_code(answer), error_message(answer), dialog_.phone_number));
  }

  asio::awaitable<core::OutcomeStatus> start_login(std::uint64_t seen) {
    if (login_started_)
      co_return fail("Telegram asks for the phone number again; the sign-in was not accepted",
                     login_text("phone_again"));
    login_started_ = true;
    json::object request =
        dialog_.phone_number.empty()
            ? json::object{{"@type", "requestQrCodeAuthentication"}, {"other_user_ids", json::array{}}}
            : json::object{{"@type", "setAuthenticationPhoneNumber"},
                           {"phone_number", dialog_.phone_number},
                           {"settings", nullptr}};
    json::object answer = co_await client_.request(std::move(request), dialog_.step_timeout);
    if (is_error(answer)) {
      co_return refused(dialog_.phone_number.empty()
                            ? "Telegram refused a QR login: "
                            : "Telegram refused the phone number " + dialog_.phone_number + ": ",
                        answer);
    }
    const std::string step_name = "starting the sign-in";
    co_return co_await await_next_state(&client_, seen, dialog_.step_timeout, step_name);
  }

  asio::awaitable<core::OutcomeStatus> show_qr(std::uint64_t seen) {
    const std::string link = text_field(client_.auth_state(), "link");
    if (link != last_link_ && dialog_.show_qr_link) dialog_.show_qr_link(link);
    last_link_ = link;
    const std::string step_name = "waiting for the QR code to be scanned";
    co_return co_await await_next_state(&client_, seen, dialog_.step_timeout, step_name);
  }

  asio::awaitable<core::OutcomeStatus> enter_code(std::uint64_t seen) {
    CodePrompt prompt;
    prompt.attempt = ++code_attempts_;
    prompt.phone_number = dialog_.phone_number;
    if (const auto* info = client_.auth_state().if_contains("code_info");
        info != nullptr && info->is_object()) {
      if (prompt.phone_number.empty()) prompt.phone_number = text_field(info->get_object(), "phone_number");
      if (const auto* type = info->get_object().if_contains("type"); type != nullptr && type->is_object()) {
        prompt.code_type = text_field(type->get_object(), "@type");
      }
    }
    auto code = co_await dialog_.ask_code(prompt);
    if (!code) co_return fail("signing in was cancelled", login_text("cancelled"));
    json::object request{{"@type", "checkAuthenticationCode"}, {"code", *code}};
    json::object answer = co_await client_.request(std::move(request), dialog_.step_timeout);
    const std::string step_name = "checking the code";
    if (!is_error(answer))
      co_return co_await await_next_state(&client_, seen, dialog_.step_timeout, step_name);
    if (error_message(answer).find("PHONE_CODE_INVALID") == std::string::npos) {
      co_return refused("the code was not accepted: ", answer);
    }
    if (code_attempts_ >= dialog_.max_attempts) {
      const std::string count = std::to_string(code_attempts_);
      co_return fail("the code was wrong " + count + " times",
                     login_text("code_wrong_times", {{"count", count}}));
    }
    tell("That code is wrong; " + std::to_string(dialog_.max_attempts - code_attempts_) +
         " attempt(s) left.");
    co_return core::Ok{};  // still WaitCode: asked again
  }

  asio::awaitable<core::OutcomeStatus> enter_password(std::uint64_t seen) {
    PasswordPrompt prompt;
    prompt.attempt = ++password_attempts_;
    prompt.hint = text_field(client_.auth_state(), "password_hint");
    auto password = co_await dialog_.ask_password(prompt);
    if (!password) co_return fail("signing in was cancelled", login_text("cancelled"));
    json::object request{{"@type", "checkAuthenticationPassword"}, {"password", *password}};
    json::object answer = co_await client_.request(std::move(request), dialog_.step_timeout);
    if (!is_error(answer)) {
      const std::string step_name = "checking the 2FA password";
      co_return co_await await_next_state(&client_, seen, dialog_.step_timeout, step_name);
    }
    if (error_message(answer).find("PASSWORD_HASH_INVALID") == std::string::npos) {
      co_return refused("the 2FA password was not accepted: ", answer);
    }
    if (password_attempts_ >= dialog_.max_attempts) {
      const std::string count = std::to_string(password_attempts_);
      co_return fail("wrong 2FA password (" + count + " attempts)",
                     login_text("password_wrong_times", {{"count", count}}));
    }
    tell("That password is wrong; " + std::to_string(dialog_.max_attempts - password_attempts_) +
         " attempt(s) left.");
    co_return core::Ok{};
  }

  void tell(const std::string& message) const {
    if (dialog_.tell) dialog_.tell(message);
  }

  TdClient& client_;
  LoginDialog dialog_;
  bool login_started_ = false;
  int code_attempts_ = 0;
  int password_attempts_ = 0;
  std::string last_link_;
};

}  // namespace

asio::awaitable<core::Result<json::object>> log_in_bot(TdClient& client, std::string token,
                                                       std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  bool token_sent = false;
  for (;;) {
    const std::string state = client.auth_state_type();
    const std::uint64_t seen = client.auth_state_version();
    if (state == auth_state::kReady) break;
    if (is_ending(state))
      co_return core::make_error(client.name() + ": the session was closed (" + state + ")");
    if (state == auth_state::kWaitPhoneNumber && !token_sent) {
      token_sent = true;  // the token itself never appears in messages
      json::object request{{"@type", "checkAuthenticationBotToken"}, {"token", token}};
      json::object answer = co_await client.request(std::move(request), left_until(deadline));
      if (is_error(answer))
        co_return core::make_error(client.name() + ": the bot token was refused: " + describe(answer));
    } else if (state != auth_state::kWaitTdlibParameters && !state.empty() &&
               state != auth_state::kWaitPhoneNumber) {
      co_return core::make_error(client.name() + ": TDLib asks for " + state + "; the database directory " +
                                 client.database_directory() +
                                 " holds a personal account's sign-in, not the bot's");
    }
    // (GCC 12 miscompiles a ?: inside a co_await expression: computed here.)
    const std::chrono::milliseconds left = std::max(left_until(deadline), std::chrono::milliseconds(0));
    const std::string step_name = "signing the bot in";
    auto step = co_await await_next_state(&client, seen, left, step_name);
    if (!step) co_return core::Result<json::object>(step.error());
  }
  auto me = co_await get_me(client);
  if (!me) co_return me.error();
  if (!person_from_user(*me).is_bot) {
    co_return core::make_error(client.name() + ": the session in " + client.database_directory() +
                               " is a personal account, not the bot");
  }
  co_return me;
}

asio::awaitable<core::Outcome<json::object>> log_in_interactively(TdClient& client, LoginDialog dialog) {
  InteractiveLogin login(client, std::move(dialog));
  co_return co_await login.run();
}

i18n::Message login_error_text(int code, std::string_view message, std::string_view phone) {
  auto has = [message](std::string_view word) { return message.find(word) != std::string_view::npos; };
  const std::string number(phone);
  if (has("PHONE_CODE_INVALID")) return login_text("phone_code_invalid");
  if (has("PHONE_CODE_EXPIRED")) return login_text("phone_code_expired");
  if (has("PASSWORD_HASH_INVALID")) return login_text("password_invalid");
  if (has("PHONE_NUMBER_INVALID")) return login_text("phone_number_invalid", {{"phone", number}});
  if (has("PHONE_NUMBER_BANNED")) return login_text("phone_number_banned", {{"phone", number}});
  if (has("PHONE_NUMBER_UNOCCUPIED")) return login_text("phone_number_unoccupied", {{"phone", number}});
  auto wait = number_after(message, "FLOOD_WAIT_");
  if (!wait) wait = number_after(message, "retry after ");
  if (wait) return login_text("flood_wait", {{"seconds", std::to_string(*wait)}});
  if (code == 401 || has("AUTH_KEY_UNREGISTERED") || has("SESSION_REVOKED") || has("SESSION_EXPIRED"))
    return login_text("session_revoked");
  return login_text("telegram_answered", {{"error", std::to_string(code) + " " + std::string(message)}});
}

}  // namespace topicdesk::telegram::tdlib
