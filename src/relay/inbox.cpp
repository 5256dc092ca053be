#include "relay/inbox.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "core/backoff.h"
#include "core/clock.h"
#include "core/event_json.h"
#include "relay/dispatcher.h"
#include "store/lease_store.h"

namespace topicdesk::relay {
namespace asio = boost::asio;
namespace json = boost::json;

Inbox::Inbox(asio::any_io_executor executor, store::Store& store, InboxHooks hooks, InboxOptions options)
    : executor_(std::move(executor)),
      store_(store),
      hooks_(std::move(hooks)),
      options_(options),
      batch_(std::clamp(options.min_batch, 1, std::max(1, options.batch))),  // grows while turns are quick
      pause_timer_(executor_),
      poll_timer_(executor_) {
  schedule_poll();
}

Inbox::~Inbox() {
  *alive_ = false;
  if (retry_timer_) retry_timer_->cancel();
  poll_timer_.cancel();
}

void Inbox::add_connection(core::ConnectionId id, std::string name, Engine& engine) {
  add_connection(id, std::move(name),
                 [&engine](const std::vector<store::InboxEntry>& entries, core::UnixMillis now) {
                   engine.handle_inbox_batch(entries, now);
                 });
}

void Inbox::add_connection(core::ConnectionId id, std::string name, BatchHandler handler) {
  Connection& c = connections_[id];
  c.name = std::move(name);
  c.handler = std::move(handler);
  wake(id);
}

void Inbox::remove_connection(core::ConnectionId id) {
  connections_.erase(id);
  std::erase(ready_, id);
}

void Inbox::schedule_poll() {
  if (options_.poll_every.count() <= 0 || stopped_) return;
  poll_timer_.expires_after(options_.poll_every);
  poll_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive || stopped_) return;
    try {
      for (auto id : store_.inbox_pending_connections()) wake(id);  // not ours: wake ignores it
    } catch (const store::StoreError& e) {
      store_failed(e.what());
    }
    schedule_poll();
  });
}

void Inbox::commit(core::ConnectionId id, const std::vector<telegram::Incoming>& batch,
                   const std::function<void()>& also) {
  const auto now = core::unix_millis_now();
  std::vector<std::string> skipped;
  std::vector<std::int64_t> at_once;  // pre-checkout queries: answered ahead of any backlog
  try {
    store_.transaction([&] {
      skipped.clear();
      at_once.clear();
      for (const auto& in : batch) {
        if (in.event) {
          const bool added = store_.inbox_add(id, in.update_id, core::event_to_json(*in.event));
          if (added && in.event->kind == core::EventKind::kPreCheckout) at_once.push_back(in.update_id);
        } else if (!in.parse_error.empty()) {  // raw updates the desk ignores are no errors
          skipped.push_back(fmt::format("update {} skipped: {}", in.update_id, in.parse_error));
          json::object record{{"update_id", in.update_id}, {"error", in.parse_error}};
          store_.append_event(id, 0, "malformed_update", json::serialize(record), now);
        }
      }
      if (also) also();
    });
  } catch (const store::StoreError& e) {
    store_failed(e.what());
    throw;
  }
  store_ok();
  auto c = connections_.find(id);
  for (const auto& line : skipped) {
    spdlog::warn("connection {}: {}", c != connections_.end() ? c->second.name : std::to_string(id), line);
  }
  if (!at_once.empty()) handle_at_once(id, at_once);
  wake(id);
}

void Inbox::handle_at_once(core::ConnectionId id, const std::vector<std::int64_t>& update_ids) {
  auto c = connections_.find(id);
  if (c == connections_.end() || stopped_) return;  // not drained here: the drain of its owner takes them
  try {
    std::vector<store::InboxEntry> entries;
    for (auto update_id : update_ids) {
      if (auto entry = store_.inbox_pending_update(id, update_id)) entries.push_back(std::move(*entry));
    }
    if (entries.empty()) return;
    c->second.handler(entries, core::unix_millis_now());
    handled_entries_ += static_cast<std::int64_t>(entries.size());
    if (hooks_.handled) hooks_.handled();
  } catch (const std::exception& e) {
    // Still pending: the drain takes them in their turn (and deals with the failure as usual).
    spdlog::warn("connection {}: a pre-checkout query waits for the inbox's drain: {}", c->second.name,
                 e.what());
  }
}

bool Inbox::add_event(core::ConnectionId id, const core::Event& event) {
  const bool added = store_.inbox_add(id, event.update_id, core::event_to_json(event));
  // Posted: when the caller is inside a transaction, the drain must see its commit.
  asio::post(executor_, [this, alive = alive_, id] {
    if (*alive) wake(id);
  });
  return added;
}

void Inbox::wake(core::ConnectionId id) {
  auto c = connections_.find(id);
  if (c == connections_.end() || stopped_) return;  // not ready yet: add_connection drains it
  if (!c->second.queued) {
    c->second.queued = true;
    ready_.push_back(id);
  }
  schedule_step();
}

void Inbox::wake_all() {
  // The store works again (someone else's call succeeded): a retry waiting out its backoff
  // runs now, not up to retry_max later.
  if (retry_timer_) retry_timer_->cancel();
  for (auto& [id, c] : connections_) wake(id);
}

