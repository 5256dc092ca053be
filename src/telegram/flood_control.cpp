#include "telegram/flood_control.h"

#include <algorithm>
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

FloodControl::FloodControl(FloodLimits limits) : limits_(limits) {}

double FloodControl::tokens_at(const TokenBucket& bucket, core::UnixMillis now) const {
  double elapsed_seconds = static_cast<double>(std::max<core::UnixMillis>(0, now - bucket.updated)) / kSecond;
  return std::min<double>(limits_.chat_burst, bucket.tokens + elapsed_seconds * limits_.chat_per_second);
}

core::UnixMillis FloodControl::chat_slot(core::ChatId chat_id, const ChatState& state, core::UnixMillis now,
                                         int messages) const {
  if (is_group(chat_id)) return state.window.next_free(now, kMinute, limits_.group_per_minute, messages);
  double needed = std::clamp<double>(messages, 1, std::max(1, limits_.chat_burst));
  double tokens = tokens_at(state.bucket, now);
  if (tokens >= needed || limits_.chat_per_second <= 0) return now;
  auto wait = static_cast<core::UnixMillis>(std::ceil((needed - tokens) / limits_.chat_per_second * kSecond));
  return now + wait;
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

FloodControl::ChatState& FloodControl::state_of(core::ChatId chat_id, core::UnixMillis now) {
  auto [it, inserted] = chats_.try_emplace(chat_id);
  if (inserted) it->second.bucket = TokenBucket{static_cast<double>(limits_.chat_burst), now};
  return it->second;
}

void FloodControl::record_send(core::ChatId chat_id, core::UnixMillis now, int messages) {
  if (!limits_.enabled || messages <= 0) return;
  bot_window_.record(now, kSecond, 1);  // the bot limit counts requests
  ChatState& state = state_of(chat_id, now);
  if (is_group(chat_id)) {
    state.window.record(now, kMinute, messages);
  } else {
    // The bucket may go below zero: a burst beyond it simply pushes the next slot later.
    state.bucket.tokens = tokens_at(state.bucket, now) - messages;
    state.bucket.updated = std::max(now, state.bucket.updated);
  }
  collect_idle(now);
}

void FloodControl::block_chat_until(core::ChatId chat_id, core::UnixMillis until) {
  ChatState& state = state_of(chat_id, until);
  state.blocked_until = std::max(state.blocked_until, until);
}

void FloodControl::block_bot_until(core::UnixMillis until) {
  bot_blocked_until_ = std::max(bot_blocked_until_, until);
}

std::size_t FloodControl::tracked_chats() const { return chats_.size(); }

bool FloodControl::idle(core::ChatId chat_id, const ChatState& state, core::UnixMillis now) const {
  if (state.blocked_until > now) return false;
  if (is_group(chat_id)) return state.window.idle(now, kMinute);
  return tokens_at(state.bucket, now) >= limits_.chat_burst;  // a fresh entry would look the same
}

void FloodControl::collect_idle(core::UnixMillis now) {
  if (now - last_collect_ < kCollectEvery) return;
  last_collect_ = now;
  std::erase_if(chats_, [&](const auto& entry) { return idle(entry.first, entry.second, now); });
}

}  // namespace topicdesk::telegram
