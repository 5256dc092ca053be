#include "web/sessions.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <charconv>
#include <vector>

#include "core/secret.h"
#include "i18n/catalog.h"

namespace topicdesk::web {
namespace json = boost::json;

namespace {

constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kSecretLength = 43;  // base64url of 32 bytes, no padding
constexpr std::string_view kCsrfLabel = "topicdesk dashboard csrf\n";
constexpr std::string_view kInitDataKey = "WebAppData";
constexpr std::int64_t kFutureSkewMillis = 60'000;
constexpr std::size_t kMaxInitDataBytes = 8 * 1024;

bool well_formed(std::string_view secret) {
  return secret.size() == kSecretLength && core::is_secret_text(secret);
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(), &length);
  return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

std::string to_hex(std::string_view bytes) {
  return core::to_hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

core::Outcome<std::string> new_secret() {
  std::array<unsigned char, kSecretBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return core::Outcome<std::string>(i18n::Message{"signin.no_secret", {}}, core::ErrorCode::kInternal);
  }
  return core::base64url(bytes.data(), bytes.size());
}

std::string secret_hash(std::string_view secret) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(secret.data(), secret.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return core::to_hex(digest.data(), length);
}

core::Outcome<IssuedLink> issue_login_link(store::WebSessionStore& store, core::ChatId group,
                                           core::UserId user, std::string_view base_url,
                                           core::UnixMillis now) {
  auto secret = new_secret();
  if (!secret) return secret.failure<IssuedLink>();
  store::WebLoginLink link;
  link.token_hash = secret_hash(*secret);
  link.group_id = group;
  link.user_id = user;
  link.created_at = now;
  link.expires_at = now + std::chrono::duration_cast<std::chrono::milliseconds>(kLoginLinkLifetime).count();
  store.add_web_login_link(link);
  while (base_url.ends_with('/')) base_url.remove_suffix(1);
  return IssuedLink{fmt::format("{}{}?t={}", base_url, kLoginPath, *secret), link.expires_at};
}

core::Outcome<OpenedSession> open_session(store::WebSessionStore& store, core::ChatId group,
                                          core::UserId user, std::string_view via, core::UnixMillis now) {
  auto secret = new_secret();
  if (!secret) return secret.failure<OpenedSession>();
  OpenedSession opened;
  opened.secret = *secret;
  auto& s = opened.session;
  s.token_hash = secret_hash(*secret);
  s.group_id = group;
  s.user_id = user;
  s.via = std::string(via);
  s.created_at = now;
  s.expires_at = now + std::chrono::duration_cast<std::chrono::milliseconds>(kSessionLifetime).count();
  store.purge_web_sessions(now);  // what expired goes as new sessions come
  s.id = store.add_web_session(s);
  return opened;
}

std::optional<OpenedSession> redeem_login_link(store::WebSessionStore& store, std::string_view link_secret,
                                               core::UnixMillis now) {
  if (!well_formed(link_secret)) return std::nullopt;
  auto link = store.use_web_login_link(secret_hash(link_secret), now);
  if (!link) return std::nullopt;
  auto opened = open_session(store, link->group_id, link->user_id, "link", now);
  if (!opened) return std::nullopt;
  return std::move(*opened);
}

std::optional<store::WebSession> find_session(store::WebSessionStore& store, std::string_view secret,
                                              core::UnixMillis now) {
  if (!well_formed(secret)) return std::nullopt;
  return store.web_session(secret_hash(secret), now);
}

std::string csrf_token(std::string_view session_secret) {
  return secret_hash(std::string(kCsrfLabel) + std::string(session_secret));
}

bool csrf_matches(std::string_view session_secret, std::string_view presented) {
  return core::constant_time_equal(csrf_token(session_secret), presented);
}

std::string session_cookie(std::string_view secret, std::int64_t max_age_seconds, bool secure) {
  return fmt::format("{}={}; Path={}; Max-Age={}; HttpOnly; SameSite=Strict{}", kSessionCookie, secret,
                     kDashboardPath, max_age_seconds, secure ? "; Secure" : "");
}

std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto end = header.find(';');
    auto pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    while (!pair.empty() && pair.back() == ' ') pair.remove_suffix(1);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return "";
}

core::Outcome<MiniAppUser> validate_init_data(std::string_view init_data, std::string_view bot_token,
                                              core::UnixMillis now, std::chrono::seconds max_age) {
  // signin.<what>: which check failed.
  auto refused = [](std::string_view what) {
    return core::Outcome<MiniAppUser>(i18n::Message{"signin." + std::string(what), {}},
                                      core::ErrorCode::kUnauthorized);
  };
  if (init_data.empty()) return refused("empty");
  if (init_data.size() > kMaxInitDataBytes) return refused("too_long");
  // A NUL-terminated copy: Boost.URL 1.81's parse_query reads its input up to a NUL
  // (proxy/proxy_parsing.cpp tells the story); a NUL is no query character anyway.
  const std::string query(init_data);
  if (query.find('\0') != std::string::npos) return refused("holds_nul");
  auto params = boost::urls::parse_query(query);
  if (!params) return refused("not_query");
  std::vector<std::pair<std::string, std::string>> fields;
  std::string hash;
  int hashes = 0;
  boost::urls::encoding_opts form;
  form.space_as_plus = true;  // a query string may write a space as '+'; a '+' itself is %2B
  for (auto param : *params) {
    std::string key = param.key.decode(form);
    std::string value = param.has_value ? param.value.decode(form) : std::string();
    if (key == "hash") {
      hash = std::move(value);
      ++hashes;
      continue;
    }
    fields.emplace_back(std::move(key), std::move(value));
  }
  if (hashes != 1) return refused("no_single_hash");
  std::sort(fields.begin(), fields.end());
  for (std::size_t i = 1; i < fields.size(); ++i) {
    if (fields[i].first == fields[i - 1].first) return refused("repeated_field");
  }
  std::string check;
  for (const auto& [key, value] : fields) {
    if (!check.empty()) check += '\n';
    check += key;
    check += '=';
    check += value;
  }
  const std::string expected = to_hex(hmac_sha256(hmac_sha256(kInitDataKey, bot_token), check));
  if (!core::constant_time_equal(expected, hash)) return refused("bad_signature");
  MiniAppUser user;
  std::string user_json;
  for (const auto& [key, value] : fields) {
    if (key == "auth_date") {
      auto seconds = parse_int(value);
      if (!seconds) return refused("auth_date_not_number");
      user.auth_date = *seconds * 1000;
    } else if (key == "user") {
      user_json = value;
    }
  }
  if (user.auth_date == 0) return refused("no_auth_date");
  if (user.auth_date + std::chrono::duration_cast<std::chrono::milliseconds>(max_age).count() < now) {
    return refused("too_old");
  }
  if (user.auth_date > now + kFutureSkewMillis) return refused("future");
  boost::system::error_code ec;
  auto parsed = json::parse(user_json, ec);
  const auto* object = ec ? nullptr : parsed.if_object();
  const auto* id = object ? object->if_contains("id") : nullptr;
  if (id == nullptr || !id->is_int64() || id->as_int64() <= 0) {
    return refused("no_user");
  }
  user.id = id->as_int64();
  if (const auto* u = object->if_contains("username"); u && u->is_string()) user.username = u->as_string();
  if (const auto* f = object->if_contains("first_name"); f && f->is_string())
    user.first_name = f->as_string();
  return user;
}

std::string sign_init_data(const std::vector<std::pair<std::string, std::string>>& fields,
                           std::string_view bot_token) {
  auto sorted = fields;
  std::sort(sorted.begin(), sorted.end());
  std::string check;
  std::string query;
  for (const auto& [key, value] : sorted) {
    if (!check.empty()) check += '\n';
    check += key + "=" + value;
    if (!query.empty()) query += '&';
    query += key + "=" + boost::urls::encode(value, boost::urls::unreserved_chars);
  }
  query += "&hash=" + to_hex(hmac_sha256(hmac_sha256(kInitDataKey, bot_token), check));
  return query;
}

}  // namespace topicdesk::web
