// The broadcast sender (docs/broadcasts.md): sends running broadcasts to their recipients with
// what live traffic leaves of each bot's budget, keeps every recipient's state durable, posts
// and edits the progress message in General, and ends a broadcast (its engine posts the report).
//
// It runs inside the dispatcher's loop (Dispatcher::set_broadcasts) on the dispatcher's
// executor, after the loop turn has started the live outbox jobs, and shares the bot's
// FloodControl with them: a broadcast takes requests only while the bot's one-second window
// has room beyond `reserve_per_second`, so operator replies and first messages always find a
// slot within about a second. A recipient whose private chat is busy (a live call in flight,
// or its own per-chat bucket empty) waits.
//
// Durability: a batch of recipients is claimed ("sending") in one commit BEFORE any of their
// calls goes out; outcomes (sent with the copies' ids, blocked, failed) are committed after.
// At start, recipients found "sending" were in flight when the desk stopped: the Bot API cannot
// tell whether they arrived, so they are sent again once (the report says they may have
// arrived twice); one found "sending" after a second interrupted try fails as uncertain.
// A broadcast of a template (docs/broadcasts.md) sends the template's parts by the bot's file ids,
// rendered for each recipient with the functions a template to one user uses
// (crm::render_template, relay::template_values, crm::part_call); a recipient whose variables
// have no value and no fallback is skipped, naming them. The template is read again at each
// claim: once it is deleted, the broadcast stops and the rest are skipped.
// Users who blocked the bot are recorded (recipient "blocked", and the dialog's
// user_blocked_bot), so `/send all` leaves them out next time. With BROADCAST_MONTHLY_QUOTA set,
// no more users are claimed than the month leaves; a broadcast that uses it up pauses once its
// calls are over, and General is told.
//
// Threading: every member runs on the dispatcher's executor (a strand or single thread).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "core/token_bucket.h"
#include "crm/templates.h"
#include "relay/engine.h"
#include "store/store.h"
#include "telegram/bot_api.h"
#include "telegram/flood_control.h"

namespace topicdesk::relay {

struct BroadcastSenderOptions {
  // Requests of the bot's second left to live traffic (operator replies, first messages): the
  // broadcast takes a request only while the bot's window has more room than this. The window
  // counts the broadcast's own calls until a second after their answer (Window, below).
  int reserve_per_second = 1;
  // The broadcast's own pace is this far below the bot's ceiling, spread evenly over the second,
  // so that it never fills the window in a burst at the start of a second.
  int headroom_per_second = 1;
  // Recipients claimed per commit: the most a stop can leave in flight (besides calls already
  // answered whose outcome was not committed yet).
  int claim_batch = 8;
  int max_in_flight = 32;  // calls at once, all broadcasts together
  // Account connections (the account's own session sends): a slow default, since Telegram
  // limits and bans accounts that write to many people quickly (docs/broadcasts.md).
  double account_per_second = 0.5;
  core::UnixMillis progress_every = 5000;  // the progress message is edited at most this often
  core::UnixMillis reload_every = 500;     // broadcasts' states are read again this often
  core::UnixMillis hold_after_429 = 250;   // the broadcast's pause after a 429 (the chat waits retry_after)
  core::UnixMillis retry_after_error = 2000;  // a network or server error: the same recipient again
  int max_tries = 5;                          // network or server errors before a recipient fails
};

// What the dispatcher lends the sender for one connection.
struct BroadcastLane {
  const ConnectionContext* context = nullptr;
  telegram::BotApi* users_api = nullptr;  // copies to users: the account's session on accounts
  telegram::BotApi* group_api = nullptr;  // General: progress and report
  telegram::FloodControl* flood = nullptr;
  bool account = false;
};

class BroadcastSender {
 public:
  BroadcastSender(boost::asio::any_io_executor executor, store::Store& store,
                  BroadcastSenderOptions options = {});

  // Called when a call ends or there is something to commit (the dispatcher's wake).
  void set_wake(std::function<void()> wake) { wake_ = std::move(wake); }
  // One turn, after the live jobs of the dispatcher's turn were started. `chat_busy` tells
  // whether a live call to that chat is in flight.
  void turn(core::UnixMillis now, const std::map<core::ConnectionId, BroadcastLane>& lanes,
            const std::function<bool(core::ChatId)>& chat_busy);
  core::UnixMillis next_wake(core::UnixMillis now) const;
  // Calls in flight or outcomes not committed.
  bool busy() const { return in_flight_ > 0 || !outcomes_.empty() || !queued_.empty(); }
  void stop() { stopped_ = true; }

  // Told inside the commit that ends a broadcast (done or cancelled): the dispatcher makes it an
  // inbox event, and the broadcast's engine posts the report (the engine alone writes jobs).
  using EndReporter = std::function<void(const store::Broadcast& b)>;
  void set_end_reporter(EndReporter reporter) { end_reporter_ = std::move(reporter); }

