// Who may use the setup bot (docs/setup.md, "The setup bot"), and what it remembers of them.
//
// - Admins come from the configuration ([setup] admins: user ids or "@usernames"), plus those
//   who claimed the bot with a one-time code.
// - `topicdesk setup claim` writes a new claim code: only its SHA-256 is kept, with an expiry
//   (kClaimLifetime); the first user who sends the code to the bot becomes an admin and the
//   code is gone. A wrong code is refused without saying more; a code works once.
// - Each admin's language for the setup bot's texts (/language).
//
// The claimed admins, their languages and the code are kept in the store (store/setup_store.h),
// so every desk instance on one database shares them and `topicdesk setup claim` (another
// process) reaches the running bot. Store failures throw StoreError: the setup bot logs them
// and answers nothing, so nothing is said to be kept that was not.
#pragma once
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "core/result.h"
#include "store/setup_store.h"

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

// A new claim code (10 random digits in groups, "123-456-7890") kept hashed in `store` with its
// expiry, replacing any earlier code; the code itself is returned once, for the command to print.
core::Result<std::string> issue_claim_code(store::SetupStore& store, core::UnixMillis now);

class SetupAccess {
 public:
  SetupAccess(AdminList configured, store::SetupStore& store);

  bool is_admin(core::UserId user, std::string_view username) const;
  // True when `text` is the live claim code: `user` is an admin from now on and the code is
  // spent (of two desks or two users racing with one code, exactly one wins). Spaces and dashes
  // in `text` do not matter.
  bool try_claim(core::UserId user, std::string_view text, core::UnixMillis now);
  std::optional<std::string> language_of(core::UserId user) const;
  void set_language(core::UserId user, const std::string& language);

 private:
  AdminList configured_;
  store::SetupStore& store_;
};

}  // namespace topicdesk::setup
