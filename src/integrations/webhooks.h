// Webhooks out and command hooks (docs/webhooks.md).
//
// The engine appends events to the store. The WebhookWorker reads them in id order and turns
// each into one delivery per subscribed URL (WEBHOOKS), moving a cursor in the same
// transaction, so restarts neither lose nor repeat an event. Deliveries of one
// (connection, URL, dialog) go out one at a time in event order, each attempt is recorded,
// failures are retried with exponential backoff (capped) until the URL answers 2xx: nothing
// is dropped.
//
// Several workers may share one database (several desk instances, docs/webhooks.md): the
// cursor moves by compare-and-set, so an event is fanned out once, and a worker claims the
// deliveries it sends (for request_timeout + claim_margin, on the database's clock), so no two
// workers send one delivery at once. A worker that dies mid-request leaves its claim to
// expire; another worker then sends the delivery again (receivers see its X-Topicdesk-Delivery
// twice at most in that case). Command hooks (`command` events) get one attempt: their answer, or a short
// notice when they fail, goes back to the engine as an event, and the engine posts it in the topic.
//
// Every request is a POST of JSON, signed with HMAC-SHA256 over "<timestamp>.<raw body>"
// (integrations/hmac.h):
//   X-Topicdesk-Timestamp: <unix seconds>   X-Topicdesk-Signature: sha256=<hex>
//   X-Topicdesk-Event: <type>   X-Topicdesk-Delivery: <id>
// The key is the connection's WEBHOOKS_SECRET, or, when that is empty, a secret the desk
// generates once and keeps in the store (`topicdesk webhooks status` prints it): an HMAC of the
// connection's id under the installation's random secret (store::DeskMetaStore), so several desk
// instances on one database generate the same one.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/ids.h"
#include "core/parameters.h"
#include "store/store.h"

namespace topicdesk::integrations {

struct HookConnection {
  core::ConnectionId id = 0;
  std::string name;
  core::Parameters params;
};

struct WebhookOptions {
  std::chrono::milliseconds poll_interval{50};        // how often new events are looked for
  std::chrono::milliseconds request_timeout{10'000};  // per attempt, webhooks and command hooks
  std::chrono::milliseconds claim_margin{30'000};     // a claim lasts request_timeout + this
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{60'000};
  int max_in_flight = 64;    // requests at once, over all URLs
  int fan_out_batch = 1000;  // events read per store query
};

// The state key of a connection's generated signing secret.
inline constexpr const char* kWebhookSecretKey = "webhooks.secret";

// The key deliveries of `connection` are signed with (WEBHOOKS_SECRET, else the generated one,
// created on first use).
std::string signing_secret(store::Store& store, const HookConnection& connection);

// The deliveries one event makes: one per URL of the connection that subscribed to it.
std::vector<store::WebhookDelivery> deliveries_for(const HookConnection& connection,
                                                   const store::StoredEvent& event, core::UnixMillis now);

// The JSON body of a delivery: {id, delivery, type, date, connection, dialog, user (with
// linked_account and fields), message | command, operator, data}.
std::string webhook_body(store::Store& store, const HookConnection& connection,
                         const store::StoredEvent& event, std::int64_t delivery_id);

// Milliseconds to wait before attempt number `attempts + 1` (attempts already made >= 1).
std::chrono::milliseconds retry_delay(int attempts, const WebhookOptions& options);

class WebhookWorker {
 public:
  // A command hook's answer (or the notice that there is none) goes to the engine as a
  // core::EventKind::kHookAnswered event through `add_event` (relay::Inbox::add_event), called on
  // the executor inside the transaction that records the delivery's outcome.
  using AddEvent = std::function<void(core::ConnectionId, const core::Event&)>;
  WebhookWorker(boost::asio::any_io_executor executor, store::Store& store,
                std::vector<HookConnection> connections, AddEvent add_event, WebhookOptions options = {});
  ~WebhookWorker();
  WebhookWorker(const WebhookWorker&) = delete;
  WebhookWorker& operator=(const WebhookWorker&) = delete;

  void start();
  void stop();    // no new attempts; attempts in flight finish and are recorded
  void notify();  // look for new events now (safe from any thread)
  // Connections made, changed or removed while the desk runs (docs/setup.md), on the executor.
  // set replaces the connection with the same id (its parameters changed).
  void set_connection(HookConnection connection);
  void remove_connection(core::ConnectionId id);
  int in_flight() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// For the runtime: a worker over every connection that lists WEBHOOKS, started; nullptr when
// no connection does.
std::unique_ptr<WebhookWorker> start_webhooks(boost::asio::any_io_executor executor, store::Store& store,
                                              std::vector<HookConnection> connections,
                                              WebhookWorker::AddEvent add_event);

}  // namespace topicdesk::integrations
