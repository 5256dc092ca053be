// SqlStore: the web dashboard's login links and sessions (WebSessionStore).
#include "store/sql/sql_store.h"
#include "store/sql/sql_web_sessions.h"

namespace topicdesk::store {

namespace {
using Lock = std::lock_guard<std::recursive_mutex>;
}  // namespace

void SqlStore::add_web_login_link(const WebLoginLink& link) {
  Lock lock(mutex_);
  db_.run(sql::kWebLinkAdd, link.token_hash, link.group_id, link.user_id, link.created_at, link.expires_at);
}

std::optional<WebLoginLink> SqlStore::use_web_login_link(const std::string& token_hash, UnixMillis now) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kWebLinkUse);
  q.bind_all(token_hash, now);
  if (!q.step()) return std::nullopt;
  WebLoginLink link;
  link.token_hash = q.text(0);
  link.group_id = q.int64(1);
  link.user_id = q.int64(2);
  link.created_at = q.int64(3);
  link.expires_at = q.int64(4);
  link.used_at = q.int64(5);
  return link;
}

std::int64_t SqlStore::add_web_session(const WebSession& s) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kWebSessionAdd);
  q.bind_all(s.token_hash, s.group_id, s.user_id, s.via, s.created_at, s.expires_at);
  if (!q.step()) throw StoreError("add_web_session: the insert returned no id");
  return q.int64(0);
}

std::optional<WebSession> SqlStore::web_session(const std::string& token_hash, UnixMillis now) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kWebSessionByHash);
  q.bind_all(token_hash, now);
  if (!q.step()) return std::nullopt;
  WebSession s;
  s.id = q.int64(0);
  s.token_hash = q.text(1);
  s.group_id = q.int64(2);
  s.user_id = q.int64(3);
  s.via = q.text(4);
  s.created_at = q.int64(5);
  s.expires_at = q.int64(6);
  return s;
}

bool SqlStore::revoke_web_session(const std::string& token_hash) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kWebSessionRevoke);
  q.bind_all(token_hash);
  q.run();
  return q.changes() > 0;
}

std::int64_t SqlStore::revoke_web_sessions(ChatId group, UserId user) {
  Lock lock(mutex_);
  std::int64_t ended = 0;
  transaction([&] {
    auto sessions = db_.query(sql::kWebSessionsRevoke);
    sessions.bind_all(group, user);
    sessions.run();
    ended = sessions.changes();
    db_.run(sql::kWebLinksRevoke, group, user);
  });
  return ended;
}

std::int64_t SqlStore::purge_web_sessions(UnixMillis before) {
  Lock lock(mutex_);
  std::int64_t removed = 0;
  transaction([&] {
    auto sessions = db_.query(sql::kWebSessionsPurge);
    sessions.bind_all(before);
    sessions.run();
    removed += sessions.changes();
    auto links = db_.query(sql::kWebLinksPurge);
    links.bind_all(before);
    links.run();
    removed += links.changes();
  });
  return removed;
}

}  // namespace topicdesk::store
