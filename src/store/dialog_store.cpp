#include "store/dialog_store.h"

namespace topicdesk::store {

const char* to_string(DialogStatus status) {
  switch (status) {
    case DialogStatus::kUserAnswered:
      return "user_answered";
    case DialogStatus::kSupportAnswered:
      return "support_answered";
    case DialogStatus::kClosed:
      return "closed";
  }
  return "unknown";
}

std::optional<DialogStatus> dialog_status_from_string(std::string_view text) {
  for (auto s : {DialogStatus::kUserAnswered, DialogStatus::kSupportAnswered, DialogStatus::kClosed}) {
    if (text == to_string(s)) return s;
  }
  return std::nullopt;
}

}  // namespace topicdesk::store
