#include "integrations/webhooks.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <map>

#include "core/backoff.h"
#include "core/clock.h"
#include "integrations/command_hooks.h"
#include "integrations/hmac.h"
#include "integrations/webhooks_http.h"
#include "relay/jobs.h"
#include "telegram/log_limiter.h"
#include "telegram/redact.h"

namespace topicdesk::integrations {
namespace asio = boost::asio;
namespace json = boost::json;
using core::UnixMillis;

namespace {

constexpr std::string_view kCommandEvent = "command";
// While the store fails, the worker looks again after its poll interval doubling up to this.
constexpr std::chrono::milliseconds kStoreRetryMax{5000};

json::object parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.get_object());
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The command name of a `command` event ("activate" for /activate).
std::string command_of(const store::StoredEvent& event) {
  auto payload = parse_object(event.payload);
  std::string name = string_field(payload, "command");
  return name.empty() ? string_field(payload, "name") : name;
}

json::value dialog_json(const std::optional<store::Dialog>& d) {
  if (!d) return nullptr;
  return json::object{{"id", d->id},
                      {"status", store::to_string(d->status)},
                      {"group_id", d->group_id},
                      {"thread_id", d->thread_id},
                      {"topic_title", d->topic_title},
                      {"created_at", d->created_at / 1000}};
}

json::value user_json(store::Store& store, core::ConnectionId connection, core::UserId user_id) {
  if (user_id == 0) return nullptr;
  auto person = store.user(connection, user_id).value_or(core::Person{.id = user_id});
  json::object fields;
  for (const auto& [key, value] : store.user_fields(connection, user_id)) fields[key] = value;
  auto link = store.user_link(connection, user_id);
  return json::object{{"id", person.id},
                      {"first_name", person.first_name},
                      {"last_name", person.last_name},
                      {"username", person.username},
                      {"language_code", person.language_code},
                      {"linked_account", link ? json::value(*link) : json::value(nullptr)},
                      {"fields", std::move(fields)}};
}

}  // namespace

std::string signing_secret(store::Store& store, const HookConnection& connection) {
  if (!connection.params.webhooks_secret.empty()) return connection.params.webhooks_secret;
  if (auto stored = store.state_get(connection.id, kWebhookSecretKey); stored && !stored->empty())
    return *stored;
  // Derived from the installation's random secret, so that several desk instances generating
  // it at once (one database) all sign with the same key.
  std::string secret =
      hmac_sha256_hex(store.install_secret(), fmt::format("{} {}", kWebhookSecretKey, connection.id));
  store.state_set(connection.id, kWebhookSecretKey, secret);
  return secret;
}

std::vector<store::WebhookDelivery> deliveries_for(const HookConnection& connection,
                                                   const store::StoredEvent& event, UnixMillis now) {
  std::vector<store::WebhookDelivery> out;
  bool is_command = event.type == kCommandEvent;
  std::string command = is_command ? command_of(event) : std::string();
  for (const auto& target : connection.params.webhooks) {
    bool wanted = is_command ? target.wants_command(command) : target.wants_event(event.type);
    if (!wanted) continue;
    store::WebhookDelivery d;
    d.connection_id = connection.id;
    d.url = target.url;
    // Commands have their own lane: an answer must not wait behind a backlog of events.
    d.queue_key =
        fmt::format("{}|{}|{}|{}", connection.id, is_command ? 'c' : 'e', event.dialog_id, target.url);
    d.event_id = event.id;
    d.dialog_id = event.dialog_id;
    d.retry = !is_command;
    d.created_at = now;
    out.push_back(std::move(d));
  }
  return out;
}

std::string webhook_body(store::Store& store, const HookConnection& connection,
                         const store::StoredEvent& event, std::int64_t delivery_id) {
  json::object data = parse_object(event.payload);
  auto dialog = event.dialog_id != 0 ? store.dialog(event.dialog_id) : std::nullopt;
  json::object body{{"id", event.id},
                    {"delivery", delivery_id},
                    {"type", event.type},
                    {"date", event.created_at / 1000},
                    {"connection", json::object{{"id", connection.id}, {"name", connection.name}}},
                    {"dialog", dialog_json(dialog)},
                    {"user", user_json(store, connection.id, dialog ? dialog->user_id : 0)}};
  if (event.type.starts_with("message_")) body["message"] = data;
  if (event.type == kCommandEvent) {
    std::string name = command_of(event);
    body["command"] = json::object{
        {"name", name},
        {"args", string_field(data, "args")},
        {"text", "/" + name + (string_field(data, "args").empty() ? "" : " " + string_field(data, "args"))},
        {"sees_hidden_info", !data.contains("sees_hidden_info") || data.at("sees_hidden_info") == true}};
  }
  if (const auto* op = data.if_contains("operator"))
    body["operator"] = *op;
  else if (const auto* op_id = data.if_contains("operator_id"))
    body["operator"] = json::object{{"id", *op_id}};
  body["data"] = std::move(data);
  return json::serialize(body);
}

std::chrono::milliseconds retry_delay(int attempts, const WebhookOptions& options) {
  return core::Backoff{options.first_backoff, options.max_backoff}.delay(attempts - 1);
}

