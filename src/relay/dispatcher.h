// The dispatcher: sends outbox jobs to Telegram, in order per queue (one dialog and direction),
// within each bot's flood limits, and records outcomes (done, retry, failed) in the store.
//
// Threading: run() and notify()'s effects execute on `executor`, which must be a strand or a
// single-threaded io_context; the store is called inline there. notify() is safe anywhere.
//
// Guarantee (docs/architecture.md, "Delivery guarantee"): every job is sent until Telegram
// answers it, and a send whose outcome is unknown is never repeated blindly:
// - Before a call that is not safe to repeat (sends, copies, createForumTopic) the job is
//   marked started (outbox_start), and the mark is committed before the call goes out.
// - Outcomes are committed in one transaction per loop turn (with the turn's started marks);
//   while other calls are out and nothing starts, at most `outcome_gather` later (their jobs
//   count as in flight meanwhile). An outcome that cannot be committed keeps its job out of
//   dispatch (in memory) while the commit is retried with capped exponential backoff; while
//   commits fail, no new job starts. Repeated errors are logged a few lines a minute, with the
//   count of lines left out.
// - A job found marked started (a restart interrupted its call) is resolved by the rule in
//   docs/architecture.md: into the group it is sent again and says so (the marker line or
//   button, or a notice for an album); to a user it is sent again once and the topic is told
//   the user may have received it twice; after a second interrupted try it is not sent again,
//   it fails and the topic is told.
// - Topics: createForumTopic's thread id is committed, together with the user card as the next
//   step of the same job, before anything is posted in the topic.
// - At most `max_in_flight_per_group` calls are in flight into one group (when Telegram's flood
//   limits apply), one into a private chat.
// - Title changes are coalesced and paced (docs/labels.md): a set_topic_title job whose title the
//   topic already has (the one the desk last gave it, kept under topic_name_key) is done without
//   a call, so a backlog of changes does not spend the group's 20 messages a minute. A dialog's
//   title jobs have a queue of their own (title_queue_key, bulk priority), so they never wait in
//   front of its messages; they start only while the group's minute leaves a quarter of its
//   budget free (FloodControl::next_bulk_slot), so live messages always find room; a title job
//   never creates a topic; one whose dialog changed during its call runs again (finish_title).
//
// Failures are switched on telegram::ErrorKind: flood blocks the chat until retry_after and
// retries; network, 5xx, 401/404 and 409 retry with capped exponential backoff, without limit;
// a deleted topic is forgotten (the retry creates a new one with its card); a closed topic is
// reopened and the job retried; an edit that changes nothing, or whose message is gone, is
// done; a group that refuses (rights, kicked, not found) is retried at the longest backoff,
// never dropped; every other refusal fails the job (kept in the outbox). What the operators
// should learn (user blocked the bot, message not delivered / not copied, a repeat after a
// restart, the answer to /new) goes back to the engine as an event in the connection's inbox;
// the dispatcher never adds jobs.
//
// Helper bots (relay/group_posters.h, docs/helper-bots.md): a post a helper may make goes through
// a helper of the group with budget while the group is busy (GroupPosters::choose: the own bot's
// budget is kept for topics, titles and media); the copy's link names its poster, and its edits and reactions
// go through that poster. A helper Telegram refuses for good (rights, kicked, chat not found, its token
// revoked) leaves the rotation, is reported once (kHelperLeft) and the job is retried at once with another
// poster; a helper's 429 blocks only that helper. It writes outcome state, started marks, the next step of a
// job, and the dialog facts it learns: the thread id (set and cleared).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "core/metrics.h"
#include "relay/engine.h"
#include "relay/fencing.h"
#include "relay/group_posters.h"
#include "relay/jobs.h"
#include "store/store.h"
#include "telegram/bot_api.h"
#include "telegram/flood_control.h"

