// The AI consultant's rows (docs/ai.md): the knowledge passages of each connection, indexed for
// full-text search (SQLite FTS5, PostgreSQL tsvector); the tokens spent per UTC day; each dialog's
// /ai on|off override and whether the AI went quiet there; and the AI requests the engine makes
// and the AI worker (ai/worker.h) answers, a draft's suggestion kept until Send or Discard.
//
// Writers: knowledge is replaced whole by the AI wiring (app/ai_wiring.h) when a connection starts;
// requests are added, answered and closed by the engine (relay/engine_ai.cpp); the worker only
// claims them and records usage. Every call is its own unit outside a transaction.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "store/history_store.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::DialogId;
using core::UnixMillis;

struct KnowledgePassage {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  std::string source;   // the Markdown file, relative to AI_KNOWLEDGE ("delivery.md")
  std::string heading;  // the heading path it falls under ("Delivery › Abroad"); empty: none
  std::string text;
};

// What an AI request is for.
enum class AiRequestKind {
  kDraft,  // a suggestion for the operators under a waiting user message
  kAuto,   // an answer to the user, sent by the desk itself
  kAsk,    // an operator's /ai QUESTION: the answer as a comment
};
const char* to_string(AiRequestKind kind);
std::optional<AiRequestKind> ai_request_kind_from(std::string_view name);

enum class AiRequestStatus {
  kPending,    // waiting for its due time and the worker
  kRunning,    // claimed by a worker until claimed_until
  kAnswered,   // the worker's report is in the inbox; the engine decides
  kDraft,      // a draft's suggestion posted, waiting for Send or Discard
  kDone,       // finished (sent, discarded, posted, handed over, failed)
  kCancelled,  // an operator answered first, /ai off, or the dialog closed
};
const char* to_string(AiRequestStatus status);
std::optional<AiRequestStatus> ai_request_status_from(std::string_view name);

struct AiRequest {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  DialogId dialog_id = 0;
  AiRequestKind kind = AiRequestKind::kDraft;
  std::string question;       // the user's message, or the operator's /ai question
  std::int64_t asked_by = 0;  // kAsk: the operator; else 0
  std::string language;       // the user's language code (auto's hand-over notice)
  AiRequestStatus status = AiRequestStatus::kPending;
  UnixMillis due_at = 0;
  UnixMillis claimed_until = 0;
  std::string answer;  // the model's answer (kDraft: the suggestion waiting for a button)
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
};

// A dialog's AI state: `override_mode` "" (the connection's AI), "on" or "off" (/ai on|off);
// `quiet` set when an operator wrote or the AI handed over, cleared when the dialog opens again.
struct AiDialogState {
  std::string override_mode;
  bool quiet = false;
};

class AiStore {
 public:
  virtual ~AiStore() = default;

  // Knowledge. Replaces every passage of `connection` with `passages` (their ids ignored) in one
  // unit: a reader sees the old set or the new one, never a part.
  virtual void replace_knowledge(ConnectionId connection, const std::vector<KnowledgePassage>& passages) = 0;
  // The passages best matching `query` (full-text, any of its words; best first), at most `limit`.
  // A query with no searchable word finds nothing.
  virtual std::vector<KnowledgePassage> search_knowledge(ConnectionId connection, const std::string& query,
                                                         int limit) = 0;
  virtual std::int64_t knowledge_count(ConnectionId connection) = 0;

  // The prompt's conversation: the dialog's newest `limit` history entries with a text, oldest
  // first (only author, sender_name, text and at are read).
  virtual std::vector<HistoryEntry> recent_dialog_history(DialogId dialog, int limit) = 0;

  // Usage: tokens spent by `connection` on the UTC day `day` (days since 1970).
  virtual void add_ai_usage(ConnectionId connection, std::int64_t day, std::int64_t tokens) = 0;
  virtual std::int64_t ai_usage(ConnectionId connection, std::int64_t day) = 0;

  // Dialog state (a dialog without a row has the default state).
  virtual AiDialogState ai_dialog_state(DialogId dialog) = 0;
  virtual void set_ai_dialog_state(DialogId dialog, const AiDialogState& state) = 0;

  // Requests. add_ai_request returns the new id (`request.id` ignored).
  virtual std::int64_t add_ai_request(const AiRequest& request) = 0;
  virtual std::optional<AiRequest> ai_request(std::int64_t id) = 0;
  virtual void update_ai_request(const AiRequest& request) = 0;  // every field by id
  // Claims up to `limit` requests that are due (pending with due_at <= now, or running with an
  // expired claim) for `until`; oldest due first. Connections in `connections` only.
  virtual std::vector<AiRequest> claim_ai_requests(const std::vector<ConnectionId>& connections,
                                                   UnixMillis now, UnixMillis until, int limit) = 0;
  // Cancels the dialog's pending and running requests of `kind`; returns how many.
  virtual int cancel_ai_requests(DialogId dialog, AiRequestKind kind, UnixMillis now) = 0;
};

}  // namespace topicdesk::store
