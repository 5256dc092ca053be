#include "relay/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "core/backoff.h"
#include "core/clock.h"
#include "core/event_json.h"
#include "core/presentation.h"
#include "core/utf8.h"
#include "crm/broadcast.h"
#include "i18n/catalog.h"
#include "relay/accounts.h"
#include "relay/broadcast_sender.h"
#include "relay/coalescing.h"
#include "relay/inbox.h"
#include "relay/ownership.h"
#include "relay/ratings.h"
#include "store/lease_store.h"

namespace topicdesk::relay {
namespace asio = boost::asio;
namespace json = boost::json;
using core::UnixMillis;
using telegram::ApiResult;
using telegram::ErrorKind;

namespace {

constexpr UnixMillis kMinute = 60'000;
// How many times a template's copy for the topic waits for a topic being created.
constexpr int kTopicWaitAttempts = 5;

// What a job's own call puts into its destination chat, for flood control.
enum class Cost { kNone, kOne, kPerMessage };

// The steps of a job: the dialog's topic when it has none, its user card, then the job's call.
enum class Step { kTopic, kCard, kJob };

std::int64_t message_id_of(const json::value& result) {
  if (const auto* o = result.if_object()) {
    if (const auto* id = o->if_contains("message_id"); id && id->is_int64()) return id->get_int64();
  }
  return 0;
}

// Adds the stored formatting of an edited text under `key`. A malformed value is dropped: the
// plain text is still the right edit.
void add_entities(json::object& params, std::string_view key, const std::string& entities_json) {
  if (entities_json.empty()) return;
  boost::system::error_code ec;
  json::value entities = json::parse(entities_json, ec);
  if (!ec && entities.is_array()) params[key] = std::move(entities);
}

json::object reply_parameters(core::MessageId id) {
  return json::object{{"message_id", id}, {"allow_sending_without_reply", true}};
}

bool retried_as_is(ErrorKind kind) {
  return kind == ErrorKind::kNetwork || kind == ErrorKind::kServerError || kind == ErrorKind::kUnauthorized ||
         kind == ErrorKind::kConflict || kind == ErrorKind::kNone;
}

core::Person person_from_api_user(const json::value& result) {
  core::Person person;
  const auto* o = result.if_object();
  if (o == nullptr) return person;
  auto text = [o](std::string_view key) {
    const auto* v = o->if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  if (const auto* id = o->if_contains("id"); id && id->is_int64()) person.id = id->get_int64();
  if (const auto* bot = o->if_contains("is_bot"); bot && bot->is_bool()) person.is_bot = bot->get_bool();
  person.first_name = text("first_name");
  person.last_name = text("last_name");
  person.username = text("username");
  person.language_code = text("language_code");
  person.phone = text("phone_number");
  return person;
}

// The language of texts the dispatcher writes for operators: the connection's LANGUAGE.
template <class Connection>
std::string operators_language(const Connection* connection) {
  return connection != nullptr ? connection->context.params.language : std::string(i18n::kFallbackLanguage);
}

// The most a read_ids_file job's max_bytes may ask to download (the event carries it whole).
constexpr std::int64_t kMaxReadFile = 8 * 1024 * 1024;

// The kIdsFileRead event of read_ids_file job `job_id`: the engine's request as it was, and
// `field` ("content" or "error") = `value`.
core::Event ids_file_event(core::ChatId group, std::int64_t job_id, const json::value& request,
                           std::string_view field, std::string value, std::int64_t file_size = 0) {
  json::object out;
  out["request"] = request;
  out[field] = std::move(value);
  if (file_size > 0) out["file_size"] = file_size;
  core::Event e;
  e.kind = core::EventKind::kIdsFileRead;
  e.update_id = ids_file_update_id(job_id);
  e.date = core::unix_millis_now();
  e.chat_id = group;
  e.text = json::serialize(out);
  return e;
}

}  // namespace

// One row per job kind: how its call is built (the builder also says what the answer records),
// what it costs in flood control, whether sending it twice is harmless (then it needs no
// started mark), and whether an account connection makes it through its TDLib session.
struct Dispatcher::KindSpec {
  std::string_view kind;
  Builder build;
  Cost cost;
  bool repeat_safe;
  bool via_frontend;
};

namespace {
using D = Dispatcher;
}  // namespace

const Dispatcher::KindSpec* Dispatcher::spec_of(std::string_view kind) {
  static const KindSpec kKinds[] = {
      // kind                     builder                     cost              repeat-safe frontend
      {job::kCreateTopic, &D::nothing_call, Cost::kNone, true, false},  // the topic and card are steps
      {job::kCopyToTopic, &D::copy_call, Cost::kOne, false, true},
      {job::kCopyAlbumToTopic, &D::copy_call, Cost::kPerMessage, false, true},
      {job::kSetTopicTitle, &D::title_call, Cost::kOne, true, false},
      {job::kCloseTopic, &D::close_reopen_call, Cost::kOne, true, false},
      {job::kReopenTopic, &D::close_reopen_call, Cost::kOne, true, false},
      {job::kCopyToUser, &D::copy_call, Cost::kOne, false, false},
      {job::kCopyAlbumToUser, &D::copy_call, Cost::kPerMessage, false, false},
      {job::kSendText, &D::text_call, Cost::kOne, false, false},
      {job::kEditText, &D::edit_call, Cost::kOne, true, true},
      {job::kEditCaption, &D::edit_call, Cost::kOne, true, true},
      {job::kSetReaction, &D::edit_call, Cost::kNone, true, false},
      {job::kInterceptText, &D::intercept_call, Cost::kOne, false, false},
      {job::kInterceptCopy, &D::intercept_call, Cost::kOne, false, true},
      {job::kInterceptEditText, &D::edit_call, Cost::kOne, true, false},
      {job::kHookAnswer, &D::hook_answer_call, Cost::kOne, false, false},
      {job::kSendDocument, &D::document_call, Cost::kOne, false, false},
      {job::kAnnounceTopic, &D::announce_call, Cost::kOne, false, false},
      {job::kResolveUser, &D::resolve_call, Cost::kNone, true, false},  // a lookup, through the session
      {job::kPostStory, &D::story_call, Cost::kNone, false, false},     // through the session
      {job::kRatingQuestion, &D::rating_call, Cost::kOne, false, false},
      {job::kRatingQuestionEdit, &D::rating_call, Cost::kOne, true, false},
      {job::kAnswerButton, &D::rating_call, Cost::kNone, true, false},
      {job::kTemplatePart, &D::template_call, Cost::kPerMessage, false, false},
      {job::kReadIdsFile, &D::ids_file_call, Cost::kNone, true, false},  // getFile, then the download
      {job::kSendInvoice, &D::payment_call, Cost::kOne, false, false},
      {job::kAnswerPreCheckout, &D::payment_call, Cost::kNone, true, false},  // no chat: never waits for one
      {job::kRefundStarPayment, &D::payment_call, Cost::kNone, true, false},
  };
  for (const auto& spec : kKinds) {
    if (spec.kind == kind) return &spec;
  }
  return nullptr;
}

struct Dispatcher::Prepared {
  store::OutboxJob job;
  JobPayload payload;
  Connection* connection = nullptr;
  const KindSpec* spec = nullptr;
  std::optional<store::Dialog> dialog;
  core::ChatId chat = 0;      // destination chat
  core::ThreadId thread = 0;  // topic used (group side)
  Step step = Step::kJob;
  bool marked = false;  // not safe to repeat: marked started, committed before the call
  bool repeat = false;  // repeats a call a restart interrupted (docs/architecture.md)
  core::UserId poster = GroupPosters::kOwnBot;  // the helper bot that makes a group call, if any
  int messages = 0;                             // what the call costs in flood control
  // A merged send (relay/coalescing.h): every part, the head's first, and the jobs behind the head
  // it carries; they are marked started with it and finished in the commit of its outcome.
  std::vector<coalescing::Part> parts;
  std::vector<std::int64_t> merged;