namespace topicdesk::relay {

class Inbox;
class BroadcastSender;

struct DispatcherOptions {
  int max_in_flight = 64;               // Bot API calls at once, all connections together
  int max_in_flight_per_group = 8;      // into one backend group (it takes 20 messages a minute)
  int max_in_flight_per_user = 1;       // into one private chat
  int fetch_batch = 256;                // jobs read per outbox_ready call
  core::UnixMillis backoff_min = 1000;  // Telegram retries and failed commits alike
  core::UnixMillis backoff_max = 60000;
  // Safety net for jobs whose not_before was set by an earlier run: the loop also wakes this
  // often when nothing else wakes it. notify() is the normal wake-up.
  core::UnixMillis idle_poll = 1000;
  // Group commit of outcomes: a call's outcome that no started mark carries to the store waits
  // while other calls are still out, at most this long, so that the answers of one burst are
  // committed together (docs/performance.md). Its job counts as in flight meanwhile.
  core::UnixMillis outcome_gather = 20;
  // Store errors logged per minute; the rest are counted and the count is logged.
  int error_lines_per_minute = 5;
  // After stop(), failed commits are retried this many times before the dispatcher gives up
  // (the jobs keep their started marks and the restart rule resolves them).
  int stop_commit_attempts = 5;
};

class Dispatcher {
 public:
  Dispatcher(boost::asio::any_io_executor executor, store::Store& store, DispatcherOptions options = {});
  ~Dispatcher();

  // Before or while run() runs (connections connect in parallel). `api` must outlive the
  // dispatcher. One FloodControl per connection (bot).
  // `frontend`, when given, is the connection's TDLib session (account or mtproto): every call
  // that touches the user's chat, or a copy the frontend made, goes through it (accounts.h,
  // Dispatcher::api_for); the group's own calls stay on `api`.
  void add_connection(const ConnectionContext& context, telegram::BotApi& api, telegram::FloodLimits limits,
                      telegram::BotApi* frontend = nullptr);
  void set_parameters(core::ConnectionId connection, core::Parameters params);
  // This instance stops running the connection (its lease moves to another instance): none of
  // its jobs starts from now on; calls in flight finish and their outcomes are committed
  // (fenced). add_connection runs it again. busy() counts its calls in flight and outcomes
  // not yet committed: a graceful hand-over waits for 0 before it releases the lease.
  void remove_connection(core::ConnectionId connection);
  std::size_t busy(core::ConnectionId connection) const;
  // Several instances on one database (fencing.h): every commit checks the leases of the
  // connections it writes for, and no call goes out once a lease may have moved on. An
  // outcome whose lease moved is left to the new owner. Null (the default): a desk alone.
  void set_fences(ConnectionFences* fences) { fences_ = fences; }
  // Whether this instance runs every configured connection now: then it reads the outbox
  // without naming its connections (a filtered read costs the database far more).
  void set_runs_every_connection(bool all) { runs_every_connection_ = all; }

  // New jobs were committed (or time moved): look at the outbox again. Thread-safe.
  void notify();
  // Another part of the desk found that the store works again: outcomes waiting out the
  // backoff after a failed commit are committed now (the backoff keeps growing if they fail
  // again). Thread-safe.
  void store_works();
  // The loop. After stop() it starts nothing new, lets the calls in flight finish, records
  // their outcomes and returns.
  boost::asio::awaitable<void> run();
  void stop();

  // Jobs whose call is in flight or whose outcome is not committed yet.
  std::size_t in_flight() const { return in_flight_.size(); }
  // Outcomes waiting for a commit that failed.
  std::size_t uncommitted() const { return pending_commits_.size(); }

  // Where reports for the engine go (delivery reports, the answer to /new): Inbox::add_event,
  // inside the commit of the outcome. Set before run(); the inbox must outlive the dispatcher.
  void set_inbox(Inbox& inbox) { inbox_ = &inbox; }
  // Broadcasts (broadcast_sender.h) run inside this loop, after each turn's live jobs, with what
  // those leave of each bot's budget. Set before run(); the sender must outlive the dispatcher.
  void set_broadcasts(BroadcastSender& sender);
  // The groups' helper bots: add them before or while run() runs, on the executor.
  GroupPosters& posters() { return posters_; }

 private:
  struct Connection {
    ConnectionContext context;
    telegram::BotApi* api = nullptr;
    telegram::BotApi* frontend = nullptr;  // the TDLib session, if any
    std::unique_ptr<telegram::FloodControl> flood;
    bool flood_limited = true;  // Telegram's limits apply (FloodLimits::enabled)
    bool active = true;         // false once removed: its jobs are another instance's
  };
  struct Prepared;  // a job with its parsed payload, dialog, destination and step
  // A Bot API call a job makes; `record` writes its result in the commit of the job's outcome.
  struct Call {
    std::string method;
    boost::json::object params;
    std::function<void(const boost::json::value& result)> record;
    // Set when the job goes on after this call: its next step's payload, from the answer.
    std::function<JobPayload(const boost::json::value& result)> next;
    std::optional<telegram::InputFile> file;  // uploaded beside the params (send_document)
    // Set for a file's download instead of a method (read_ids_file): its file_path and bound.
    std::optional<std::string> download;
    std::size_t download_max = 0;
  };
  using Builder = std::optional<Call> (Dispatcher::*)(Prepared&);  // nullopt: finished without a call
  struct KindSpec;
  static const KindSpec* spec_of(std::string_view kind);

