// The web dashboard's sign-in: one-time login links and the sessions they open. Neither is kept
// in clear: the store holds the lowercase hex SHA-256 of each secret (as API keys are kept), so a
// copy of the database signs nobody in. A link is bound to the operator who asked for it (a
// backend group and a user), is valid until expires_at and opens one session at most; a session
// ends at expires_at or when revoked (`/web logout all`). web/sessions.h makes the secrets.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/ids.h"

namespace topicdesk::store {

using core::ChatId;
using core::UnixMillis;
using core::UserId;

struct WebLoginLink {
  std::string token_hash;  // SHA-256 (hex) of the link's secret
  ChatId group_id = 0;     // the backend group whose General the link was posted in
  UserId user_id = 0;      // the operator who asked for it
  UnixMillis created_at = 0;
  UnixMillis expires_at = 0;
  UnixMillis used_at = 0;  // 0 while unused
};

struct WebSession {
  std::int64_t id = 0;
  std::string token_hash;  // SHA-256 (hex) of the session cookie's secret
  ChatId group_id = 0;
  UserId user_id = 0;
  std::string via;  // how it was opened: "link" or "miniapp"
  UnixMillis created_at = 0;
  UnixMillis expires_at = 0;
};

class WebSessionStore {
 public:
  virtual ~WebSessionStore() = default;
  // Keeps a new link (its used_at is ignored). StoreError when the hash is already known.
  virtual void add_web_login_link(const WebLoginLink& link) = 0;
  // Spends a link: when one with `token_hash` is unused and expires after `now`, marks it used
  // at `now` and returns it; nullopt otherwise (unknown, used before, expired). Atomic: of two
  // concurrent calls with one link, one gets it.
  virtual std::optional<WebLoginLink> use_web_login_link(const std::string& token_hash, UnixMillis now) = 0;
  // Keeps a new session (its id is ignored) and returns its id.
  virtual std::int64_t add_web_session(const WebSession& session) = 0;
  // The session with `token_hash` if it expires after `now` (revoked sessions are gone).
  virtual std::optional<WebSession> web_session(const std::string& token_hash, UnixMillis now) = 0;
  // Ends one session; false when there was none.
  virtual bool revoke_web_session(const std::string& token_hash) = 0;
  // Ends every session of an operator in a group (user 0: every operator's) and their unused
  // links; returns how many sessions ended.
  virtual std::int64_t revoke_web_sessions(ChatId group, UserId user) = 0;
  // Deletes the links and sessions that expired before `before`; returns how many rows.
  virtual std::int64_t purge_web_sessions(UnixMillis before) = 0;
};

}  // namespace topicdesk::store
