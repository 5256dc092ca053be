// Secrets as text: the one alphabet the desk's secrets are written in, and the one comparison
// of a presented secret with the expected one.
//
// The alphabet is Telegram's for setWebhook's secret_token and a bot token's secret part,
// A-Za-z0-9_-, which is also base64url's (RFC 4648 §5), so kSecretAlphabet is in base64url
// order and API keys are base64url of random bytes.
//
// constant_time_equal is plain C++ rather than OpenSSL's CRYPTO_memcmp because core includes no
// I/O library: every byte is looked at whatever the contents, so the time taken tells the
// lengths only, never where the texts differ.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace topicdesk::core {

// A-Z a-z 0-9 - _ in base64url order: index i is the digit of value i.
inline constexpr std::string_view kSecretAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr bool is_secret_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// True when every character of `text` is of kSecretAlphabet (an empty text too).
bool is_secret_text(std::string_view text);

// What every Topics API key starts with (integrations/api_keys.h makes them; token redaction
// finds them in logs).
inline constexpr std::string_view kApiKeyPrefix = "tdk_";

// Telegram's rule for setWebhook's secret_token: 1-256 characters of kSecretAlphabet.
inline constexpr std::size_t kMaxWebhookSecretLength = 256;
bool is_webhook_secret(std::string_view text);

// base64url without padding of `size` bytes.
std::string base64url(const unsigned char* data, std::size_t size);

// Lowercase hex of `size` bytes: how hashes, signatures and random secrets are written.
std::string to_hex(const unsigned char* data, std::size_t size);

// Compares in time that depends on the lengths only, never on where the texts differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace topicdesk::core