  // One loop turn: reads ready jobs, commits the pending outcomes and the started marks of the
  // jobs about to start in ONE transaction, then starts their calls.
  void turn(core::UnixMillis now);
  std::vector<Prepared> select_ready(core::UnixMillis now);
  std::optional<Prepared> prepare(store::OutboxJob job, core::UnixMillis now);
  bool commit_turn(std::vector<Prepared>& starting, core::UnixMillis now);
  void store_recovered();  // a commit succeeded after failures: back to normal, say so
  void launch(Prepared prepared);
  boost::asio::awaitable<void> execute(Prepared prepared);
  boost::asio::awaitable<void> perform(Prepared& prepared);

  // The steps of a job: the topic (when the dialog has none), its card, then the kind's call.
  std::optional<Call> topic_call(Prepared& prepared);
  std::optional<Call> card_call(Prepared& prepared);
  std::optional<Call> nothing_call(Prepared& prepared);
  std::optional<Call> text_call(Prepared& prepared);
  std::optional<Call> hook_answer_call(Prepared& prepared);
  std::optional<Call> document_call(Prepared& prepared);
  std::optional<Call> title_call(Prepared& prepared);
  std::optional<Call> close_reopen_call(Prepared& prepared);
  std::optional<Call> copy_call(Prepared& prepared);
  std::optional<Call> edit_call(Prepared& prepared);  // nullopt: no linked copy, done
  // Coalescing (relay/coalescing.h): a user's queued plain texts go
  // into the group as one message; an edit of one part renders it whole again; a quote of a part
  // answers that part.
  void merge_queued_texts(Prepared& prepared, core::UnixMillis now);
  std::optional<Call> merged_call(Prepared& prepared);
  std::optional<Call> merged_edit_call(Prepared& prepared, core::MessageId copy);
  core::MessageId quoted_part(const Prepared& prepared, core::MessageId copy);
  std::optional<Call> intercept_call(Prepared& prepared);
  std::optional<Call> announce_call(Prepared& prepared);
  std::optional<Call> resolve_call(Prepared& prepared);
  std::optional<Call> story_call(Prepared& prepared);
  std::optional<Call> rating_call(Prepared& prepared);    // satisfaction ratings (relay/ratings.h)
  std::optional<Call> template_call(Prepared& prepared);  // a template's part (job::kTemplatePart)
  std::optional<Call> ids_file_call(Prepared& prepared);  // `/send file`'s document (job::kReadIdsFile)
  std::optional<Call> payment_call(Prepared& prepared);   // invoices, pre-checkouts, refunds
  // The kIdsFileRead event of a read_ids_file job: its request with `field` ("content" or "error").
  std::function<void()> ids_file_report(const Prepared& prepared, std::string_view field, std::string value);
  std::optional<Call> fields_call(Prepared& prepared, std::string method, boost::json::object params,
                                  const std::string& malformed);
  boost::json::object target_of(const Prepared& prepared) const;  // chat_id (+ topic) of the destination
  std::string topic_title_for(const Prepared& prepared);
  bool title_unchanged(const Prepared& prepared);  // the topic has that title already
  core::MessageId linked_message(const Prepared& prepared, core::MessageId source);
  void mark_repeated(const Prepared& prepared, Call& call) const;
  boost::asio::awaitable<void> on_failure(Prepared& prepared, const telegram::ApiResult& result);
  telegram::BotApi& api_for(const Prepared& prepared) const;
  // Helper bots (group_posters.h): picks the poster of a group call and says when it may go.
  core::UnixMillis choose_poster(Prepared& prepared, core::UnixMillis now);
  void record_send(const Prepared& prepared, core::UnixMillis now);
  bool helper_refused(Prepared& prepared, const telegram::ApiResult& result);  // true: handled

