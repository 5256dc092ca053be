// Dialog ownership: the backend groups' human operators and what the desk keeps to share
// dialogs among them. Operators are learnt from their own messages in a group (never bots or
// anonymous admins) and are kept per backend group, which several connections may share; a
// dialog's owner is Dialog::owner_id (dialog_store.h).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/ids.h"
#include "store/dialog_store.h"

namespace topicdesk::store {

struct Operator {
  ChatId group_id = 0;
  UserId id = 0;
  std::string username;  // as Telegram spells it, without '@'; may be empty
  std::string first_name;
  std::string last_name;
  UnixMillis last_seen_at = 0;  // their last message in the group
  bool on_shift = false;        // /shift on … /shift off
};

class OperatorStore {
 public:
  virtual ~OperatorStore() = default;
  // Records (or refreshes) a group's operator as seen now; the shift is kept.
  virtual void upsert_operator(ChatId group, const core::Person& person, UnixMillis now) = 0;
  virtual std::optional<Operator> operator_by_id(ChatId group, UserId id) = 0;
  // Case-insensitive; `username` without '@'. Empty never matches.
  virtual std::optional<Operator> operator_by_username(ChatId group, std::string_view username) = 0;
  // False when the group has no such operator (nothing changes).
  virtual bool set_on_shift(ChatId group, UserId id, bool on_shift) = 0;
  // In id order.
  virtual std::vector<Operator> operators_on_shift(ChatId group) = 0;
  // A group's dialogs (every connection's) that `owner` owns and that are not closed, oldest
  // status change first, at most `limit`.
  virtual std::vector<Dialog> open_dialogs_owned_by(ChatId group, UserId owner, int limit) = 0;
  // How many open (not closed) dialogs of the group each owner has; owners with none are absent.
  virtual std::vector<std::pair<UserId, std::int64_t>> open_owned_counts(ChatId group) = 0;
  // Dialogs of a connection waiting for operators (user_answered) since before `before` that
  // UNANSWERED_ALERT has not announced in their current wait (unanswered_alerted_at earlier
  // than status_changed_at). Oldest wait first, at most `limit`.
  virtual std::vector<Dialog> dialogs_unannounced_waiting(ConnectionId id, UnixMillis before, int limit) = 0;
  // ASSIGN=round_robin: the operator a connection assigned last (0: none yet), kept durably.
  virtual UserId rotation_last(ConnectionId id) = 0;
  virtual void set_rotation_last(ConnectionId id, UserId owner) = 0;
};

}  // namespace topicdesk::store
