// Telegram's send limits for one bot, so the dispatcher stays inside them instead of
// collecting 429s: a token bucket per private chat, a sliding minute per group and a sliding
// second for the bot overall. Same algorithms as tgsim's (sim/model/flood_limiter.h). Pure and
// not thread-safe: one per bot, used from the dispatcher's strand, time passed in by the caller.
#pragma once
#include <cstddef>
#include <deque>
#include <unordered_map>

#include "core/ids.h"

namespace topicdesk::telegram {

struct FloodLimits {
  bool enabled = true;
  double chat_per_second = 1.0;
  int chat_burst = 3;
  int group_per_minute = 20;
  int bot_per_second = 30;
};

class FloodControl {
 public:
  explicit FloodControl(FloodLimits limits);

  // Earliest time a message to chat_id may be sent; <= now means now. Groups are chat ids < 0.
  core::UnixMillis next_slot(core::ChatId chat_id, core::UnixMillis now) const;
  // The same for one request carrying `messages` messages (copyMessages, sendMediaGroup): the
  // chat must have room for min(messages, its capacity) at once, as tgsim and Telegram admit it.
  core::UnixMillis next_slot(core::ChatId chat_id, core::UnixMillis now, int messages) const;
  // One request that delivered `messages` messages: the bot's window counts the request, the
  // chat's bucket or window counts every message.
  void record_send(core::ChatId chat_id, core::UnixMillis now, int messages = 1);
  // Telegram answered 429 retry_after: nothing to chat_id before `until`.
  void block_chat_until(core::ChatId chat_id, core::UnixMillis until);
  void block_bot_until(core::UnixMillis until);
  std::size_t tracked_chats() const;  // for metrics; old idle entries are collected

 private:
  // Sends inside a sliding window, oldest first.
  struct Window {
    std::deque<core::UnixMillis> sends;
    core::UnixMillis next_free(core::UnixMillis now, core::UnixMillis length, int limit, int needed) const;
    void record(core::UnixMillis now, core::UnixMillis length, int messages);
    bool idle(core::UnixMillis now, core::UnixMillis length) const;
  };
  struct TokenBucket {
    double tokens = 0;
    core::UnixMillis updated = 0;
  };
  struct ChatState {
    TokenBucket bucket;  // private chats
    Window window;       // groups
    core::UnixMillis blocked_until = 0;
  };

  static bool is_group(core::ChatId chat_id) { return chat_id < 0; }
  double tokens_at(const TokenBucket& bucket, core::UnixMillis now) const;
  core::UnixMillis chat_slot(core::ChatId chat_id, const ChatState& state, core::UnixMillis now,
                             int messages) const;
  ChatState& state_of(core::ChatId chat_id, core::UnixMillis now);
  bool idle(core::ChatId chat_id, const ChatState& state, core::UnixMillis now) const;
  void collect_idle(core::UnixMillis now);

  FloodLimits limits_;
  std::unordered_map<core::ChatId, ChatState> chats_;
  Window bot_window_;
  core::UnixMillis bot_blocked_until_ = 0;
  core::UnixMillis last_collect_ = 0;
};

}  // namespace topicdesk::telegram
