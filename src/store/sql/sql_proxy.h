// SQL of the Bot API proxy: the program's update queue and webhook.
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
inline constexpr Sql kProxyUpdateAdd{"proxy_update_add",
    "INSERT INTO proxy_updates(connection_id, update_id, kind, payload, created_at, dialog_chat) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT(connection_id, update_id) DO NOTHING"};
inline constexpr Sql kProxyUpdates{"proxy_updates",
    "SELECT update_id, kind, payload, dialog_chat FROM proxy_updates WHERE connection_id = ?1 AND update_id >= ?2 "
    "ORDER BY update_id LIMIT ?3"};
inline constexpr Sql kProxyConfirm{"proxy_confirm",
    "DELETE FROM proxy_updates WHERE connection_id = ?1 AND update_id < ?2"};
inline constexpr Sql kProxyExpire{"proxy_expire",
    "DELETE FROM proxy_updates WHERE created_at < ?1"};
inline constexpr Sql kProxyBacklog{"proxy_backlog",
    "SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM proxy_updates WHERE connection_id = ?1"};
inline constexpr Sql kProxyBacklogOlder{"proxy_backlog_older",
    "SELECT COUNT(*) FROM proxy_updates WHERE connection_id = ?1 AND created_at < ?2"};
// "Answered": queued at or before the dialog's last answer (ProxyDialogBacklog).
inline constexpr Sql kProxyBacklogDialogs{"proxy_backlog_dialogs",
    "SELECT p.dialog_chat, COUNT(*), MIN(p.created_at), "
    "SUM(CASE WHEN d.last_operator_reply_at >= p.created_at THEN 1 ELSE 0 END), "
    "COALESCE(MAX(d.id), 0), COALESCE(MAX(d.last_operator_reply_at), 0) "
    "FROM proxy_updates p LEFT JOIN dialogs d ON d.connection_id = p.connection_id AND d.user_id = p.dialog_chat "
    "WHERE p.connection_id = ?1 AND p.dialog_chat <> 0 "
    "GROUP BY p.dialog_chat ORDER BY MIN(p.created_at), p.dialog_chat LIMIT ?2"};
inline constexpr Sql kProxyBacklogTotals{"proxy_backlog_totals",
    "SELECT COUNT(*), COUNT(DISTINCT p.dialog_chat), "
    "COALESCE(SUM(CASE WHEN d.last_operator_reply_at >= p.created_at THEN 1 ELSE 0 END), 0), "
    "COUNT(DISTINCT CASE WHEN d.last_operator_reply_at >= p.created_at THEN p.dialog_chat END) "
    "FROM proxy_updates p LEFT JOIN dialogs d ON d.connection_id = p.connection_id AND d.user_id = p.dialog_chat "
    "WHERE p.connection_id = ?1 AND p.dialog_chat <> 0"};
inline constexpr Sql kProxyDropAnswered{"proxy_drop_answered",
    "DELETE FROM proxy_updates WHERE connection_id = ?1 AND dialog_chat <> 0 AND EXISTS ("
    "SELECT 1 FROM dialogs d WHERE d.connection_id = ?1 AND d.user_id = proxy_updates.dialog_chat "
    "AND d.last_operator_reply_at >= proxy_updates.created_at)"};
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
