// End users' profiles and dialogs: one dialog per (connection, user), tied to the topic that
// shows it in the backend group.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/ids.h"

namespace topicdesk::store {

using core::ChatId;
using core::ConnectionId;
using core::DialogId;
using core::ThreadId;
using core::UnixMillis;
using core::UserId;

enum class DialogStatus { kUserAnswered, kSupportAnswered, kClosed };
const char* to_string(DialogStatus status);  // "user_answered", "support_answered", "closed"
std::optional<DialogStatus> dialog_status_from_string(std::string_view text);

struct Dialog {
  DialogId id = 0;
  ConnectionId connection_id = 0;
  UserId user_id = 0;      // also the private chat id
  ChatId group_id = 0;     // backend group the topic lives in
  ThreadId thread_id = 0;  // 0 until the topic exists
  DialogStatus status = DialogStatus::kUserAnswered;
  bool banned = false;  // /ban: the user's messages are not relayed
  bool user_blocked_bot = false;
  std::string pseudonym;    // HIDE_INFO=name: shown instead of the user's name
  std::string topic_title;  // last title set on the topic (without the status marker)
  UnixMillis created_at = 0;
  UnixMillis last_user_message_at = 0;
  UnixMillis last_operator_reply_at = 0;
  UnixMillis status_changed_at = 0;
  UserId owner_id = 0;          // the operator who owns the dialog (/take, /assign, ASSIGN); 0 = nobody
  UserId last_operator_id = 0;  // the operator who last answered the user; 0 = none or not a person
  UnixMillis unanswered_alerted_at = 0;  // UNANSWERED_ALERT announced the wait begun at or before it
};

struct DialogCounts {
  std::int64_t user_answered = 0;
  std::int64_t support_answered = 0;
  std::int64_t closed = 0;
};

// A dialog with its user's profile as last seen (nullopt when the store has no profile).
struct DialogWithUser {
  Dialog dialog;
  std::optional<core::Person> user;
};

// End users' Telegram profiles as last seen, per connection.
class UserStore {
 public:
  virtual ~UserStore() = default;
  // A phone, once known, is kept when a later profile does not carry one.
  virtual void upsert_user(ConnectionId id, const core::Person& person, UnixMillis now) = 0;
  virtual std::optional<core::Person> user(ConnectionId id, UserId user_id) = 0;
};

class DialogStore {
 public:
  virtual ~DialogStore() = default;
  // Returns the existing dialog if there is one (its fields unchanged); a new one starts
  // user_answered with created_at = status_changed_at = now. StoreError for an unknown connection.
  virtual Dialog create_dialog(ConnectionId id, UserId user_id, ChatId group_id, UnixMillis now) = 0;
  virtual std::optional<Dialog> dialog(DialogId id) = 0;
  virtual std::optional<Dialog> dialog_by_user(ConnectionId id, UserId user_id) = 0;
  // Thread 0 (no topic yet) never matches.
  virtual std::optional<Dialog> dialog_by_thread(ChatId group_id, ThreadId thread_id) = 0;
  // Writes every field by id. StoreError if another dialog already has this topic.
  virtual void update_dialog(const Dialog& dialog) = 0;
  // Ordered by status_changed_at, then id.
  virtual std::vector<Dialog> dialogs_with_status(ConnectionId id, DialogStatus status, int limit) = 0;
  // Dialogs due for AUTOCLOSE: support_answered, and both the status change and the last
  // operator reply happened strictly before `before` (waiting counts from the operator's last
  // message, not the first). Oldest status change first, at most `limit`; every returned dialog
  // is due, so a caller that closes them makes progress however many are waiting.
  virtual std::vector<Dialog> dialogs_waiting_since(ConnectionId id, UnixMillis before, int limit) = 0;
  virtual DialogCounts count_dialogs(ChatId group_id) = 0;
  // A page of a connection's dialogs in id order, after `after_id`, optionally of one status,
  // each with its user's profile (keyset paging: stable while dialogs are added or change).
  virtual std::vector<DialogWithUser> dialogs_page(ConnectionId id, std::optional<DialogStatus> status,
                                                   DialogId after_id, int limit) = 0;
};

}  // namespace topicdesk::store