 private:
  struct Queued {  // a claimed recipient waiting for its call
    store::BroadcastRecipient recipient;
    core::UnixMillis not_before = 0;
    int tries = 0;
  };
  struct Active {  // a broadcast the sender works on
    store::Broadcast broadcast;
    int in_flight = 0;
    bool exhausted = false;  // the last claim found nobody pending
    bool progress_in_flight = false;
    std::int64_t finished_at_start = 0;  // for the rate shown
    core::UnixMillis rate_since = 0;
    std::int64_t finished_since = 0;
    std::optional<store::Template> content;  // a template broadcast's template, read at each claim
  };

  void resolve_interrupted(core::ConnectionId connection, std::string_view language);
  void reload(core::UnixMillis now);
  bool commit_outcomes();
  void start_due(core::UnixMillis now, const std::map<core::ConnectionId, BroadcastLane>& lanes);
  void pump(Active& a, const BroadcastLane& lane, core::UnixMillis now,
            const std::function<bool(core::ChatId)>& chat_busy, int& budget);
  void progress(Active& a, const BroadcastLane& lane, core::UnixMillis now, bool final);
  void finish(Active& a, const BroadcastLane& lane, core::UnixMillis now);
  // `calls`: a template broadcast's parts rendered for the recipient (empty: copy the messages).
  boost::asio::awaitable<void> send(Active* a, BroadcastLane lane, Queued q,
                                    std::vector<crm::PartCall> calls);
  // The next part of a template to a recipient who got the first: waits for the chat's room,
  // and on a 429 or a network error tries again (the parts before it arrived).
  boost::asio::awaitable<telegram::ApiResult> send_next_part(const BroadcastLane& lane, core::ChatId chat,
                                                             const crm::PartCall& call);
  // A template broadcast's template as it is now, or the broadcast is abandoned (deleted, or media
  // an account cannot send): false.
  bool load_template(Active& a, const BroadcastLane& lane);
  boost::asio::awaitable<void> post_progress(std::int64_t broadcast_id, BroadcastLane lane, std::string text,
                                             core::MessageId edit);
  void outcome(std::function<void()> body);
  // A call of a broadcast went out, or its answer came (the bot's second, Window below).
  void call_started(core::ConnectionId connection, const BroadcastLane& lane, core::UnixMillis now);
  void call_answered(core::ConnectionId connection, core::UnixMillis now);
  std::int64_t quota_left(const Active& a, const BroadcastLane& lane, core::UnixMillis now);
  void quota_reached(Active& a, const BroadcastLane& lane, core::UnixMillis now);
  boost::asio::awaitable<void> post_notice(std::int64_t broadcast_id, BroadcastLane lane, std::string text);
  // Nobody else can get the content: the broadcast is cancelled, its recipients not sent yet
  // skipped with `skip_error`.
  void abandon_source(Active& a, const std::string& why, const std::string& skip_error);

  boost::asio::any_io_executor executor_;
  store::Store& store_;
  BroadcastSenderOptions options_;
  std::function<void()> wake_;
  EndReporter end_reporter_;
  std::map<std::int64_t, Active> active_;        // running, paused, scheduled, cancelled-unfinished
  std::deque<Queued> queued_;                    // claimed, not called yet (or waiting to retry)
  std::vector<std::function<void()>> outcomes_;  // committed together in the next turn
  core::TokenRate pace_of(const BroadcastLane& lane) const;  // per_second 0: not paced

  std::map<core::ConnectionId, core::TokenBucket> pace_;  // sends spread evenly over the second
  // The broadcast's own calls as Telegram's window may count them. Telegram counts a request
  // when it arrives, somewhere between the desk's call and its answer; a call held up on the
  // way (a busy network or server) arrives later than the desk's window says, and calls held
  // together arrive together. So a call counts from when it goes out until a second after its
  // answer: in flight, then in `answered_` (answer times, oldest first) for one second.
  struct Window {
    int in_flight = 0;
    std::deque<core::UnixMillis> sent;      // when calls went out, the last second
    std::deque<core::UnixMillis> answered;  // when answers came, the last second
    void prune(core::UnixMillis now);
  };
  std::map<core::ConnectionId, Window> windows_;
  core::UnixMillis room_at_ = 0;
  // A broadcast copy met a 429: this connection's broadcasts wait until then (live traffic does not).
  std::map<core::ConnectionId, core::UnixMillis>
      held_until_;                      // when a paced lane with work takes a send again (0: none waits)
  std::set<std::int64_t> source_gone_;  // broadcasts whose message to copy is gone
  int in_flight_ = 0;
  std::set<core::ConnectionId> resolved_;  // lanes whose last runner's in-flight window is resolved
  bool stopped_ = false;
  core::UnixMillis loaded_at_ = 0;
  core::UnixMillis retry_commit_at_ = 0;
  int commit_failures_ = 0;
};

}  // namespace topicdesk::relay
