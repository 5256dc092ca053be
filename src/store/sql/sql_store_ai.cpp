// SqlStore: the AI consultant's rows (AiStore). The knowledge search is each dialect's own
// full-text search: SQLite FTS5 (bm25), PostgreSQL tsvector ('simple', ts_rank); both look for
// any of the query's words.
#include <algorithm>
#include <set>
#include <tuple>

#include "core/utf8.h"
#include "store/sql/sql_ai.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {
using Lock = std::lock_guard<std::recursive_mutex>;

// Words a question is searched by, at most this many.
constexpr std::size_t kMaxQueryWords = 32;

AiRequest ai_request_row(Query& q) {
  AiRequest r;
  r.id = q.int64(0);
  r.connection_id = q.int64(1);
  r.dialog_id = q.int64(2);
  r.kind = ai_request_kind_from(q.text(3)).value_or(AiRequestKind::kDraft);
  r.question = q.text(4);
  r.asked_by = q.int64(5);
  r.language = q.text(6);
  r.status = ai_request_status_from(q.text(7)).value_or(AiRequestStatus::kDone);
  r.due_at = q.int64(8);
  r.claimed_until = q.int64(9);
  r.answer = q.text(10);
  r.created_at = q.int64(11);
  r.updated_at = q.int64(12);
  return r;
}

// The query's words: runs of letters and digits (any script), lowered, each once, in order;
// "or" is left out (PostgreSQL's web search syntax reads it as the operator).
std::vector<std::string> query_words(const std::string& query) {
  std::vector<std::string> words;
  std::set<std::string> seen;
  std::string word;
  std::size_t letters = 0;
  auto flush = [&] {
    if (letters >= 2 && word != "or" && words.size() < kMaxQueryWords && seen.insert(word).second)
      words.push_back(word);
    word.clear();
    letters = 0;
  };
  const std::string lowered = core::utf8_lower(query);
  for (std::size_t pos = 0; pos < lowered.size();) {
    char32_t cp = core::utf8_next(lowered, pos);
    if (core::is_word_code_point(cp)) {
      core::utf8_append(word, cp);
      ++letters;
    } else {
      flush();
    }
  }
  flush();
  return words;
}

}  // namespace

const char* to_string(AiRequestKind kind) {
  switch (kind) {
    case AiRequestKind::kDraft:
      return "draft";
    case AiRequestKind::kAuto:
      return "auto";
    case AiRequestKind::kAsk:
      return "ask";
  }
  return "draft";
}

std::optional<AiRequestKind> ai_request_kind_from(std::string_view name) {
  for (auto k : {AiRequestKind::kDraft, AiRequestKind::kAuto, AiRequestKind::kAsk}) {
    if (name == to_string(k)) return k;
  }
  return std::nullopt;
}

const char* to_string(AiRequestStatus status) {
  switch (status) {
    case AiRequestStatus::kPending:
      return "pending";
    case AiRequestStatus::kRunning:
      return "running";
    case AiRequestStatus::kAnswered:
      return "answered";
    case AiRequestStatus::kDraft:
      return "draft";
    case AiRequestStatus::kDone:
      return "done";
    case AiRequestStatus::kCancelled:
      return "cancelled";
  }
  return "done";
}

std::optional<AiRequestStatus> ai_request_status_from(std::string_view name) {
  for (auto s : {AiRequestStatus::kPending, AiRequestStatus::kRunning, AiRequestStatus::kAnswered,
                 AiRequestStatus::kDraft, AiRequestStatus::kDone, AiRequestStatus::kCancelled}) {
    if (name == to_string(s)) return s;
  }
  return std::nullopt;
}

void SqlStore::replace_knowledge(ConnectionId connection, const std::vector<KnowledgePassage>& passages) {
  Lock lock(mutex_);
  transaction([&] {
    db_.run(sql::kKnowledgeDelete, connection);
    for (const auto& p : passages) {
      db_.run(sql::kKnowledgeAdd, connection, p.source, p.heading, p.text,
              core::utf8_lower(p.heading + "\n" + p.text));
    }
  });
}