// ---- the worker --------------------------------------------------------------------------

struct WebhookWorker::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, store::Store& s, std::vector<HookConnection> c, AddEvent added,
       WebhookOptions o)
      : executor(ex),
        store(s),
        connections(std::move(c)),
        add_event(std::move(added)),
        options(o),
        timer(ex),
        http(ex) {}

  asio::any_io_executor executor;
  store::Store& store;
  std::vector<HookConnection> connections;
  AddEvent add_event;
  WebhookOptions options;
  asio::steady_timer timer;
  HookHttpClient http;
  std::vector<std::string> busy_queues;  // queue keys with an attempt in flight
  std::map<core::ConnectionId, std::string> secrets;
  bool stopped = false;
  bool running = false;
  bool wake_pending = false;  // a wake-up is on its way to the loop
  int store_failures = 0;     // ticks in a row the store failed
  telegram::LogLimiter log_limiter{std::chrono::minutes(1), 3};

  const HookConnection* connection(core::ConnectionId id) const {
    for (const auto& c : connections) {
      if (c.id == id) return &c;
    }
    return nullptr;
  }

  const std::string& secret_of(const HookConnection& c) {
    auto it = secrets.find(c.id);
    if (it == secrets.end()) {
      it = secrets.emplace(c.id, signing_secret(store, c)).first;
      telegram::register_secret(it->second);  // a generated secret: never in a log line either
    }
    return it->second;
  }

  // New events → deliveries, in batches; the cursor moves in the same transaction. Another
  // worker on the same database may fan the same events out first: then the cursor is no
  // longer where this batch began, nothing is added, and the batch is read again from it.
  void fan_out(UnixMillis now) {
    for (;;) {
      std::int64_t cursor = store.webhook_cursor();
      auto events = store.events_after(cursor, options.fan_out_batch);
      if (events.empty()) return;
      std::vector<store::WebhookDelivery> deliveries;
      for (const auto& event : events) {
        if (const auto* c = connection(event.connection_id)) {
          auto more = deliveries_for(*c, event, now);
          deliveries.insert(deliveries.end(), more.begin(), more.end());
        }
      }
      if (!store.webhook_enqueue(deliveries, cursor, events.back().id)) {
        // Lost to another worker: the cursor moved. If it did not, its row is missing.
        if (store.webhook_cursor() == cursor) {
          throw store::StoreError(fmt::format(
              "webhooks: the fan-out cursor cannot move from event {}: table webhook_cursor has no row",
              cursor));
        }
        continue;
      }
      if (static_cast<int>(events.size()) < options.fan_out_batch) return;
    }
  }

  // Claimed for longer than an attempt can take, so no other worker sends it meanwhile; a
  // worker that dies mid-request leaves a claim that expires, and another worker sends again.
  void launch_ready(UnixMillis now) {
    int room = options.max_in_flight - static_cast<int>(busy_queues.size());
    if (room <= 0 || stopped) return;
    const std::int64_t claim_ms = (options.request_timeout + options.claim_margin).count();
    for (auto& delivery : store.webhook_claim(now, room, busy_queues, claim_ms)) {
      busy_queues.push_back(delivery.queue_key);
      asio::co_spawn(executor, deliver(shared_from_this(), std::move(delivery)), asio::detached);
    }
  }

  // false: the store failed (a held write lock, a full disk); the next tick waits out a backoff
  // and the failures are logged a few lines a minute.
  bool tick() {
    try {
      UnixMillis now = core::unix_millis_now();
      fan_out(now);
      launch_ready(now);
    } catch (const std::exception& e) {
      ++store_failures;
      log_limiter.log(spdlog::level::err, "store",
                      fmt::format("webhooks: the store failed ({}); retrying", e.what()));
      return false;
    }
    if (store_failures > 0)
      spdlog::info("webhooks: the store works again after {} failed tries", store_failures);
    store_failures = 0;
    return true;
  }

  static asio::awaitable<void> loop(std::shared_ptr<Impl> self) {
    while (!self->stopped) {
      self->wake_pending = false;
      const bool ok = self->tick();
      const core::Backoff backoff{self->options.poll_interval, kStoreRetryMax};
      self->timer.expires_after(ok ? self->options.poll_interval : backoff.delay(self->store_failures - 1));
      boost::system::error_code ec;
      co_await self->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    self->running = false;
  }

  static asio::awaitable<void> deliver(std::shared_ptr<Impl> self, store::WebhookDelivery delivery) {
    std::string queue_key = delivery.queue_key;
    try {
      co_await self->attempt(delivery);
    } catch (const std::exception& e) {
      spdlog::error("webhooks: delivery {} to {}: {}", delivery.id, delivery.url, e.what());
    }
    auto& busy = self->busy_queues;
    busy.erase(std::find(busy.begin(), busy.end(), queue_key));
    self->wake();  // a slot is free again
  }

  // Coalesced: many deliveries finishing at once make one tick.
  void wake() {
    if (wake_pending) return;
    wake_pending = true;
    timer.cancel();
  }

  asio::awaitable<void> attempt(const store::WebhookDelivery& delivery) {
    const HookConnection* c = connection(delivery.connection_id);
    auto event = store.event_by_id(delivery.event_id);
    store::WebhookAttempt attempt{.delivery_id = delivery.id, .at = core::unix_millis_now()};
    if (c == nullptr || !event) {
      // The connection left the configuration (or the event is gone): keep the record, stop trying.
      attempt.error = c == nullptr ? "connection no longer configured" : "event not found";
      store.webhook_give_up(attempt);
      co_return;
    }
    std::string body = webhook_body(store, *c, *event, delivery.id);
    const std::int64_t timestamp = core::unix_millis_now() / 1000;
    HookHttpClient::Headers headers{
        {std::string(kSignatureHeader), webhook_signature(secret_of(*c), timestamp, body)},
        {std::string(kTimestampHeader), std::to_string(timestamp)},
        {"X-Topicdesk-Event", event->type},
        {"X-Topicdesk-Delivery", std::to_string(delivery.id)}};
    auto started = std::chrono::steady_clock::now();
    HookHttpAnswer answer =
        co_await http.post(delivery.url, std::move(body), std::move(headers), options.request_timeout);
    attempt.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
            .count();
    attempt.at = core::unix_millis_now();
    attempt.http_status = answer.status;
    bool ok = answer.error.empty() && answer.status >= 200 && answer.status < 300;
    if (!ok) attempt.error = answer.error.empty() ? fmt::format("HTTP {}", answer.status) : answer.error;
    if (event->type == kCommandEvent) {
      finish_command(*c, *event, delivery, attempt, answer);
      co_return;
    }
    if (ok) {
      store.webhook_delivered(attempt);
      co_return;
    }
    auto delay = retry_delay(delivery.attempts + 1, options);
    spdlog::warn("webhooks: {} event {} failed ({}), retry in {} ms", delivery.url, event->id, attempt.error,
                 delay.count());
    store.webhook_retry(attempt, attempt.at + delay.count());
  }

  // A command hook: its answer (or why there is none) goes into the topic.
  void finish_command(const HookConnection& c, const store::StoredEvent& event,
                      const store::WebhookDelivery& delivery, store::WebhookAttempt& attempt,
                      const HookHttpAnswer& answer) {
    std::string command = command_of(event);
    const std::string& language = c.params.language;
    std::optional<std::string> message;
    std::string reason = attempt.error;  // for the topic, in the operators' language
    if (attempt.error.empty()) {
      auto parsed = hook_answer_message(answer.content_type, answer.body);
      if (parsed) {
        message = *parsed;
      } else {
        attempt.error = "bad answer: " + parsed.error().message;
        reason = hook_bad_answer(language, parsed.error().message);
      }
    }
    if (!attempt.error.empty()) {
      message = json::serialize(json::object{{"text", hook_failed_notice(language, command, reason)}});
    }
    store.transaction([&] {
      if (message && add_event) {
        core::Event answered;
        answered.kind = core::EventKind::kHookAnswered;
        answered.update_id = relay::hook_answer_update_id(delivery.id);
        answered.date = attempt.at;
        answered.dialog_id = delivery.dialog_id;
        answered.text = *message;
        add_event(c.id, answered);
      }
      if (attempt.error.empty())
        store.webhook_delivered(attempt);
      else
        store.webhook_give_up(attempt);
    });
  }
};

