// SqlStore: retention (RetentionStore), old rows deleted in small batches.
#include "store/sql/sql_core.h"
#include "store/sql/sql_ratings.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {

using Lock = std::lock_guard<std::recursive_mutex>;
constexpr int kPurgeBatchRows = 500;

// One statement over the oldest rows: (before, max_rows) bound, the rows it changed returned.
std::int64_t run_batch(sql::Connection& db, const sql::Sql& statement, UnixMillis before, int max_rows) {
  auto q = db.query(statement);
  q.bind_all(before, max_rows).run();
  return q.changes();
}
}  // namespace

std::int64_t SqlStore::purge_finished(UnixMillis before) {
  std::int64_t removed = 0;
  for (std::int64_t batch = 0; (batch = purge_finished_batch(before, kPurgeBatchRows)) > 0;) removed += batch;
  return removed;
}

std::int64_t SqlStore::purge_finished_batch(UnixMillis before, int max_rows) {
  Lock lock(mutex_);
  std::int64_t removed = 0;
  if (max_rows <= 0) return 0;
  transaction([&] {
    removed += run_batch(db_, sql::kPurgeInboxBatch, before, max_rows);
    if (removed < max_rows) removed += run_batch(db_, sql::kPurgeOutboxBatch, before, max_rows - removed);
    if (removed >= max_rows) return;
    std::vector<std::int64_t> deliveries;
    {
      auto q = db_.query(sql::kFinishedDeliveries);
      q.bind_all(before, static_cast<std::int64_t>(max_rows - removed));
      while (q.step()) deliveries.push_back(q.int64(0));
    }
    for (auto id : deliveries) {
      db_.run(sql::kDeleteDeliveryAttempts, id);  // counted with their delivery
      db_.run(sql::kDeleteDelivery, id);
    }
    removed += static_cast<std::int64_t>(deliveries.size());
  });
  return removed;
}

std::int64_t SqlStore::purge_events_batch(UnixMillis before, int max_rows) {
  Lock lock(mutex_);
  if (max_rows <= 0) return 0;
  return run_batch(db_, sql::kPurgeEventsBatch, before, max_rows);  // one statement: its own unit
}

std::int64_t SqlStore::proxy_expire_batch(UnixMillis before, int max_rows) {
  Lock lock(mutex_);
  if (max_rows <= 0) return 0;
  return run_batch(db_, sql::kProxyExpireBatch, before, max_rows);
}

std::int64_t SqlStore::forget_rating_comments_batch(UnixMillis before, int max_rows) {
  Lock lock(mutex_);
  if (max_rows <= 0) return 0;
  return run_batch(db_, sql::kForgetRatingCommentsBatch, before, max_rows);
}

}  // namespace topicdesk::store