  bool to_group() const { return payload.to == Side::kGroup; }
};

Dispatcher::Dispatcher(asio::any_io_executor executor, store::Store& store, DispatcherOptions options)
    : executor_(std::move(executor)), store_(store), options_(options), wake_timer_(executor_) {}

Dispatcher::~Dispatcher() = default;

void Dispatcher::add_connection(const ConnectionContext& context, telegram::BotApi& api,
                                telegram::FloodLimits limits, telegram::BotApi* frontend) {
  Connection& c = connections_[context.id];
  c.context = context;
  c.api = &api;
  c.frontend = frontend;
  // A connection run again (its lease came back) keeps its flood windows: calls of its earlier
  // run may still be in flight and count.
  if (!c.flood) c.flood = std::make_unique<telegram::FloodControl>(limits);
  c.flood_limited = limits.enabled;
  c.active = true;
  foreign_.clear();  // a connection added while running: its waiting jobs are no longer foreign
  wake();
}

std::vector<core::ConnectionId> Dispatcher::running_connections() const {
  // A desk alone, or an instance that runs every connection now: every job is ours (foreign_
  // skips the rest), and the unfiltered read is the cheap one (bench/README.md).
  if (fences_ == nullptr || runs_every_connection_) return {};
  std::vector<core::ConnectionId> ids;
  for (const auto& [id, c] : connections_) {
    if (c.active) ids.push_back(id);
  }
  if (ids.empty()) ids.push_back(0);  // none runs here: no job is ours (0 is no connection's id)
  return ids;
}

void Dispatcher::remove_connection(core::ConnectionId connection) {
  auto it = connections_.find(connection);
  if (it == connections_.end()) return;
  it->second.active = false;
  wake();
}

std::size_t Dispatcher::busy(core::ConnectionId connection) const {
  std::size_t n = 0;
  for (const auto& commit : pending_commits_) n += commit.connection == connection ? 1 : 0;
  return n + static_cast<std::size_t>(executing_of_.contains(connection) ? executing_of_.at(connection) : 0);
}

void Dispatcher::set_parameters(core::ConnectionId connection, core::Parameters params) {
  auto it = connections_.find(connection);
  if (it != connections_.end()) it->second.context.params = std::move(params);
}

void Dispatcher::set_broadcasts(BroadcastSender& sender) {
  broadcasts_ = &sender;
  sender.set_wake([this] { wake(); });
  // An ended broadcast is an event for its engine, which posts the report (engine_broadcasts.cpp).
  sender.set_end_reporter([this](const store::Broadcast& b) {
    auto it = connections_.find(b.connection_id);
    core::Event e;
    e.kind = core::EventKind::kBroadcastEnded;
    e.update_id = broadcast_ended_update_id(b.id);
    e.date = core::unix_millis_now();
    e.chat_id = it != connections_.end() ? it->second.context.group_id : 0;
    e.text = std::to_string(b.id);
    report(b.connection_id, e);
  });
}

void Dispatcher::broadcasts_turn(UnixMillis now) {
  if (broadcasts_ == nullptr) return;
  std::map<core::ConnectionId, BroadcastLane> lanes;
  for (auto& [id, c] : connections_) {
    if (!c.active || (fences_ != nullptr && !fences_->may_send(id))) continue;  // another instance's
    lanes[id] = BroadcastLane{.context = &c.context,
                              .users_api = c.frontend != nullptr ? c.frontend : c.api,
                              .group_api = c.api,
                              .flood = c.flood.get(),
                              .account = c.context.account};
  }
  if (stopped_) broadcasts_->stop();
  broadcasts_->turn(now, lanes, [this](core::ChatId chat) { return chat_in_flight_.contains(chat); });
}

void Dispatcher::notify() {
  asio::post(executor_, [this] { wake(); });
}

void Dispatcher::store_works() {
  asio::post(executor_, [this] {
    store_retry_at_ = 0;
    wake();
  });
}

void Dispatcher::wake() {
  dirty_ = true;
  wake_timer_.cancel();
}

void Dispatcher::stop() {
  asio::post(executor_, [this] {
    stopped_ = true;
    wake_timer_.cancel();
  });
}

asio::awaitable<void> Dispatcher::run() {
  while (!stopped_) {
    dirty_ = false;
    UnixMillis now = core::unix_millis_now();
    turn(now);
    broadcasts_turn(now);
    publish_gauges(now);
    if (dirty_ || stopped_) continue;
    UnixMillis wake_at = next_wake(now);
    wake_timer_.expires_after(std::chrono::milliseconds(std::max<UnixMillis>(0, wake_at - now)));
    co_await wake_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  // Stopping: no new jobs start; calls in flight finish and their outcomes are recorded.
  int failed_attempts = 0;
  while (executing_ > 0 || !pending_commits_.empty() || (broadcasts_ != nullptr && broadcasts_->busy())) {
    UnixMillis now = core::unix_millis_now();
    broadcasts_turn(now);  // records the outcomes of broadcast calls that end
    if (!pending_commits_.empty() && store_retry_at_ <= now) {
      std::vector<Prepared> none;
      if (!commit_turn(none, now) && ++failed_attempts >= options_.stop_commit_attempts && executing_ == 0) {
        spdlog::error(
            "dispatcher: stopping with {} outcomes not recorded; their jobs stay marked started and are "
            "resolved at the next start",
            pending_commits_.size());
        break;
      }
    }
    UnixMillis wait = executing_ > 0 ? options_.idle_poll : std::max<UnixMillis>(1, store_retry_at_ - now);
    wake_timer_.expires_after(std::chrono::milliseconds(std::min(wait, options_.idle_poll)));
    co_await wake_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

UnixMillis Dispatcher::next_wake(UnixMillis now) const {
  UnixMillis wake_at = now + options_.idle_poll;
  if (store_retry_at_ > now) return store_retry_at_;  // nothing starts before the store works
  for (const auto& [id, at] : deferred_) wake_at = std::min(wake_at, at);
  if (!pending_commits_.empty()) wake_at = std::min(wake_at, pending_since_ + options_.outcome_gather);
  auto retry = retry_times_.upper_bound(now);
  if (retry != retry_times_.end()) wake_at = std::min(wake_at, *retry);
  if (broadcasts_ != nullptr) wake_at = std::min(wake_at, broadcasts_->next_wake(now));
  return std::max(wake_at, now + 1);
}

UnixMillis Dispatcher::backoff(int failures) const {
  const core::Backoff policy{std::chrono::milliseconds(options_.backoff_min),
                             std::chrono::milliseconds(options_.backoff_max)};
  return policy.delay(failures - 1).count();
}

void Dispatcher::turn(UnixMillis now) {
  if (store_retry_at_ > now) return;  // the store failed: nothing commits or starts before then
  std::vector<Prepared> starting;
  if (!stopped_) {
    try {
      starting = select_ready(now);
    } catch (const std::exception& error) {
      ++commit_failures_;
      store_retry_at_ = now + backoff(commit_failures_);
      log_error("reading the outbox failed", error.what());
      return;
    }
  }
  if (!commit_turn(starting, now)) {
    for (const auto& p : starting) {  // not started: they are read again once the store works
      in_flight_.erase(p.job.id);
      if (--chat_in_flight_[p.chat] <= 0) chat_in_flight_.erase(p.chat);
    }
    return;
  }
  for (auto& p : starting) launch(std::move(p));
}

std::vector<Dispatcher::Prepared> Dispatcher::select_ready(UnixMillis now) {
  std::erase_if(deferred_, [now](const auto& entry) { return entry.second <= now; });
  retry_times_.erase(retry_times_.begin(), retry_times_.upper_bound(now));
  std::vector<Prepared> out;
  std::set<std::int64_t> chat_busy;  // ready, but their chat has enough calls in flight
  try {
    while (static_cast<int>(in_flight_.size()) < options_.max_in_flight) {
      std::vector<std::int64_t> excluded(in_flight_.begin(), in_flight_.end());
      for (const auto& [id, at] : deferred_) excluded.push_back(id);
      excluded.insert(excluded.end(), foreign_.begin(), foreign_.end());
      excluded.insert(excluded.end(), chat_busy.begin(), chat_busy.end());
      int capacity = options_.max_in_flight - static_cast<int>(in_flight_.size());
      int limit = std::min(options_.fetch_batch, capacity);
      auto jobs = store_.outbox_ready(now, limit, excluded, running_connections());
      for (auto& job : jobs) {
        if (static_cast<int>(in_flight_.size()) >= options_.max_in_flight) return out;
        std::int64_t id = job.id;
        if (is_title_queue(job.queue_key)) {
          // The title budget of this connection's group opens later: no need to read the job.
          auto held = titles_held_.find(job.connection_id);
          if (held != titles_held_.end() && held->second > now) {
            deferred_[id] = held->second;
            titles_waiting_.insert(id);
            continue;
          }
        }
        titles_waiting_.erase(id);
        auto p = prepare(std::move(job), now);
        if (!p) continue;
        // Without flood limits (a local Bot API server, benchmarks) a group takes what it gets.
        int group_bound =
            p->connection->flood_limited ? options_.max_in_flight_per_group : options_.max_in_flight;
        // A query's answer (pre-checkout) goes to no chat: only the overall cap holds it.
        int bound = p->chat == 0  ? options_.max_in_flight
                    : p->chat < 0 ? group_bound
                                  : options_.max_in_flight_per_user;
        int& busy = chat_in_flight_[p->chat];
        if (busy >= bound) {
          chat_busy.insert(id);
          if (static_cast<int>(chat_busy.size()) >= options_.fetch_batch)
            return out;  // enough read this turn
          continue;
        }
        ++busy;
        in_flight_.insert(id);
        // Counted now, not when the call starts, so that the next job of this turn for the same
        // chat sees it in flood control (a turn selects up to max_in_flight_per_group at once).
        // A turn whose commit fails starts nothing: its sends count for nothing sent, which only
        // delays the chat.
        if (p->messages > 0) record_send(*p, now);
        out.push_back(std::move(*p));
      }
      if (static_cast<int>(jobs.size()) < limit) break;
    }
  } catch (...) {
    for (const auto& p : out) {
      in_flight_.erase(p.job.id);
      if (--chat_in_flight_[p.chat] <= 0) chat_in_flight_.erase(p.chat);
    }
    throw;
  }
  return out;
}

// Reads what the job needs, decides its step and how a restart left it, and checks flood
// control. nullopt: not now (deferred, another process's, or finished without a call).
std::optional<Dispatcher::Prepared> Dispatcher::prepare(store::OutboxJob job, UnixMillis now) {
  auto connection = connections_.find(job.connection_id);
  if (connection == connections_.end() || !connection->second.active ||
      (fences_ != nullptr && !fences_->may_send(job.connection_id))) {
    foreign_.insert(job.id);  // another process (or a removed connection) owns it
    return std::nullopt;
  }
  Prepared p;
  p.connection = &connection->second;
  p.job = std::move(job);
  auto payload = payload_from_json(p.job.payload);
  if (!payload) {
    finish_fail(p, payload.error().message);
    return std::nullopt;
  }
  p.payload = std::move(*payload);
  p.spec = spec_of(p.job.kind);
  if (p.spec == nullptr) {
    finish_fail(p, "unknown job kind " + p.job.kind);
    return std::nullopt;
  }
  if (p.payload.dialog != 0) {
    p.dialog = store_.dialog(p.payload.dialog);
    if (!p.dialog) {
      finish_fail(p, "dialog " + std::to_string(p.payload.dialog) + " not found");
      return std::nullopt;
    }
  }
  const auto& context = p.connection->context;
  const bool title_queue = is_title_queue(p.job.queue_key);
  if (title_queue && p.dialog && p.dialog->thread_id == 0) {
    // A title job never creates a topic: it waits for the one the dialog's queue creates (which
    // gets the title of that moment; then this one finds it unchanged).
    finish_retry(p, now + backoff(p.job.attempts + 1), "waiting for the dialog's topic");
    return std::nullopt;
  }
  p.chat = p.to_group() ? context.group_id : p.dialog ? p.dialog->user_id : p.payload.chat;
  if (p.to_group() && p.payload.thread != 0) {
    p.thread = p.payload.thread;  // an explicit topic, also one without a dialog (the desk does not know it)
  } else if (p.to_group() && p.dialog) {
    p.thread = p.dialog->thread_id;
    if (p.thread == 0) p.step = Step::kTopic;
  }
  if (p.step == Step::kJob && !p.payload.card.empty()) p.step = Step::kCard;
  p.marked = p.step != Step::kJob || !p.spec->repeat_safe;
  p.messages = p.step != Step::kJob          ? 1
               : p.spec->cost == Cost::kNone ? 0
               : p.spec->cost == Cost::kPerMessage
                   ? std::max(1, static_cast<int>(p.payload.message_ids.size()))
                   : 1;
  if (p.step == Step::kTopic && p.job.kind == job::kTemplatePart) {
    // A template's copy for the topic never creates it (the dialog's own create_topic job does,
    // in the group queue): it waits a little for the topic, then the user's queue goes on without it.
    if (p.job.attempts >= kTopicWaitAttempts) {
      spdlog::info("connection {}: job {} ({}): the dialog has no topic; its copy there is left out",
                   context.name, p.job.id, p.job.kind);
      finish_done(p);
    } else {
      finish_retry(p, now + backoff(p.job.attempts + 1), "waiting for the dialog's topic");
    }
    return std::nullopt;
  }

  if (p.marked && p.job.started_at != 0) {
    // A restart interrupted this call: Telegram may or may not have it (docs/architecture.md).
    if (!p.to_group() && p.step == Step::kJob && p.job.restarts > 0) {
      spdlog::warn("connection {}: job {} ({}) was interrupted by a restart twice: not sent again",
                   context.name, p.job.id, p.job.kind);
      finish_fail(p, "interrupted by a restart twice; not sent again", true, nullptr, true);
      return std::nullopt;
    }
    p.repeat = true;
    spdlog::info("connection {}: job {} ({}) was in flight when the desk stopped: sent again", context.name,
                 p.job.id, p.job.kind);
  }

  if (p.step == Step::kJob && p.job.kind == job::kSetTopicTitle && title_unchanged(p)) {
    count(p.job.kind, "unchanged");
    finish_done(p);
    return std::nullopt;
  }

  // A query's answer (pre-checkout, Telegram waits 10 s) posts nothing: no flood slot to wait for.
  if (p.chat == 0 && p.step == Step::kJob && p.spec->cost == Cost::kNone) return p;
  auto& flood = *p.connection->flood;
  if (title_queue && p.step == Step::kJob) {
    // Titles wait for what live traffic leaves (FloodControl::next_bulk_slot); the other titles of
    // the group are not read again before then.
    UnixMillis slot = flood.next_bulk_slot(p.chat, now);
    if (slot > now) {
      titles_held_[p.job.connection_id] = slot;
      deferred_[p.job.id] = slot;
      titles_waiting_.insert(p.job.id);
      count("flood", "title_deferred");
      return std::nullopt;
    }
  }
  UnixMillis slot = choose_poster(p, now);  // the own bot's slot, or a helper's
  if (slot > now) {
    deferred_[p.job.id] = slot;
    count("flood", "deferred");
    return std::nullopt;
  }
  merge_queued_texts(p, now);
  return p;
}

// The user's plain texts queued right behind this one go with it as one message (COALESCE).
void Dispatcher::merge_queued_texts(Prepared& p, UnixMillis now) {
  // Without flood limits (a local Bot API server, benchmarks) nothing waits for the group's budget.
  if (p.step != Step::kJob || !p.to_group() || !p.dialog || !p.connection->context.params.coalesce ||
      !p.connection->flood_limited || p.connection->frontend != nullptr || unmerged_.contains(p.job.id))
    return;
  // Only a lane that is behind: texts sent in a quick row while the group has room go one by one.
  if (now - p.job.created_at < coalescing::kLaneBehindMs) return;
  auto head = coalescing::part_of(p.job.kind, p.payload);
  if (!head) return;
  std::vector<coalescing::Part> parts{*head};
  std::vector<std::int64_t> merged;
  for (const auto& next : store_.outbox_queue_next(p.job.queue_key, p.job.id, coalescing::kMaxParts - 1)) {
    auto payload = payload_from_json(next.payload);
    auto part = payload && next.not_before <= now ? coalescing::part_of(next.kind, *payload) : std::nullopt;
    if (!part) break;  // media, an album, a reply, a notice: the merge ends where it stands
    parts.push_back(std::move(*part));
    merged.push_back(next.id);
  }
  const std::size_t marker =
      core::utf16_length("\n\n") +
      core::utf16_length(delivery_notice::repeated_marker(p.connection->context.params.language));
  const std::size_t fit = coalescing::fitting(parts, coalescing::kMaxTextUnits, marker);
  if (fit < 2) return;
  parts.resize(fit);
  merged.resize(fit - 1);
  p.parts = std::move(parts);
  p.merged = std::move(merged);
}

// The pending outcomes and the started marks of the jobs about to start, in one transaction.
// false: nothing was started; the outcomes that could not be committed stay pending, and their
// jobs stay out of dispatch, until a later try after the backoff.
bool Dispatcher::commit_turn(std::vector<Prepared>& starting, UnixMillis now) {
  bool marks = std::any_of(starting.begin(), starting.end(), [](const Prepared& p) { return p.marked; });
  if (pending_commits_.empty() && !marks) return true;
  // Group commit: while other calls are out, the outcomes wait for theirs (bounded).
  if (!marks && !stopped_ && executing_ > 0 && now < pending_since_ + options_.outcome_gather) return true;
  std::vector<PendingCommit> batch;
  batch.swap(pending_commits_);
  try {
    for (;;) {
      try {
        store_.transaction([&] {
          fence(batch, starting);
          for (auto& commit : batch) commit.body();
          for (const auto& p : starting) {
            if (p.marked) store_.outbox_start(p.job.id, now, p.repeat);
            for (auto id : p.merged) store_.outbox_start(id, now, p.repeat);  // a merged send's parts
          }
        });
        break;
      } catch (const store::LeaseLost& lost) {
        drop_connection_work(lost.connection(), batch, starting);  // and commit the rest
      }
    }
  } catch (const std::exception& error) {
    ++commit_failures_;
    store_retry_at_ = now + backoff(commit_failures_);
    log_error("committing " + std::to_string(batch.size()) + " outcomes failed; no job starts until they are",
              error.what());
    // One outcome that cannot be committed must not hold back the others: try them alone. Not
    // while another process holds the write lock: every try would wait for it on the loop.
    const auto* store_error = dynamic_cast<const store::StoreError*>(&error);
    const bool locked = store_error != nullptr && store_error->kind() == store::StoreError::Kind::kBusy;
    std::vector<PendingCommit> left;
    for (auto& commit : batch) {
      if (batch.size() == 1 || locked) {
        left.push_back(std::move(commit));
        continue;
      }
      try {
        store_.transaction(commit.body);
        in_flight_.erase(commit.job_id);
      } catch (const std::exception&) {
        left.push_back(std::move(commit));
      }
    }
    if (batch.size() > 1 && left.empty()) {  // the store works again; the marks are made on the next turn
      store_recovered();
      dirty_ = true;
    }
    for (auto& commit : pending_commits_) left.push_back(std::move(commit));
    pending_commits_ = std::move(left);
    return false;
  }
  store_recovered();
  for (const auto& commit : batch) in_flight_.erase(commit.job_id);
  if (!batch.empty()) dirty_ = true;  // the next jobs of those queues may be ready
  return true;
}

void Dispatcher::fence(const std::vector<PendingCommit>& batch, const std::vector<Prepared>& starting) {
  if (fences_ == nullptr) return;
  std::set<core::ConnectionId> touched;
  for (const auto& commit : batch) touched.insert(commit.connection);
  for (const auto& p : starting) {
    if (p.marked) touched.insert(p.job.connection_id);
  }
  for (auto id : touched) fences_->check(id);
}

// Another instance holds `name` now: what this one still had to commit or start for it is
// left to the new owner (the jobs keep their started marks: the new owner resolves them as
// after a restart), and the connection leaves this dispatcher.
void Dispatcher::drop_connection_work(const std::string& name, std::vector<PendingCommit>& batch,
                                      std::vector<Prepared>& starting) {
  core::ConnectionId id = 0;
  for (auto& [cid, c] : connections_) {
    if (c.context.name == name) id = cid;
  }
  if (id == 0) throw store::LeaseLost(name);  // not one of ours: nothing to drop, a real failure
  spdlog::warn("connection {}: its lease moved to another instance; {} outcome(s) left to the new owner",
               name,
               std::count_if(batch.begin(), batch.end(), [id](const auto& c) { return c.connection == id; }));
  connections_.at(id).active = false;
  std::erase_if(batch, [&](const PendingCommit& commit) {
    if (commit.connection != id) return false;
    in_flight_.erase(commit.job_id);
    return true;
  });
  std::erase_if(starting, [&](const Prepared& p) {
    if (p.job.connection_id != id) return false;
    in_flight_.erase(p.job.id);
    if (--chat_in_flight_[p.chat] <= 0) chat_in_flight_.erase(p.chat);
    return true;
  });
}

void Dispatcher::store_recovered() {
  if (commit_failures_ > 0) {
    spdlog::info("dispatcher: the store commits again after {} failed attempts", commit_failures_);
    if (error_log_.suppressed > 0) {
      spdlog::error("dispatcher: {} similar errors were not logged", error_log_.suppressed);
      error_log_.suppressed = 0;
    }
  }
  commit_failures_ = 0;
  store_retry_at_ = 0;
}

void Dispatcher::launch(Prepared p) {
  ++executing_;
  ++executing_of_[p.job.connection_id];
  asio::co_spawn(executor_, execute(std::move(p)), asio::detached);
}

asio::awaitable<void> Dispatcher::execute(Prepared p) {
  try {
    co_await perform(p);
  } catch (const std::exception& error) {
    log_error("outbox job " + std::to_string(p.job.id) + " (" + p.job.kind + ") failed unexpectedly",
              error.what());
    finish_retry(p, core::unix_millis_now() + options_.backoff_max, error.what());
  }
  // The job leaves in_flight_ when its outcome is committed (commit_turn).
  if (--chat_in_flight_[p.chat] <= 0) chat_in_flight_.erase(p.chat);
  --executing_;
  if (--executing_of_[p.job.connection_id] <= 0) executing_of_.erase(p.job.connection_id);
  wake();
}

asio::awaitable<void> Dispatcher::perform(Prepared& p) {
  Builder build = p.step == Step::kTopic  ? &Dispatcher::topic_call
                  : p.step == Step::kCard ? &Dispatcher::card_call
                                          : p.spec->build;
  auto call = (this->*build)(p);
  if (!call) co_return;  // finished without a call
  auto next = std::move(call->next);
  if (p.repeat) mark_repeated(p, *call);
  const std::string method = call->method;
  if (fences_ != nullptr && !fences_->may_send(p.job.connection_id)) {
    // The lease may have moved on: this call is the new owner's to make (the job keeps its
    // started mark, so the new owner sends it again and says so). Nothing is recorded here.
    in_flight_.erase(p.job.id);
    co_return;
  }
  ApiResult result;
  if (call->file) {
    result = co_await api_for(p).upload(call->method, std::move(call->params), std::move(*call->file));
  } else if (call->download) {
    result = co_await api_for(p).download(*call->download, call->download_max);
  } else {
    result = co_await api_for(p).call(call->method, std::move(call->params));
  }
  if (!result.ok) {
    co_await on_failure(p, result);
    co_return;
  }
  std::function<void()> record;
  if (call->record) record = [record = std::move(call->record), answer = result.result] { record(answer); };

  if (p.step == Step::kTopic) {
    core::ThreadId thread = 0;
    if (const auto* o = result.result.if_object()) {
      if (const auto* id = o->if_contains("message_thread_id"); id && id->is_int64())
        thread = id->get_int64();
    }
    if (thread == 0) {
      finish_retry(p, core::unix_millis_now() + options_.backoff_max,
                   "createForumTopic answered without message_thread_id");
      co_return;
    }
    // The thread id and the card (the job's next step) in one commit, before anything is posted.
    finish_next_step(p, p.payload, std::move(record));
    co_return;
  }
  if (p.step == Step::kCard) {
    finish_card_step(p);
    co_return;
  }
  if (p.job.kind == job::kSetTopicTitle && p.payload.text.empty()) {
    finish_title(p, std::move(record));
    co_return;
  }
  // A repeat the message itself cannot show (a user's chat, an album) is told in the topic.
  const bool repeated = p.repeat || p.job.restarts > 0;
  if (repeated && p.dialog && p.marked && (!p.to_group() || method == "copyMessages")) {
    auto told = report_body(p, core::EventKind::kDeliveryRepeated, "", false, false);
    record = [record = std::move(record), told = std::move(told)] {
      if (record) record();
      told();
    };
  }
  if (next) {  // the job goes on (a template's part: its copy in the topic)
    finish_next_step(p, next(result.result), std::move(record));
    co_return;
  }
  finish_done(p, std::move(record));
}

telegram::BotApi& Dispatcher::api_for(const Prepared& p) const {
  if (auto* helper = posters_.api_of(p.chat, p.poster)) return *helper;
  const Connection& c = *p.connection;
  if (c.frontend == nullptr || p.step != Step::kJob) return *c.api;  // topics and cards are the bot's
  return !p.to_group() || p.spec->via_frontend ? *c.frontend : *c.api;
}

// ---- helper bots (group_posters.h) ------------------------------------------------------

UnixMillis Dispatcher::choose_poster(Prepared& p, UnixMillis now) {
  telegram::FloodControl* flood = p.connection->flood.get();
  const int messages = std::max(p.messages, 1);
  if (!p.to_group() || !posters_.serves(p.chat)) {
    return flood->next_slot(p.chat, now, messages);
  }
  const std::string& kind = p.job.kind;
  if (p.step == Step::kJob && (kind == job::kEditText || kind == job::kEditCaption ||
                               kind == job::kSetReaction || kind == job::kInterceptEditText)) {
    // The bot that posted the copy edits it (a dropped one's copies are left to the own bot).
    auto link = p.dialog ? store_.link_by_user_message(p.dialog->id, p.payload.message_id) : std::nullopt;
    if (link && posters_.flood_of(p.chat, link->poster_id) != nullptr) {
      p.poster = link->poster_id;
      flood = posters_.flood_of(p.chat, p.poster);
    }
    return flood->next_slot(p.chat, now, messages);
  }
  const UnixMillis own = flood->next_slot(p.chat, now, messages);
  const bool may = p.step == Step::kCard || (p.step == Step::kJob && p.connection->flood_limited &&
                                             helper_may_post(kind, !p.payload.text.empty()));
  if (!may) return own;
  // Quiet: nothing else is being posted into the group (in flight, or chosen earlier this turn)
  // and the own bot's minute there still has room for three quarters of its budget at once.
  auto busy = chat_in_flight_.find(p.chat);
  const bool quiet = (busy == chat_in_flight_.end() || busy->second <= 0) &&
                     flood->next_slot(p.chat, now, 3 * flood->bulk_reserve()) <= now;
  auto choice = posters_.choose(p.chat, own, now, messages, quiet);
  p.poster = choice.poster;
  return choice.slot;
}

void Dispatcher::record_send(const Prepared& p, UnixMillis now) {
  if (p.poster == GroupPosters::kOwnBot) p.connection->flood->record_send(p.chat, now, p.messages);
  if (p.chat < 0) posters_.record_send(p.chat, p.poster, now, p.messages);
}

// A helper's refusal is the helper's, not the group's: a 429 holds that helper only, and one
// refused for good leaves the rotation (told once in General). Either way the job is retried
// now and finds another poster. false: the failure is the call's own (an edit of a gone message).
bool Dispatcher::helper_refused(Prepared& p, const ApiResult& r) {
  UnixMillis now = core::unix_millis_now();
  if (r.kind == ErrorKind::kFlood) {
    if (auto* flood = posters_.flood_of(p.chat, p.poster))
      flood->block_chat_until(p.chat, now + std::max(1, r.retry_after) * 1000LL);
    count("telegram", "429");
    finish_retry(p, now, r.description);
    return true;
  }
  if (r.kind != ErrorKind::kNoRights && r.kind != ErrorKind::kChatNotFound &&
      r.kind != ErrorKind::kUserBlocked && r.kind != ErrorKind::kUnauthorized) {
    return false;
  }
  const GroupPosters::Helper* helper = posters_.helper(p.chat, p.poster);
  std::function<void()> told;
  if (posters_.drop(p.chat, p.poster) && helper != nullptr) {
    spdlog::warn("connection {}: helper bot {} was refused in group {} and leaves the rotation: {}",
                 p.connection->context.name, helper->bot_id, p.chat, r.description);
    core::Event e;
    e.kind = core::EventKind::kHelperLeft;
    e.update_id = helper_left_update_id(now);
    e.date = now;
    e.chat_id = p.chat;
    e.from = core::Person{.id = helper->bot_id, .is_bot = true, .username = helper->username};
    e.text = r.description;
    told = [this, connection = p.connection->context.id, e = std::move(e)] { report(connection, e); };
  }
  count("helper", "refused");
  finish_retry(p, now, r.description, std::move(told));
  return true;
}

// ---- calls ------------------------------------------------------------------------------

// createForumTopic; the answer's thread id becomes the dialog's, and the job's next step is
// the user card (computed here, committed with the thread id).
std::optional<Dispatcher::Call> Dispatcher::topic_call(Prepared& p) {
  const auto& context = p.connection->context;
  const store::Dialog& dialog = *p.dialog;
  auto person = store_.user(context.id, dialog.user_id).value_or(core::Person{.id = dialog.user_id});
  core::UserView view{person, dialog.pseudonym, context.params.hide_info, context.params.status_icons};
  Call call{.method = "createForumTopic"};
  call.params["chat_id"] = context.group_id;
  // The title carries the user's id (or, with HIDE_INFO, the pseudonym made from it), so a
  // topic a restart created twice can be recognised as this dialog's.
  std::string name = dialog_topic_title(store_, dialog, view, topic_status(dialog.status));
  call.params["name"] = name;
  call.params["icon_color"] = context.params.icon_color;
  std::string start = store_.state_get(context.id, start_parameter_key(dialog.id)).value_or("");
  p.payload.card = core::user_card(context.params.language, view, start);
  call.record = [this, connection = context.id, dialog_id = dialog.id, title = core::display_name(view),
                 name](const json::value& result) {
    core::ThreadId thread = 0;
    if (const auto* o = result.if_object()) {
      if (const auto* id = o->if_contains("message_thread_id"); id && id->is_int64())
        thread = id->get_int64();
    }
    auto current = store_.dialog(dialog_id);
    if (!current || thread == 0) return;
    current->thread_id = thread;
    current->topic_title = title;
    store_.update_dialog(*current);
    store_.state_set(connection, topic_name_key(thread), name);
  };
  return call;
}

// The card heads the topic: it is the step right after the topic, before the job's own call.
std::optional<Dispatcher::Call> Dispatcher::card_call(Prepared& p) {
  Call call{.method = "sendMessage"};
  call.params["chat_id"] = p.chat;
  call.params["message_thread_id"] = p.thread;
  call.params["text"] = p.payload.card;
  return call;
}

// create_topic: the topic and its card are the job's steps; nothing is left for the job itself.
std::optional<Dispatcher::Call> Dispatcher::nothing_call(Prepared& p) {
  finish_done(p);
  return std::nullopt;
}

std::optional<Dispatcher::Call> Dispatcher::text_call(Prepared& p) {
  Call call{.method = "sendMessage", .params = target_of(p)};
  call.params["text"] = p.payload.text;
  add_entities(call.params, "entities", p.payload.entities_json);  // a mention (UNANSWERED_ALERT)
  return call;
}

// A command hook's answer: the sendMessage fields as JSON.
std::optional<Dispatcher::Call> Dispatcher::hook_answer_call(Prepared& p) {
  return fields_call(p, "sendMessage", target_of(p), "malformed hook answer");
}

// A file the desk made, uploaded as a document with the payload's text as its caption.
std::optional<Dispatcher::Call> Dispatcher::document_call(Prepared& p) {
  Call call{.method = "sendDocument", .params = target_of(p)};
  if (!p.payload.text.empty()) call.params["caption"] = p.payload.text;
  call.file = telegram::InputFile{
      .field = "document", .file_name = p.payload.document_name, .bytes = p.payload.document};
  return call;
}

// Satisfaction ratings (relay/ratings.h): the payload's text holds the call's fields. All
// three act in the user's chat, so flood control counts them there, never in the group.
std::optional<Dispatcher::Call> Dispatcher::rating_call(Prepared& p) {
  const std::string malformed = "malformed " + p.job.kind + " fields";
  if (p.job.kind == job::kAnswerButton) return fields_call(p, "answerCallbackQuery", {}, malformed);
  if (p.job.kind == job::kRatingQuestion) return fields_call(p, "sendMessage", target_of(p), malformed);
  return fields_call(p, "editMessageText", {{"chat_id", p.chat}, {"message_id", p.payload.message_id}},
                     malformed);
}

// Payments (relay/engine_payments.cpp): the engine wrote each call's fields in the payload's text;
// sendInvoice gets its one price and the connection's provider token here (never stored).
std::optional<Dispatcher::Call> Dispatcher::payment_call(Prepared& p) {
  boost::system::error_code ec;
  json::value fields = json::parse(p.payload.text, ec);
  const json::object* f = ec ? nullptr : fields.if_object();
  if (f == nullptr) {
    finish_fail(p, "malformed " + p.job.kind + " fields");
    return std::nullopt;
  }
  auto field = [f](std::string_view key) { return f->contains(key) ? f->at(key) : json::value(); };
  if (p.job.kind == job::kAnswerPreCheckout) {
    Call call{.method = "answerPreCheckoutQuery",
              .params = {{"pre_checkout_query_id", field("query_id")}, {"ok", field("ok")}}};
    if (f->contains("error_message")) call.params["error_message"] = field("error_message");
    return call;
  }
  if (p.job.kind == job::kRefundStarPayment) {
    return Call{.method = "refundStarPayment",
                .params = {{"user_id", p.chat}, {"telegram_payment_charge_id", field("charge_id")}}};
  }
  Call call{.method = "sendInvoice", .params = target_of(p)};
  for (const char* key : {"title", "description", "payload", "currency"}) call.params[key] = field(key);
  call.params["prices"] = json::array{json::object{{"label", field("title")}, {"amount", field("amount")}}};
  const auto& token = p.connection->context.payment_provider_token;
  if (field("currency") != "XTR" && !token.empty()) call.params["provider_token"] = token;
  return call;
}

// A call whose fields the engine wrote as a JSON object in the payload's text, on top of
// `params`; a payload that is not one fails the job with `malformed`.
std::optional<Dispatcher::Call> Dispatcher::fields_call(Prepared& p, std::string method, json::object params,
                                                        const std::string& malformed) {
  boost::system::error_code ec;
  json::value fields = json::parse(p.payload.text, ec);
  if (ec || !fields.is_object()) {
    finish_fail(p, malformed);
    return std::nullopt;
  }
  Call call{.method = std::move(method), .params = std::move(params)};
  for (const auto& [key, value] : fields.get_object()) call.params[key] = value;
  return call;
}

// A template's part (job::kTemplatePart): to the user first, then (the next step) its copy in
// the topic, each copy linked to the user's as an operator's message is; a preview only posts.
std::optional<Dispatcher::Call> Dispatcher::template_call(Prepared& p) {
  boost::system::error_code ec;
  json::value calls = json::parse(p.payload.text, ec);
  const auto* o = ec ? nullptr : calls.if_object();
  const auto* side = o != nullptr ? o->if_contains(p.to_group() ? "topic" : "user") : nullptr;
  const auto* spec = side != nullptr ? side->if_object() : nullptr;
  const auto* method = spec != nullptr ? spec->if_contains("method") : nullptr;
  const auto* params = spec != nullptr ? spec->if_contains("params") : nullptr;
  if (method == nullptr || !method->is_string() || params == nullptr || !params->is_object()) {
    if (p.to_group() && o != nullptr && side == nullptr) {  // nothing for the topic: done
      finish_done(p);
      return std::nullopt;
    }
    finish_fail(p, "malformed template_part calls", true);
    return std::nullopt;
  }
  Call call{.method = std::string(method->get_string()), .params = target_of(p)};
  for (const auto& [key, value] : params->get_object()) call.params[key] = value;
  auto ids_of = [](const json::value& result) {
    std::vector<core::MessageId> ids;
    if (const auto* many = result.if_array()) {
      for (const auto& m : *many) ids.push_back(message_id_of(m));
    } else {
      ids.push_back(message_id_of(result));
    }
    return ids;
  };
  if (!p.to_group()) {
    if (p.dialog && o->contains("topic")) {
      call.next = [payload = p.payload, ids_of](const json::value& result) {
        JobPayload next = payload;
        next.to = Side::kGroup;
        next.message_ids = ids_of(result);
        return next;
      };
    }
    return call;
  }
  if (p.dialog && !p.payload.message_ids.empty()) {
    call.record = [this, connection_id = p.connection->context.id, dialog_id = p.dialog->id,
                   users = p.payload.message_ids, ids_of](const json::value& result) {
      auto copies = ids_of(result);
      for (std::size_t i = 0; i < copies.size() && i < users.size(); ++i) {
        if (copies[i] == 0 || users[i] == 0) continue;
        store_.add_link(store::MessageLink{.connection_id = connection_id,
                                           .dialog_id = dialog_id,
                                           .user_message_id = users[i],
                                           .group_message_id = copies[i],
                                           .direction = store::LinkDirection::kGroupToUser});
      }
    };
  }
  return call;
}

// Title changes are coalesced: each one posts a service message that counts against the
// group's 20 messages a minute, and a title is computed when its job runs (from the dialog's
// status then), so after a backlog (a store fault, a restart) the queued changes of a dialog
// all name the same title. The one the topic already has is not sent again.
// prepare() checks it before flood control, so a change not sent takes no slot.
bool Dispatcher::title_unchanged(const Prepared& p) {
  if (p.thread == 0) return false;
  return store_.state_get(p.connection->context.id, topic_name_key(p.thread)) == topic_title_for(p);
}

std::optional<Dispatcher::Call> Dispatcher::title_call(Prepared& p) {
  const auto connection = p.connection->context.id;
  std::string title = topic_title_for(p);
  Call call{.method = "editForumTopic", .params = target_of(p)};
  call.params["name"] = title;
  call.record = [this, connection, thread = p.thread, title](const json::value&) {
    if (thread != 0) store_.state_set(connection, topic_name_key(thread), title);
  };
  return call;
}

std::optional<Dispatcher::Call> Dispatcher::close_reopen_call(Prepared& p) {
  return Call{.method = p.job.kind == job::kCloseTopic ? "closeForumTopic" : "reopenForumTopic",
              .params = target_of(p)};
}

json::object Dispatcher::target_of(const Prepared& p) const {
  json::object target{{"chat_id", p.chat}};
  if (p.to_group() && p.thread != 0) target["message_thread_id"] = p.thread;
  return target;
}

core::MessageId Dispatcher::linked_message(const Prepared& p, core::MessageId source) {
  if (source == 0 || !p.dialog) return 0;
  if (p.to_group()) {
    auto link = store_.link_by_user_message(p.dialog->id, source);
    return link ? link->group_message_id : 0;
  }
  auto link = store_.link_by_group_message(p.connection->context.group_id, source);
  if (!link || link->dialog_id != p.dialog->id) return 0;
  if (auto quoted = quoted_part(p, source)) return quoted;  // a quote of a merged copy's part
  return link->user_message_id;
}

// copyMessage / copyMessages; the result links each copy to its source.
std::optional<Dispatcher::Call> Dispatcher::copy_call(Prepared& p) {
  if (!p.parts.empty()) return merged_call(p);
  const JobPayload& pl = p.payload;
  const bool to_group = p.to_group();
  const core::DialogId dialog_id = p.dialog ? p.dialog->id : 0;
  // Runs later, in the commit of the job's outcome: captures values only.
  auto add_link = [this, connection_id = p.connection->context.id, dialog_id, to_group, poster = p.poster](
                      core::MessageId source, core::MessageId copy) {
    if (copy == 0) return;
    store::MessageLink link{.connection_id = connection_id, .dialog_id = dialog_id, .poster_id = poster};
    link.user_message_id = to_group ? source : copy;
    link.group_message_id = to_group ? copy : source;
    link.direction = to_group ? store::LinkDirection::kUserToGroup : store::LinkDirection::kGroupToUser;
    store_.add_link(link);
  };
  Call call{.params = target_of(p)};
  call.params["from_chat_id"] =
      to_group ? (p.dialog ? p.dialog->user_id : pl.chat) : p.connection->context.group_id;
  if (p.poster != GroupPosters::kOwnBot && p.job.kind == job::kCopyToTopic) {
    // A helper cannot read the user's chat with the connection's bot: it posts the text.
    call.params.erase("from_chat_id");
    call.method = "sendMessage";
    call.params["text"] = pl.text;
    add_entities(call.params, "entities", pl.entities_json);
  }
  if (p.job.kind == job::kCopyToTopic || p.job.kind == job::kCopyToUser) {
    if (call.method.empty()) {
      call.method = "copyMessage";
      call.params["message_id"] = pl.message_id;
    }
    if (auto reply = linked_message(p, pl.reply_to))
      call.params["reply_parameters"] = reply_parameters(reply);
    call.record = [add_link, source = pl.message_id](const json::value& result) {
      add_link(source, message_id_of(result));
    };
    return call;
  }
  call.method = "copyMessages";
  json::array ids;
  for (auto id : pl.message_ids) ids.push_back(id);
  call.params["message_ids"] = std::move(ids);
  call.record = [add_link, sources = pl.message_ids](const json::value& result) {
    const auto* copies = result.if_array();
    if (copies == nullptr) return;
    // copyMessages skips what it cannot copy; pair the answers with the sources in order.
    for (std::size_t i = 0; i < copies->size() && i < sources.size(); ++i) {
      add_link(sources[i], message_id_of((*copies)[i]));
    }
  };
  return call;
}

// Several queued plain texts of the user as one message (relay/coalescing.h). Each part is linked
// to the one copy, the latest last (a reply to the copy answers the latest part); the parts are
// kept under coalesced_key so an edit renders the copy again and a quote finds its part. The jobs
// behind the head are done in the same commit.
std::optional<Dispatcher::Call> Dispatcher::merged_call(Prepared& p) {
  auto rendered = coalescing::render(p.parts);
  Call call{.method = "sendMessage", .params = target_of(p)};
  call.params["text"] = rendered.text;
  add_entities(call.params, "entities", rendered.entities_json);
  call.record = [this, connection_id = p.connection->context.id, dialog_id = p.dialog->id, parts = p.parts,
                 merged = p.merged, poster = p.poster](const json::value& result) {
    if (auto copy = message_id_of(result); copy != 0) {
      for (const auto& part : parts) {
        store_.add_link(store::MessageLink{.connection_id = connection_id,
                                           .dialog_id = dialog_id,
                                           .user_message_id = part.message_id,
                                           .group_message_id = copy,
                                           .direction = store::LinkDirection::kUserToGroup,
                                           .poster_id = poster});
      }
      store_.state_set(connection_id, coalescing::stored_key(copy), coalescing::to_json(parts));
    }
    for (auto id : merged) store_.outbox_done(id);
  };
  count(p.job.kind, "merged");
  coalesced_parts_->add(static_cast<double>(p.parts.size()));
  return call;
}

// An edit of one part of a merged copy: the whole copy with that part's new text. nullopt: the
// copy is no merged one.
std::optional<Dispatcher::Call> Dispatcher::merged_edit_call(Prepared& p, core::MessageId copy) {
  const auto connection = p.connection->context.id;
  auto stored = store_.state_get(connection, coalescing::stored_key(copy));
  auto parts = stored && !stored->empty() ? coalescing::from_json(*stored) : std::nullopt;
  if (!parts) return std::nullopt;
  bool found = false;
  for (auto& part : *parts) {
    if (part.message_id != p.payload.message_id) continue;
    part.text = p.payload.text;
    part.entities_json = p.payload.entities_json;
    found = true;
  }
  if (!found) return std::nullopt;
  auto rendered = coalescing::render(*parts);
  if (core::utf16_length(rendered.text) > coalescing::kMaxTextUnits) {
    rendered.text = core::utf16_truncate(rendered.text, coalescing::kMaxTextUnits);  // a longer edit
  }
  Call call{.method = "editMessageText", .params = json::object{{"chat_id", p.chat}, {"message_id", copy}}};
  call.params["text"] = rendered.text;
  add_entities(call.params, "entities", rendered.entities_json);
  call.record = [this, connection, copy, stored = coalescing::to_json(*parts)](const json::value&) {
    store_.state_set(connection, coalescing::stored_key(copy), stored);
  };
  return call;
}

// The part of merged copy `copy` an operator's quote lies in; 0: no quote, or no merged copy.
core::MessageId Dispatcher::quoted_part(const Prepared& p, core::MessageId copy) {
  if (p.payload.quote_position < 0) return 0;
  auto stored = store_.state_get(p.connection->context.id, coalescing::stored_key(copy));
  auto parts = stored && !stored->empty() ? coalescing::from_json(*stored) : std::nullopt;
  if (!parts || parts->empty()) return 0;
  return (*parts)[coalescing::part_at(coalescing::render(*parts), p.payload.quote_position)].message_id;
}

// An intercepted message (one the bot's program, or the account's owner, sent to the user):
// sendMessage of the marked text, or copyMessage with the marked caption (or, for content
// without a caption, the marker as an inline button). Linked like a user's message, so
// operators can reply to it and edits can follow it.
std::optional<Dispatcher::Call> Dispatcher::intercept_call(Prepared& p) {
  const JobPayload& pl = p.payload;
  Call call{.params = target_of(p)};
  if (p.job.kind == job::kInterceptText) {
    call.method = "sendMessage";
    call.params["text"] = pl.text;
    add_entities(call.params, "entities", pl.entities_json);
  } else {
    call.method = "copyMessage";
    call.params["from_chat_id"] = p.dialog ? p.dialog->user_id : pl.chat;
    call.params["message_id"] = pl.message_id;
    if (!pl.text.empty()) {
      call.params["caption"] = pl.text;
      add_entities(call.params, "caption_entities", pl.entities_json);
    } else {
      json::object marker{
          {"text", i18n::text(operators_language(p.connection), "notices.intercepted_button")},
          {"callback_data", "td:intercepted"}};
      call.params["reply_markup"] = json::object{{"inline_keyboard", json::array{json::array{marker}}}};
    }
  }
  if (auto reply = linked_message(p, pl.reply_to)) call.params["reply_parameters"] = reply_parameters(reply);
  call.record = [this, connection_id = p.connection->context.id, dialog_id = p.dialog ? p.dialog->id : 0,
                 source = pl.message_id, poster = p.poster](const json::value& result) {
    auto copy = message_id_of(result);
    if (copy == 0 || dialog_id == 0) return;
    store_.add_link(store::MessageLink{.connection_id = connection_id,
                                       .dialog_id = dialog_id,
                                       .user_message_id = source,
                                       .group_message_id = copy,
                                       .direction = store::LinkDirection::kIntercepted,
                                       .poster_id = poster});
  };
  return call;
}

// Edits and reactions act on the linked copy of the source message; without one there is nothing to do.
std::optional<Dispatcher::Call> Dispatcher::edit_call(Prepared& p) {
  const JobPayload& pl = p.payload;
  const std::string& kind = p.job.kind;
  core::MessageId message = linked_message(p, pl.message_id);
  if (message == 0) {
    spdlog::info("connection {}: {} of message {} skipped: no linked copy", p.connection->context.name, kind,
                 pl.message_id);
    finish_done(p);
    return std::nullopt;
  }
  if (kind == job::kEditText && p.to_group()) {
    if (auto whole = merged_edit_call(p, message)) return whole;  // a part of a merged copy
  }
  Call call{.params = json::object{{"chat_id", p.chat}, {"message_id", message}}};
  if (kind == job::kEditText || kind == job::kInterceptEditText) {
    call.method = "editMessageText";
    call.params["text"] = pl.text;
    add_entities(call.params, "entities", pl.entities_json);
  } else if (kind == job::kEditCaption) {
    call.method = "editMessageCaption";
    call.params["caption"] = pl.text;
    add_entities(call.params, "caption_entities", pl.entities_json);
  } else {
    call.method = "setMessageReaction";
    json::array reactions;
    for (const auto& emoji : pl.reactions)
      reactions.push_back(json::object{{"type", "emoji"}, {"emoji", emoji}});
    call.params["reaction"] = std::move(reactions);
  }
  return call;
}

// sendMessage in General with the link of the dialog's topic (its first step made sure it exists).
std::optional<Dispatcher::Call> Dispatcher::announce_call(Prepared& p) {
  Call call{.method = "sendMessage", .params = json::object{{"chat_id", p.chat}}};
  std::string link = topic_link(p.chat, p.thread);
  call.params["text"] = link.empty() ? p.payload.text : p.payload.text + "\n" + link;
  return call;
}

// /new: asks the account who @name or +phone is. Found (here) or not (on_failure), the answer
// goes back to the engine as a kUserResolved event in the connection's inbox.
std::optional<Dispatcher::Call> Dispatcher::resolve_call(Prepared& p) {
  if (p.connection->frontend == nullptr) {
    finish_fail(p, "/new needs an account connection");
    return std::nullopt;
  }
  const std::string& query = p.payload.text;
  Call call{.method = "resolveUser"};
  if (query.starts_with('+'))
    call.params["phone"] = query;
  else
    call.params["username"] = query.starts_with('@') ? query.substr(1) : query;
  call.record = [this, connection = p.connection->context.id, group = p.connection->context.group_id,
                 job_id = p.job.id, query](const json::value& result) {
    core::Event answer;
    answer.kind = core::EventKind::kUserResolved;
    answer.update_id = resolve_update_id(job_id);
    answer.date = core::unix_millis_now();
    answer.chat_id = group;
    answer.text = query;
    if (!result.is_null()) answer.from = person_from_api_user(result);
    report(connection, answer);
  };
  return call;
}

// /story: the account posts the photo or video of a General message as a story for the
// payload's users. Posted (here) or refused (on_failure: the result is Telegram's description),
// the outcome goes back to the engine as a kStoryPosted event in the connection's inbox.
std::optional<Dispatcher::Call> Dispatcher::story_call(Prepared& p) {
  if (p.connection->frontend == nullptr) {
    finish_fail(p, "/story needs an account connection");
    return std::nullopt;
  }
  const auto& context = p.connection->context;
  Call call{.method = "postStory"};
  call.params["from_chat_id"] = context.group_id;
  call.params["message_id"] = p.payload.message_id;
  if (!p.payload.text.empty()) call.params["caption"] = p.payload.text;
  json::array users;
  for (auto id : p.payload.user_ids) users.push_back(id);
  call.params["user_ids"] = std::move(users);
  call.record = [this, connection = context.id, group = context.group_id, job_id = p.job.id,
                 viewers = p.payload.user_ids.size(),
                 language = operators_language(p.connection)](const json::value& result) {
    core::Event answer;
    answer.kind = core::EventKind::kStoryPosted;
    answer.update_id = story_update_id(job_id);
    answer.date = core::unix_millis_now();
    answer.chat_id = group;
    const auto* posted = result.if_object();
    const auto* story = posted != nullptr ? posted->if_contains("story_id") : nullptr;
    if (story != nullptr && story->is_int64() && story->get_int64() != 0) {
      answer.message_id = story->get_int64();
      answer.text = std::to_string(viewers);
    } else {
      answer.text =
          result.is_string() ? std::string(result.get_string()) : i18n::text(language, "notices.story_no_id");
    }
    report(connection, answer);
  };
  return call;
}

// `/send file`: getFile names the document's path (and size: one over the bound is refused
// without a download), the next step downloads it; its text, or why not, goes back to the engine
// as a kIdsFileRead event. Both calls are safe to repeat; I/O stays out of the engine.
std::optional<Dispatcher::Call> Dispatcher::ids_file_call(Prepared& p) {
  boost::system::error_code ec;
  json::value parsed = json::parse(p.payload.text, ec);
  const json::object* job = !ec && parsed.is_object() ? &parsed.as_object() : nullptr;
  const json::value* file_id = job != nullptr ? job->if_contains("file_id") : nullptr;
  if (file_id == nullptr || !file_id->is_string()) {
    finish_fail(p, "read_ids_file: a payload without file_id");
    return std::nullopt;
  }
  if (const auto* error = job->if_contains("error"); error != nullptr && error->is_string()) {
    finish_done(p, ids_file_report(p, "error", std::string(error->get_string())));
    return std::nullopt;
  }
  // The bound: the job's max_bytes (a table's CSV), else a file of user ids' (never above kMaxReadFile).
  std::int64_t max_bytes = crm::kMaxIdsFileBytes;
  if (const auto* max = job->if_contains("max_bytes"); max != nullptr && max->is_int64())
    max_bytes = std::clamp<std::int64_t>(max->get_int64(), 1, kMaxReadFile);
  const bool as_base64 = job->contains("base64");  // content that may not be UTF-8
  if (const auto* path = job->if_contains("file_path"); path != nullptr && path->is_string()) {
    Call call;
    call.download = std::string(path->get_string());
    call.download_max = static_cast<std::size_t>(max_bytes);
    call.record = [this, connection = p.connection->context.id, group = p.connection->context.group_id,
                   job_id = p.job.id, as_base64,
                   request = job->contains("request") ? job->at("request")
                                                      : json::value()](const json::value& result) {
      std::string content = result.is_string() ? std::string(result.get_string()) : std::string();
      report(connection,
             ids_file_event(group, job_id, request, "content", as_base64 ? to_base64(content) : content));
    };
    return call;
  }
  Call call{.method = "getFile"};
  call.params["file_id"] = file_id->get_string();
  call.next = [payload = p.payload, job = *job, max_bytes,
               language = operators_language(p.connection)](const json::value& result) {
    JobPayload next = payload;
    json::object step = job;
    const auto* answer = result.if_object();
    const auto* size = answer != nullptr ? answer->if_contains("file_size") : nullptr;
    const auto* path = answer != nullptr ? answer->if_contains("file_path") : nullptr;
    if (size != nullptr && size->is_int64() && size->get_int64() > max_bytes) {
      step["file_size"] = size->get_int64();
      const std::string bytes = std::to_string(size->get_int64());
      step["error"] = job.contains("max_bytes")
                          ? i18n::text(language, "notices.document_too_big",
                                       {{"bytes", bytes}, {"max", std::to_string(max_bytes)}})
                          : i18n::text(language, "notices.ids_file_too_big",
                                       {{"bytes", bytes}, {"max", std::to_string(crm::kMaxIdsFileBytes)}});
    } else if (path == nullptr || !path->is_string() || path->get_string().empty()) {
      step["error"] = i18n::text(language, "notices.document_no_path");
    } else {
      step["file_path"] = *path;
    }
    next.text = json::serialize(step);
    return next;
  };
  return call;
}

std::function<void()> Dispatcher::ids_file_report(const Prepared& p, std::string_view field,
                                                  std::string value) {
  boost::system::error_code ec;
  json::value parsed = json::parse(p.payload.text, ec);
  json::value request;
  if (!ec && parsed.is_object()) {
    if (const auto* r = parsed.as_object().if_contains("request")) request = *r;
  }
  std::int64_t file_size = 0;
  if (!ec && parsed.is_object()) {
    if (const auto* size = parsed.as_object().if_contains("file_size"); size != nullptr && size->is_int64())
      file_size = size->get_int64();
  }
  core::Event e =
      ids_file_event(p.connection->context.group_id, p.job.id, request, field, std::move(value), file_size);
  return [this, connection = p.connection->context.id, e = std::move(e)] { report(connection, e); };
}

// An explicit title, or the dialog's title with its current status marker.
std::string Dispatcher::topic_title_for(const Prepared& p) {
  if (!p.payload.text.empty() || !p.dialog) return p.payload.text;
  const auto& context = p.connection->context;
  auto person = store_.user(context.id, p.dialog->user_id).value_or(core::Person{.id = p.dialog->user_id});
  return dialog_topic_title(
      store_, *p.dialog, {person, p.dialog->pseudonym, context.params.hide_info, context.params.status_icons},
      topic_status(p.dialog->status));
}

// A call into the group repeated after a restart says so: a line under a text, a button under
// a copy. An album cannot carry either (perform() has the topic told); a user never sees markers.
void Dispatcher::mark_repeated(const Prepared& p, Call& call) const {
  if (!p.to_group() || p.step == Step::kTopic || p.connection == nullptr) return;
  const std::string marker = delivery_notice::repeated_marker(p.connection->context.params.language);
  if (call.method == "sendMessage") {
    auto* text = call.params.if_contains("text");
    if (text != nullptr && text->is_string()) {
      *text = std::string(text->get_string()) + "\n\n" + marker;
    }
  } else if (call.method == "copyMessage") {
    json::object button{{"text", marker}, {"callback_data", delivery_notice::kRepeatedCallback}};
    json::value& markup = call.params["reply_markup"];
    if (!markup.is_object()) markup = json::object{{"inline_keyboard", json::array{}}};
    json::value& keyboard = markup.as_object()["inline_keyboard"];
    if (!keyboard.is_array()) keyboard = json::array{};
    keyboard.as_array().push_back(json::array{button});
  }
}

// ---- failures ---------------------------------------------------------------------------

asio::awaitable<void> Dispatcher::on_failure(Prepared& p, const ApiResult& r) {
  if (p.poster != GroupPosters::kOwnBot && helper_refused(p, r)) co_return;
  UnixMillis now = core::unix_millis_now();
  Connection& c = *p.connection;
  const bool to_group = p.to_group();
  const UnixMillis retry_backoff = backoff(p.job.attempts + 1);

  if (r.kind == ErrorKind::kFlood) {
    UnixMillis until = now + std::max(1, r.retry_after) * 1000LL;
    c.flood->block_chat_until(p.chat, until);
    count("telegram", "429");
    finish_retry(p, until, r.description);
    co_return;
  }
  if (retried_as_is(r.kind)) {
    finish_retry(p, now + retry_backoff, r.description);
    co_return;
  }
  if (r.kind == ErrorKind::kThreadNotFound && to_group && p.dialog) {
    if (p.payload.thread != 0) {  // an old topic (LEAVE_CLOSED) is gone: nothing left to do there
      finish_done(p);
      co_return;
    }
    // The topic was deleted: forget it; the retry creates a new one with its card first.
    finish_retry(p, now, r.description, [this, dialog_id = p.dialog->id, thread = p.thread] {
      auto dialog = store_.dialog(dialog_id);
      if (dialog && dialog->thread_id == thread) {
        dialog->thread_id = 0;
        store_.update_dialog(*dialog);
      }
    });
    co_return;
  }
  if (r.kind == ErrorKind::kTopicClosed && to_group) {
    json::object reopen_params;  // filled key by key: GCC 12 mishandles braced JSON literals in coroutines
    reopen_params["chat_id"] = p.chat;
    reopen_params["message_thread_id"] = p.thread;
    ApiResult reopened = co_await c.api->call(std::string("reopenForumTopic"), std::move(reopen_params));
    finish_retry(p, reopened.ok ? now : now + retry_backoff, r.description);
    co_return;
  }
  if (p.step == Step::kJob && p.job.kind == job::kReadIdsFile) {  // /send file: told in General
    spdlog::info("connection {}: /send file: {}", c.context.name, r.description);
    finish_done(p, ids_file_report(p, "error",
                                   i18n::text(operators_language(&c), "notices.document_not_given",
                                              {{"reason", r.description}})));
    co_return;
  }
  if (p.step == Step::kJob && p.job.kind == job::kPostStory) {  // /story: told in General
    spdlog::info("connection {}: /story: {}", c.context.name, r.description);
    Call call = *story_call(p);
    finish_done(p, [record = std::move(call.record), why = r.description] { record(json::value(why)); });
    co_return;
  }
  if (r.kind == ErrorKind::kNotModified) {
    if (p.step == Step::kJob && p.job.kind == job::kSetTopicTitle) {
      // The topic has that title already: remember it, so it is not sent again.
      Call call = *title_call(p);
      finish_done(p, [record = std::move(call.record)] { record(json::value(true)); });
      co_return;
    }
    finish_done(p);
    co_return;
  }
  if (r.kind == ErrorKind::kMessageNotFound && p.step == Step::kJob) {
    spdlog::info("connection {}: job {} ({}): {}", c.context.name, p.job.id, p.job.kind, r.description);
    finish_done(p);
    co_return;
  }
  // Telegram refuses this call for good.
  if (p.step == Step::kJob && p.job.kind == job::kResolveUser) {  // /new: nobody by that name
    spdlog::info("connection {}: /new {}: {}", c.context.name, p.payload.text, r.description);
    Call call = *resolve_call(p);
    finish_done(p, [record = std::move(call.record)] { record(json::value(nullptr)); });
    co_return;
  }
  if (p.step == Step::kTopic ||
      (to_group && (r.kind == ErrorKind::kNoRights || r.kind == ErrorKind::kChatNotFound ||
                    r.kind == ErrorKind::kUserBlocked))) {
    // Missing rights, not a forum, kicked, no such chat: the operators must fix the group.
    // Until then the dialog's messages wait (never dropped), retried at the longest backoff.
    log_error("connection " + c.context.name + ": the group refuses " + p.job.kind + " of job " +
                  std::to_string(p.job.id) + "; retried",
              r.description);
    finish_retry(p, now + options_.backoff_max, r.description);
    co_return;
  }
  if (p.step == Step::kCard) {  // Telegram refuses this card: the job goes on without it
    spdlog::warn("connection {}: the card of dialog {} was refused: {}", c.context.name, p.payload.dialog,
                 r.description);
    finish_card_step(p);
    co_return;
  }
  if (!p.merged.empty()) {  // Telegram refuses the merged message: its parts go one by one
    unmerged_.insert(p.job.id);
    finish_retry(p, now, r.description);
    co_return;
  }
  finish_fail(p, r.description, true, &r);
}

// ---- outcomes ---------------------------------------------------------------------------

// The card is posted (or refused): a topic job is done, any other job goes on without it.
void Dispatcher::finish_card_step(const Prepared& p) {
  if (p.job.kind == job::kCreateTopic) {
    finish_done(p);
    return;
  }
  JobPayload next = p.payload;
  next.card.clear();
  finish_next_step(p, std::move(next));
}

void Dispatcher::finish_done(const Prepared& p, std::function<void()> record) {
  commit_later(p, [this, job_id = p.job.id, record = std::move(record)] {
    if (record) record();
    store_.outbox_done(job_id);
  });
  count(p.job.kind, "done");
  UnixMillis waited = core::unix_millis_now() - p.job.created_at;
  if (!wait_sum_) {
    wait_sum_ = &core::Metrics::global().counter("topicdesk_outbox_wait_seconds_sum",
                                                 "Seconds from job creation to completion, summed");
  }
  wait_sum_->add(static_cast<double>(waited) / 1000.0);
}

// A title edit went through. In the commit of its outcome the title is computed again: when the
// dialog changed while the call was out (a status, an owner, a ticker), the job stays its
// queue's head and runs again; otherwise it is done. The engine adds no title job while one is
// pending (Engine::retitle), so this is what carries those changes; both read and write in one
// transaction, so no change falls between them.
void Dispatcher::finish_title(const Prepared& p, std::function<void()> record) {
  Prepared again = p;
  commit_later(p, [this, again = std::move(again), record = std::move(record)]() mutable {
    if (record) record();
    again.dialog = store_.dialog(again.payload.dialog);
    if (again.dialog && again.dialog->thread_id == again.thread && !title_unchanged(again)) {
      store_.outbox_continue(again.job.id, again.job.payload);
      return;
    }
    store_.outbox_done(again.job.id);
  });
  retry_times_.insert(core::unix_millis_now());
  count(p.job.kind, "done");
}

void Dispatcher::finish_next_step(const Prepared& p, JobPayload next, std::function<void()> record) {
  commit_later(p, [this, job_id = p.job.id, payload = payload_to_json(next), record = std::move(record)] {
    if (record) record();
    store_.outbox_continue(job_id, payload);
  });
  retry_times_.insert(core::unix_millis_now());
}

void Dispatcher::finish_retry(const Prepared& p, UnixMillis not_before, const std::string& error,
                              std::function<void()> record) {
  commit_later(p,
               [this, job_id = p.job.id, not_before, error, record = std::move(record), merged = p.merged] {
                 if (record) record();
                 store_.outbox_retry(job_id, not_before, error);
                 for (auto id : merged)
                   store_.outbox_retry(id, 0, error);  // their started marks go with the head's
               });
  retry_times_.insert(not_before);
  count(p.job.kind, "retried");
}

// `report`: the engine hears of it (kDeliveryFailed) and tells the operators what they should
// know; `answer` is Telegram's, when it refused.
void Dispatcher::finish_fail(const Prepared& p, const std::string& error, bool report,
                             const ApiResult* answer, bool uncertain) {
  spdlog::warn("outbox job {} ({}) failed: {}", p.job.id, p.job.kind, error);
  std::function<void()> told;
  if (report && p.dialog) {
    bool blocked = answer != nullptr && answer->kind == ErrorKind::kUserBlocked && answer->user_blocked;
    told = report_body(p, core::EventKind::kDeliveryFailed, error, blocked, uncertain);
  }
  commit_later(p, [this, job_id = p.job.id, error, told = std::move(told)] {
    store_.outbox_fail(job_id, error);
    if (told) told();
  });
  count(p.job.kind, "failed");
}

// An event for the engine in the connection's inbox, written in the commit of the outcome.
std::function<void()> Dispatcher::report_body(const Prepared& p, core::EventKind kind, std::string text,
                                              bool user_blocked, bool uncertain) {
  core::Event e;
  e.kind = kind;
  e.update_id = delivery_update_id(p.job.id, kind == core::EventKind::kDeliveryRepeated);
  e.date = core::unix_millis_now();
  e.chat_id = p.connection->context.group_id;
  e.text = std::move(text);
  e.delivery = core::DeliveryReport{.job_id = p.job.id,
                                    .dialog_id = p.dialog ? p.dialog->id : 0,
                                    .job_kind = p.job.kind,
                                    .to_user = !p.to_group(),
                                    .operator_message = p.payload.operator_message,
                                    .user_blocked = user_blocked,
                                    .uncertain = uncertain};
  return [this, connection = p.connection->context.id, e = std::move(e)] { report(connection, e); };
}

void Dispatcher::report(core::ConnectionId connection, const core::Event& event) {
  if (inbox_ == nullptr) {  // a wiring mistake (only a test can make it): say so, loudly
    spdlog::critical("dispatcher: no inbox to report {} of connection {} to", core::to_string(event.kind),
                     connection);
    return;
  }
  inbox_->add_event(connection, event);
}

void Dispatcher::commit_later(const Prepared& p, std::function<void()> body) {
  in_flight_.insert(p.job.id);  // stays excluded from outbox_ready until committed
  if (pending_commits_.empty()) pending_since_ = core::unix_millis_now();
  pending_commits_.push_back(PendingCommit{p.job.id, p.job.connection_id, std::move(body)});
  wake();
}

// A few lines a minute; the rest are counted, and the count is logged once the minute is over
// (or when the store works again).
void Dispatcher::log_error(const std::string& what, std::string_view error) {
  UnixMillis now = core::unix_millis_now();
  if (now - error_log_.minute_started >= kMinute) {
    if (error_log_.suppressed > 0) {
      spdlog::error("dispatcher: {} similar errors were not logged in the last minute",
                    error_log_.suppressed);
    }
    error_log_ = ErrorLog{.minute_started = now};
  }
  if (error_log_.lines >= options_.error_lines_per_minute) {
    ++error_log_.suppressed;
    return;
  }
  ++error_log_.lines;
  if (commit_failures_ > 0) {
    spdlog::error("dispatcher: {}: {} (failure {} in a row, next try in {} ms)", what, error,
                  commit_failures_, std::max<UnixMillis>(0, store_retry_at_ - now));
  } else {
    spdlog::error("dispatcher: {}: {}", what, error);
  }
}

void Dispatcher::count(std::string_view kind, std::string_view result) {
  std::string key = std::string(kind) + "/" + std::string(result);
  auto it = counters_.find(key);
  if (it == counters_.end()) {
    std::string labels = "kind=\"" + std::string(kind) + "\",result=\"" + std::string(result) + "\"";
    auto& metric = core::Metrics::global().counter(
        "topicdesk_outbox_jobs_total",
        "Outbox jobs by kind and result (done, retried, failed, 429, deferred)", labels);
    it = counters_.emplace(key, &metric).first;
  }
  it->second->add(1);
}

void Dispatcher::publish_gauges(UnixMillis now) {
  // Every turn: /metrics is read on the HTTP server's own thread at any moment, and between two
  // turns the count only falls (calls end, outcomes commit), so what it reads is never below
  // the calls whose outcome is not committed (what a kill may make the restart send again).
  in_flight_gauge_->set(static_cast<double>(in_flight_.size()));
  constexpr UnixMillis kGaugeInterval = 1000;
  if (now - gauges_published_at_ < kGaugeInterval) return;
  gauges_published_at_ = now;
  auto& metrics = core::Metrics::global();
  store::OutboxStats stats;
  try {
    stats = store_.outbox_stats();
  } catch (const std::exception& error) {
    log_error("reading outbox statistics failed", error.what());
    return;
  }
  metrics.gauge("topicdesk_outbox_depth", "Outbox jobs waiting to be sent")
      .set(static_cast<double>(stats.pending));
  metrics.gauge("topicdesk_outbox_failed", "Outbox jobs that failed for good")
      .set(static_cast<double>(stats.failed));
  metrics.gauge("topicdesk_outbox_oldest_age_seconds", "Age of the oldest pending outbox job")
      .set(stats.oldest_pending_created_at == 0
               ? 0.0
               : static_cast<double>(now - stats.oldest_pending_created_at) / 1000.0);
  metrics.gauge("topicdesk_dispatcher_flood_deferred", "Queues waiting for a flood-control slot")
      .set(static_cast<double>(deferred_.size()));
  metrics.gauge("topicdesk_title_backlog", "Topic title edits waiting for the title budget")
      .set(static_cast<double>(titles_waiting_.size()));
  metrics.gauge("topicdesk_dispatcher_uncommitted", "Outcomes waiting for a commit that failed")
      .set(static_cast<double>(pending_commits_.size()));
  publish_group_backlog(now);
}

// Each group's backlog (jobs queued for it) and the age of its oldest job, per connection; when
// that age passes BACKLOG_NOTICE the engine is told once, and again when the backlog cleared.
void Dispatcher::publish_group_backlog(UnixMillis now) {
  std::map<core::ConnectionId, store::OutboxBacklog> backlog;
  try {
    for (const auto& b : store_.outbox_backlog({":g", ":general", ":title"})) backlog[b.connection_id] = b;
  } catch (const std::exception& error) {
    log_error("reading the groups' backlog failed", error.what());
    return;
  }
  auto& metrics = core::Metrics::global();
  for (auto& [id, c] : connections_) {
    if (!c.active || (fences_ != nullptr && !fences_->may_send(id))) continue;  // another instance's
    const auto found = backlog.find(id);
    const std::int64_t jobs = found != backlog.end() ? found->second.jobs : 0;
    const UnixMillis age = jobs > 0 ? std::max<UnixMillis>(0, now - found->second.oldest_created_at) : 0;
    const std::string labels =
        "connection=\"" + c.context.name + "\",group=\"" + std::to_string(c.context.group_id) + "\"";
    metrics
        .gauge("topicdesk_group_backlog_jobs", "Outbox jobs waiting for the connection's backend group",
               labels)
        .set(static_cast<double>(jobs));
    metrics
        .gauge("topicdesk_group_backlog_oldest_seconds",
               "Age of the oldest job waiting for the backend group", labels)
        .set(static_cast<double>(age) / 1000.0);
    const int minutes = c.context.params.backlog_notice_minutes;
    const bool old = minutes > 0 && age >= static_cast<UnixMillis>(minutes) * kMinute;
    // Unknown after a start: the engine hears either way once (it keeps what it told in its state).
    std::optional<bool>& told = backlog_told_[id];
    if ((old && told != true) || (jobs == 0 && told != false)) {
      const std::optional<bool> before = told;
      told = old;
      core::Event e;
      e.kind = core::EventKind::kGroupBacklog;
      e.update_id = group_backlog_update_id(now);
      e.date = now;
      e.chat_id = c.context.group_id;
      e.text = json::serialize(
          json::object{{"state", old ? "old" : "cleared"}, {"jobs", jobs}, {"oldest_seconds", age / 1000}});
      try {
        const core::ConnectionId connection = id;  // a lambda may not capture a structured binding
        store_.transaction([&] { report(connection, e); });
      } catch (const std::exception& error) {
        told = before;  // reported again on the next look
        log_error("reporting the group's backlog failed", error.what());
      }
    }
  }
}

}  // namespace topicdesk::relay
