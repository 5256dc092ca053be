// Broadcasts: one message (or several) of General sent to many users, with a durable state per
// recipient (docs/broadcasts.md). The row of a broadcast says what to send, to whom (the spec as
// the operator wrote it), its state and the progress message; one recipient row per user says
// where that user's send is: pending → sending (claimed, committed before the call) → sent,
// failed, blocked or skipped. A recipient row left "sending" by a stop is the in-flight window
// the sender resolves at start.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ChatId;
using core::ConnectionId;
using core::MessageId;
using core::UnixMillis;
using core::UserId;

enum class BroadcastState {
  kConfirming,  // created, waiting for the operator's confirmation
  kScheduled,   // confirmed, waits for scheduled_at
  kRunning,
  kPaused,
  kCancelled,
  kDone,
};
const char* to_string(BroadcastState state);
std::optional<BroadcastState> broadcast_state_from_string(std::string_view text);

enum class RecipientState { kPending, kSending, kSent, kFailed, kBlocked, kSkipped };
const char* to_string(RecipientState state);
std::optional<RecipientState> recipient_state_from_string(std::string_view text);

struct Broadcast {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  UserId creator_id = 0;               // the operator who wrote /send (or 0: the Topics API)
  ChatId from_chat_id = 0;             // where the messages to copy are (the backend group)
  std::vector<MessageId> message_ids;  // copied in this order to every recipient
  std::string template_name;           // not empty: the content is this template, rendered per user
  std::string recipients;              // the recipients as given ("all", "test", "list 1 2" …)
  BroadcastState state = BroadcastState::kConfirming;
  UnixMillis created_at = 0;
  UnixMillis scheduled_at = 0;        // 0: as soon as confirmed
  UnixMillis started_at = 0;          // the first send; 0 before
  UnixMillis finished_at = 0;         // done or cancelled
  MessageId progress_message_id = 0;  // the one message in General edited as it goes; 0: not yet
  UnixMillis progress_at = 0;         // when it was last posted or edited
  MessageId report_message_id = 0;    // the CSV report posted in General; 0: not yet
  std::string report;                 // the CSV report, kept once the broadcast ends
};

struct BroadcastRecipient {
  std::int64_t broadcast_id = 0;
  UserId user_id = 0;
  RecipientState state = RecipientState::kPending;
  std::string error;                   // Telegram's answer, or why the user was left out
  std::vector<MessageId> message_ids;  // the copies in the user's chat
  UnixMillis sent_at = 0;
  int attempts = 0;  // claims: 2 means a restart interrupted the first call
};

struct BroadcastCounts {
  std::int64_t pending = 0;
  std::int64_t sending = 0;
  std::int64_t sent = 0;
  std::int64_t failed = 0;
  std::int64_t blocked = 0;
  std::int64_t skipped = 0;
  std::int64_t total() const { return pending + sending + sent + failed + blocked + skipped; }
  std::int64_t finished() const { return sent + failed + blocked + skipped; }
};

class BroadcastStore {
 public:
  virtual ~BroadcastStore() = default;
  // Stores `broadcast` (its id is ignored) and returns the new id; ids grow.
  virtual std::int64_t add_broadcast(const Broadcast& broadcast) = 0;
  virtual std::optional<Broadcast> broadcast(std::int64_t id) = 0;
  // Writes every field but the id, connection and creator.
  virtual void update_broadcast(const Broadcast& broadcast) = 0;
  // Every connection's broadcasts in one of `states`, oldest first.
  virtual std::vector<Broadcast> broadcasts_in_states(const std::vector<BroadcastState>& states) = 0;
  // A connection's broadcasts, newest first, at most `limit`.
  virtual std::vector<Broadcast> broadcasts_of(ConnectionId connection, int limit) = 0;

  // Adds recipients in `state` (with `error`, for those left out); a user already listed keeps
  // the row it has. Returns how many were added.
  virtual std::int64_t add_broadcast_recipients(std::int64_t broadcast, const std::vector<UserId>& users,
                                                RecipientState state = RecipientState::kPending,
                                                const std::string& error = {}) = 0;
  // Every user of the connection's dialogs as a pending recipient, except users who blocked the
  // bot (as far as the desk knows) and banned users. Returns how many were added.
  virtual std::int64_t add_broadcast_recipients_all(std::int64_t broadcast, ConnectionId connection) = 0;
  // Up to `limit` pending recipients, in user id order, become "sending" with one attempt more;
  // returns them as they are now.
  virtual std::vector<BroadcastRecipient> claim_broadcast_recipients(std::int64_t broadcast, int limit) = 0;
  // Recipients in `state`, in user id order after `after_user`, at most `limit`.
  virtual std::vector<BroadcastRecipient> broadcast_recipients(std::int64_t broadcast,
                                                               std::optional<RecipientState> state,
                                                               UserId after_user, int limit) = 0;
  // Writes the outcome of one recipient: state, error, message ids, sent_at, attempts. A claim
  // given back (state pending, one attempt less) undoes the claim.
  virtual void finish_broadcast_recipient(const BroadcastRecipient& recipient) = 0;
  // Every pending recipient becomes skipped with `error` (a cancel); returns how many.
  virtual std::int64_t skip_pending_broadcast_recipients(std::int64_t broadcast,
                                                         const std::string& error) = 0;
  virtual BroadcastCounts broadcast_counts(std::int64_t broadcast) = 0;
  // Messages the connection's broadcasts sent (recipients sent) at or after `since` (the quota).
  virtual std::int64_t broadcast_sends_since(ConnectionId connection, UnixMillis since) = 0;
};

}  // namespace topicdesk::store
