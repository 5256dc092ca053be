// Everything topicdesk writes for people to read: topic titles with their status marker,
// the user card, /info, /help, /stats, notices, and the pseudonyms of HIDE_INFO.
// Pure functions of their arguments, so tests and the docs can rely on exact texts. The words
// come from the message catalogues (i18n/catalog.h) in `lang`: the connection's LANGUAGE for
// operators' texts, the user's own language (Engine::user_language) for texts to the user.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/ids.h"
#include "core/parameters.h"

namespace topicdesk::core {

// A dialog's status as shown in its topic. Markers (a prefix of the title; STATUS_ICONS, by
// default the product's):
//   🟪 user_answered (the user wrote last: needs an operator)
//   🟨 support_answered (an operator answered: waiting for the user)
//   ⬛️ closed
enum class TopicStatus { kUserAnswered, kSupportAnswered, kClosed };

inline constexpr std::size_t kMaxTopicTitle = 128;  // Telegram's limit, UTF-16 code units

std::string_view status_marker(TopicStatus status, const StatusIcons& icons = {});
std::string_view status_name(TopicStatus status);  // user_answered, support_answered, closed

// "Blue Otter 4821" from 64 bits of a keyed digest of (connection, user): see
// relay::user_pseudonym, which computes it under the install's secret. 9.2 million names.
std::string pseudonym_from_digest(std::uint64_t digest);

// Whom the texts are about. `pseudonym` is used instead of names when hide_info != kOff.
// `icons` mark the status in titles and /info.
struct UserView {
  Person person;
  std::string pseudonym;
  HideInfo hide_info = HideInfo::kOff;
  StatusIcons icons;
};

// Names in every text here (titles, cards, /info, notices, WELCOME) lose their bidi controls
// (core::strip_bidi_controls), and a right-to-left name is wrapped in FSI … PDI
// (core::bidi_isolate): a name can never reverse the "#id" or the text around it.

// "First Last" (or "Blue Otter 4821" when hidden), without a marker or id.
std::string display_name(const UserView& user);
// "🟢 First Last #123" (the pseudonym without id when hidden), at most kMaxTopicTitle: a long
// name is cut, the id is always kept whole. A non-empty `owner` (the owning operator's short
// name) follows as " 👤 Olga", itself cut to a few characters; the user's name gives way first.
// `tickers` (of the dialog's labels, in order) follow the marker, ended by kTickerSeparator:
// "🟪 🔥 VIP · Ann Lee #1001". They get what room the rest leaves: the marker and the name (or
// pseudonym) win, and the tickers that do not fit whole are left out, the last ones first.
inline constexpr std::string_view kTickerSeparator = " · ";
std::string topic_title(const UserView& user, TopicStatus status, std::string_view owner = {},
                        const std::vector<std::string>& tickers = {});

// What a title topic_title() made names: the user id ("🟪 Ann Lee #1001", also with an owner:
// "🟪 Ann Lee #1001 👤 Olga") or, under HIDE_INFO, the pseudonym ("🟨 Blue Otter 4821"). nullopt for a
// title without a status marker (a topic people made); tickers are skipped: the markers of `icons`, the
// product's, or the 🟢 🟡 ⚪ of earlier versions. Used to find the dialog of a topic the desk does not
// know.
struct TitleRef {
  UserId user = 0;        // 0: the title names a pseudonym
  std::string pseudonym;  // when user == 0
};
std::optional<TitleRef> parse_topic_title(std::string_view title, const StatusIcons& icons = {});

// The card posted first in a new topic. With hidden info it names the pseudonym and the
// language only. `start_parameter` is the deep-link payload of /start, if any.
std::string user_card(std::string_view lang, const UserView& user, std::string_view start_parameter);

struct InfoView {
  UserView user;
  std::string start_parameter;
  TopicStatus status = TopicStatus::kUserAnswered;
  UnixMillis created_at = 0;
  bool banned = false;
  bool user_blocked_bot = false;
  bool reveal = true;  // false: HIDE_INFO hides details from this operator
};
std::string info_text(std::string_view lang, const InfoView& info);

// /help: the commands that work where it was asked (core::command_table()), one a line.
// `account`: the connection is a personal account's (/new works in General).
std::string help_text(std::string_view lang, bool in_general_topic, bool account = false,
                      const StatusIcons& icons = {});

struct StatsView {
  std::int64_t user_answered = 0;
  std::int64_t support_answered = 0;
  std::int64_t closed = 0;
};
std::string stats_text(std::string_view lang, const StatsView& stats, const StatusIcons& icons = {});

// WELCOME (or CLOSE_MESSAGE) with {title} replaced by the user's own name: texts for the user
// never show the operators' HIDE_INFO pseudonym.
std::string welcome_text(std::string_view welcome_template, const UserView& user);

// Notices posted in the topic (for operators) or sent to the user.
namespace notice {
std::string user_blocked_bot(std::string_view lang);
std::string user_unblocked_bot(std::string_view lang);
std::string not_delivered(std::string_view lang, std::string_view reason);
std::string user_message_not_copied(std::string_view lang, std::string_view reason);  // in the topic
std::string user_message_withheld(std::string_view lang);      // in the topic: RESTRICTED_KEYWORDS_FRONTEND
std::string operator_message_withheld(std::string_view lang);  // in the topic: RESTRICTED_KEYWORDS_BACKEND
std::string restricted_for_user(std::string_view lang);        // to the user: RESTRICTED_KEYWORDS_FRONTEND
std::string dialog_closed_for_user(std::string_view lang, bool automatically);
// To the user (unless SILENT_MODE): a message of theirs could not be passed on to the operators.
std::string message_not_relayed_for_user(std::string_view lang);
std::string banned(std::string_view lang);
std::string unbanned(std::string_view lang);
std::string info_refused(std::string_view lang);
// HIDE_INFO: /link and /set without arguments, for an operator not on EXTENSIONS_ALLOWED.
std::string linked_account_hidden(std::string_view lang);
std::string fields_hidden(std::string_view lang);
std::string unknown_command(std::string_view lang, std::string_view name);
std::string reply_only_note(std::string_view lang);
// Topics the desk does not know (an operator wrote there), posted in that topic. `link` opens
// the dialog's own topic (empty: none yet).
std::string orphan_topic_relayed(std::string_view lang,
                                 std::string_view link);  // named a dialog that has a topic
std::string orphan_topic_adopted(std::string_view lang);  // named a dialog without one: adopted
std::string history_topic(std::string_view lang, std::string_view link);  // a topic LEAVE_CLOSED left behind
std::string unknown_topic(std::string_view lang,
                          const StatusIcons& icons = {});  // names no dialog of the desk
// The end of a Topics API message cut to fit the topic (the user got all of it).
std::string cut_in_topic(std::string_view lang);
// Accounts: the owner wrote in the topic from their own app; the message above went to the user.
std::string account_owner_answered(std::string_view lang);
// The flood guard (relay/flood_guard.h), once per burst: in General, new dialogs wait for their
// topics (NEW_TOPICS_PER_MINUTE); in the topic and to the user, the user's messages are held
// (USER_MESSAGES_PER_MINUTE).
std::string new_topics_held(std::string_view lang, int per_minute);
std::string user_messages_held_in_topic(std::string_view lang, int per_minute);
std::string user_messages_held_for_user(std::string_view lang);
// In General: a helper bot (docs/helper-bots.md) was refused by Telegram and no longer posts;
// `name` is its @username (or id), `reason` Telegram's answer.
std::string helper_left(std::string_view lang, std::string_view name, std::string_view reason);
}  // namespace notice

}  // namespace topicdesk::core
