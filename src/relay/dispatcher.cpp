#include "relay/dispatcher.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "core/presentation.h"
#include "core/utf8.h"
#include "core/event_json.h"
#include "relay/accounts.h"

namespace topicdesk::relay {
namespace asio = boost::asio;
namespace json = boost::json;
using core::UnixMillis;
using telegram::ApiResult;

namespace {

constexpr int kMaxBackoffShift = 20;

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Messages a job puts into its destination chat, for flood control.
int messages_of(std::string_view kind, const JobPayload& payload) {
  if (kind == job::kSetReaction || kind == job::kResolveUser) return 0;
  if (kind == job::kCreateTopic) return 1;  // the topic's service message; post_card counts the card
  if (kind == job::kCopyAlbumToTopic || kind == job::kCopyAlbumToUser) {
    return static_cast<int>(payload.message_ids.size());
  }
  return 1;
}

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

}  // namespace

UnixMillis unix_millis_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Dispatcher::Prepared {
  store::OutboxJob job;
  JobPayload payload;
  Connection* connection = nullptr;
  std::optional<store::Dialog> dialog;
  core::ChatId chat = 0;      // destination chat
  core::ThreadId thread = 0;  // topic used (group side), known once performing
};

Dispatcher::Dispatcher(asio::any_io_executor executor, store::Store& store, DispatcherOptions options)
    : executor_(std::move(executor)), store_(store), options_(options), wake_timer_(executor_) {}

Dispatcher::~Dispatcher() = default;

void Dispatcher::add_connection(const ConnectionContext& context, telegram::BotApi& api, telegram::FloodLimits limits,
                                telegram::BotApi* frontend) {
  Connection& c = connections_[context.id];
  c.context = context;
  c.api = &api;
  c.frontend = frontend;
  c.flood = std::make_unique<telegram::FloodControl>(limits);
  foreign_.clear();  // a connection added while running: its waiting jobs are no longer foreign
}

void Dispatcher::set_parameters(core::ConnectionId connection, core::Parameters params) {
  auto it = connections_.find(connection);
  if (it != connections_.end()) it->second.context.params = std::move(params);
}

void Dispatcher::notify() {
  asio::post(executor_, [this] { wake(); });
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
    flush_commits();
    UnixMillis now = unix_millis_now();
    dispatch_ready(now);
    publish_gauges(now);
    if (dirty_ || stopped_) continue;
    UnixMillis wake_at = next_wake(now);
    wake_timer_.expires_after(std::chrono::milliseconds(std::max<UnixMillis>(0, wake_at - now)));
    co_await wake_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  // Stopping: no new jobs start; calls in flight finish and their outcomes are recorded.
  while (executing_ > 0) {
    flush_commits();
    wake_timer_.expires_after(std::chrono::milliseconds(options_.idle_poll));
    co_await wake_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  flush_commits();
}

UnixMillis Dispatcher::next_wake(UnixMillis now) const {
  UnixMillis wake_at = now + options_.idle_poll;
  for (const auto& [id, at] : deferred_) wake_at = std::min(wake_at, at);
  auto retry = retry_times_.upper_bound(now);
  if (retry != retry_times_.end()) wake_at = std::min(wake_at, *retry);
  return std::max(wake_at, now + 1);
}

void Dispatcher::dispatch_ready(UnixMillis now) {
  std::erase_if(deferred_, [now](const auto& entry) { return entry.second <= now; });
  retry_times_.erase(retry_times_.begin(), retry_times_.upper_bound(now));
  while (static_cast<int>(in_flight_.size()) < options_.max_in_flight) {
    std::vector<std::int64_t> excluded(in_flight_.begin(), in_flight_.end());
    for (const auto& [id, at] : deferred_) excluded.push_back(id);
    excluded.insert(excluded.end(), foreign_.begin(), foreign_.end());
    int capacity = options_.max_in_flight - static_cast<int>(in_flight_.size());
    int limit = std::min(options_.fetch_batch, capacity);
    auto jobs = store_.outbox_ready(now, limit, excluded);
    for (auto& job : jobs) {
      if (static_cast<int>(in_flight_.size()) >= options_.max_in_flight) return;
      start_job(std::move(job), now);
    }
    if (static_cast<int>(jobs.size()) < limit) return;
  }
}

bool Dispatcher::start_job(store::OutboxJob job, UnixMillis now) {
  auto connection = connections_.find(job.connection_id);
  if (connection == connections_.end()) {
    foreign_.insert(job.id);  // another process (or a removed connection) owns it
    return false;
  }
  Prepared p;
  p.connection = &connection->second;
  p.job = std::move(job);
  auto payload = payload_from_json(p.job.payload);
  if (!payload) {
    finish_fail(p, payload.error().message, false);
    return false;
  }
  p.payload = std::move(*payload);
  if (p.payload.dialog != 0) {
    p.dialog = store_.dialog(p.payload.dialog);
    if (!p.dialog) {
      finish_fail(p, "dialog " + std::to_string(p.payload.dialog) + " not found", false);
      return false;
    }
  }
  const auto& context = p.connection->context;
  p.chat = p.payload.to == Side::kGroup ? context.group_id : p.dialog ? p.dialog->user_id : p.payload.chat;

  auto& flood = *p.connection->flood;
  int messages = messages_of(p.job.kind, p.payload);
  UnixMillis slot = flood.next_slot(p.chat, now, std::max(messages, 1));
  if (slot > now) {
    deferred_[p.job.id] = slot;
    count("flood", "deferred");
    return false;
  }
  if (messages > 0) flood.record_send(p.chat, now, messages);
  in_flight_.insert(p.job.id);
  ++executing_;
  asio::co_spawn(executor_, execute(std::move(p)), asio::detached);
  return true;
}

asio::awaitable<void> Dispatcher::execute(Prepared p) {
  try {
    co_await perform(p);
  } catch (const std::exception& error) {
    spdlog::error("outbox job {} ({}) failed unexpectedly: {}", p.job.id, p.job.kind, error.what());
    try {
      finish_retry(p, unix_millis_now() + options_.backoff_max, error.what());
    } catch (const std::exception& again) {
      spdlog::error("outbox job {}: could not record the failure: {}", p.job.id, again.what());
    }
  }
  // The job leaves in_flight_ when its outcome is committed (flush_commits).
  --executing_;
  wake();
}

asio::awaitable<ApiResult> Dispatcher::ensure_topic(Connection& c, store::Dialog& dialog) {
  const auto& context = c.context;
  auto person = store_.user(context.id, dialog.user_id).value_or(core::Person{.id = dialog.user_id});
  core::UserView view{person, dialog.pseudonym, context.params.hide_info};
  json::object params{{"chat_id", context.group_id},
                      {"name", core::topic_title(view, topic_status(dialog.status))},
                      {"icon_color", context.params.icon_color}};
  ApiResult created = co_await c.api->call(std::string("createForumTopic"), std::move(params));
  if (!created.ok) co_return created;
  core::ThreadId thread = 0;
  if (const auto* o = created.result.if_object()) {
    if (const auto* id = o->if_contains("message_thread_id"); id && id->is_int64()) thread = id->get_int64();
  }
  if (thread == 0) {
    created.ok = false;
    created.description = "createForumTopic answered without message_thread_id";
    co_return created;
  }
  store_.transaction([&] {
    auto current = store_.dialog(dialog.id);
    if (!current) return;
    current->thread_id = thread;
    current->topic_title = core::display_name(view);
    store_.update_dialog(*current);
    dialog = *current;
  });
  std::string start = store_.state_get(context.id, start_parameter_key(dialog.id)).value_or("");
  co_await post_card(c, dialog, thread, core::user_card(view, start));
  co_return created;
}

// The card goes right after the topic so it heads it. It counts against the group's flood
// budget; a 429 is waited out; if it still cannot be posted it becomes an outbox job, so it
// is late rather than lost.
asio::awaitable<void> Dispatcher::post_card(Connection& c, const store::Dialog& dialog, core::ThreadId thread,
                                            std::string text) {
  const auto group = c.context.group_id;
  for (int attempt = 0; attempt < kCardAttempts; ++attempt) {
    const auto now = unix_millis_now();
    if (const auto slot = c.flood->next_slot(group, now); slot > now) co_await sleep_until(slot);
    json::object params;  // filled key by key: GCC 12 mishandles braced JSON literals in coroutines
    params["chat_id"] = group;
    params["message_thread_id"] = thread;
    params["text"] = text;
    ApiResult card = co_await c.api->call(std::string("sendMessage"), std::move(params));
    c.flood->record_send(group, unix_millis_now());
    if (card.ok) co_return;
    if (card.error_code == 429) {
      c.flood->block_chat_until(group, unix_millis_now() + std::max(card.retry_after, 1) * 1000);
    } else if (!card.network_error() && card.error_code < 500) {
      break;  // Telegram refuses this card: retrying the same call cannot help
    }
  }
  spdlog::warn("connection {}: the card of dialog {} is queued to be posted later", c.context.name, dialog.id);
  JobPayload payload;
  payload.dialog = dialog.id;
  payload.to = Side::kGroup;
  payload.text = std::move(text);
  store_.outbox_add(make_job(c.context.id, job::kSendText, payload, kPriorityNewDialog, unix_millis_now()));
}

asio::awaitable<void> Dispatcher::sleep_until(core::UnixMillis when) {
  asio::steady_timer timer(executor_, std::chrono::milliseconds(std::max<core::UnixMillis>(0, when - unix_millis_now())));
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> Dispatcher::perform(Prepared& p) {
  if (p.payload.to == Side::kGroup && p.dialog) {
    if (p.payload.thread != 0) {
      p.thread = p.payload.thread;
    } else {
      if (p.dialog->thread_id == 0 && !co_await create_topic_for(p)) co_return;
      p.thread = p.dialog->thread_id;
    }
  }
  if (p.job.kind == job::kCreateTopic) {
    finish_done(p);
    co_return;
  }
  if (p.job.kind == job::kResolveUser) {  // accounts (issue 4)
    co_await resolve_user(p);
    co_return;
  }
  if (skipped_on_frontend(p)) co_return;  // accounts (issue 4)
  auto call = build_call(p);
  if (!call) co_return;  // finished without a call
  ApiResult result = co_await api_for(p).call(call->method, std::move(call->params));
  if (!result.ok) {
    co_await on_failure(p, result);
    co_return;
  }
  std::function<void()> record;
  if (call->record) record = [record = std::move(call->record), answer = std::move(result.result)] { record(answer); };
  finish_done(p, std::move(record));
}

asio::awaitable<bool> Dispatcher::create_topic_for(Prepared& p) {
  ApiResult created = co_await ensure_topic(*p.connection, *p.dialog);
  if (created.ok) co_return true;
  if (created.error_code >= 400 && created.error_code < 500 && created.error_code != 429) {
    // Missing rights, not a forum, no such chat: the operators must fix the group. Until then
    // the dialog's messages wait (never dropped), retried at the longest backoff.
    spdlog::error("connection {}: cannot create a topic for dialog {}: {}", p.connection->context.name,
                  p.dialog->id, created.description);
    finish_retry(p, unix_millis_now() + options_.backoff_max, created.description);
  } else {
    co_await on_failure(p, created);
  }
  co_return false;
}

core::MessageId Dispatcher::linked_message(const Prepared& p, core::MessageId source) {
  if (source == 0 || !p.dialog) return 0;
  if (p.payload.to == Side::kGroup) {
    auto link = store_.link_by_user_message(p.dialog->id, source);
    return link ? link->group_message_id : 0;
  }
  auto link = store_.link_by_group_message(p.connection->context.group_id, source);
  return link && link->dialog_id == p.dialog->id ? link->user_message_id : 0;
}

std::optional<Dispatcher::Call> Dispatcher::build_call(Prepared& p) {
  const std::string& kind = p.job.kind;
  if (kind == job::kCopyToTopic || kind == job::kCopyToUser || kind == job::kCopyAlbumToTopic ||
      kind == job::kCopyAlbumToUser) {
    return copy_call(p);
  }
  if (kind == job::kEditText || kind == job::kEditCaption || kind == job::kSetReaction ||
      kind == job::kInterceptEditText) {  // issue 4 follow-up: edits of intercepted copies
    return edit_call(p);
  }
  if (kind == job::kInterceptText || kind == job::kInterceptCopy) return intercept_call(p);  // issue 4
  if (kind == job::kAnnounceTopic) return announce_call(p);  // accounts (issue 4)
  Call call{.params = target_of(p)};
  if (kind == job::kSendText) {
    call.method = "sendMessage";
    call.params["text"] = p.payload.text;
  } else if (kind == job::kHookAnswer) {  // issue 5: a command hook's answer, sendMessage fields as JSON
    call.method = "sendMessage";
    boost::system::error_code ec;
    json::value fields = json::parse(p.payload.text, ec);
    if (ec || !fields.is_object()) {
      finish_fail(p, "malformed hook answer", false);
      return std::nullopt;
    }
    for (const auto& [key, value] : fields.get_object()) call.params[key] = value;
  } else if (kind == job::kSetTopicTitle) {
    call.method = "editForumTopic";
    call.params["name"] = topic_title_for(p);
  } else if (kind == job::kCloseTopic || kind == job::kReopenTopic) {
    call.method = kind == job::kCloseTopic ? "closeForumTopic" : "reopenForumTopic";
  } else {
    finish_fail(p, "unknown job kind " + kind, false);
    return std::nullopt;
  }
  return call;
}

boost::json::object Dispatcher::target_of(const Prepared& p) const {
  json::object target{{"chat_id", p.chat}};
  if (p.payload.to == Side::kGroup && p.thread != 0) target["message_thread_id"] = p.thread;
  return target;
}

// copyMessage / copyMessages; the result links each copy to its source.
Dispatcher::Call Dispatcher::copy_call(const Prepared& p) {
  const JobPayload& pl = p.payload;
  const bool to_group = pl.to == Side::kGroup;
  const core::DialogId dialog_id = p.dialog ? p.dialog->id : 0;
  // Runs later, in the commit of the job's outcome: captures values only.
  auto add_link = [this, connection_id = p.connection->context.id, dialog_id, to_group](core::MessageId source,
                                                                                      core::MessageId copy) {
    if (copy == 0) return;
    store::MessageLink link{.connection_id = connection_id, .dialog_id = dialog_id};
    link.user_message_id = to_group ? source : copy;
    link.group_message_id = to_group ? copy : source;
    link.direction = to_group ? store::LinkDirection::kUserToGroup : store::LinkDirection::kGroupToUser;
    store_.add_link(link);
  };
  Call call{.params = target_of(p)};
  call.params["from_chat_id"] = to_group ? (p.dialog ? p.dialog->user_id : pl.chat) : p.connection->context.group_id;
  if (p.job.kind == job::kCopyToTopic || p.job.kind == job::kCopyToUser) {
    call.method = "copyMessage";
    call.params["message_id"] = pl.message_id;
    if (auto reply = linked_message(p, pl.reply_to)) call.params["reply_parameters"] = reply_parameters(reply);
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

// --- intercepted messages (issue 4) ---
// The marked copy of a message the bot's program (or the account's owner) sent to the user:
// sendMessage of the marked text, or copyMessage with the marked caption (or, for content
// without a caption, the marker as an inline button). Linked like a user's message, so
// operators can reply to it and edits can follow it.
Dispatcher::Call Dispatcher::intercept_call(const Prepared& p) {
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
      json::object marker{{"text", "📤 intercepted"}, {"callback_data", "td:intercepted"}};
      call.params["reply_markup"] = json::object{{"inline_keyboard", json::array{json::array{marker}}}};
    }
  }
  if (auto reply = linked_message(p, pl.reply_to)) call.params["reply_parameters"] = reply_parameters(reply);
  call.record = [this, connection_id = p.connection->context.id, dialog_id = p.dialog ? p.dialog->id : 0,
                 source = pl.message_id](const json::value& result) {
    auto copy = message_id_of(result);
    if (copy == 0 || dialog_id == 0) return;
    store_.add_link(store::MessageLink{.connection_id = connection_id, .dialog_id = dialog_id,
                                       .user_message_id = source, .group_message_id = copy,
                                       .direction = store::LinkDirection::kIntercepted});
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
    for (const auto& emoji : pl.reactions) reactions.push_back(json::object{{"type", "emoji"}, {"emoji", emoji}});
    call.params["reaction"] = std::move(reactions);
  }
  return call;
}

// An explicit title, or the dialog's title with its current status marker.
std::string Dispatcher::topic_title_for(const Prepared& p) {
  if (!p.payload.text.empty() || !p.dialog) return p.payload.text;
  const auto& context = p.connection->context;
  auto person = store_.user(context.id, p.dialog->user_id).value_or(core::Person{.id = p.dialog->user_id});
  return core::topic_title({person, p.dialog->pseudonym, context.params.hide_info}, topic_status(p.dialog->status));
}

asio::awaitable<void> Dispatcher::on_failure(Prepared& p, const ApiResult& r) {
  UnixMillis now = unix_millis_now();
  Connection& c = *p.connection;
  std::string description = core::lower_ascii(r.description);
  bool to_group = p.payload.to == Side::kGroup;
  UnixMillis backoff =
      std::min(options_.backoff_max, options_.backoff_min << std::min(p.job.attempts, kMaxBackoffShift));

  if (r.error_code == 429) {
    UnixMillis until = now + std::max(1, r.retry_after) * 1000LL;
    c.flood->block_chat_until(p.chat, until);
    count("telegram", "429");
    finish_retry(p, until, r.description);
    co_return;
  }
  if (r.network_error() || r.error_code >= 500 || r.error_code == 401 || r.error_code == 404 || r.error_code == 409) {
    finish_retry(p, now + backoff, r.description);
    co_return;
  }
  if (to_group && p.dialog && (contains(description, "thread not found") || contains(description, "topic_deleted"))) {
    if (p.payload.thread != 0) {  // an old topic (LEAVE_CLOSED) is gone: nothing left to do there
      finish_done(p);
      co_return;
    }
    // The topic was deleted: forget it; the retry creates a new one with its card first.
    commit_later(p.job.id, [this, dialog_id = p.dialog->id, thread = p.thread, job_id = p.job.id, now,
                            error = r.description] {
      auto dialog = store_.dialog(dialog_id);
      if (dialog && dialog->thread_id == thread) {
        dialog->thread_id = 0;
        store_.update_dialog(*dialog);
      }
      store_.outbox_retry(job_id, now, error);
    });
    count(p.job.kind, "retried");
    retry_times_.insert(now);
    co_return;
  }
  if (to_group && contains(description, "topic_closed")) {
    json::object reopen_params{{"chat_id", p.chat}, {"message_thread_id", p.thread}};
    ApiResult reopened = co_await c.api->call(std::string("reopenForumTopic"), std::move(reopen_params));
    finish_retry(p, reopened.ok ? now : now + backoff, r.description);
    co_return;
  }
  if (contains(description, "message is not modified") || contains(description, "topic_not_modified")) {
    finish_done(p);
    co_return;
  }
  if (contains(description, "message to edit not found") || contains(description, "message to react not found")) {
    spdlog::info("connection {}: job {} ({}): {}", c.context.name, p.job.id, p.job.kind, r.description);
    finish_done(p);
    co_return;
  }
  if (!to_group && r.error_code == 403) {
    bool blocked = contains(description, "blocked");
    core::DialogId dialog_id = p.dialog ? p.dialog->id : 0;
    bool tell = p.dialog && p.payload.operator_message;
    commit_later(p.job.id, [this, dialog_id, blocked, tell, job_id = p.job.id, connection_id = c.context.id,
                            error = r.description, now] {
      if (dialog_id != 0 && blocked) {
        auto dialog = store_.dialog(dialog_id);
        if (dialog && !dialog->user_blocked_bot) {
          dialog->user_blocked_bot = true;
          store_.update_dialog(*dialog);
        }
      }
      store_.outbox_fail(job_id, error);
      if (tell) {
        std::string reason = blocked ? "the user blocked the bot." : error;
        store_.outbox_add(make_job(connection_id, job::kSendText,
                                   JobPayload{.dialog = dialog_id, .to = Side::kGroup,
                                              .text = core::notice::not_delivered(reason)},
                                   kPriorityOperatorReply, now));
      }
    });
    count(p.job.kind, "failed");
    co_return;
  }
  if (r.error_code == 403) {  // the bot lost the group: operators must fix it; never drop
    finish_retry(p, now + options_.backoff_max, r.description);
    co_return;
  }
  finish_fail(p, r.description, p.payload.operator_message);
  if (p.dialog && (p.job.kind == job::kCopyToTopic || p.job.kind == job::kCopyAlbumToTopic)) {
    // Something arrived that Telegram would not copy: the operators should know it exists.
    std::string text = core::notice::user_message_not_copied(r.description);
    core::DialogId dialog_id = p.dialog->id;
    commit_later(p.job.id, [this, connection_id = p.job.connection_id, dialog_id, text, now] {
      store_.outbox_add(make_job(connection_id, job::kSendText,
                                 JobPayload{.dialog = dialog_id, .to = Side::kGroup, .text = text},
                                 kPriorityNormal, now));
    });
  }
}

void Dispatcher::finish_done(const Prepared& p, std::function<void()> record) {
  commit_later(p.job.id, [this, job_id = p.job.id, record = std::move(record)] {
    if (record) record();
    store_.outbox_done(job_id);
  });
  count(p.job.kind, "done");
  UnixMillis waited = unix_millis_now() - p.job.created_at;
  if (!wait_sum_) {
    wait_sum_ = &core::Metrics::global().counter("topicdesk_outbox_wait_seconds_sum",
                                                 "Seconds from job creation to completion, summed");
  }
  wait_sum_->add(static_cast<double>(waited) / 1000.0);
}

void Dispatcher::finish_retry(const Prepared& p, UnixMillis not_before, const std::string& error) {
  commit_later(p.job.id, [this, job_id = p.job.id, not_before, error] { store_.outbox_retry(job_id, not_before, error); });
  retry_times_.insert(not_before);
  count(p.job.kind, "retried");
}

void Dispatcher::finish_fail(const Prepared& p, const std::string& error, bool tell_operators) {
  spdlog::warn("outbox job {} ({}) failed: {}", p.job.id, p.job.kind, error);
  core::DialogId dialog_id = tell_operators && p.dialog ? p.dialog->id : 0;
  commit_later(p.job.id, [this, job_id = p.job.id, connection_id = p.job.connection_id, dialog_id, error] {
    store_.outbox_fail(job_id, error);
    if (dialog_id != 0) {
      store_.outbox_add(make_job(connection_id, job::kSendText,
                                 JobPayload{.dialog = dialog_id, .to = Side::kGroup,
                                            .text = core::notice::not_delivered(error)},
                                 kPriorityOperatorReply, unix_millis_now()));
    }
  });
  count(p.job.kind, "failed");
}

void Dispatcher::commit_later(std::int64_t job_id, std::function<void()> body) {
  in_flight_.insert(job_id);  // stays excluded from outbox_ready until committed
  pending_commits_.push_back(PendingCommit{job_id, std::move(body)});
  wake();
}

void Dispatcher::flush_commits() {
  if (pending_commits_.empty()) return;
  std::vector<PendingCommit> batch;
  batch.swap(pending_commits_);
  try {
    store_.transaction([&] {
      for (auto& commit : batch) commit.body();
    });
  } catch (const std::exception& error) {
    // One bad outcome must not undo the others: record them one by one.
    spdlog::error("dispatcher: batch commit failed ({}), committing one by one", error.what());
    for (auto& commit : batch) {
      try {
        store_.transaction(commit.body);
      } catch (const std::exception& again) {
        spdlog::error("dispatcher: outcome of job {} not recorded: {}", commit.job_id, again.what());
      }
    }
  }
  for (const auto& commit : batch) in_flight_.erase(commit.job_id);
}

void Dispatcher::count(std::string_view kind, std::string_view result) {
  std::string key = std::string(kind) + "/" + std::string(result);
  auto it = counters_.find(key);
  if (it == counters_.end()) {
    std::string labels = "kind=\"" + std::string(kind) + "\",result=\"" + std::string(result) + "\"";
    auto& metric = core::Metrics::global().counter("topicdesk_outbox_jobs_total",
                                                   "Outbox jobs by kind and result (done, retried, failed, 429, deferred)",
                                                   labels);
    it = counters_.emplace(key, &metric).first;
  }
  it->second->add(1);
}

void Dispatcher::publish_gauges(UnixMillis now) {
  constexpr UnixMillis kGaugeInterval = 1000;
  if (now - gauges_published_at_ < kGaugeInterval) return;
  gauges_published_at_ = now;
  auto& metrics = core::Metrics::global();
  auto stats = store_.outbox_stats();
  metrics.gauge("topicdesk_outbox_depth", "Outbox jobs waiting to be sent").set(static_cast<double>(stats.pending));
  metrics.gauge("topicdesk_outbox_failed", "Outbox jobs that failed for good").set(static_cast<double>(stats.failed));
  metrics.gauge("topicdesk_outbox_oldest_age_seconds", "Age of the oldest pending outbox job")
      .set(stats.oldest_pending_created_at == 0 ? 0.0
                                                : static_cast<double>(now - stats.oldest_pending_created_at) / 1000.0);
  metrics.gauge("topicdesk_dispatcher_in_flight", "Bot API calls in flight").set(static_cast<double>(in_flight_.size()));
  metrics.gauge("topicdesk_dispatcher_flood_deferred", "Queues waiting for a flood-control slot")
      .set(static_cast<double>(deferred_.size()));
}

// --- accounts (issue 4) ---------------------------------------------------------------
// An account (or mtproto) connection has a second BotApi, its TDLib session. Whatever reads or
// writes the user's chat, or a message the session posted in the group, goes through it; the
// group's own calls (topics, titles, notices, cards, reactions) stay with the bot.

telegram::BotApi& Dispatcher::api_for(const Prepared& p) const {
  const Connection& c = *p.connection;
  if (c.frontend == nullptr) return *c.api;
  const std::string& kind = p.job.kind;
  bool frontend = p.payload.to == Side::kUser || kind == job::kCopyToTopic || kind == job::kCopyAlbumToTopic ||
                  kind == job::kInterceptCopy || kind == job::kEditText || kind == job::kEditCaption;
  return frontend ? *c.frontend : *c.api;
}

// TDLib sessions do not set reactions (docs/tdlib-subset.md): a reaction for the user is dropped.
bool Dispatcher::skipped_on_frontend(const Prepared& p) {
  if (p.connection->frontend == nullptr || p.job.kind != job::kSetReaction || p.payload.to != Side::kUser) return false;
  spdlog::debug("connection {}: reaction not mirrored to the user through the account", p.connection->context.name);
  finish_done(p);
  return true;
}

namespace {

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

}  // namespace

// /new: asks the account who @name or +phone is. Found or not, the answer goes back to the
// engine as a kUserResolved event in the connection's inbox; other failures retry.
asio::awaitable<void> Dispatcher::resolve_user(Prepared& p) {
  if (p.connection->frontend == nullptr) {
    finish_fail(p, "/new needs an account connection", false);
    co_return;
  }
  const std::string& query = p.payload.text;
  json::object params;
  if (query.starts_with('+')) params["phone"] = query;
  else params["username"] = query.starts_with('@') ? query.substr(1) : query;
  ApiResult r = co_await p.connection->frontend->call(std::string("resolveUser"), std::move(params));
  const bool not_found = !r.ok && (r.error_code == 400 || r.error_code == 404);
  if (!r.ok && !not_found) {
    co_await on_failure(p, r);
    co_return;
  }
  core::Event answer;
  answer.kind = core::EventKind::kUserResolved;
  answer.update_id = resolve_update_id(p.job.id);
  answer.date = unix_millis_now();
  answer.chat_id = p.connection->context.group_id;
  answer.text = query;
  if (r.ok) answer.from = person_from_api_user(r.result);
  if (!r.ok) spdlog::info("connection {}: /new {}: {}", p.connection->context.name, query, r.description);
  const core::ConnectionId connection = p.connection->context.id;
  finish_done(p, [this, connection, answer = std::move(answer)] {
    store_.inbox_add(connection, answer.update_id, core::event_to_json(answer));
    // Runs after this commit: the dispatcher's executor is single-threaded.
    asio::post(executor_, [this, connection] {
      if (inbox_listener_) inbox_listener_(connection);
    });
  });
}

// sendMessage in General with the link of the dialog's topic (perform() made sure it exists).
Dispatcher::Call Dispatcher::announce_call(const Prepared& p) {
  Call call{.method = "sendMessage", .params = json::object{{"chat_id", p.chat}}};
  std::string link = topic_link(p.chat, p.thread);
  call.params["text"] = link.empty() ? p.payload.text : p.payload.text + "\n" + link;
  return call;
}

}  // namespace topicdesk::relay