std::vector<KnowledgePassage> SqlStore::search_knowledge(ConnectionId connection, const std::string& query,
                                                         int limit) {
  auto words = query_words(query);
  if (words.empty() || limit <= 0) return {};
  const bool postgres = db_.dialect() == sql::Dialect::kPostgres;
  // FTS5: "w1" OR "w2" (each a quoted string: no operator can be smuggled in; '"' never occurs in
  // a word). websearch_to_tsquery: w1 or w2.
  std::string match;
  for (const auto& w : words) {
    if (!match.empty()) match += postgres ? " or " : " OR ";
    match += postgres ? w : "\"" + w + "\"";
  }
  Lock lock(mutex_);
  auto q = db_.query(sql::kKnowledgeSearch);
  q.bind_all(connection, match, limit);
  std::vector<KnowledgePassage> out;
  while (q.step()) {
    KnowledgePassage p;
    p.id = q.int64(0);
    p.connection_id = q.int64(1);
    p.source = q.text(2);
    p.heading = q.text(3);
    p.text = q.text(4);
    out.push_back(std::move(p));
  }
  return out;
}

std::int64_t SqlStore::knowledge_count(ConnectionId connection) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kKnowledgeCount);
  q.bind_all(connection);
  return q.step() ? q.int64(0) : 0;
}

std::vector<HistoryEntry> SqlStore::recent_dialog_history(DialogId dialog, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kAiRecentHistory);
  q.bind_all(dialog, limit);
  std::vector<HistoryEntry> out;
  while (q.step()) {
    HistoryEntry e;
    e.dialog_id = dialog;
    e.author = history_author_from(q.text(0)).value_or(HistoryAuthor::kNotice);
    e.sender_name = q.text(1);
    e.text = q.text(2);
    e.at = q.int64(3);
    out.push_back(std::move(e));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

void SqlStore::add_ai_usage(ConnectionId connection, std::int64_t day, std::int64_t tokens) {
  Lock lock(mutex_);
  db_.run(sql::kAiUsageAdd, connection, day, tokens);
}

std::int64_t SqlStore::ai_usage(ConnectionId connection, std::int64_t day) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kAiUsage);
  q.bind_all(connection, day);
  return q.step() ? q.int64(0) : 0;
}

AiDialogState SqlStore::ai_dialog_state(DialogId dialog) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kAiDialogState);
  q.bind_all(dialog);
  AiDialogState state;
  if (q.step()) {
    state.override_mode = q.text(0);
    state.quiet = q.boolean(1);
  }
  return state;
}

void SqlStore::set_ai_dialog_state(DialogId dialog, const AiDialogState& state) {
  Lock lock(mutex_);
  db_.run(sql::kAiDialogSet, dialog, state.override_mode, state.quiet);
}

std::int64_t SqlStore::add_ai_request(const AiRequest& r) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kAiRequestAdd);
  q.bind_all(r.connection_id, r.dialog_id, to_string(r.kind), r.question, r.asked_by, r.language,
             to_string(r.status), r.due_at, r.claimed_until, r.answer, r.created_at, r.updated_at);
  return inserted_id(q, "add_ai_request");
}

std::optional<AiRequest> SqlStore::ai_request(std::int64_t id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kAiRequestById);
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  return ai_request_row(q);
}

void SqlStore::update_ai_request(const AiRequest& r) {
  Lock lock(mutex_);
  db_.run(sql::kAiRequestUpdate, r.id, r.connection_id, r.dialog_id, to_string(r.kind), r.question,
          r.asked_by, r.language, to_string(r.status), r.due_at, r.claimed_until, r.answer, r.created_at,
          r.updated_at);
}

std::vector<AiRequest> SqlStore::claim_ai_requests(const std::vector<ConnectionId>& connections,
                                                   UnixMillis now, UnixMillis until, int limit) {
  Lock lock(mutex_);
  std::vector<AiRequest> out;
  transaction([&] {
    std::vector<AiRequest> due;
    for (ConnectionId connection : connections) {
      auto q = db_.query(sql::kAiRequestsDue);
      q.bind_all(now, limit, connection);
      while (q.step()) due.push_back(ai_request_row(q));
    }
    std::ranges::sort(due, [](const AiRequest& a, const AiRequest& b) {
      return std::tie(a.due_at, a.id) < std::tie(b.due_at, b.id);
    });
    for (auto& r : due) {
      if (static_cast<int>(out.size()) >= limit) break;
      auto claim = db_.query(sql::kAiRequestClaim);
      claim.bind_all(r.id, until, now);
      claim.run();
      if (claim.changes() == 0) continue;  // another worker took it
      r.status = AiRequestStatus::kRunning;
      r.claimed_until = until;
      out.push_back(std::move(r));
    }
  });
  return out;
}

int SqlStore::cancel_ai_requests(DialogId dialog, AiRequestKind kind, UnixMillis now) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kAiRequestsCancel);
  q.bind_all(dialog, to_string(kind), now);
  q.run();
  return q.changes();
}

}  // namespace topicdesk::store