void Inbox::stop() {
  stopped_ = true;
  if (retry_timer_) retry_timer_->cancel();
  pause_timer_.cancel();
  poll_timer_.cancel();
}

void Inbox::schedule_step() {
  if (step_posted_ || retry_timer_ || stopped_ || ready_.empty()) return;
  step_posted_ = true;
  auto run = [this, alive = alive_] {
    if (!*alive) return;
    step_posted_ = false;
    step();
  };
  if (pause_.count() <= 0) {
    asio::post(executor_, std::move(run));
    return;
  }
  pause_timer_.expires_after(pause_);
  pause_ = {};
  pause_timer_.async_wait([run = std::move(run)](const boost::system::error_code&) { run(); });
}

// One turn: one batch of the connection at the head of the queue, which goes to the back if
// it may have more.
void Inbox::step() {
  if (stopped_ || ready_.empty()) return;
  const core::ConnectionId id = ready_.front();
  ready_.pop_front();
  Connection& c = connections_.at(id);
  c.queued = false;
  try {
    const auto started = std::chrono::steady_clock::now();
    const int limit = batch_;
    auto entries = store_.inbox_pending(id, limit);
    if (!entries.empty()) {
      handle_batch(c, entries);
      if (static_cast<int>(entries.size()) == limit) wake(id);  // more may wait
      if (hooks_.handled) hooks_.handled();
      adapt_batch(std::chrono::steady_clock::now() - started, static_cast<int>(entries.size()) == limit);
      // A batch was committed. A read alone proves nothing: reads work while another
      // process holds the write lock.
      store_failures_ = 0;
      store_ok();
    }
  } catch (const store::LeaseLost& e) {
    spdlog::warn("connection {}: another instance runs it now; its inbox is theirs", c.name);
    remove_connection(id);
    if (hooks_.lease_lost) hooks_.lease_lost(id);
  } catch (const store::StoreError& e) {
    on_store_error(id, e.what());
    return;
  }
  schedule_step();
}

void Inbox::adapt_batch(std::chrono::steady_clock::duration took, bool full) {
  const double busy = std::clamp(options_.max_busy, 0.05, 1.0);
  pause_ = full ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(took * ((1 - busy) / busy))
                : std::chrono::steady_clock::duration{};
  const int floor = std::clamp(options_.min_batch, 1, std::max(1, options_.batch));
  if (took > options_.turn_budget) {
    batch_ = std::max(floor, batch_ / 2);
  } else if (full && took < options_.turn_budget / 2) {
    batch_ = std::min(std::max(1, options_.batch), batch_ * 2);
  }
}

void Inbox::handle_batch(Connection& c, const std::vector<store::InboxEntry>& entries) {
  try {
    c.handler(entries, core::unix_millis_now());
  } catch (const store::StoreError&) {
    throw;
  } catch (const std::exception& e) {
    // Not the database: an entry the engine cannot handle. Find it, so the others go on.
    spdlog::error("connection {}: an inbox batch failed ({}); handling its entries one by one", c.name,
                  e.what());
    skip_failing_entries(c, entries);
  }
  handled_entries_ += static_cast<std::int64_t>(entries.size());
}

void Inbox::skip_failing_entries(Connection& c, const std::vector<store::InboxEntry>& entries) {
  for (const auto& entry : entries) {
    try {
      c.handler({entry}, core::unix_millis_now());
    } catch (const store::StoreError&) {
      throw;
    } catch (const std::exception& e) {
      spdlog::error("connection {}: inbox entry {} (update {}) cannot be handled and is skipped: {}", c.name,
                    entry.id, entry.update_id, e.what());
      store_.inbox_done(entry.id);
    }
  }
}

void Inbox::on_store_error(core::ConnectionId id, const std::string& what) {
  Connection& c = connections_.at(id);
  if (!c.queued) {  // its entries are still pending: first in line when the store works again
    c.queued = true;
    ready_.push_front(id);
  }
  backoff_ = core::Backoff{options_.retry_min, options_.retry_max}.delay(store_failures_++);
  if (log_limiter_.should_log(what)) {
    spdlog::error("inbox: the store failed ({}); entries stay pending, retrying within {} ms", what,
                  backoff_.count());
  }
  store_failed(what);
  retry_timer_ = std::make_unique<asio::steady_timer>(executor_, backoff_);
  // Also cancelled when the store works again (a commit succeeded): then it retries at once.
  retry_timer_->async_wait([this, alive = alive_](const boost::system::error_code&) {
    if (!*alive) return;
    retry_timer_.reset();
    schedule_step();
  });
}

void Inbox::store_failed(const std::string& what) {
  store_failing_ = true;
  if (hooks_.store_failed) hooks_.store_failed(what);
}

void Inbox::store_ok() {
  if (!store_failing_) return;
  store_failing_ = false;
  spdlog::info("inbox: the store works again");
  if (hooks_.store_ok) hooks_.store_ok();
  if (retry_timer_) retry_timer_->cancel();
}

}  // namespace topicdesk::relay