WebhookWorker::WebhookWorker(asio::any_io_executor executor, store::Store& store,
                             std::vector<HookConnection> connections, AddEvent add_event,
                             WebhookOptions options)
    : impl_(std::make_shared<Impl>(executor, store, std::move(connections), std::move(add_event), options)) {}

WebhookWorker::~WebhookWorker() { impl_->stopped = true; }

void WebhookWorker::start() {
  if (impl_->running) return;
  impl_->running = true;
  impl_->stopped = false;
  asio::co_spawn(impl_->executor, Impl::loop(impl_), asio::detached);
}

void WebhookWorker::stop() {
  asio::post(impl_->executor, [impl = impl_] {
    impl->stopped = true;
    impl->timer.cancel();
  });
}

void WebhookWorker::notify() {
  asio::post(impl_->executor, [impl = impl_] { impl->wake(); });
}

void WebhookWorker::set_connection(HookConnection connection) {
  remove_connection(connection.id);
  impl_->connections.push_back(std::move(connection));
}

void WebhookWorker::remove_connection(core::ConnectionId id) {
  std::erase_if(impl_->connections, [id](const HookConnection& c) { return c.id == id; });
  impl_->secrets.erase(id);
}

int WebhookWorker::in_flight() const { return static_cast<int>(impl_->busy_queues.size()); }

std::unique_ptr<WebhookWorker> start_webhooks(asio::any_io_executor executor, store::Store& store,
                                              std::vector<HookConnection> connections,
                                              WebhookWorker::AddEvent add_event) {
  auto worker =
      std::make_unique<WebhookWorker>(executor, store, std::move(connections), std::move(add_event));
  worker->start();
  return worker;
}

}  // namespace topicdesk::integrations
