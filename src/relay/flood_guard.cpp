#include "relay/flood_guard.h"

#include <algorithm>
#include <boost/json.hpp>

namespace topicdesk::relay {
namespace json = boost::json;

std::string new_topics_pace_key() { return std::string(kPaceKeyPrefix) + "topics"; }

std::string user_pace_key(core::DialogId dialog) {
  return std::string(kPaceKeyPrefix) + "user:" + std::to_string(dialog);
}

Slot take_slot(PaceWindow& window, int per_minute, core::UnixMillis now) {
  auto& slots = window.slots;
  const auto cap = static_cast<std::size_t>(std::max(per_minute, 1));
  // Slots older than a span hold nothing back; keep only the last `cap`, which decide.
  std::erase_if(slots, [now](core::UnixMillis at) { return at + kPaceSpanMillis <= now; });
  if (slots.size() > cap) slots.erase(slots.begin(), slots.end() - static_cast<std::ptrdiff_t>(cap));
  Slot slot{.at = now};
  if (slots.size() == cap) slot.at = std::max(now, slots.front() + kPaceSpanMillis);
  if (!slots.empty()) slot.at = std::max(slot.at, slots.back());  // arrival order
  slot.held = slot.at > now;
  if (slot.held) {
    slot.first_held = !window.told;
    window.told = true;
  } else {
    window.told = false;
  }
  slots.push_back(slot.at);
  if (slots.size() > cap) slots.erase(slots.begin());
  return slot;
}

std::string pace_to_json(const PaceWindow& window) {
  json::array slots;
  for (auto at : window.slots) slots.emplace_back(at);
  return json::serialize(json::object{{"slots", std::move(slots)}, {"told", window.told}});
}

std::optional<PaceWindow> pace_from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* slots = v.get_object().if_contains("slots");
  const auto* told = v.get_object().if_contains("told");
  if (!slots || !slots->is_array() || !told || !told->is_bool()) return std::nullopt;
  PaceWindow window{.told = told->get_bool()};
  for (const auto& at : slots->get_array()) {
    if (!at.is_int64()) return std::nullopt;
    window.slots.push_back(at.get_int64());
  }
  if (!std::is_sorted(window.slots.begin(), window.slots.end())) return std::nullopt;
  return window;
}

}  // namespace topicdesk::relay
