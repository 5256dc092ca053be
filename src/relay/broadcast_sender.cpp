#include "relay/broadcast_sender.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <limits>

#include "core/clock.h"
#include "core/presentation.h"
#include "crm/broadcast.h"
#include "crm/template_render.h"
#include "i18n/catalog.h"
#include "relay/template_values.h"

namespace topicdesk::relay {
namespace asio = boost::asio;
namespace json = boost::json;
using core::UnixMillis;
using store::BroadcastState;
using store::RecipientState;
using telegram::ErrorKind;

namespace {

constexpr int kReportPage = 1000;

const core::TimeZone& zone_of(const core::Parameters& params) {
  static const core::TimeZone kUtc;
  return params.working_hours ? params.working_hours->zone : kUtc;
}

std::vector<core::MessageId> copied_ids(const json::value& result) {
  std::vector<core::MessageId> out;
  auto one = [&out](const json::value& v) {
    if (const auto* o = v.if_object()) {
      if (const auto* id = o->if_contains("message_id"); id && id->is_int64()) out.push_back(id->get_int64());
    }
  };
  if (const auto* list = result.if_array()) {
    for (const auto& v : *list) one(v);
  } else {
    one(result);
  }
  return out;
}

// Messages one call delivers: an album's items, else one.
int messages_of(const crm::PartCall& call) {
  if (const auto* media = call.params.if_contains("media"); media && media->is_array())
    return std::max<int>(1, static_cast<int>(media->get_array().size()));
  return 1;
}

bool retried(ErrorKind kind) {
  return kind == ErrorKind::kNetwork || kind == ErrorKind::kServerError || kind == ErrorKind::kUnauthorized ||
         kind == ErrorKind::kConflict || kind == ErrorKind::kNone;
}

}  // namespace

// Times are whole milliseconds and Telegram's are not: an answer stamped t came at t + 0.x, so
// it leaves the second one millisecond later.
constexpr UnixMillis kCountedFor = 1001;

void BroadcastSender::Window::prune(UnixMillis now) {
  while (!sent.empty() && sent.front() + 1000 <= now) sent.pop_front();
  while (!answered.empty() && answered.front() + kCountedFor <= now) answered.pop_front();
}

void BroadcastSender::call_started(core::ConnectionId connection, const BroadcastLane& lane, UnixMillis now) {
  if (!lane.flood->enabled()) return;
  Window& w = windows_[connection];
  ++w.in_flight;
  w.sent.push_back(now);
}

void BroadcastSender::call_answered(core::ConnectionId connection, UnixMillis now) {
  auto w = windows_.find(connection);
  if (w == windows_.end() || w->second.in_flight == 0) return;
  --w->second.in_flight;
  w->second.answered.push_back(std::max(now, w->second.answered.empty() ? now : w->second.answered.back()));
}

BroadcastSender::BroadcastSender(asio::any_io_executor executor, store::Store& store,
                                 BroadcastSenderOptions options)
    : executor_(std::move(executor)), store_(store), options_(options) {}

void BroadcastSender::outcome(std::function<void()> body) {
  outcomes_.push_back(std::move(body));
  if (wake_) wake_();
}

core::TokenRate BroadcastSender::pace_of(const BroadcastLane& lane) const {
  if (lane.account) return {options_.account_per_second, 1.0};
  if (!lane.flood->enabled()) return {0, 0};
  return {static_cast<double>(std::max(1, lane.flood->bot_per_second() - options_.headroom_per_second)), 1.5};
}

UnixMillis BroadcastSender::next_wake(UnixMillis now) const {
  UnixMillis at = now + options_.reload_every;
  if (room_at_ != 0) at = std::min(at, room_at_);
  if (!outcomes_.empty()) at = std::min(at, std::max(now, retry_commit_at_));
  // Claimed recipients waiting for the budget wake with room_at_; these wait for their chat.
  for (const auto& q : queued_) {
    if (q.not_before > now) at = std::min(at, q.not_before);
  }
  for (const auto& [id, a] : active_) {
    if (a.broadcast.state == BroadcastState::kScheduled) at = std::min(at, a.broadcast.scheduled_at);
    if (a.broadcast.progress_message_id != 0)
      at = std::min(at, a.broadcast.progress_at + options_.progress_every);
  }
  return std::max(at, now + 1);
}

void BroadcastSender::turn(UnixMillis now, const std::map<core::ConnectionId, BroadcastLane>& lanes,
                           const std::function<bool(core::ChatId)>& chat_busy) {
  try {
    // A connection this sender starts running (at start, or when its lease comes to this
    // instance): the sends its last runner left in flight are resolved first.
    std::erase_if(resolved_, [&](core::ConnectionId id) { return !lanes.contains(id); });
    for (const auto& [id, lane] : lanes) {
      if (resolved_.contains(id)) continue;
      resolve_interrupted(id, lane.context->params.language);
      resolved_.insert(id);
    }
    if (stopped_) {
      // Claimed recipients whose call never started go back; the rest is committed.
      for (auto& q : queued_) {
        store::BroadcastRecipient r = q.recipient;
        r.state = RecipientState::kPending;
        if (q.tries == 0) r.attempts = std::max(0, r.attempts - 1);
        outcome([this, r] { store_.finish_broadcast_recipient(r); });
      }
      queued_.clear();
    }
    if (!outcomes_.empty() && now >= retry_commit_at_ && !commit_outcomes()) return;
    if (stopped_) return;
    if (now - loaded_at_ >= options_.reload_every) reload(now);
    start_due(now, lanes);
  } catch (const std::exception& error) {
    spdlog::error("broadcasts: reading or writing the store failed: {}", error.what());
    loaded_at_ = now;  // tried again at the next reload
    return;
  }
  // What each bot's second has left beyond live traffic's reserve, paced evenly over the
  // second (a burst at the start of each second would meet Telegram's window, which counts
  // arrivals, a few milliseconds off ours).
  std::map<core::ConnectionId, int> budget;
  room_at_ = 0;
  for (const auto& [id, lane] : lanes) {
    const bool working = std::any_of(active_.begin(), active_.end(), [id = id](const auto& entry) {
      const Active& a = entry.second;
      return a.broadcast.connection_id == id && a.broadcast.state == BroadcastState::kRunning;
    });
    if (!working) continue;
    // Room in the bot's window beyond the reserve, the broadcast's own pace, and a 429's hold.
    int room = options_.max_in_flight;
    UnixMillis at = now;
    if (lane.flood->enabled()) {
      // The bot's second as Telegram may count it: live calls as the FloodControl recorded them,
      // the broadcast's own from their call until a second after their answer (Window).
      Window& w = windows_[id];
      w.prune(now);
      const int limit = lane.flood->bot_per_second();
      const int desk_counted = limit - lane.flood->bot_room(now);
      const int live = std::max(0, desk_counted - static_cast<int>(w.sent.size()));
      const int ours = w.in_flight + static_cast<int>(w.answered.size());
      room = std::min(lane.flood->bot_room(now), limit - live - ours) - options_.reserve_per_second;
      if (room <= 0) {
        // Room comes back when the FloodControl's window has it, or our oldest answer leaves
        // the second (an answer in flight wakes the loop anyway).
        UnixMillis opens = lane.flood->bot_slot(now, options_.reserve_per_second + 1);
        if (opens <= now && !w.answered.empty()) opens = w.answered.front() + kCountedFor;
        at = std::max(at, opens);
      }
    }
    if (auto held = held_until_.find(id); held != held_until_.end()) {
      if (held->second > now) {
        room = 0;
        at = std::max(at, held->second);
      } else {
        held_until_.erase(held);
      }
    }
    if (const core::TokenRate rate = pace_of(lane); rate.per_second > 0) {
      auto [it, fresh] = pace_.try_emplace(id);
      if (fresh) it->second = core::TokenBucket::full(rate, now);
      const int tokens = static_cast<int>(it->second.tokens_at(rate, now));
      if (tokens <= 0) at = std::max(at, now + std::max<UnixMillis>(1, it->second.wait_ms(rate, 1, now)));
      room = std::min(room, tokens);
    }
    if (room <= 0 && at > now) room_at_ = room_at_ == 0 ? at : std::min(room_at_, at);
    budget[id] = std::max(0, room);
  }
  for (auto& [id, a] : active_) {
    auto lane = lanes.find(a.broadcast.connection_id);
    if (lane == lanes.end()) continue;  // another process's connection
    try {
      if (a.broadcast.state == BroadcastState::kRunning && !source_gone_.contains(id))
        pump(a, lane->second, now, chat_busy, budget[a.broadcast.connection_id]);
      progress(a, lane->second, now, false);
      finish(a, lane->second, now);
    } catch (const std::exception& error) {
      spdlog::error("broadcast {}: the store failed: {}", id, error.what());
      loaded_at_ = 0;
    }
  }
  // A lane whose budget this turn spent looks again when its pace allows the next send.
  for (const auto& [id, left] : budget) {
    if (left > 0) continue;
    auto lane = lanes.find(id);
    auto pace = pace_.find(id);
    if (lane == lanes.end() || pace == pace_.end()) continue;
    const core::TokenRate rate = pace_of(lane->second);
    if (rate.per_second <= 0) continue;
    const UnixMillis at = now + std::max<UnixMillis>(1, pace->second.wait_ms(rate, 1, now));
    room_at_ = room_at_ == 0 ? at : std::min(room_at_, at);
  }
  std::erase_if(active_, [](const auto& entry) {
    const auto& a = entry.second;
    return a.in_flight == 0 && !a.progress_in_flight && a.broadcast.finished_at != 0;
  });
}

// The recipients of the connection's broadcasts the last run left "sending": sent again once,
// or failed as uncertain.
// The reasons stored for recipients go into the CSV report in the operators' language.
void BroadcastSender::resolve_interrupted(core::ConnectionId connection, std::string_view language) {
  store_.transaction([&] {
    auto list = store_.broadcasts_in_states({BroadcastState::kScheduled, BroadcastState::kRunning,
                                             BroadcastState::kPaused, BroadcastState::kCancelled});
    for (const auto& b : list) {
      if (b.finished_at != 0 || b.connection_id != connection) continue;
      core::UserId after = 0;
      for (;;) {
        auto page = store_.broadcast_recipients(b.id, RecipientState::kSending, after, kReportPage);
        for (auto r : page) {
          after = r.user_id;
          if (b.state == BroadcastState::kCancelled) {
            r.state = RecipientState::kSkipped;
            r.error = i18n::text(language, "broadcasts.skip_cancelled_in_flight");
          } else if (r.attempts >= 2) {
            r.state = RecipientState::kFailed;
            r.error = i18n::text(language, "broadcasts.failed_two_restarts");
          } else {
            r.state = RecipientState::kPending;  // the next claim makes it attempt 2: the report says so
          }
          store_.finish_broadcast_recipient(r);
        }
        if (static_cast<int>(page.size()) < kReportPage) break;
      }
      if (after != 0) spdlog::info("broadcast {}: resolved the sends a stop left in flight", b.id);
    }
  });
}

bool BroadcastSender::commit_outcomes() {
  std::vector<std::function<void()>> batch;
  batch.swap(outcomes_);
  try {
    store_.transaction([&] {
      for (auto& body : batch) body();
    });
    commit_failures_ = 0;
    return true;
  } catch (const std::exception& error) {
    ++commit_failures_;
    retry_commit_at_ = core::unix_millis_now() + std::min(60'000, 500 << std::min(commit_failures_, 7));
    spdlog::error("broadcasts: committing {} outcomes failed (try {}): {}", batch.size(), commit_failures_,
                  error.what());
    for (auto& body : outcomes_) batch.push_back(std::move(body));
    outcomes_ = std::move(batch);
    return false;
  }
}

void BroadcastSender::reload(UnixMillis now) {
  loaded_at_ = now;
  auto list = store_.broadcasts_in_states({BroadcastState::kScheduled, BroadcastState::kRunning,
                                           BroadcastState::kPaused, BroadcastState::kCancelled});
  std::set<std::int64_t> seen;
  for (auto& b : list) {
    if (b.finished_at != 0) continue;
    seen.insert(b.id);
    auto [it, fresh] = active_.try_emplace(b.id);
    Active& a = it->second;
    if (!fresh && a.broadcast.state != b.state) a.exhausted = false;
    a.broadcast = std::move(b);
  }
  for (auto& [id, a] : active_) {
    if (!seen.contains(id)) {
      // Finished elsewhere (or gone): nothing more to do once its calls end.
      if (a.broadcast.finished_at == 0) a.broadcast.finished_at = now;
    }
  }
  // Claimed recipients of a broadcast that is no longer running go back (paused) or are
  // skipped (cancelled); their calls never started.
  for (auto it = queued_.begin(); it != queued_.end();) {
    auto a = active_.find(it->recipient.broadcast_id);
    BroadcastState state = a == active_.end() ? BroadcastState::kCancelled : a->second.broadcast.state;
    if (state == BroadcastState::kRunning && a->second.broadcast.finished_at == 0) {
      ++it;
      continue;
    }
    store::BroadcastRecipient r = it->recipient;
    if (state == BroadcastState::kCancelled || a == active_.end()) {
      r.state = RecipientState::kSkipped;
      r.error = "cancelled";
    } else {
      r.state = RecipientState::kPending;
      r.attempts = std::max(0, r.attempts - 1);
    }
    outcome([this, r] { store_.finish_broadcast_recipient(r); });
    it = queued_.erase(it);
  }
}

void BroadcastSender::start_due(UnixMillis now, const std::map<core::ConnectionId, BroadcastLane>& lanes) {
  for (auto& entry : active_) {
    const std::int64_t id = entry.first;
    Active& a = entry.second;
    if (a.broadcast.state != BroadcastState::kScheduled || a.broadcast.scheduled_at > now) continue;
    if (!lanes.contains(a.broadcast.connection_id)) continue;  // another instance runs it
    store_.transaction([&] {
      auto b = store_.broadcast(id);
      if (!b || b->state != BroadcastState::kScheduled) return;
      b->state = BroadcastState::kRunning;
      store_.update_broadcast(*b);
      a.broadcast = *b;
    });
    spdlog::info("broadcast {}: its time has come; sending", id);
  }
}

void BroadcastSender::pump(Active& a, const BroadcastLane& lane, UnixMillis now,
                           const std::function<bool(core::ChatId)>& chat_busy, int& budget) {
  const int messages = std::max<int>(1, static_cast<int>(a.broadcast.message_ids.size()));
  for (int round = 0; round < 2 && budget > 0 && in_flight_ < options_.max_in_flight; ++round) {
    int waiting = 0;  // claimed recipients of this broadcast still queued (a 429's retry, a busy chat)
    for (auto it = queued_.begin();
         it != queued_.end() && budget > 0 && in_flight_ < options_.max_in_flight;) {
      if (it->recipient.broadcast_id != a.broadcast.id) {
        ++it;
        continue;
      }
      if (it->not_before > now) {
        ++waiting;
        ++it;
        continue;
      }
      const core::ChatId chat = it->recipient.user_id;
      std::vector<crm::PartCall> calls;
      if (!a.broadcast.template_name.empty()) {
        if (!a.content && !load_template(a, lane)) return;
        auto dialog =
            store_.dialog_by_user(a.broadcast.connection_id, chat)
                .value_or(store::Dialog{.connection_id = a.broadcast.connection_id, .user_id = chat});
        crm::TemplateValues values = template_values(store_, a.broadcast.connection_id, dialog, {}, false);
        values.language = lane.context->params.language;
        auto rendered = crm::render_template(*a.content, values);
        if (!rendered) {  // no value and no fallback (or too long) for this user: nothing is sent
          store::BroadcastRecipient r = it->recipient;
          r.state = RecipientState::kSkipped;
          r.error = i18n::text(values.language, "broadcasts.skip_template_error",
                               {{"name", a.content->name}, {"why", rendered.error().message}});
          outcome([this, r] { store_.finish_broadcast_recipient(r); });
          it = queued_.erase(it);
          continue;
        }
        for (const auto& part : *rendered) calls.push_back(crm::part_call(part));
      }
      const int first = calls.empty() ? messages : messages_of(calls.front());
      const int requests = calls.empty() ? 1 : static_cast<int>(calls.size());
      if (chat_busy && chat_busy(chat)) {
        it->not_before = now + 200;  // a live call to this user first
        ++waiting;
        ++it;
        continue;
      }
      if (UnixMillis slot = lane.flood->next_slot(chat, now, first); slot > now) {
        it->not_before = slot;
        ++waiting;
        ++it;
        continue;
      }
      lane.flood->record_send(chat, now, first);
      call_started(a.broadcast.connection_id, lane, now);
      if (const core::TokenRate rate = pace_of(lane); rate.per_second > 0)
        pace_[a.broadcast.connection_id].take(rate, requests, now);
      budget -= requests;
      ++in_flight_;
      ++a.in_flight;
      Queued q = std::move(*it);
      it = queued_.erase(it);
      asio::co_spawn(executor_, send(&a, lane, std::move(q), std::move(calls)), asio::detached);
    }
    // Recipients waiting for their own chat (or a retry) do not hold the others back; the
    // queue is topped up to one claim batch.
    if (waiting >= options_.claim_batch || a.exhausted || budget <= 0) return;
    // A template broadcast reads its template again before each claim: a deleted one stops it.
    if (!a.broadcast.template_name.empty() && !load_template(a, lane)) return;
    // Claim the next few, committed before any of their calls goes out; no more than the
    // monthly quota leaves.
    int want = options_.claim_batch;
    if (const std::int64_t left = quota_left(a, lane, now); left < want) {
      if (left <= 0) return quota_reached(a, lane, now);
      want = static_cast<int>(left);
    }
    std::vector<store::BroadcastRecipient> claimed;
    store_.transaction([&] {
      claimed = store_.claim_broadcast_recipients(a.broadcast.id, want);
      if (!claimed.empty() && a.broadcast.started_at == 0) {
        auto b = store_.broadcast(a.broadcast.id);
        if (b) {
          b->started_at = now;
          store_.update_broadcast(*b);
          a.broadcast.started_at = now;
        }
      }
    });
    if (claimed.empty()) {
      a.exhausted = true;
      return;
    }
    for (auto& r : claimed) queued_.push_back(Queued{.recipient = std::move(r)});
  }
}

// What the connection's monthly quota (BROADCAST_MONTHLY_QUOTA) leaves: users reached this
// month and users claimed (in flight, or waiting for their outcome's commit) count.
std::int64_t BroadcastSender::quota_left(const Active& a, const BroadcastLane& lane, UnixMillis now) {
  const std::int64_t quota = lane.context->params.broadcast_monthly_quota;
  if (quota <= 0) return std::numeric_limits<std::int64_t>::max();
  const auto& zone = zone_of(lane.context->params);
  std::int64_t used = store_.broadcast_sends_since(a.broadcast.connection_id, crm::month_start(now, zone));
  for (const auto& [id, other] : active_) {
    if (other.broadcast.connection_id == a.broadcast.connection_id && other.broadcast.finished_at == 0)
      used += store_.broadcast_counts(id).sending;
  }
  return quota - used;
}

// The quota is used up: once its calls are over, the broadcast pauses and General is told.
void BroadcastSender::quota_reached(Active& a, const BroadcastLane& lane, UnixMillis now) {
  if (a.in_flight > 0 || !outcomes_.empty()) return;  // the last sends' outcomes first
  if (std::any_of(queued_.begin(), queued_.end(),
                  [&](const Queued& q) { return q.recipient.broadcast_id == a.broadcast.id; }))
    return;
  std::optional<store::Broadcast> paused;
  store_.transaction([&] {
    auto b = store_.broadcast(a.broadcast.id);
    if (!b || b->state != BroadcastState::kRunning) return;
    b->state = BroadcastState::kPaused;
    store_.update_broadcast(*b);
    paused = *b;
  });
  if (!paused) return;
  a.broadcast = *paused;
  const auto& params = lane.context->params;
  const auto& zone = zone_of(params);
  const auto counts = store_.broadcast_counts(a.broadcast.id);
  crm::QuotaUse use{
      .quota = params.broadcast_monthly_quota,
      .used = store_.broadcast_sends_since(a.broadcast.connection_id, crm::month_start(now, zone)),
      .needed = counts.pending};
  spdlog::info("broadcast {}: paused at the monthly quota ({} of {} used)", a.broadcast.id, use.used,
               use.quota);
  lane.flood->record_send(lane.context->group_id, now, 1);
  asio::co_spawn(
      executor_,
      post_notice(a.broadcast.id, lane,
                  crm::quota_paused_text(lane.context->params.language, a.broadcast, use,
                                         crm::format_wall_time(crm::next_month_start(now, zone), zone))),
      asio::detached);
}

asio::awaitable<void> BroadcastSender::post_notice(std::int64_t id, BroadcastLane lane, std::string text) {
  json::object params;
  params["chat_id"] = lane.context->group_id;
  params["text"] = std::move(text);
  telegram::ApiResult r;
  try {
    r = co_await lane.group_api->call("sendMessage", std::move(params));
  } catch (const std::exception& error) {
    r = telegram::api_error(0, error.what());
  }
  if (!r.ok) spdlog::warn("broadcast {}: a notice in General could not be posted: {}", id, r.description);
  if (r.kind == ErrorKind::kFlood)
    lane.flood->block_chat_until(lane.context->group_id, core::unix_millis_now() + r.retry_after * 1000LL);
}

asio::awaitable<void> BroadcastSender::send(Active* a, BroadcastLane lane, Queued q,
                                            std::vector<crm::PartCall> calls) {
  const store::Broadcast& b = a->broadcast;
  json::object params;
  params["chat_id"] = q.recipient.user_id;
  std::string method = "copyMessage";
  if (!calls.empty()) {  // a template: its first part here, the others once it arrived
    method = calls.front().method;
    for (const auto& [key, value] : calls.front().params) params[key] = value;
  } else if (b.message_ids.size() == 1) {
    params["from_chat_id"] = b.from_chat_id;
    params["message_id"] = b.message_ids.front();
  } else {
    params["from_chat_id"] = b.from_chat_id;
    method = "copyMessages";
    json::array ids;
    for (auto id : b.message_ids) ids.push_back(id);
    params["message_ids"] = std::move(ids);
  }
  telegram::ApiResult r;
  try {
    r = co_await lane.users_api->call(method, std::move(params));
  } catch (const std::exception& error) {
    r = telegram::api_error(0, error.what());
  }
  call_answered(b.connection_id, core::unix_millis_now());
  std::vector<core::MessageId> sent_ids;
  std::size_t part = 1;  // parts that arrived, once the first did
  if (r.ok) {
    sent_ids = copied_ids(r.result);
    for (; part < calls.size(); ++part) {
      r = co_await send_next_part(lane, q.recipient.user_id, calls[part]);
      if (!r.ok) break;
      for (auto id : copied_ids(r.result)) sent_ids.push_back(id);
    }
  }
  const UnixMillis now = core::unix_millis_now();
  store::BroadcastRecipient rec = q.recipient;
  const core::ConnectionId connection = b.connection_id;
  if (!r.ok && !sent_ids.empty()) {
    // A later part of a template failed: the parts before it arrived, so it is not tried again.
    rec.state = r.kind == ErrorKind::kUserBlocked && r.user_blocked ? RecipientState::kBlocked
                                                                    : RecipientState::kFailed;
    rec.message_ids = sent_ids;
    rec.sent_at = now;
    rec.error = i18n::text(
        lane.context->params.language, "broadcasts.failed_part",
        {{"part", std::to_string(part + 1)},
         {"count", std::to_string(calls.size())},
         {"why", r.description.empty() ? std::string(telegram::to_string(r.kind)) : r.description}});
    outcome([this, rec] { store_.finish_broadcast_recipient(rec); });
  } else if (r.ok) {
    rec.state = RecipientState::kSent;
    rec.message_ids = std::move(sent_ids);
    rec.sent_at = now;
    rec.error.clear();
    outcome([this, rec] { store_.finish_broadcast_recipient(rec); });
  } else if (r.kind == ErrorKind::kFlood) {
    UnixMillis until = now + std::max(1, r.retry_after) * 1000LL;
    lane.flood->block_chat_until(rec.user_id, until);
    // The chat waits retry_after; the broadcast's other sends pause a moment, so that the bot's
    // window drains without a second 429 (live traffic goes on).
    held_until_[connection] = std::max(held_until_[connection], now + options_.hold_after_429);
    spdlog::warn("broadcast {}: 429 for user {} (retry after {} s)", rec.broadcast_id, rec.user_id,
                 r.retry_after);
    q.not_before = until;
    queued_.push_back(std::move(q));
  } else if (retried(r.kind) && ++q.tries < options_.max_tries) {
    q.not_before = now + options_.retry_after_error * q.tries;
    queued_.push_back(std::move(q));
  } else if (r.kind == ErrorKind::kUserBlocked && r.user_blocked) {
    rec.state = RecipientState::kBlocked;
    rec.error = r.description;
    outcome([this, rec, connection] {
      store_.finish_broadcast_recipient(rec);
      auto dialog = store_.dialog_by_user(connection, rec.user_id);
      if (dialog && !dialog->user_blocked_bot) {
        dialog->user_blocked_bot = true;  // left out of the next /send all
        store_.update_dialog(*dialog);
      }
    });
  } else {
    rec.state = RecipientState::kFailed;
    rec.error = r.description.empty() ? std::string(telegram::to_string(r.kind)) : r.description;
    outcome([this, rec] { store_.finish_broadcast_recipient(rec); });
    // A 400 on a copy is about the message to copy (deleted, or one that cannot be copied),
    // the same for every recipient: the broadcast stops there.
    // A template's part is the broadcast's own message, not a copy: its 400 is this user's.
    if (calls.empty() && (r.kind == ErrorKind::kMessageNotFound || r.kind == ErrorKind::kBadRequest))
      abandon_source(*a, r.description,
                     i18n::text(lane.context->params.language, "broadcasts.skip_source_deleted"));
  }
  --a->in_flight;
  --in_flight_;
  if (wake_) wake_();
}

asio::awaitable<telegram::ApiResult> BroadcastSender::send_next_part(const BroadcastLane& lane,
                                                                     core::ChatId chat,
                                                                     const crm::PartCall& call) {
  asio::steady_timer timer(executor_);
  auto wait = [&timer](UnixMillis ms) -> asio::awaitable<void> {
    timer.expires_after(std::chrono::milliseconds(std::max<UnixMillis>(1, ms)));
    co_await timer.async_wait(asio::use_awaitable);
  };
  const int messages = messages_of(call);
  telegram::ApiResult r;
  for (int tries = 0;;) {
    for (UnixMillis now = core::unix_millis_now();; now = core::unix_millis_now()) {
      const UnixMillis slot = lane.flood->next_slot(chat, now, messages);
      if (slot <= now) {
        lane.flood->record_send(chat, now, messages);
        call_started(lane.context->id, lane, now);
        break;
      }
      co_await wait(slot - now);
    }
    json::object params = call.params;
    params["chat_id"] = chat;
    try {
      r = co_await lane.users_api->call(call.method, std::move(params));
    } catch (const std::exception& error) {
      r = telegram::api_error(0, error.what());
    }
    call_answered(lane.context->id, core::unix_millis_now());
    if (r.ok || ++tries >= options_.max_tries) co_return r;
    if (r.kind == ErrorKind::kFlood) {
      const UnixMillis until = core::unix_millis_now() + std::max(1, r.retry_after) * 1000LL;
      lane.flood->block_chat_until(chat, until);
      co_await wait(until - core::unix_millis_now());
    } else if (retried(r.kind)) {
      co_await wait(options_.retry_after_error * tries);
    } else {
      co_return r;
    }
  }
}

bool BroadcastSender::load_template(Active& a, const BroadcastLane& lane) {
  const store::Broadcast& b = a.broadcast;
  auto t = store_.template_by_name(b.connection_id, b.template_name);
  if (!t) {
    abandon_source(a, "template " + b.template_name + " was deleted",
                   crm::template_gone_error(lane.context->params.language, b.template_name));
    return false;
  }
  if (auto why = crm::template_broadcast_refused(*t, lane.account)) {
    const std::string& language = lane.context->params.language;
    abandon_source(
        a, i18n::text(i18n::kFallbackLanguage, *why),  // for the log
        i18n::text(language, "broadcasts.skip_cancelled_because", {{"why", i18n::text(language, *why)}}));
    return false;
  }
  a.content = std::move(t);
  return true;
}

// The content is gone (the message deleted in General, the template deleted) or cannot be sent:
// nobody else can get it. The broadcast is cancelled, its pending recipients skipped, and General
// is told (the progress message and the report's summary).
void BroadcastSender::abandon_source(Active& a, const std::string& why, const std::string& skip_error) {
  if (!source_gone_.insert(a.broadcast.id).second) return;
  spdlog::warn("broadcast {}: the content is gone ({}); cancelled", a.broadcast.id, why);
  const std::int64_t id = a.broadcast.id;
  outcome([this, id, skip_error] {
    auto b = store_.broadcast(id);
    if (!b || b->finished_at != 0) return;
    b->state = BroadcastState::kCancelled;
    store_.update_broadcast(*b);
    store_.skip_pending_broadcast_recipients(id, skip_error);
  });
  for (auto it = queued_.begin(); it != queued_.end();) {
    if (it->recipient.broadcast_id != id) {
      ++it;
      continue;
    }
    store::BroadcastRecipient r = it->recipient;
    r.state = RecipientState::kSkipped;
    r.error = skip_error;
    outcome([this, r] { store_.finish_broadcast_recipient(r); });
    it = queued_.erase(it);
  }
  a.broadcast.state = BroadcastState::kCancelled;
  loaded_at_ = 0;
}

void BroadcastSender::progress(Active& a, const BroadcastLane& lane, UnixMillis now, bool final) {
  store::Broadcast& b = a.broadcast;
  if (a.progress_in_flight) return;
  if (b.progress_message_id == 0 && b.state != BroadcastState::kRunning && !final) return;
  if (b.progress_message_id != 0 && !final && now - b.progress_at < options_.progress_every) return;
  const core::ChatId group = lane.context->group_id;
  if (!final && lane.flood->next_slot(group, now) > now) return;  // live posts in the group first
  auto counts = store_.broadcast_counts(b.id);
  double rate = 0;
  if (b.started_at != 0 && now > b.started_at)
    rate = static_cast<double>(counts.sent + counts.blocked + counts.failed) * 1000.0 /
           static_cast<double>(now - b.started_at);
  std::string text = crm::progress_text(lane.context->params.language, b, counts, rate);
  lane.flood->record_send(group, now, 1);
  a.progress_in_flight = true;
  b.progress_at = now;  // no other try before progress_every, whatever the answer
  asio::co_spawn(executor_, post_progress(b.id, lane, std::move(text), b.progress_message_id),
                 asio::detached);
}

asio::awaitable<void> BroadcastSender::post_progress(std::int64_t id, BroadcastLane lane, std::string text,
                                                     core::MessageId edit) {
  json::object params;
  params["chat_id"] = lane.context->group_id;
  params["text"] = text;
  std::string method = "sendMessage";
  if (edit != 0) {
    method = "editMessageText";
    params["message_id"] = edit;
  }
  telegram::ApiResult r;
  try {
    r = co_await lane.group_api->call(method, std::move(params));
  } catch (const std::exception& error) {
    r = telegram::api_error(0, error.what());
  }
  const UnixMillis now = core::unix_millis_now();
  core::MessageId posted = 0;
  if (r.ok && edit == 0) {
    if (const auto* o = r.result.if_object()) {
      if (const auto* m = o->if_contains("message_id"); m && m->is_int64()) posted = m->get_int64();
    }
  }
  if (!r.ok && r.kind != ErrorKind::kNotModified)
    spdlog::warn("broadcast {}: the progress message could not be {}: {}", id, edit ? "edited" : "posted",
                 r.description);
  if (r.kind == ErrorKind::kFlood)
    lane.flood->block_chat_until(lane.context->group_id, now + r.retry_after * 1000LL);
  outcome([this, id, posted, now] {
    auto b = store_.broadcast(id);
    if (!b) return;
    if (posted != 0 && b->progress_message_id == 0) b->progress_message_id = posted;
    b->progress_at = now;
    store_.update_broadcast(*b);
  });
  auto a = active_.find(id);
  if (a != active_.end()) {
    a->second.progress_in_flight = false;
    if (posted != 0 && a->second.broadcast.progress_message_id == 0)
      a->second.broadcast.progress_message_id = posted;
  }
  if (wake_) wake_();
}

// A broadcast with nobody left to send to (or cancelled) and nothing in flight: done (its end
// reported for the engine to post the report), and the progress message edited one last time.
void BroadcastSender::finish(Active& a, const BroadcastLane& lane, UnixMillis now) {
  store::Broadcast& b = a.broadcast;
  if (b.finished_at != 0 || a.in_flight > 0 || a.progress_in_flight) return;
  const bool cancelled = b.state == BroadcastState::kCancelled;
  if (!cancelled && !(b.state == BroadcastState::kRunning && a.exhausted)) return;
  if (std::any_of(queued_.begin(), queued_.end(),
                  [&](const Queued& q) { return q.recipient.broadcast_id == b.id; }))
    return;
  if (!outcomes_.empty()) return;  // everything committed first, so the report is complete
  auto counts = store_.broadcast_counts(b.id);
  if (counts.sending > 0) return;  // claims another process holds, or being given back
  if (!cancelled && counts.pending > 0) {
    a.exhausted = false;
    return;
  }
  store_.transaction([&] {
    auto stored = store_.broadcast(b.id);
    if (!stored) return;
    if (stored->state != BroadcastState::kCancelled) stored->state = BroadcastState::kDone;
    stored->finished_at = now;
    store_.update_broadcast(*stored);
    if (end_reporter_) {
      end_reporter_(*stored);
    } else {  // a wiring mistake (only a test can make it): say so, loudly
      spdlog::critical("broadcast {}: ended with nobody to post its report", stored->id);
    }
    b = *stored;
  });
  spdlog::info("broadcast {}: {}; sent {}, blocked {}, failed {}, skipped {}", b.id,
               store::to_string(b.state), counts.sent, counts.blocked, counts.failed, counts.skipped);
  progress(a, lane, now, true);
}

}  // namespace topicdesk::relay
