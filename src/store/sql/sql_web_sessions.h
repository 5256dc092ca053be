// SQL of the web dashboard's login links and sessions (WebSessionStore).
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
inline constexpr Sql kWebLinkAdd{"web_link_add",
    "INSERT INTO web_login_links(token_hash, group_id, user_id, created_at, expires_at, used_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, 0)"};
inline constexpr Sql kWebLinkUse{"web_link_use",
    "UPDATE web_login_links SET used_at = ?2 WHERE token_hash = ?1 AND used_at = 0 AND expires_at > ?2"
    " RETURNING token_hash, group_id, user_id, created_at, expires_at, used_at"};
inline constexpr Sql kWebSessionAdd{"web_session_add",
    "INSERT INTO web_sessions(token_hash, group_id, user_id, via, created_at, expires_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id"};
inline constexpr Sql kWebSessionByHash{"web_session",
    "SELECT id, token_hash, group_id, user_id, via, created_at, expires_at FROM web_sessions"
    " WHERE token_hash = ?1 AND expires_at > ?2"};
inline constexpr Sql kWebSessionRevoke{"web_session_revoke",
    "DELETE FROM web_sessions WHERE token_hash = ?1"};
inline constexpr Sql kWebSessionsRevoke{"web_sessions_revoke",
    "DELETE FROM web_sessions WHERE group_id = ?1 AND (?2 = 0 OR user_id = ?2)"};
inline constexpr Sql kWebLinksRevoke{"web_links_revoke",
    "DELETE FROM web_login_links WHERE group_id = ?1 AND (?2 = 0 OR user_id = ?2) AND used_at = 0"};
inline constexpr Sql kWebSessionsPurge{"web_sessions_purge",
    "DELETE FROM web_sessions WHERE expires_at < ?1"};
inline constexpr Sql kWebLinksPurge{"web_links_purge",
    "DELETE FROM web_login_links WHERE expires_at < ?1"};
// clang-format on

}  // namespace topicdesk::store::sql
