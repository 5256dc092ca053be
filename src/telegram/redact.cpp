#include "telegram/redact.h"

#include <cstddef>

#include "core/secret.h"

namespace topicdesk::telegram {
namespace {

// Telegram's secret part is 35 characters today; 30 keeps a margin without matching
// ordinary "12:34"-like text.
constexpr std::size_t kMinSecretLength = 30;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

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

}  // namespace topicdesk::telegram
