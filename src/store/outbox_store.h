// The outbox: Telegram API calls to make, durable until done. Jobs with the same queue_key
// run one at a time in id order (per-destination order); among ready queue heads, lower
// priority values go first.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::UnixMillis;

struct OutboxJob {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  std::string queue_key;
  int priority = 5;
  std::string kind;     // what to do; the dispatcher has a handler per kind
  std::string payload;  // the kind's arguments as JSON
  int attempts = 0;
  UnixMillis not_before = 0;
  std::string last_error;
  UnixMillis created_at = 0;  // 0: the store sets the current time
};

struct OutboxStats {
  std::int64_t pending = 0;
  std::int64_t failed = 0;
  UnixMillis oldest_pending_created_at = 0;  // 0 when nothing is pending
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;
  virtual std::int64_t outbox_add(const OutboxJob& job) = 0;
  // Heads of queues that are ready (not_before <= now), at most one per queue_key,
  // excluding queues whose head is listed in `in_flight`, ordered by priority then id.
  // A head that is not due yet blocks its whole queue.
  virtual std::vector<OutboxJob> outbox_ready(UnixMillis now, int limit,
                                              const std::vector<std::int64_t>& in_flight) = 0;
  virtual std::optional<OutboxJob> outbox_job(std::int64_t job_id) = 0;
  // done and fail finish a pending job and move its queue on; for a finished or unknown job
  // they do nothing.
  virtual void outbox_done(std::int64_t job_id) = 0;
  virtual void outbox_retry(std::int64_t job_id, UnixMillis not_before, const std::string& error) = 0;
  virtual void outbox_fail(std::int64_t job_id, const std::string& error) = 0;  // kept, not retried
  virtual OutboxStats outbox_stats() = 0;
};

}  // namespace topicdesk::store
