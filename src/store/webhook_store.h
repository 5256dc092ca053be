// Webhook delivery: events fanned out to the configured URLs, one delivery per (event, URL),
// each attempt recorded for `topicdesk webhooks status`. Several workers (one per desk
// instance) may share one database: the fan-out is a compare-and-set of the cursor and a worker
// claims what it sends (webhook_claim), so no event is fanned out twice and no delivery is sent
// by two workers at once.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::DialogId;
using core::UnixMillis;

// One event to deliver to one URL. Deliveries with the same queue_key (connection, URL,
// dialog, lane) go out one at a time in id order: that is what keeps order per dialog.
struct WebhookDelivery {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  std::string url;
  std::string queue_key;
  std::int64_t event_id = 0;
  DialogId dialog_id = 0;
  bool retry = true;  // false for command hooks: one attempt, then a notice
  int attempts = 0;
  UnixMillis not_before = 0;
  UnixMillis failing_since = 0;  // first failed attempt; 0 while none failed
  std::string last_error;
  UnixMillis created_at = 0;
};

// One HTTP attempt of a delivery.
struct WebhookAttempt {
  std::int64_t delivery_id = 0;
  UnixMillis at = 0;
  int http_status = 0;  // 0 when no answer (connect error, timeout)
  std::string error;    // empty on success
  std::int64_t duration_ms = 0;
};

// Per connection and URL, for `topicdesk webhooks status`.
struct WebhookUrlStatus {
  ConnectionId connection_id = 0;
  std::string url;
  std::int64_t delivered = 0;
  std::int64_t pending = 0;
  std::int64_t failed = 0;       // given up (command hooks only)
  UnixMillis failing_since = 0;  // oldest pending delivery's first failure; 0 = healthy
  std::string last_error;        // of the newest failed attempt
  UnixMillis last_error_at = 0;
};

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;
  // The fan-out cursor is the id of the last event turned into deliveries. webhook_enqueue
  // adds deliveries and moves the cursor from `from` to `to` in one transaction, so a restart
  // neither loses nor repeats an event. It is a compare-and-set: when the cursor is no longer
  // at `from` (another worker on the same database fanned those events out first), it adds
  // nothing and returns false, and the caller reads the cursor again.
  virtual std::int64_t webhook_cursor() = 0;
  virtual bool webhook_enqueue(const std::vector<WebhookDelivery>& deliveries, std::int64_t from,
                               std::int64_t to) = 0;
  // Heads of delivery queues that are ready (not_before <= now) and not claimed, oldest first,
  // skipping queues listed in `busy_queues` (a delivery of theirs is in flight). A read only.
  virtual std::vector<WebhookDelivery> webhook_ready(UnixMillis now, int limit,
                                                     const std::vector<std::string>& busy_queues) = 0;
  // What a worker sends: the deliveries webhook_ready would give, each claimed for `claim_ms`
  // on the database's clock, so that other workers on the same database skip them (PostgreSQL:
  // FOR UPDATE SKIP LOCKED, so two claimers at once get disjoint sets). An outcome
  // (delivered, retry, give up) ends the claim; a claim that expires (its worker died mid-
  // request) makes the delivery ready again, for any worker.
  virtual std::vector<WebhookDelivery> webhook_claim(UnixMillis now, int limit,
                                                     const std::vector<std::string>& busy_queues,
                                                     std::int64_t claim_ms) = 0;
  virtual void webhook_delivered(const WebhookAttempt& attempt) = 0;
  virtual void webhook_retry(const WebhookAttempt& attempt, UnixMillis not_before) = 0;
  virtual void webhook_give_up(const WebhookAttempt& attempt) = 0;  // kept as failed, not retried
  virtual std::vector<WebhookUrlStatus> webhook_status() = 0;
  // Newest attempts first, for tests and the status CLI.
  virtual std::vector<WebhookAttempt> webhook_attempts(std::int64_t delivery_id) = 0;
};

}  // namespace topicdesk::store
