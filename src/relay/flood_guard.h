// The flood guard: how fast new topics, and one user's messages, go into the backend group.
//
// The group takes about 20 messages a minute from a bot (telegram-facts.md), and a new dialog
// costs three of them (topic, card, first copy) ahead of every other dialog's messages. Two caps
// keep a wave of /starts, or one user's burst, from taking the whole budget:
// - NEW_TOPICS_PER_MINUTE: topics a connection creates in any minute;
// - USER_MESSAGES_PER_MINUTE: copies of one user's messages (an album is one) in any minute.
// Beyond a cap nothing is dropped: the job gets the first free slot as its not_before and waits
// in the outbox, in arrival order; every later job of its queue (the dialog's group side) waits
// behind it, so a user's order is kept. The engine decides (Engine::paced_slot); the windows are
// kept in the store as durable timers, so a restart neither forgets them nor bursts.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"

namespace topicdesk::relay {

inline constexpr core::UnixMillis kPaceSpanMillis = 60'000;

// Timer keys of the windows; the scheduler deletes a window's timer when its last slot is a
// minute old (nothing is held by it any more).
inline constexpr std::string_view kPaceKeyPrefix = "pace:";
std::string new_topics_pace_key();                 // "pace:topics"
std::string user_pace_key(core::DialogId dialog);  // "pace:user:<dialog>"

// The slots handed out lately, oldest first: at most `per_minute` of them lie in any span.
struct PaceWindow {
  std::vector<core::UnixMillis> slots;
  bool told = false;  // the people concerned were told a hold began (once per burst)
};

struct Slot {
  core::UnixMillis at = 0;  // when the job may go: `now` unless held
  bool held = false;        // at > now
  bool first_held = false;  // held, and the first of this burst (tell once)
};

// Hands out the next slot at or after `now` and records it. A burst ends when a slot is free
// at once again; `told` is then cleared.
Slot take_slot(PaceWindow& window, int per_minute, core::UnixMillis now);

std::string pace_to_json(const PaceWindow& window);
std::optional<PaceWindow> pace_from_json(std::string_view text);  // nullopt when unreadable

}  // namespace topicdesk::relay
