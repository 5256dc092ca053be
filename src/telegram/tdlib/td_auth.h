// Signing a TdClient in: with a bot token (mtproto connections), or interactively for a
// personal account (phone → code → 2FA password, or a QR code confirmed from another device).
// A session already stored in the database directory resumes straight to Ready; both drivers
// then return at once.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "core/outcome.h"
#include "core/result.h"
#include "i18n/catalog.h"
#include "telegram/tdlib/td_client.h"

namespace topicdesk::telegram::tdlib {

// Waits for Ready (sending checkAuthenticationBotToken when asked for a phone number) and
// returns getMe's `user`. Errors: invalid token, another account's session, timeout.
boost::asio::awaitable<core::Result<boost::json::object>> log_in_bot(
    TdClient& client, std::string token, std::chrono::milliseconds timeout = std::chrono::seconds(60));

struct CodePrompt {
  int attempt = 1;           // 1 for the first ask, 2 after one wrong code …
  std::string phone_number;  // where the code went
  std::string code_type;     // code_info.type["@type"], e.g. authenticationCodeTypeTelegramMessage
};
struct PasswordPrompt {
  int attempt = 1;
  std::string hint;  // password_hint; may be empty
};

// The person (or web page) at the other end of an interactive login. A nullopt answer aborts.
struct LoginDialog {
  // Empty: QR login (requestQrCodeAuthentication). Otherwise "+491701234567".
  std::string phone_number;
  std::function<void(const std::string& link)> show_qr_link;  // every new tg://login?token=… link
  std::function<boost::asio::awaitable<std::optional<std::string>>(CodePrompt)> ask_code;
  std::function<boost::asio::awaitable<std::optional<std::string>>(PasswordPrompt)> ask_password;
  std::function<void(const std::string& message)> tell;  // "That code is wrong; 2 attempts left."
  int max_attempts = 3;                                  // per code and per password
  // How long one step (an answer from TDLib, a QR confirmation) may take.
  std::chrono::milliseconds step_timeout = std::chrono::minutes(5);
};

// Drives the client to Ready and returns getMe's `user`. Errors name the step in English for the
// shell ("NAME: the code was wrong 3 times", "wrong 2FA password", "the session was closed", "no
// answer within …") and, for a person signing in elsewhere (the setup bot), as a catalogue text
// (Outcome::message_in): Telegram's known refusals in words (login_error_text).
boost::asio::awaitable<core::Outcome<boost::json::object>> log_in_interactively(TdClient& client,
                                                                                LoginDialog dialog);

// What a TDLib error met while signing in means for the person signing in, as a catalogue text
// (setup.login.*): PHONE_CODE_INVALID, PHONE_CODE_EXPIRED, PASSWORD_HASH_INVALID,
// PHONE_NUMBER_INVALID, PHONE_NUMBER_BANNED, PHONE_NUMBER_UNOCCUPIED, FLOOD_WAIT_N and "Too Many
// Requests: retry after N", a session ended elsewhere (AUTH_KEY_UNREGISTERED, SESSION_REVOKED,
// 401); anything else "Telegram answered: CODE MESSAGE". `phone` is the number being signed in.
i18n::Message login_error_text(int code, std::string_view message, std::string_view phone = {});

}  // namespace topicdesk::telegram::tdlib
