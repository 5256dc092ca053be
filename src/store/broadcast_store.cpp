#include "store/broadcast_store.h"

#include <array>
#include <utility>

namespace topicdesk::store {
namespace {

constexpr std::array<std::pair<BroadcastState, const char*>, 6> kBroadcastStates{{
    {BroadcastState::kConfirming, "confirming"},
    {BroadcastState::kScheduled, "scheduled"},
    {BroadcastState::kRunning, "running"},
    {BroadcastState::kPaused, "paused"},
    {BroadcastState::kCancelled, "cancelled"},
    {BroadcastState::kDone, "done"},
}};

constexpr std::array<std::pair<RecipientState, const char*>, 6> kRecipientStates{{
    {RecipientState::kPending, "pending"},
    {RecipientState::kSending, "sending"},
    {RecipientState::kSent, "sent"},
    {RecipientState::kFailed, "failed"},
    {RecipientState::kBlocked, "blocked"},
    {RecipientState::kSkipped, "skipped"},
}};

}  // namespace

const char* to_string(BroadcastState state) {
  for (const auto& [s, name] : kBroadcastStates) {
    if (s == state) return name;
  }
  return "confirming";
}

std::optional<BroadcastState> broadcast_state_from_string(std::string_view text) {
  for (const auto& [s, name] : kBroadcastStates) {
    if (text == name) return s;
  }
  return std::nullopt;
}

const char* to_string(RecipientState state) {
  for (const auto& [s, name] : kRecipientStates) {
    if (s == state) return name;
  }
  return "pending";
}

std::optional<RecipientState> recipient_state_from_string(std::string_view text) {
  for (const auto& [s, name] : kRecipientStates) {
    if (text == name) return s;
  }
  return std::nullopt;
}

}  // namespace topicdesk::store
