// Signing in to the web dashboard without passwords, and the sessions that follow.
//
// - A one-time login link: `/web` in General makes the engine call issue_login_link(); the
//   link carries a random secret (32 bytes, base64url), is bound to the operator who asked and
//   to the backend group, valid kLoginLinkLifetime, and opens one session (redeem_login_link).
// - A Telegram Mini App: Telegram signs the `initData` the app is opened with;
//   validate_init_data() checks that signature with the bot's token, constant-time, and
//   refuses an old auth_date. Who may then sign in is the dashboard's to decide (an operator
//   of the group).
// - A session: a random secret in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS), valid
//   kSessionLifetime, ended early by logout or `/web logout all`. Its CSRF token is derived from
//   the secret (csrf_token), so nothing more is stored and a page that knows it can prove it.
//
// The store keeps only the SHA-256 of each secret (store/web_session_store.h): the link and the
// cookie are the only places a secret lives.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ids.h"
#include "core/outcome.h"
#include "core/result.h"
#include "store/web_session_store.h"

namespace topicdesk::web {

inline constexpr std::chrono::minutes kLoginLinkLifetime{10};
inline constexpr std::chrono::hours kSessionLifetime{24 * 7};
// A Mini App's initData older than this is refused (Telegram signs it when the app opens).
inline constexpr std::chrono::hours kInitDataMaxAge{24};

// The dashboard's paths.
inline constexpr std::string_view kDashboardPath = "/ui/";
inline constexpr std::string_view kLoginPath = "/ui/login";
inline constexpr std::string_view kSessionCookie = "td_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// 32 random bytes (OpenSSL's RAND_bytes) as base64url without padding. The errors of what follows
// are core::Outcome: error().message in English (logs, the API), message_in(language) for the
// operator or the page that reads it (signin.* in the catalogues).
core::Outcome<std::string> new_secret();
// Lowercase hex SHA-256 of a secret: what the store keeps.
std::string secret_hash(std::string_view secret);

struct IssuedLink {
  std::string url;  // <base>/ui/login?t=<secret>
  core::UnixMillis expires_at = 0;
};

// Makes and stores a login link for `user` of `group`; `base_url` is the desk's address as a
// browser reaches it (server.public_url, else http://host:port), without a trailing slash.
core::Outcome<IssuedLink> issue_login_link(store::WebSessionStore& store, core::ChatId group,
                                           core::UserId user, std::string_view base_url,
                                           core::UnixMillis now);

struct OpenedSession {
  std::string secret;  // the cookie's value
  store::WebSession session;
};

// Spends a link's secret and opens a session for its operator; nullopt when the link is
// unknown, used or expired (one answer for all three: a guess learns nothing).
std::optional<OpenedSession> redeem_login_link(store::WebSessionStore& store, std::string_view link_secret,
                                               core::UnixMillis now);
// Opens a session directly (a validated Mini App).
core::Outcome<OpenedSession> open_session(store::WebSessionStore& store, core::ChatId group,
                                          core::UserId user, std::string_view via, core::UnixMillis now);
// The live session a cookie's secret names; nullopt for anything else (malformed included).
std::optional<store::WebSession> find_session(store::WebSessionStore& store, std::string_view secret,
                                              core::UnixMillis now);

// The CSRF token of a session: hex SHA-256 of a fixed label and the session's secret.
std::string csrf_token(std::string_view session_secret);
// Whether `presented` is the session's CSRF token, compared in constant time.
bool csrf_matches(std::string_view session_secret, std::string_view presented);

// The Set-Cookie value that keeps `secret` (max_age seconds; 0 ends the cookie).
std::string session_cookie(std::string_view secret, std::int64_t max_age_seconds, bool secure);
// The session cookie's value in a Cookie header; empty when absent.
std::string cookie_value(std::string_view cookie_header, std::string_view name);

// The Telegram user a Mini App's initData names, once its signature holds.
struct MiniAppUser {
  core::UserId id = 0;
  std::string username;
  std::string first_name;
  core::UnixMillis auth_date = 0;
};

// Checks `init_data` (the query string Telegram passes the app): the hash against
// HMAC-SHA256(HMAC-SHA256("WebAppData", bot_token), data-check-string), constant-time; auth_date
// not older than `max_age` nor more than a minute ahead of `now`; a user with an id. The error
// says which check failed (never echoing the data).
core::Outcome<MiniAppUser> validate_init_data(std::string_view init_data, std::string_view bot_token,
                                              core::UnixMillis now,
                                              std::chrono::seconds max_age = kInitDataMaxAge);

// Signs `fields` (key=value pairs, not URL-encoded) as Telegram does and returns the initData
// query string: for tests and the demo, which play Telegram's part.
std::string sign_init_data(const std::vector<std::pair<std::string, std::string>>& fields,
                           std::string_view bot_token);

}  // namespace topicdesk::web
