// SqlStore: the message history (HistoryStore).
#include <limits>

#include "core/utf8.h"
#include "store/sql/sql_history.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {
using Lock = std::lock_guard<std::recursive_mutex>;
constexpr std::int64_t kNoBound = std::numeric_limits<std::int64_t>::max();

std::vector<HistoryEntry> all_entries(Query& q) {
  std::vector<HistoryEntry> out;
  while (q.step()) {
    HistoryEntry e;
    e.id = q.int64(0);
    e.connection_id = q.int64(1);
    e.dialog_id = q.int64(2);
    e.author = history_author_from(q.text(3)).value_or(HistoryAuthor::kUser);
    e.sender_id = q.int64(4);
    e.sender_name = q.text(5);
    e.message_id = q.int64(6);
    e.content = q.text(7);
    e.text = q.text(8);
    e.entities_json = q.text(9);
    e.file_id = q.text(10);
    e.media_group_id = q.text(11);
    e.reply_to = q.int64(12);
    e.at = q.int64(13);
    e.edited_at = q.int64(14);
    e.edits = static_cast<int>(q.int64(15));
    out.push_back(std::move(e));
  }
  return out;
}

// A term as a LIKE pattern: found anywhere, with its own %, _ and \ taken literally.
std::string like_pattern(std::string_view term) {
  std::string out = "%";
  for (char c : term) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

// The query's terms, lowered as the folded column is: words between ASCII spaces.
std::vector<std::string> search_terms(std::string_view text) {
  std::vector<std::string> terms;
  const std::string folded = core::utf8_lower(text);
  std::size_t pos = 0;
  while (pos < folded.size()) {
    while (pos < folded.size() && core::is_ascii_space(folded[pos])) ++pos;
    std::size_t end = pos;
    while (end < folded.size() && !core::is_ascii_space(folded[end])) ++end;
    if (end > pos) terms.emplace_back(folded.substr(pos, end - pos));
    pos = end;
  }
  return terms;
}

}  // namespace

std::int64_t SqlStore::add_history(const HistoryEntry& e) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kHistoryAdd);
  q.bind_all(e.connection_id, e.dialog_id, to_string(e.author), e.sender_id, e.sender_name, e.message_id,
             e.content, e.text, core::utf8_lower(e.text), e.entities_json, e.file_id, e.media_group_id,
             e.reply_to, e.at);
  if (!q.step()) throw StoreError("add_history: the insert returned no id");
  return q.int64(0);
}

bool SqlStore::edit_history(DialogId dialog, bool in_group, MessageId message_id, const std::string& text,
                            const std::string& entities_json, UnixMillis at) {
  Lock lock(mutex_);
  if (message_id == 0) return false;
  const auto first = in_group ? HistoryAuthor::kOperator : HistoryAuthor::kUser;
  const auto second = in_group ? HistoryAuthor::kComment : HistoryAuthor::kIntercepted;
  auto q = db_.query(sql::kHistoryEdit);
  q.bind_all(dialog, message_id, to_string(first), to_string(second), text, core::utf8_lower(text),
             entities_json, at);
  q.run();
  return q.changes() > 0;
}

std::vector<HistoryEntry> SqlStore::dialog_history(DialogId dialog, std::int64_t after_id, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kHistoryOfDialog);
  q.bind_all(dialog, after_id, limit);
  return all_entries(q);
}

std::vector<HistoryEntry> SqlStore::connection_history(ConnectionId connection, std::int64_t after_id,
                                                       int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kHistoryOfConnection);
  q.bind_all(connection, after_id, limit);
  return all_entries(q);
}

std::vector<HistoryEntry> SqlStore::search_history(const HistoryQuery& query) {
  Lock lock(mutex_);
  std::vector<HistoryEntry> found;
  if (query.limit <= 0) return found;
  const auto terms = search_terms(query.text);
  const std::size_t in_sql = std::min<std::size_t>(terms.size(), sql::kHistorySearchTerms);
  const sql::Sql& statement = query.dialog       ? sql::kHistorySearchDialog
                              : query.connection ? sql::kHistorySearchConnection
                                                 : sql::kHistorySearch;
  std::int64_t before = query.before_id > 0 ? query.before_id : kNoBound;
  // Terms beyond those the statement matches are checked here, page after page, until the
  // limit is filled or the rows run out.
  for (;;) {
    auto q = db_.query(statement);
    q.bind_all(before, query.from, query.to > 0 ? query.to : kNoBound);
    for (std::size_t i = 0; i < static_cast<std::size_t>(sql::kHistorySearchTerms); ++i)
      q.bind(i < in_sql ? like_pattern(terms[i]) : std::string("%"));
    q.bind(query.limit);
    if (query.dialog) {
      q.bind(*query.dialog);
    } else if (query.connection) {
      q.bind(*query.connection);
    }
    auto page = all_entries(q);
    for (auto& e : page) {
      before = e.id;
      if (query.connection && e.connection_id != *query.connection) continue;
      const std::string folded = terms.size() > in_sql ? core::utf8_lower(e.text) : std::string();
      bool all = true;
      for (std::size_t i = in_sql; i < terms.size() && all; ++i)
        all = folded.find(terms[i]) != std::string::npos;
      if (!all) continue;
      found.push_back(std::move(e));
      if (static_cast<int>(found.size()) >= query.limit) return found;
    }
    if (static_cast<int>(page.size()) < query.limit) return found;
  }
}

std::int64_t SqlStore::purge_history_batch(UnixMillis before, int max_rows) {
  Lock lock(mutex_);
  if (max_rows <= 0) return 0;
  auto q = db_.query(sql::kPurgeHistoryBatch);
  q.bind_all(before, max_rows).run();
  return q.changes();
}

}  // namespace topicdesk::store
