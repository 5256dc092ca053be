#include "core/secret.h"

#include <algorithm>
#include <cstdint>

namespace topicdesk::core {

bool is_secret_text(std::string_view text) { return std::all_of(text.begin(), text.end(), is_secret_char); }

bool is_webhook_secret(std::string_view text) {
  return !text.empty() && text.size() <= kMaxWebhookSecretLength && is_secret_text(text);
}

std::string base64url(const unsigned char* data, std::size_t size) {
  std::string out;
  out.reserve((size * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    std::uint32_t n = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    for (int shift : {18, 12, 6, 0}) out.push_back(kSecretAlphabet[(n >> shift) & 63]);
  }
  std::size_t rest = size - i;
  if (rest > 0) {
    std::uint32_t n = data[i] << 16;
    if (rest == 2) n |= data[i + 1] << 8;
    out.push_back(kSecretAlphabet[(n >> 18) & 63]);
    out.push_back(kSecretAlphabet[(n >> 12) & 63]);
    if (rest == 2) out.push_back(kSecretAlphabet[(n >> 6) & 63]);
  }
  return out;
}

std::string to_hex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0F]);
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;  // the length of a secret is no secret
  // volatile: the compiler may not stop at the first difference.
  volatile unsigned char differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    differ = differ | static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return differ == 0;
}

}  // namespace topicdesk::core
