// SQL of the setup bot's admins, languages and claim code (SetupStore).
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
// One claim code at a time: the row with id 1.
inline constexpr Sql kSetupClaimCodeSet{"setup_claim_code_set",
    "INSERT INTO setup_claim_code(id, code_hash, expires_at, used_by, used_at) VALUES (1, ?1, ?2, 0, 0)"
    " ON CONFLICT(id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at,"
    " used_by = 0, used_at = 0"};
inline constexpr Sql kSetupClaimCode{"setup_claim_code",
    "SELECT code_hash, expires_at, used_by, used_at FROM setup_claim_code WHERE id = 1"};
// Spends the code; the row lock (PostgreSQL) or the write lock (SQLite) lets one of two
// concurrent claims through, the other then finds used_at set.
inline constexpr Sql kSetupClaimCodeUse{"setup_claim_code_use",
    "UPDATE setup_claim_code SET used_by = ?2, used_at = ?3"
    " WHERE id = 1 AND code_hash = ?1 AND used_at = 0 AND expires_at > ?3"};
inline constexpr Sql kSetupAdminAdd{"setup_admin_add",
    "INSERT INTO setup_admins(user_id, claimed_at) VALUES (?1, ?2) ON CONFLICT(user_id) DO NOTHING"};
inline constexpr Sql kSetupAdminIs{"setup_admin_is",
    "SELECT 1 FROM setup_admins WHERE user_id = ?1"};
inline constexpr Sql kSetupAdmins{"setup_admins",
    "SELECT user_id FROM setup_admins ORDER BY user_id"};
inline constexpr Sql kSetupLanguage{"setup_language",
    "SELECT language FROM setup_languages WHERE user_id = ?1"};
inline constexpr Sql kSetupLanguageSet{"setup_language_set",
    "INSERT INTO setup_languages(user_id, language) VALUES (?1, ?2)"
    " ON CONFLICT(user_id) DO UPDATE SET language = excluded.language"};
// clang-format on

}  // namespace topicdesk::store::sql
