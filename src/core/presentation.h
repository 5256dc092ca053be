// Everything topicdesk writes for people to read: topic titles with their status marker,
// the user card, /info, /help, /stats, notices, and the pseudonyms of HIDE_INFO.
// Pure functions of their arguments, so tests and the docs can rely on exact texts.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.h"
#include "core/ids.h"
#include "core/parameters.h"

namespace topicdesk::core {

// A dialog's status as shown in its topic. Markers (a prefix of the title):
//   🟢 user_answered (the user wrote last: needs an operator)
//   🟡 support_answered (an operator answered: waiting for the user)
//   ⚪ closed
enum class TopicStatus { kUserAnswered, kSupportAnswered, kClosed };

inline constexpr std::size_t kMaxTopicTitle = 128;  // Telegram's limit, UTF-16 code units

std::string_view status_marker(TopicStatus status);
std::string_view status_name(TopicStatus status);  // user_answered, support_answered, closed

// Deterministic "Blue Otter 4821" for (connection, user): stable across restarts.
std::string pseudonym(ConnectionId connection, UserId user);

// Whom the texts are about. `pseudonym` is used instead of names when hide_info != kOff.
struct UserView {
  Person person;
  std::string pseudonym;
  HideInfo hide_info = HideInfo::kOff;
};

// "First Last #123" (or "Blue Otter 4821" when hidden), without a marker.
std::string display_name(const UserView& user);
// "🟢 First Last #123", at most kMaxTopicTitle.
std::string topic_title(const UserView& user, TopicStatus status);

// The card posted first in a new topic. With hidden info it names the pseudonym and the
// language only. `start_parameter` is the deep-link payload of /start, if any.
std::string user_card(const UserView& user, std::string_view start_parameter);

struct InfoView {
  UserView user;
  std::string start_parameter;
  TopicStatus status = TopicStatus::kUserAnswered;
  UnixMillis created_at = 0;
  bool banned = false;
  bool user_blocked_bot = false;
  bool reveal = true;  // false: HIDE_INFO hides details from this operator
};
std::string info_text(const InfoView& info);

std::string help_text(bool in_general_topic);

struct StatsView {
  std::int64_t user_answered = 0;
  std::int64_t support_answered = 0;
  std::int64_t closed = 0;
};
std::string stats_text(const StatsView& stats);

// WELCOME with {title} replaced by the user's display name (pseudonym when hidden).
std::string welcome_text(std::string_view welcome_template, const UserView& user);

// Notices posted in the topic (for operators) or sent to the user.
namespace notice {
std::string user_blocked_bot();
std::string user_unblocked_bot();
std::string not_delivered(std::string_view reason);
std::string user_message_not_copied(std::string_view reason);  // in the topic
std::string user_message_withheld();          // in the topic: RESTRICTED_KEYWORDS_FRONTEND
std::string operator_message_withheld();      // in the topic: RESTRICTED_KEYWORDS_BACKEND
std::string restricted_for_user();            // to the user: RESTRICTED_KEYWORDS_FRONTEND
std::string dialog_closed_for_user(bool automatically);
std::string banned();
std::string unbanned();
std::string info_refused();
std::string unknown_command(std::string_view name);
std::string reply_only_note();
}  // namespace notice

}  // namespace topicdesk::core
