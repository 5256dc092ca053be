// Who may use the setup bot (docs/setup.md, "The setup bot"), and what it remembers of them.
//
// - Admins come from the configuration ([setup] admins: user ids or "@usernames"), plus those
//   who claimed the bot with a one-time code.
// - `topicdesk setup claim` writes a new claim code: only its SHA-256 is kept, with an expiry
//   (kClaimLifetime); the first user who sends the code to the bot becomes an admin and the
//   code is gone. A wrong code is refused without saying more; a code works once.
// - Each admin's language for the setup bot's texts (/language).
//
// The state lives in one small JSON file (SetupStateFile, beside the database), written whole
// to a temporary file and renamed over the old one, so a crash leaves the old or the new
// state, never half of one. Not thread-safe: the setup bot uses it from its own strand; the
// claim command is another process and only ever replaces the code.
#pragma once
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/result.h"

namespace topicdesk::setup {

inline constexpr std::chrono::minutes kClaimLifetime{30};

// [setup] admins as written: ids and "@usernames" (matched case-insensitively, without '@').
struct AdminList {
  std::set<core::UserId> ids;
  std::set<std::string> usernames;  // lowercase, without '@'
};
// Each entry a positive user id ("123", 123) or "@name" (5..32 of [A-Za-z0-9_]); the error
// names the entry.
core::Result<AdminList> parse_admin_entry(std::string_view entry, AdminList list);

struct SetupState {
  std::set<core::UserId> claimed_admins;
  std::map<core::UserId, std::string> languages;  // admin → catalogue language
  std::string claim_hash;                         // lowercase hex SHA-256 of the code; "" when none
  core::UnixMillis claim_expires_at = 0;
};

class SetupStateFile {
 public:
  explicit SetupStateFile(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }
  // The state as kept; an absent file is the empty state. Error: unreadable or malformed (it
  // names the file).
  core::Result<SetupState> load() const;
  core::Status save(const SetupState& state) const;

 private:
  std::string path_;
};

// A new claim code (10 random digits in groups, "123-456-7890") kept hashed with its expiry;
// the code itself is returned once, for the command to print.
core::Result<std::string> issue_claim_code(const SetupStateFile& file, core::UnixMillis now);

class SetupAccess {
 public:
  SetupAccess(AdminList configured, SetupStateFile file);

  bool is_admin(core::UserId user, std::string_view username) const;
  // True when `text` is the live claim code: `user` is an admin from now on and the code is
  // spent. Spaces and dashes in `text` do not matter.
  bool try_claim(core::UserId user, std::string_view text, core::UnixMillis now);
  std::optional<std::string> language_of(core::UserId user) const;
  void set_language(core::UserId user, const std::string& language);
  // The file's problem when it could not be read or written, for the log.
  const std::string& last_problem() const { return problem_; }

 private:
  void reload();
  void persist();

  AdminList configured_;
  SetupStateFile file_;
  SetupState state_;
  std::string problem_;
};

}  // namespace topicdesk::setup
