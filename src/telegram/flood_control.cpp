#include "telegram/flood_control.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

namespace topicdesk::telegram {
namespace {

constexpr core::UnixMillis kSecond = 1000;
constexpr core::UnixMillis kMinute = 60 * kSecond;
// Idle entries are swept at most this often, so record_send stays O(1) amortized.
constexpr core::UnixMillis kCollectEvery = kMinute;

}  // namespace

core::UnixMillis FloodControl::Window::next_free(core::UnixMillis now, core::UnixMillis length, int limit,
                                                 int needed) const {
  if (limit <= 0) return now;
  // Sends at or before now - length have left the window.
  auto first_active = std::upper_bound(sends.begin(), sends.end(), now - length);
  auto active = static_cast<std::size_t>(sends.end() - first_active);
  auto capacity = static_cast<std::size_t>(limit);
  auto wanted = static_cast<std::size_t>(std::clamp(needed, 1, limit));
  if (active + wanted <= capacity) return now;
  // The window is full: room appears when enough of the oldest sends have expired.
  std::size_t must_expire = active + wanted - capacity;
  return *(first_active + static_cast<std::ptrdiff_t>(must_expire - 1)) + length;
}

void FloodControl::Window::record(core::UnixMillis now, core::UnixMillis length, int messages) {
  while (!sends.empty() && sends.front() <= now - length) sends.pop_front();
  // Clocks may step back a little; keep the deque sorted.
  core::UnixMillis at = sends.empty() ? now : std::max(now, sends.back());
  sends.insert(sends.end(), static_cast<std::size_t>(messages), at);
}

bool FloodControl::Window::idle(core::UnixMillis now, core::UnixMillis length) const {
  return sends.empty() || sends.back() <= now - length;
}

void FloodJournal::record(core::ChatId chat_id, core::UnixMillis at, int messages) {
  auto& sends = sends_[chat_id];
  const core::UnixMillis t = sends.empty() ? at : std::max(at, sends.back());
  sends.insert(sends.end(), static_cast<std::size_t>(std::max(messages, 0)), t);
  changed_ = true;
}

void FloodJournal::block(core::ChatId chat_id, core::UnixMillis until) {
  auto& b = blocks_[chat_id];
  b = std::max(b, until);
  changed_ = true;
}

void FloodJournal::prune(core::UnixMillis now) {
  for (auto it = sends_.begin(); it != sends_.end();) {
    auto& sends = it->second;
    const core::UnixMillis window = window_of(it->first);
    while (!sends.empty() && sends.front() <= now - window) sends.pop_front();
    it = sends.empty() ? sends_.erase(it) : std::next(it);
  }
  std::erase_if(blocks_, [now](const auto& entry) { return entry.second <= now; });
}

std::string FloodJournal::to_json(core::UnixMillis now) {
  prune(now);
  boost::json::object sends;
  for (const auto& [chat, times] : sends_) {
    boost::json::array list;
    for (auto t : times) list.push_back(t);
    sends[std::to_string(chat)] = std::move(list);
  }
  boost::json::object blocks;
  for (const auto& [chat, until] : blocks_) blocks[std::to_string(chat)] = until;
  return boost::json::serialize(
      boost::json::object{{"sends", std::move(sends)}, {"blocks", std::move(blocks)}});
}

int FloodJournal::private_window_ms(double chat_per_second, int chat_burst) {
  if (chat_per_second <= 0) return 60'000;
  return static_cast<int>(std::clamp(std::ceil(chat_burst / chat_per_second * 1000), 1000.0, 3'600'000.0));
}

std::shared_ptr<FloodJournal> FloodJournal::from_json(std::string_view text, core::UnixMillis now,
                                                      int private_window_ms) {
  auto journal = std::make_shared<FloodJournal>(kGroupWindowMs, private_window_ms);
  boost::system::error_code ec;
  auto parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_object()) return journal;
  auto chat_of = [](std::string_view key) -> std::optional<core::ChatId> {
    try {
      std::size_t used = 0;
      core::ChatId id = std::stoll(std::string(key), &used);
      if (used == key.size()) return id;
    } catch (const std::exception&) {
    }
    return std::nullopt;
  };
  if (const auto* sends = parsed.as_object().if_contains("sends"); sends && sends->is_object()) {
    for (const auto& [key, list] : sends->get_object()) {
      auto chat = chat_of(key);
      if (!chat || !list.is_array()) continue;
      std::vector<core::UnixMillis> times;
      for (const auto& t : list.get_array()) {
        if (t.is_int64()) times.push_back(t.get_int64());
      }
      std::sort(times.begin(), times.end());
      for (auto t : times) journal->record(*chat, t, 1);
    }
  }
  if (const auto* blocks = parsed.as_object().if_contains("blocks"); blocks && blocks->is_object()) {
    for (const auto& [key, until] : blocks->get_object()) {
      auto chat = chat_of(key);
      if (chat && until.is_int64()) journal->block(*chat, until.get_int64());
    }
  }
  journal->prune(now);
  journal->changed_ = false;
  return journal;
}

