// SQL of the Bot API proxy: the program's update queue and webhook.
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
inline constexpr Sql kProxyUpdateAdd{"proxy_update_add",
    "INSERT INTO proxy_updates(connection_id, update_id, kind, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(connection_id, update_id) DO NOTHING"};
inline constexpr Sql kProxyUpdates{"proxy_updates",
    "SELECT update_id, kind, payload FROM proxy_updates WHERE connection_id = ?1 AND update_id >= ?2 "
    "ORDER BY update_id LIMIT ?3"};
inline constexpr Sql kProxyConfirm{"proxy_confirm",
    "DELETE FROM proxy_updates WHERE connection_id = ?1 AND update_id < ?2"};
inline constexpr Sql kProxyExpire{"proxy_expire",
    "DELETE FROM proxy_updates WHERE created_at < ?1"};
inline constexpr Sql kProxyBacklog{"proxy_backlog",
    "SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM proxy_updates WHERE connection_id = ?1"};
inline constexpr Sql kProxyWebhookGet{"proxy_webhook",
    "SELECT url, secret_token, allowed_updates, max_connections, last_error_at, last_error FROM proxy_webhooks "
    "WHERE connection_id = ?1"};
inline constexpr Sql kProxyWebhookSet{"proxy_set_webhook",
    "INSERT INTO proxy_webhooks(connection_id, url, secret_token, allowed_updates, max_connections, last_error_at, "
    "last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(connection_id) DO UPDATE SET url = excluded.url, "
    "secret_token = excluded.secret_token, allowed_updates = excluded.allowed_updates, "
    "max_connections = excluded.max_connections, last_error_at = excluded.last_error_at, "
    "last_error = excluded.last_error"};
inline constexpr Sql kProxyWebhookDelete{"proxy_delete_webhook",
    "DELETE FROM proxy_webhooks WHERE connection_id = ?1"};
// clang-format on

}  // namespace topicdesk::store::sql
