// What the setup bot keeps (docs/setup.md, "The setup bot"): the admins who claimed it, each
// admin's language for its texts (/language), and the one-time claim code that
// `topicdesk setup claim` writes. Kept in the store, so that every desk instance on one
// database sees the same admins and the same code.
//
// The claim code is never kept in clear: the store holds the lowercase hex SHA-256 of it (as API
// keys and login links are kept), with its expiry and whether it was used. There is one code at
// a time; writing a new one replaces the old, used or not. Claiming is atomic: of two concurrent
// claims with the live code (two desks, two threads) exactly one succeeds, and the claimant is an
// admin in the same transaction that spends the code.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

struct SetupClaimCode {
  std::string code_hash;            // SHA-256 (hex) of the code
  core::UnixMillis expires_at = 0;  // valid strictly before
  core::UserId used_by = 0;         // 0 while unused
  core::UnixMillis used_at = 0;     // 0 while unused
};

class SetupStore {
 public:
  virtual ~SetupStore() = default;
  // Keeps a new claim code, replacing the one before (used or not).
  virtual void set_setup_claim_code(const std::string& code_hash, core::UnixMillis expires_at) = 0;
  // The code as kept; nullopt when none was ever written.
  virtual std::optional<SetupClaimCode> setup_claim_code() = 0;
  // Spends the code: when the kept code has `code_hash`, is unused and expires after `now`, marks
  // it used by `user` at `now`, makes `user` a claimed admin (claimed at `now`) and returns true,
  // all in one transaction; false otherwise (no code, another code, used, expired).
  virtual bool claim_setup_admin(const std::string& code_hash, core::UserId user, core::UnixMillis now) = 0;
  // Whether `user` claimed the setup bot (admins from the configuration are not kept here).
  virtual bool is_claimed_setup_admin(core::UserId user) = 0;
  // The claimed admins in id order.
  virtual std::vector<core::UserId> claimed_setup_admins() = 0;
  // An admin's language for the setup bot's texts; nullopt when never chosen.
  virtual std::optional<std::string> setup_language(core::UserId user) = 0;
  virtual void set_setup_language(core::UserId user, const std::string& language) = 0;
};

}  // namespace topicdesk::store
