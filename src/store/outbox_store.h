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
  // When the dispatcher started the job's call (outbox_start), until an outcome is recorded;
  // non-zero when the job is read: a restart interrupted the call and its outcome is unknown.
  UnixMillis started_at = 0;
  int restarts = 0;  // calls of this step that repeated one a restart interrupted
};

// Jobs waiting for one connection's backend group (OutboxStore::outbox_backlog).
struct OutboxBacklog {
  ConnectionId connection_id = 0;
  std::int64_t jobs = 0;
  UnixMillis oldest_created_at = 0;
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
  // A head that is not due yet blocks its whole queue. `connections`, when not empty, keeps
  // only the jobs of those connections (an instance of several on one database reads the jobs
  // of the connections it runs; they are its alone while it holds their leases).
  virtual std::vector<OutboxJob> outbox_ready(UnixMillis now, int limit,
                                              const std::vector<std::int64_t>& in_flight,
                                              const std::vector<ConnectionId>& connections = {}) = 0;
  virtual std::optional<OutboxJob> outbox_job(std::int64_t job_id) = 0;
  // Whether the queue holds a pending job (a coalescing queue adds none while it does).
  virtual bool outbox_queue_pending(const std::string& queue_key) = 0;
  // The pending jobs of `queue_key` after job `after_id` (its head, usually), in id order, at
  // most `limit`: what may be sent together with the head (relay/coalescing.h).
  virtual std::vector<OutboxJob> outbox_queue_next(const std::string& queue_key, std::int64_t after_id,
                                                   int limit) = 0;
  // done and fail finish a pending job and move its queue on; for a finished or unknown job
  // they do nothing.
  virtual void outbox_done(std::int64_t job_id) = 0;
  virtual void outbox_retry(std::int64_t job_id, UnixMillis not_before, const std::string& error) = 0;
  virtual void outbox_fail(std::int64_t job_id, const std::string& error) = 0;  // kept, not retried
  // The dispatcher is about to make the job's call: committed BEFORE the call, so a restart
  // finds the job started (started_at = at) and knows the outcome is unknown. `repeat`: this
  // call repeats one a restart interrupted (restarts + 1). outbox_retry clears the mark.
  virtual void outbox_start(std::int64_t job_id, UnixMillis at, bool repeat) = 0;
  // The job's call succeeded and the job goes on with its next call (a topic, then its card,
  // then the copy): the payload is replaced; the job stays its queue's head, ready now, with no
  // started mark and no restarts. Attempts are kept.
  virtual void outbox_continue(std::int64_t job_id, const std::string& payload) = 0;
  virtual OutboxStats outbox_stats() = 0;
  // Pending jobs per connection in the queues whose key ends with one of `queue_suffixes` (the
  // relay names its group queues so: relay/jobs.h), with the creation time of the oldest; only
  // connections that have some.
  virtual std::vector<OutboxBacklog> outbox_backlog(const std::vector<std::string>& queue_suffixes) = 0;
};

}  // namespace topicdesk::store
