// Retention: what the desk forgets. Finished work (handled inbox entries, done outbox jobs,
// finished webhook deliveries with their attempts), proxy updates the program never fetched,
// old events (which hold message texts) and old rating comments. When is the caller's choice
// (relay/housekeeping.h).
//
// The *_batch operations delete at most `max_rows` rows in one short transaction and return
// how many they deleted, so a caller (relay/housekeeping.h) can yield to the event loop
// between batches; 0 means nothing is left to delete. Rows with the highest id of their table
// are kept, so ids (inbox and outbox order, delivery ids sent to receivers) are never reused.
#pragma once
#include <cstdint>

#include "core/ids.h"

namespace topicdesk::store {

using core::UnixMillis;

class RetentionStore {
 public:
  virtual ~RetentionStore() = default;
  // Deletes handled inbox entries received before `before`, done outbox jobs created before it
  // (failed jobs are kept for operators), and webhook deliveries (with their attempts) that
  // finished before it, delivered or given up. Returns the number of rows removed (attempts not
  // counted).
  virtual std::int64_t purge_finished(UnixMillis before) = 0;
  // purge_finished, at most `max_rows` rows in one transaction (inbox first, then outbox, then
  // deliveries, oldest first in each).
  virtual std::int64_t purge_finished_batch(UnixMillis before, int max_rows) = 0;
  // Deletes events created before `before`, oldest first, at most `max_rows`. Events the
  // webhook fan-out has not reached yet (after WebhookStore::webhook_cursor()), or that a
  // pending delivery still needs, are kept until they are delivered.
  virtual std::int64_t purge_events_batch(UnixMillis before, int max_rows) = 0;
  // ProxyStore::proxy_expire in batches: updates stored before `before`, at most `max_rows`.
  virtual std::int64_t proxy_expire_batch(UnixMillis before, int max_rows) = 0;
  // Clears the comments (the users' own words) of satisfaction ratings given before `before`,
  // oldest first, at most `max_rows`; scores, operators and times are kept. Returns how many.
  virtual std::int64_t forget_rating_comments_batch(UnixMillis before, int max_rows) = 0;
};

}  // namespace topicdesk::store
