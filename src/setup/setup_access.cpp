#include "setup/setup_access.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "web/sessions.h"

namespace topicdesk::setup {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The code without the spaces and dashes people type between its groups.
std::string digits_of(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != ' ' && c != '-') out += c;
  }
  return out;
}

}  // namespace

core::Result<AdminList> parse_admin_entry(std::string_view entry, AdminList list) {
  if (entry.starts_with('@')) {
    const std::string_view name = entry.substr(1);
    const bool valid =
        name.size() >= 5 && name.size() <= 32 &&
        std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
    if (!valid) {
      return core::make_error(
          fmt::format("\"{}\" is not a Telegram username (@ and 5..32 letters, digits or _)", entry));
    }
    list.usernames.insert(lowercase(name));
    return list;
  }
  core::UserId id = 0;
  auto [end, ec] = std::from_chars(entry.data(), entry.data() + entry.size(), id);
  if (ec != std::errc() || end != entry.data() + entry.size() || id <= 0) {
    return core::make_error(fmt::format("\"{}\" is neither a user id nor an @username", entry));
  }
  list.ids.insert(id);
  return list;
}

core::Result<std::string> issue_claim_code(store::SetupStore& store, core::UnixMillis now) {
  std::string digits;
  while (digits.size() < 10) {
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      return core::make_error(core::ErrorCode::kInternal,
                              "cannot make a claim code: OpenSSL's random generator failed");
    }
    for (unsigned char b : bytes) {
      if (b < 250 && digits.size() < 10) digits += static_cast<char>('0' + b % 10);  // 250: no bias
    }
  }
  store.set_setup_claim_code(
      web::secret_hash(digits),
      now + std::chrono::duration_cast<std::chrono::milliseconds>(kClaimLifetime).count());
  return digits.substr(0, 3) + "-" + digits.substr(3, 3) + "-" + digits.substr(6);
}

SetupAccess::SetupAccess(AdminList configured, store::SetupStore& store)
    : configured_(std::move(configured)), store_(store) {}

bool SetupAccess::is_admin(core::UserId user, std::string_view username) const {
  if (configured_.ids.contains(user)) return true;
  if (!username.empty() && configured_.usernames.contains(lowercase(username))) return true;
  return store_.is_claimed_setup_admin(user);
}

bool SetupAccess::try_claim(core::UserId user, std::string_view text, core::UnixMillis now) {
  const std::string code = digits_of(text);
  if (code.size() != 10 ||
      !std::all_of(code.begin(), code.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return false;
  }
  return store_.claim_setup_admin(web::secret_hash(code), user, now);
}

std::optional<std::string> SetupAccess::language_of(core::UserId user) const {
  return store_.setup_language(user);
}

void SetupAccess::set_language(core::UserId user, const std::string& language) {
  store_.set_setup_language(user, language);
}

}  // namespace topicdesk::setup
