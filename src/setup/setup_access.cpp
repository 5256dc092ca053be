#include "setup/setup_access.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "web/sessions.h"

namespace topicdesk::setup {
namespace json = boost::json;
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

core::Result<SetupState> SetupStateFile::load() const {
  std::error_code error;
  if (!std::filesystem::exists(path_, error)) return SetupState{};
  std::ifstream in(path_, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return core::make_error(fmt::format("{}: cannot be read", path_));
  boost::system::error_code parse_error;
  json::value root = json::parse(text.str(), parse_error);
  if (parse_error || !root.is_object())
    return core::make_error(fmt::format("{}: not the setup bot's state (JSON)", path_));
  SetupState state;
  try {
    const auto& o = root.as_object();
    if (const auto* admins = o.if_contains("claimed_admins")) {
      for (const auto& id : admins->as_array()) state.claimed_admins.insert(id.to_number<core::UserId>());
    }
    if (const auto* languages = o.if_contains("languages")) {
      for (const auto& [user, language] : languages->as_object()) {
        state.languages[std::stoll(std::string(user))] = std::string(language.as_string());
      }
    }
    if (const auto* hash = o.if_contains("claim_hash")) state.claim_hash = std::string(hash->as_string());
    if (const auto* expires = o.if_contains("claim_expires_at"))
      state.claim_expires_at = expires->to_number<core::UnixMillis>();
  } catch (const std::exception&) {
    return core::make_error(fmt::format("{}: not the setup bot's state (unexpected fields)", path_));
  }
  return state;
}

core::Status SetupStateFile::save(const SetupState& state) const {
  json::array admins;
  for (auto id : state.claimed_admins) admins.push_back(id);
  json::object languages;
  for (const auto& [user, language] : state.languages) languages[std::to_string(user)] = language;
  json::object root{{"claimed_admins", std::move(admins)},
                    {"languages", std::move(languages)},
                    {"claim_hash", state.claim_hash},
                    {"claim_expires_at", state.claim_expires_at}};
  const std::filesystem::path target(path_);
  std::error_code error;
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), error);
  const std::string temporary = path_ + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << json::serialize(root);
    out.flush();
    if (!out) return core::make_error(fmt::format("{}: cannot be written", temporary));
  }
  std::filesystem::permissions(
      temporary, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, error);
  std::filesystem::rename(temporary, target, error);
  if (error) return core::make_error(fmt::format("{}: cannot be replaced: {}", path_, error.message()));
  return core::Ok{};
}

core::Result<std::string> issue_claim_code(const SetupStateFile& file, core::UnixMillis now) {
  auto state = file.load();
  if (!state) return state.error();
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
  state->claim_hash = web::secret_hash(digits);
  state->claim_expires_at =
      now + std::chrono::duration_cast<std::chrono::milliseconds>(kClaimLifetime).count();
  if (auto saved = file.save(*state); !saved) return saved.error();
  return digits.substr(0, 3) + "-" + digits.substr(3, 3) + "-" + digits.substr(6);
}

SetupAccess::SetupAccess(AdminList configured, SetupStateFile file)
    : configured_(std::move(configured)), file_(std::move(file)) {
  reload();
}

void SetupAccess::reload() {
  auto loaded = file_.load();
  if (!loaded) {
    problem_ = loaded.error().message;
    return;
  }
  problem_.clear();
  state_ = std::move(*loaded);
}

void SetupAccess::persist() {
  auto saved = file_.save(state_);
  problem_ = saved ? std::string() : saved.error().message;
}

bool SetupAccess::is_admin(core::UserId user, std::string_view username) const {
  if (configured_.ids.contains(user) || state_.claimed_admins.contains(user)) return true;
  return !username.empty() && configured_.usernames.contains(lowercase(username));
}

bool SetupAccess::try_claim(core::UserId user, std::string_view text, core::UnixMillis now) {
  const std::string code = digits_of(text);
  if (code.size() != 10 ||
      !std::all_of(code.begin(), code.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return false;
  }
  reload();  // `topicdesk setup claim` writes the code from another process
  if (state_.claim_hash.empty() || now >= state_.claim_expires_at) return false;
  const std::string hash = web::secret_hash(code);
  if (hash.size() != state_.claim_hash.size() ||
      CRYPTO_memcmp(hash.data(), state_.claim_hash.data(), hash.size()) != 0) {
    return false;
  }
  state_.claim_hash.clear();
  state_.claim_expires_at = 0;
  state_.claimed_admins.insert(user);
  persist();
  return true;
}

std::optional<std::string> SetupAccess::language_of(core::UserId user) const {
  auto found = state_.languages.find(user);
  if (found == state_.languages.end()) return std::nullopt;
  return found->second;
}

void SetupAccess::set_language(core::UserId user, const std::string& language) {
  reload();  // keep a claim code written meanwhile
  state_.languages[user] = language;
  persist();
}

}  // namespace topicdesk::setup
