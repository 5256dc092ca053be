// The Bot API proxy's state: the bot's program's update queue (Telegram's raw updates until
// the program confirms them) and the program's own webhook.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::UnixMillis;

// One update as the bot's program gets it, kept until the program confirms it (getUpdates
// offset, or its webhook answered 2xx).
struct ProxyUpdate {
  std::int64_t update_id = 0;
  std::string kind;     // "message", "callback_query" … (for allowed_updates)
  std::string payload;  // the update as Telegram sent it
  // The user's private chat when the update is a message or an edit in it (the chat of the
  // user's dialog); 0 for the rest (callback queries, my_chat_member …), which no operator answers.
  core::ChatId dialog_chat = 0;
};

// What waits for the program: how many updates, and since when (0 when none).
struct ProxyBacklog {
  std::int64_t count = 0;
  UnixMillis oldest = 0;
};

// The updates of one user's dialog waiting for the program. "Answered": queued at or before the
// dialog's last answer (dialogs.last_operator_reply_at: an operator's reply in its topic, a
// template or API send, or an intercepted answer INTERCEPTED_STATUS counts).
struct ProxyDialogBacklog {
  core::ChatId chat_id = 0;
  std::int64_t count = 0;
  UnixMillis oldest = 0;
  std::int64_t answered = 0;     // of `count`
  core::DialogId dialog_id = 0;  // 0: the chat has no dialog (yet)
  UnixMillis answered_at = 0;    // the dialog's last answer; 0: none
};

// The waiting updates of users' dialogs, and the answered ones among them (ProxyDialogBacklog).
struct ProxyDialogTotals {
  std::int64_t updates = 0;
  std::int64_t dialogs = 0;
  std::int64_t answered = 0;
  std::int64_t answered_dialogs = 0;
};

// The program's webhook (its setWebhook), answered and served by the proxy.
struct ProxyWebhook {
  std::string url;
  std::string secret_token;
  std::string allowed_updates_json;  // JSON array; empty: every kind
  int max_connections = 40;
  UnixMillis last_error_at = 0;
  std::string last_error;
};

class ProxyStore {
 public:
  virtual ~ProxyStore() = default;
  // Returns false for a duplicate update_id.
  virtual bool proxy_update_add(ConnectionId id, const ProxyUpdate& update, UnixMillis now) = 0;
  // Unconfirmed updates with update_id >= from_id, in update_id order.
  virtual std::vector<ProxyUpdate> proxy_updates(ConnectionId id, std::int64_t from_id, int limit) = 0;
  // The program confirmed everything below `below_id`: deleted.
  virtual void proxy_confirm(ConnectionId id, std::int64_t below_id) = 0;
  // Deletes updates stored before `before` that the program never confirmed, all at once;
  // returns how many. RetentionStore::proxy_expire_batch does the same in small steps.
  virtual std::int64_t proxy_expire(UnixMillis before) = 0;
  virtual ProxyBacklog proxy_backlog(ConnectionId id) = 0;
  // How many waiting updates were queued before `before` (one count per cutoff, in order).
  virtual std::vector<std::int64_t> proxy_backlog_older(ConnectionId id,
                                                        const std::vector<UnixMillis>& before) = 0;
  // The waiting updates of users' dialogs, one entry per chat, oldest first, at most `limit`.
  virtual std::vector<ProxyDialogBacklog> proxy_backlog_dialogs(ConnectionId id, int limit) = 0;
  // The totals over every dialog's waiting updates.
  virtual ProxyDialogTotals proxy_backlog_totals(ConnectionId id) = 0;
  // Deletes the answered updates (ProxyDialogBacklog); returns how many. Nothing else is touched:
  // updates that are not a dialog's, and a dialog's updates queued after its last answer, stay.
  virtual std::int64_t proxy_drop_answered(ConnectionId id) = 0;
  virtual std::optional<ProxyWebhook> proxy_webhook(ConnectionId id) = 0;
  // nullopt: deleteWebhook (the program polls again).
  virtual void proxy_set_webhook(ConnectionId id, const std::optional<ProxyWebhook>& webhook) = 0;
};

}  // namespace topicdesk::store