FloodControl::FloodControl(FloodLimits limits) : limits_(std::move(limits)) {
  if (!limits_.journal) return;
  // A previous run's last sends and blocks (FloodJournal::from_json): the windows go on from them.
  for (const auto& [chat, times] : limits_.journal->sends()) {
    for (auto t : times) count_send(chat, t, 1);
  }
  for (const auto& [chat, until] : limits_.journal->blocks()) {
    if (chat == 0) {
      bot_blocked_until_ = std::max(bot_blocked_until_, until);
    } else {
      ChatState& state = state_of(chat, until);
      state.blocked_until = std::max(state.blocked_until, until);
    }
  }
}

core::UnixMillis FloodControl::chat_slot(core::ChatId chat_id, const ChatState& state, core::UnixMillis now,
                                         int messages) const {
  if (is_group(chat_id))
    return state.window.next_free(now, kGroupWindowMs, limits_.group_per_minute, messages);
  double needed = std::clamp<double>(messages, 1, std::max(1, limits_.chat_burst));
  return now + state.bucket.wait_ms(chat_rate(), needed, now);
}

core::UnixMillis FloodControl::next_slot(core::ChatId chat_id, core::UnixMillis now) const {
  return next_slot(chat_id, now, 1);
}

core::UnixMillis FloodControl::next_slot(core::ChatId chat_id, core::UnixMillis now, int messages) const {
  if (!limits_.enabled) return now;
  core::UnixMillis slot = std::max(now, bot_blocked_until_);
  slot = std::max(slot, bot_window_.next_free(now, kSecond, limits_.bot_per_second, 1));
  if (auto it = chats_.find(chat_id); it != chats_.end()) {
    slot = std::max(slot, it->second.blocked_until);
    slot = std::max(slot, chat_slot(chat_id, it->second, now, messages));
  }
  return slot;
}

core::UnixMillis FloodControl::next_bulk_slot(core::ChatId chat_id, core::UnixMillis now) const {
  core::UnixMillis slot = next_slot(chat_id, now, 1);
  if (!limits_.enabled || !is_group(chat_id)) return slot;
  auto it = chats_.find(chat_id);
  if (it == chats_.end()) return slot;
  const int share = std::max(1, limits_.group_per_minute - bulk_reserve());
  return std::max(slot, it->second.window.next_free(now, kGroupWindowMs, share, 1));
}

FloodControl::ChatState& FloodControl::state_of(core::ChatId chat_id, core::UnixMillis now) {
  auto [it, inserted] = chats_.try_emplace(chat_id);
  if (inserted) it->second.bucket = core::TokenBucket::full(chat_rate(), now);
  return it->second;
}

void FloodControl::record_send(core::ChatId chat_id, core::UnixMillis now, int messages) {
  if (!limits_.enabled || messages <= 0) return;
  bot_window_.record(now, kSecond, 1);  // the bot limit counts requests
  count_send(chat_id, now, messages);
  if (limits_.journal) limits_.journal->record(chat_id, now, messages);
  collect_idle(now);
}

void FloodControl::count_send(core::ChatId chat_id, core::UnixMillis now, int messages) {
  ChatState& state = state_of(chat_id, now);
  if (is_group(chat_id)) {
    state.window.record(now, kGroupWindowMs, messages);
  } else {
    // The bucket may go below zero: a burst beyond it simply pushes the next slot later.
    state.bucket.take(chat_rate(), messages, now);
  }
}

void FloodControl::block_chat_until(core::ChatId chat_id, core::UnixMillis until) {
  ChatState& state = state_of(chat_id, until);
  state.blocked_until = std::max(state.blocked_until, until);
  if (limits_.journal) limits_.journal->block(chat_id, until);
}

void FloodControl::block_bot_until(core::UnixMillis until) {
  bot_blocked_until_ = std::max(bot_blocked_until_, until);
  if (limits_.journal) limits_.journal->block(0, until);
}

int FloodControl::bot_room(core::UnixMillis now) const {
  if (!limits_.enabled) return limits_.bot_per_second;
  if (bot_blocked_until_ > now) return 0;
  auto first_active = std::upper_bound(bot_window_.sends.begin(), bot_window_.sends.end(), now - kSecond);
  auto active = static_cast<int>(bot_window_.sends.end() - first_active);
  return std::max(0, limits_.bot_per_second - active);
}

core::UnixMillis FloodControl::bot_slot(core::UnixMillis now, int needed) const {
  if (!limits_.enabled) return now;
  return std::max(std::max(now, bot_blocked_until_),
                  bot_window_.next_free(now, kSecond, limits_.bot_per_second, needed));
}

std::size_t FloodControl::tracked_chats() const { return chats_.size(); }

bool FloodControl::idle(core::ChatId chat_id, const ChatState& state, core::UnixMillis now) const {
  if (state.blocked_until > now) return false;
  if (is_group(chat_id)) return state.window.idle(now, kGroupWindowMs);
  return state.bucket.tokens_at(chat_rate(), now) >= limits_.chat_burst;  // a fresh entry would look the same
}

void FloodControl::collect_idle(core::UnixMillis now) {
  if (now - last_collect_ < kCollectEvery) return;
  last_collect_ = now;
  std::erase_if(chats_, [&](const auto& entry) { return idle(entry.first, entry.second, now); });
}

}  // namespace topicdesk::telegram
