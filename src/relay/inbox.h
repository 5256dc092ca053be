// The inbox: the one writer of inbox rows and the one reader that feeds them to the engines.
//
// Writers. Transports hand over batches with commit() (the poller, webhook ingress and TDLib
// sessions, through the runtime); the proxy's intercepted events and the events the dispatcher
// feeds back (the answer to /new) come through add_event(), inside the caller's transaction.
// Nothing else calls Store::inbox_add. Every write schedules a drain of its connection.
//
// The drain runs on `executor` (a single-threaded io_context or a strand, the engines' one):
// one batch of one connection per turn, connections with work taken round robin, and an
// asio::post between batches, so a backlog of any size never holds the event loop (HTTP
// requests, timers, the dispatcher) longer than one batch, and a busy connection cannot starve
// a quiet one.
//
// Entries that cannot wait their turn: a pre-checkout query (Telegram cancels the payment unless
// it is answered within 10 seconds) is handed to its engine by commit() itself, right after the
// commit that made it durable, ahead of whatever backlog the connection's inbox holds; the
// drain takes it in order only if that fails (it is an ordinary pending entry until handled).
//
// Several instances: a connection is drained by the one instance that runs it (its lease);
// every batch is fenced through the engine (fencing.h), and a batch whose lease has moved
// leaves the connection's entries pending for the new owner.
//
// Store errors never end the process. commit() throws store::StoreError with nothing committed
// (the transport keeps its updates and delivers them again); the drain leaves the entries
// pending, logs (rate limited) and tries again after a backoff that doubles up to a cap. An
// entry that fails for another reason (a bug, not the database) is logged and marked done, as
// the engine does with a malformed entry, so it cannot hold back the connection.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/ids.h"
#include "relay/engine.h"
#include "store/store.h"
#include "telegram/log_limiter.h"
#include "telegram/update_parser.h"

namespace topicdesk::relay {

struct InboxOptions {
  // Entries per drain turn, one transaction (commits are the store's main cost), at most. The
  // batch shrinks while a turn takes longer than `turn_budget` (a slow disk, a busy machine)
  // and grows back when turns are quick: an HTTP request waits a few turns, not a few batches
  // of 256 on a machine that handles only a few thousand entries a second.
  int batch = 256;
  int min_batch = 8;
  std::chrono::milliseconds turn_budget{2};
  // While a backlog lasts the drain pauses after each turn, so it takes at most this share of
  // the event loop: in the pauses the loop is idle, requests that came in run at once, and on
  // a busy machine the OS keeps the desk responsive (it is not a CPU hog to the scheduler).
  double max_busy = 0.5;
  // Several instances on one database: other instances write entries for the connections this
  // one runs (the proxy's intercepted sends, command hooks' answers), so the drain also looks
  // at every connection this often. 0 (a desk alone): only its own writes wake it.
  std::chrono::milliseconds poll_every{0};
  std::chrono::milliseconds retry_min{100};
  std::chrono::milliseconds retry_max{std::chrono::seconds(30)};
};

struct InboxHooks {
  std::function<void()> handled;                              // a batch was handled: jobs may wait
  std::function<void(const std::string& what)> store_failed;  // a store call failed
  std::function<void()> store_ok;                             // a store call succeeded again
  // The drain found that another instance holds the connection's lease now (store::LeaseLost):
  // the connection has left the drain already.
  std::function<void(core::ConnectionId)> lease_lost;
};

class Inbox {
 public:
  // Handles entries (one transaction for all, marking each done), like Engine::handle_inbox_batch.
  using BatchHandler = std::function<void(const std::vector<store::InboxEntry>&, core::UnixMillis now)>;

  Inbox(boost::asio::any_io_executor executor, store::Store& store, InboxHooks hooks = {},
        InboxOptions options = {});
  ~Inbox();
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  // Entries of `id` go to `engine` (which must outlive the inbox); what a previous run stored
  // but did not handle is drained from now on. `name` is for log lines.
  void add_connection(core::ConnectionId id, std::string name, Engine& engine);
  void add_connection(core::ConnectionId id, std::string name, BatchHandler handler);
  // This instance stops running the connection (its lease moved to another instance): its
  // entries stay pending for the instance that runs it now.
  void remove_connection(core::ConnectionId id);

  // A transport's batch, in ONE transaction: the events into the inbox (duplicates ignored),
  // updates that could not be parsed recorded as "malformed_update" events, and `also` (the
  // proxy keeps raw updates for the bot's program). Returns once durable; throws (StoreError)
  // with nothing committed. Any thread-free caller on the executor.
  void commit(core::ConnectionId id, const std::vector<telegram::Incoming>& batch,
              const std::function<void()>& also = {});

  // One event made inside the desk (the proxy's intercepted sends, the dispatcher's answer to
  // /new), with its update_id set. Joins the caller's transaction when there is one; the drain
  // runs after it (posted). false: that update_id is in the inbox already.
  bool add_event(core::ConnectionId id, const core::Event& event);

  // Looks at the connection's inbox again (all connections: wake_all, which also cuts short
  // the wait after a store error: the caller knows the store works again).
  void wake(core::ConnectionId id);
  void wake_all();
  // Stops draining (entries stay pending for the next run).
  void stop();

  std::int64_t handled_entries() const { return handled_entries_; }  // for tests and metrics

 private:
  struct Connection {
    std::string name;
    BatchHandler handler;
    bool queued = false;  // in ready_
  };

  void schedule_step();
  void step();
  void handle_batch(Connection& connection, const std::vector<store::InboxEntry>& entries);
  void handle_at_once(core::ConnectionId id, const std::vector<std::int64_t>& update_ids);
  void adapt_batch(std::chrono::steady_clock::duration took, bool full);
  void skip_failing_entries(Connection& connection, const std::vector<store::InboxEntry>& entries);
  void on_store_error(core::ConnectionId id, const std::string& what);  // the drain's: backoff
  void store_failed(const std::string& what);
  void store_ok();

  boost::asio::any_io_executor executor_;
  store::Store& store_;
  InboxHooks hooks_;
  InboxOptions options_;
  std::map<core::ConnectionId, Connection> connections_;
  std::deque<core::ConnectionId> ready_;          // connections that may have pending entries, in turn order
  int batch_ = 0;                                 // the current batch size, between min_batch and batch
  std::chrono::steady_clock::duration pause_{0};  // before the next turn (max_busy)
  boost::asio::steady_timer pause_timer_;
  boost::asio::steady_timer poll_timer_;
  void schedule_poll();
  bool step_posted_ = false;
  bool stopped_ = false;
  bool store_failing_ = false;
  std::chrono::milliseconds backoff_{0};                    // the drain's last retry delay
  int store_failures_ = 0;                                  // in a row; 0 while the store works
  std::unique_ptr<boost::asio::steady_timer> retry_timer_;  // set while waiting after a store error
  std::int64_t handled_entries_ = 0;
  telegram::LogLimiter log_limiter_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // posted steps check it
};

}  // namespace topicdesk::relay
