// The flood guard's decisions (flood_guard.h): which slot a new topic, or a copy of a user's
// message, gets under NEW_TOPICS_PER_MINUTE and USER_MESSAGES_PER_MINUTE, and who is told once
// per burst that work is held.
#include <string>

#include "core/presentation.h"
#include "relay/engine.h"
#include "relay/flood_guard.h"

namespace topicdesk::relay {
using core::UnixMillis;
using store::Dialog;

Slot Engine::paced_slot(const std::string& key, int per_minute, UnixMillis now) {
  PaceWindow window;
  if (auto timer = store_.timer_get(context_.id, key))
    window = pace_from_json(timer->payload).value_or(window);
  Slot slot = take_slot(window, per_minute, now);
  // The timer ends when its last slot is a span old: from then on it holds nothing back.
  store_.timer_set(context_.id, key, window.slots.back() + kPaceSpanMillis, pace_to_json(window));
  return slot;
}

UnixMillis Engine::new_topic_slot(UnixMillis now) {
  const int cap = context_.params.new_topics_per_minute;
  if (cap == 0) return 0;
  Slot slot = paced_slot(new_topics_pace_key(), cap, now);
  if (slot.first_held) post_in_general(core::notice::new_topics_held(operator_language(), cap), now);
  return slot.held ? slot.at : 0;
}

UnixMillis Engine::user_message_slot(const Dialog& dialog, UnixMillis now) {
  const int cap = context_.params.user_messages_per_minute;
  if (cap == 0) return 0;
  Slot slot = paced_slot(user_pace_key(dialog.id), cap, now);
  if (slot.first_held) {
    // Before the held copy in the dialog's queue, so the operators read it first.
    post_in_topic(dialog, core::notice::user_messages_held_in_topic(operator_language(), cap),
                  kPriorityNormal, now);
    send_to_user(dialog, core::notice::user_messages_held_for_user(user_language(dialog.user_id)),
                 kPriorityNormal, now);
  }
  return slot.held ? slot.at : 0;
}

}  // namespace topicdesk::relay
