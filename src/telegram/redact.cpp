#include "telegram/redact.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <mutex>
#include <vector>

#include "core/secret.h"

namespace topicdesk::telegram {
namespace {

// Telegram's secret part is 35 characters today; 30 keeps a margin without matching
// ordinary "12:34"-like text.
constexpr std::size_t kMinSecretLength = 30;
constexpr std::size_t kMinRegisteredLength = 8;
using core::kApiKeyPrefix;
constexpr std::size_t kMinApiKeyBody = 20;
// Words of a parameter name (split at _ - .) that make its value a secret.
constexpr std::array<std::string_view, 14> kSecretNameWords = {
    "token", "secret", "key", "apikey",    "password",   "passwd",      "pass",
    "pwd",   "auth",   "sig", "signature", "credential", "credentials", "accesstoken"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_name_char(char c) { return core::is_secret_char(c) || c == '.'; }

// Where a `name=value` value or a URL's authority ends.
bool ends_value(char c) {
  return c == '&' || c == '#' || c == ',' || c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
         c == '"' || c == '\'' || c == '<' || c == '>';
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool names_a_secret(std::string_view name) {
  std::size_t begin = 0;
  while (begin <= name.size()) {
    std::size_t end = name.find_first_of("_-.", begin);
    if (end == std::string_view::npos) end = name.size();
    std::string word(name.substr(begin, end - begin));
    std::transform(word.begin(), word.end(), word.begin(), lower);
    if (std::find(kSecretNameWords.begin(), kSecretNameWords.end(), word) != kSecretNameWords.end())
      return true;
    begin = end + 1;
  }
  return false;
}

// scheme://user:password@host → scheme://<redacted>@host
std::string redact_url_credentials(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  for (std::size_t at = text.find("://"); at != std::string_view::npos; at = text.find("://", at + 3)) {
    std::size_t begin = at + 3;
    std::size_t end = begin;
    std::size_t user_end = std::string_view::npos;
    while (end < text.size() && text[end] != '/' && text[end] != '?' && !ends_value(text[end])) {
      if (text[end] == '@') user_end = end;
      ++end;
    }
    if (user_end == std::string_view::npos || user_end == begin) continue;
    out.append(text.substr(copied, begin - copied));
    out.append(kRedacted);
    copied = user_end;  // keeps the '@'
  }
  out.append(text.substr(copied));
  return out;
}

// name=value with a secret-sounding name → name=<redacted>
std::string redact_named_values(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  for (std::size_t eq = text.find('='); eq != std::string_view::npos; eq = text.find('=', eq + 1)) {
    std::size_t name_begin = eq;
    while (name_begin > copied && is_name_char(text[name_begin - 1])) --name_begin;
    if (name_begin == eq || !names_a_secret(text.substr(name_begin, eq - name_begin))) continue;
    std::size_t value_end = eq + 1;
    while (value_end < text.size() && !ends_value(text[value_end])) ++value_end;
    if (value_end == eq + 1) continue;
    out.append(text.substr(copied, eq + 1 - copied));
    out.append(kRedacted);
    copied = value_end;
    eq = value_end - 1;
  }
  out.append(text.substr(copied));
  return out;
}

std::string redact_api_keys(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  for (std::size_t at = text.find(kApiKeyPrefix); at != std::string_view::npos;
       at = text.find(kApiKeyPrefix, at + 1)) {
    std::size_t end = at + kApiKeyPrefix.size();
    while (end < text.size() && core::is_secret_char(text[end])) ++end;
    if (end - at - kApiKeyPrefix.size() < kMinApiKeyBody) continue;
    out.append(text.substr(copied, at - copied));
    out.append(kRedacted);
    copied = end;
    at = end - 1;
  }
  out.append(text.substr(copied));
  return out;
}

struct Registry {
  std::mutex mutex;
  std::vector<std::string> secrets;  // longest first: a secret inside another is found in it
};

Registry& registry() {
  static Registry instance;
  return instance;
}

std::string redact_registered(std::string text) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  for (const auto& secret : r.secrets) {
    for (std::size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kRedacted.size())) {
      text.replace(at, secret.size(), kRedacted);
    }
  }
  return text;
}

}  // namespace

std::string redact_tokens(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;  // text[0, copied) is already in `out`
  for (std::size_t colon = text.find(':'); colon != std::string_view::npos;
       colon = text.find(':', colon + 1)) {
    std::size_t digits_begin = colon;
    while (digits_begin > copied && is_digit(text[digits_begin - 1])) --digits_begin;
    if (digits_begin == colon) continue;  // no bot id before the colon
    std::size_t secret_end = colon + 1;
    while (secret_end < text.size() && core::is_secret_char(text[secret_end])) ++secret_end;
    if (secret_end - colon - 1 < kMinSecretLength) continue;
    out.append(text.substr(copied, digits_begin - copied));
    out.append(kRedacted);
    copied = secret_end;
    colon = secret_end - 1;
  }
  out.append(text.substr(copied));
  return out;
}

std::string redact_secrets(std::string_view text) {
  // Registered secrets first: the shape rules below could cut one in half and leave the rest.
  std::string out = redact_registered(std::string(text));
  out = redact_tokens(out);
  out = redact_url_credentials(out);
  out = redact_named_values(out);
  return redact_api_keys(out);
}

void register_secret(std::string_view secret) {
  if (secret.size() < kMinRegisteredLength) return;
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (std::find(r.secrets.begin(), r.secrets.end(), secret) != r.secrets.end()) return;
  r.secrets.emplace_back(secret);
  std::sort(r.secrets.begin(), r.secrets.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

}  // namespace topicdesk::telegram