  // Outcomes are committed in batches, one transaction per loop turn (turn()).
  void finish_card_step(const Prepared& p);
  void finish_done(const Prepared& prepared, std::function<void()> record = {});
  void finish_next_step(const Prepared& prepared, JobPayload next, std::function<void()> record = {});
  void finish_title(const Prepared& prepared, std::function<void()> record);  // done, or again if changed
  void finish_retry(const Prepared& prepared, core::UnixMillis not_before, const std::string& error,
                    std::function<void()> record = {});
  void finish_fail(const Prepared& prepared, const std::string& error, bool report = false,
                   const telegram::ApiResult* answer = nullptr, bool uncertain = false);
  void report(core::ConnectionId connection, const core::Event& event);  // into the inbox
  std::function<void()> report_body(const Prepared& prepared, core::EventKind kind, std::string text,
                                    bool user_blocked, bool uncertain);
  void commit_later(const Prepared& p, std::function<void()> body);
  // The connections whose jobs this instance reads (several instances: those it runs).
  std::vector<core::ConnectionId> running_connections() const;
  struct PendingCommit;
  void fence(const std::vector<PendingCommit>& batch, const std::vector<Prepared>& starting);
  void drop_connection_work(const std::string& name, std::vector<PendingCommit>& batch,
                            std::vector<Prepared>& starting);
  void count(std::string_view kind, std::string_view result);
  core::UnixMillis next_wake(core::UnixMillis now) const;
  core::UnixMillis backoff(int failures) const;
  void log_error(const std::string& what, std::string_view error);  // rate-limited

  void wake();
  void publish_gauges(core::UnixMillis now);
  void publish_group_backlog(core::UnixMillis now);  // gauges per group, and the backlog notice
  void broadcasts_turn(core::UnixMillis now);        // the sender's share of a turn

  boost::asio::any_io_executor executor_;
  store::Store& store_;
  DispatcherOptions options_;
  std::map<core::ConnectionId, Connection> connections_;
  std::set<std::int64_t> in_flight_;                            // calls in flight and outcomes not committed
  std::map<core::ChatId, int> chat_in_flight_;                  // calls in flight per destination chat
  std::map<std::int64_t, core::UnixMillis> deferred_;           // job id → when its flood slot opens
  std::set<std::int64_t> foreign_;                              // jobs of connections this process lacks
  std::map<core::ConnectionId, core::UnixMillis> titles_held_;  // the group's title budget opens then
  std::set<std::int64_t> titles_waiting_;  // title jobs held by the title budget (a gauge)
  // Whether the engine was told the group's backlog is old (true) or cleared (false); none yet: unknown.
  std::map<core::ConnectionId, std::optional<bool>> backlog_told_;
  std::set<std::int64_t> unmerged_;              // heads whose merged send Telegram refused: sent alone
  std::multiset<core::UnixMillis> retry_times_;  // not_before of retries we scheduled
  boost::asio::steady_timer wake_timer_;
  int executing_ = 0;                               // execute() coroutines running
  std::map<core::ConnectionId, int> executing_of_;  // … per connection
  ConnectionFences* fences_ = nullptr;
  bool runs_every_connection_ = false;
  bool dirty_ = true;
  bool stopped_ = false;
  core::UnixMillis gauges_published_at_ = 0;
  struct PendingCommit {
    std::int64_t job_id = 0;
    core::ConnectionId connection = 0;
    std::function<void()> body;
  };
  std::vector<PendingCommit> pending_commits_;
  core::UnixMillis pending_since_ = 0;   // when the oldest of pending_commits_ was added
  int commit_failures_ = 0;              // consecutive failed commits (or store reads)
  core::UnixMillis store_retry_at_ = 0;  // while the store fails: no commit, no start before
  struct ErrorLog {
    core::UnixMillis minute_started = 0;
    int lines = 0;
    int suppressed = 0;
  } error_log_;
  Inbox* inbox_ = nullptr;
  BroadcastSender* broadcasts_ = nullptr;
  GroupPosters posters_;
  std::unordered_map<std::string, core::Metric*> counters_;
  core::Metric* wait_sum_ = nullptr;
  core::Metric* coalesced_parts_ = &core::Metrics::global().counter(
      "topicdesk_coalesced_parts_total", "User messages posted into the group as parts of a merged message");
  core::Metric* in_flight_gauge_ = &core::Metrics::global().gauge(
      "topicdesk_dispatcher_in_flight", "Bot API calls in flight and outcomes not yet committed");
};

}  // namespace topicdesk::relay
