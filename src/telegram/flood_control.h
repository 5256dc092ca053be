// Telegram's send limits for one bot, so the dispatcher stays inside them instead of
// collecting 429s: a token bucket per private chat, a sliding minute per group and a sliding
// second for the bot overall. Same algorithms as tgsim's (sim/model/flood_limiter.h). Pure and
// not thread-safe: one per bot, used from the dispatcher's strand, time passed in by the caller.
#pragma once
#include <algorithm>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/ids.h"
#include "core/token_bucket.h"

namespace topicdesk::telegram {

// How long a message to a group counts against the group's 20 a minute here: Telegram's
// minute plus a margin. The desk records a send when it starts the call and Telegram when the
// call arrives, later by the network's latency; with an exact minute, the sends that open when
// a full window rolls over would reach Telegram just before its own window has room, and
// some come back 429 (with a retry_after that holds the group).
inline constexpr core::UnixMillis kGroupWindowMs = 61'000;

// What a bot sent lately (and the 429 blocks it got), kept beside its FloodControl so that a
// restarted desk starts its windows where the previous run left them: without it a desk
// restarted within a minute of a burst bursts again, and Telegram answers with 429s and holds
// the group for most of a minute. The runtime saves it in the store (to_json) every second
// while sends happen and at shutdown, and gives the next run what it saved (from_json).
// Not thread-safe: the FloodControl's strand.
class FloodJournal {
 public:
  FloodJournal(int group_window_ms = kGroupWindowMs, int private_window_ms = 3'000)
      : group_window_(group_window_ms), private_window_(private_window_ms) {}

  void record(core::ChatId chat_id, core::UnixMillis at, int messages);
  void block(core::ChatId chat_id, core::UnixMillis until);  // 0: the bot as a whole
  // Sends still inside their window at `now`, per chat, oldest first; blocks not over yet.
  const std::map<core::ChatId, std::deque<core::UnixMillis>>& sends() const { return sends_; }
  const std::map<core::ChatId, core::UnixMillis>& blocks() const { return blocks_; }
  void prune(core::UnixMillis now);

  bool changed() const { return changed_; }  // since saved()
  void saved() { changed_ = false; }
  std::string to_json(core::UnixMillis now);  // prunes
  // What to_json wrote; unreadable text gives an empty journal.
  static std::shared_ptr<FloodJournal> from_json(std::string_view text, core::UnixMillis now,
                                                 int private_window_ms = 3'000);
  // How long a private chat's sends matter with these limits (its bucket refills in that time).
  static int private_window_ms(double chat_per_second, int chat_burst);

 private:
  core::UnixMillis window_of(core::ChatId chat_id) const {
    return chat_id < 0 ? group_window_ : private_window_;
  }

  core::UnixMillis group_window_;
  core::UnixMillis private_window_;  // a private chat's bucket is full again after burst / rate
  std::map<core::ChatId, std::deque<core::UnixMillis>> sends_;
  std::map<core::ChatId, core::UnixMillis> blocks_;
  bool changed_ = false;
};

struct FloodLimits {
  bool enabled = true;
  double chat_per_second = 1.0;
  int chat_burst = 3;
  int group_per_minute = 20;
  int bot_per_second = 30;
  // When set, the FloodControl starts from what it holds (a previous run's sends) and records
  // every send and block in it.
  std::shared_ptr<FloodJournal> journal;
};

class FloodControl {
 public:
  explicit FloodControl(FloodLimits limits);

  // Earliest time a message to chat_id may be sent; <= now means now. Groups are chat ids < 0.
  core::UnixMillis next_slot(core::ChatId chat_id, core::UnixMillis now) const;
  // The same for one request carrying `messages` messages (copyMessages, sendMediaGroup): the
  // chat must have room for min(messages, its capacity) at once, as tgsim and Telegram admit it.
  core::UnixMillis next_slot(core::ChatId chat_id, core::UnixMillis now, int messages) const;
  // The earliest time for a message that may wait (a topic's title edit: it posts a service
  // message, so it counts like any other): it goes only while the group's last minute leaves
  // bulk_reserve() of the budget free, so the messages people wait for always find room.
  core::UnixMillis next_bulk_slot(core::ChatId chat_id, core::UnixMillis now) const;
  // A quarter of the group's per-minute budget, at least one: 5 of Telegram's 20.
  int bulk_reserve() const { return std::max(1, limits_.group_per_minute / 4); }
  // One request that delivered `messages` messages: the bot's window counts the request, the
  // chat's bucket or window counts every message.
  void record_send(core::ChatId chat_id, core::UnixMillis now, int messages = 1);
  // Telegram answered 429 retry_after: nothing to chat_id before `until`.
  void block_chat_until(core::ChatId chat_id, core::UnixMillis until);
  void block_bot_until(core::UnixMillis until);
  // The bot's own second: how many more requests it takes now (0 while blocked), and when it
  // takes `needed` more. Bulk senders (broadcasts) use them to leave live traffic its share.
  int bot_room(core::UnixMillis now) const;
  core::UnixMillis bot_slot(core::UnixMillis now, int needed) const;
  bool enabled() const { return limits_.enabled; }
  int bot_per_second() const { return limits_.bot_per_second; }
  std::size_t tracked_chats() const;  // for metrics; old idle entries are collected

 private:
  // Sends inside a sliding window, oldest first.
  struct Window {
    std::deque<core::UnixMillis> sends;
    core::UnixMillis next_free(core::UnixMillis now, core::UnixMillis length, int limit, int needed) const;
    void record(core::UnixMillis now, core::UnixMillis length, int messages);
    bool idle(core::UnixMillis now, core::UnixMillis length) const;
  };
  struct ChatState {
    core::TokenBucket bucket;  // private chats
    Window window;             // groups
    core::UnixMillis blocked_until = 0;
  };

  static bool is_group(core::ChatId chat_id) { return chat_id < 0; }
  core::TokenRate chat_rate() const {
    return {limits_.chat_per_second, static_cast<double>(limits_.chat_burst)};
  }
  core::UnixMillis chat_slot(core::ChatId chat_id, const ChatState& state, core::UnixMillis now,
                             int messages) const;
  ChatState& state_of(core::ChatId chat_id, core::UnixMillis now);
  void count_send(core::ChatId chat_id, core::UnixMillis now,
                  int messages);  // the chat's part of record_send
  bool idle(core::ChatId chat_id, const ChatState& state, core::UnixMillis now) const;
  void collect_idle(core::UnixMillis now);

  FloodLimits limits_;
  std::unordered_map<core::ChatId, ChatState> chats_;
  Window bot_window_;
  core::UnixMillis bot_blocked_until_ = 0;
  core::UnixMillis last_collect_ = 0;
};

}  // namespace topicdesk::telegram
