// Dialog ownership's decisions that need no store: whom ASSIGN picks, how long a dialog has
// waited for operators, how operators are named, and the texts operators read. The engine's
// side (commands, auto-assignment, UNANSWERED_ALERT) is engine_ownership.cpp; the operators
// and the rotation are kept by store::OperatorStore.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ids.h"
#include "core/parameters.h"
#include "core/presentation.h"
#include "store/store.h"

namespace topicdesk::relay {

// ASSIGN's choice among the operators on shift (`on_shift`, in id order); 0 when nobody is on
// shift or ASSIGN is OFF. round_robin: the first after `last_assigned` (wrapping round; an
// operator who left the shift is simply passed). least_open: the fewest open owned dialogs in
// `open_counts` (absent: none), ties to the lowest id.
core::UserId pick_owner(core::AssignMode mode, const std::vector<core::UserId>& on_shift,
                        core::UserId last_assigned,
                        const std::vector<std::pair<core::UserId, std::int64_t>>& open_counts);

// How long `dialog` has waited for operators at `now` (0 unless it is user_answered): the one
// measure UNANSWERED_ALERT compares with its minutes. The time inside WORKING_HOURS since the
// wait began (a wait over a night or a weekend counts only its working part); wall time when
// `hours` is nullopt (always open).
core::UnixMillis waiting_for_operators_ms(const store::Dialog& dialog, core::UnixMillis now,
                                          const std::optional<core::WorkingHours>& hours);

// "Olga Petrova (@olga_op)", "@olga_op" or "id 900" for one the registry does not know.
std::string operator_name(const std::optional<store::Operator>& op, core::UserId id);
// The owner's short name in topic titles: the first name, else the username, else the id.
std::string operator_short_name(const std::optional<store::Operator>& op, core::UserId id);

// A message with a mention that notifies the operator: "@username" in the text, or (no
// username) the name as a text_mention entity of the Bot API.
struct MentionText {
  std::string text;
  std::string entities_json;  // empty: none
};

// UNANSWERED_ALERT's announcement in General: who waits, how long, the topic's link (empty:
// no topic yet) and the owner, mentioned (nullopt: nobody owns the dialog).
MentionText unanswered_alert_text(std::string_view lang, std::string_view user_name,
                                  core::UnixMillis waited_ms, std::string_view link,
                                  const std::optional<store::Operator>& owner, core::UserId owner_id);

// The topic's title for a dialog as the dispatcher and the Topics API show it: the status
// marker, the tickers of the dialog's labels, the user, and the owner's short name when someone
// owns it.
std::string dialog_topic_title(store::Store& store, const store::Dialog& dialog, const core::UserView& user,
                               core::TopicStatus status);

namespace ownership_notice {
// In the operators' language (LANGUAGE).
std::string taken(std::string_view lang, std::string_view owner);
std::string assigned(std::string_view lang, std::string_view by, std::string_view owner);
std::string auto_assigned(std::string_view lang, std::string_view owner, core::AssignMode mode);
std::string unassigned(std::string_view lang, std::string_view by);
std::string already_owner(std::string_view lang, std::string_view owner);
std::string no_owner(std::string_view lang);
std::string assign_usage(std::string_view lang);
std::string unknown_operator(std::string_view lang, std::string_view who);
std::string works_in_general(std::string_view lang, std::string_view command);
std::string shift_usage(std::string_view lang);
std::string on_shift(std::string_view lang, std::string_view who, bool on);
std::string shift_list(std::string_view lang, const std::vector<std::string>& names);
// /mine: one line per dialog ("🟪 Ann Lee: https://t.me/c/…"), `more` beyond the ones shown.
std::string mine(std::string_view lang, const std::vector<std::string>& lines, bool more);
std::string info_line(std::string_view lang, std::string_view owner);  // "owner: Olga (@olga_op)"
}  // namespace ownership_notice

}  // namespace topicdesk::relay
