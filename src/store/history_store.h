// Message history: every message the relay passes, with its content, kept so a conversation
// can be read back, searched and exported (exports/, the web dashboard). The engine records a
// message inside the same transaction that relays it (relay/engine_history.cpp): the user's
// messages and edits, the operators' replies, comments and edits, intercepted sends of the
// connection's own program or app, API sends, templates and the desk's service notices.
// Recording is a copy, not a source of truth: the relay never reads it back.
//
// Rows grow with traffic; RetentionStore-style purges (purge_history_batch) remove the oldest
// when a retention is set ([retention] history_days). HIDE_INFO is the reader's to apply: the
// store keeps what was said, and exports and the dashboard hide the user's identity from
// those who may not see it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::DialogId;
using core::MessageId;
using core::UnixMillis;
using core::UserId;

// Who wrote a message of the history.
enum class HistoryAuthor {
  kUser,         // the end user, in the private chat
  kOperator,     // an operator's reply from the topic (delivered to the user)
  kComment,      // an operator's internal comment (`/ ` or COMMENT_PREFIX): never left the group
  kIntercepted,  // the connection's own program or app wrote to the user (proxy, mtproto, account)
  kApi,          // the Topics API or a command hook sent it to the user
  kDesk,         // the desk itself: WELCOME, away replies, templates sent by labels or broadcasts
  kNotice,       // a service notice the desk posted in the topic (closed, assigned, delivery failed …)
};
std::string_view to_string(HistoryAuthor author);
std::optional<HistoryAuthor> history_author_from(std::string_view text);
// Where such a message is written: the backend group (kOperator, kComment, kNotice) or the
// user's private chat (the rest).
bool written_in_group(HistoryAuthor author);

struct HistoryEntry {
  std::int64_t id = 0;  // grows with time of recording
  ConnectionId connection_id = 0;
  DialogId dialog_id = 0;
  HistoryAuthor author = HistoryAuthor::kUser;
  UserId sender_id = 0;     // the user, the operator; 0 for the desk
  std::string sender_name;  // as the sender was known then ("Anna", "🔌 CRM"); empty for the desk
  // The message's id where it was written: the user's private chat (kUser, kIntercepted) or the
  // backend group (kOperator, kComment). 0 where it is not known when recorded (the desk's
  // sends, notices, API sends). Edits find their message by (dialog, author side, message_id).
  MessageId message_id = 0;
  std::string content;        // "text", "photo", "video", … as core::ContentKind names them
  std::string text;           // the text or caption
  std::string entities_json;  // its Bot API entities as compact JSON; empty: none
  std::string file_id;        // the media's file id as the bot received it; empty: none
  std::string media_group_id;
  MessageId reply_to = 0;    // the message_id (same side) it replies to; 0: none
  UnixMillis at = 0;         // when it was written (the message's date where Telegram gave one)
  UnixMillis edited_at = 0;  // the last edit; 0: never edited
  int edits = 0;
};

// What the dashboard's search looks for. `text` is split into terms at spaces; every term must
// appear in the entry's text, anywhere (inside words too), without regard to case: the store
// lowers the text and the terms with core::utf8_lower (ASCII, Latin-1/Extended-A, Greek,
// Cyrillic), the same on every backend. %, _ and \ in a term are plain characters.
struct HistoryQuery {
  std::optional<ConnectionId> connection;  // nullopt: every connection
  std::optional<DialogId> dialog;          // nullopt: every dialog
  std::string text;                        // empty: any
  UnixMillis from = 0, to = 0;             // [from, to); 0: open
  std::int64_t before_id = 0;              // paging: entries with id < before_id; 0: newest first
  int limit = 50;
};

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;
  // Records a message; returns its id (entry.id and edited fields are ignored).
  virtual std::int64_t add_history(const HistoryEntry& entry) = 0;
  // An edit of a recorded message: the newest entry of `dialog` with `message_id` whose author
  // writes on the same side (user's chat: kUser, kIntercepted; group: kOperator, kComment)
  // gets the new text and entities, edited_at = at, edits + 1. false: no such entry.
  virtual bool edit_history(DialogId dialog, bool in_group, MessageId message_id, const std::string& text,
                            const std::string& entities_json, UnixMillis at) = 0;
  // A dialog's messages in id order with id > after_id, at most `limit`.
  virtual std::vector<HistoryEntry> dialog_history(DialogId dialog, std::int64_t after_id, int limit) = 0;
  // A connection's messages in id order with id > after_id, at most `limit` (exports).
  virtual std::vector<HistoryEntry> connection_history(ConnectionId connection, std::int64_t after_id,
                                                       int limit) = 0;
  // Newest first (by id), matching `query`, at most query.limit.
  virtual std::vector<HistoryEntry> search_history(const HistoryQuery& query) = 0;
  // Retention: deletes entries recorded before `before`, oldest first, at most `max_rows` in
  // one transaction; returns how many (0: nothing left). The highest id is kept. "Oldest" is by
  // id: a batch looks at the `max_rows` lowest ids only, so it never scans the table.
  virtual std::int64_t purge_history_batch(UnixMillis before, int max_rows) = 0;
};

}  // namespace topicdesk::store
