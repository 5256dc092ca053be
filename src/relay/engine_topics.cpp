// Topics the engine does not know (docs/parameters.md, "Topics the desk does not know"): an
// operator wrote in a topic of the backend group that no dialog of this connection uses.
//
// Decisions:
// - Never silence: the operators learn what happened to their message, in that topic. General
//   and `/ ` comments are never answered; a topic another connection of the group uses is that
//   connection's.
// - A topic the desk made is named by its title (core::parse_topic_title: "#id", or the
//   pseudonym under HIDE_INFO), which the Bot API repeats in the implicit reply of every topic
//   message (Event::topic_name). When the desk was killed between createForumTopic and
//   recording the topic, it creates the topic again; the first one is an orphan:
//   - its dialog already has a topic: the message is relayed to the user as usual and the
//     orphan is told once where the dialog lives (a link);
//   - its dialog has no topic yet: the orphan is adopted (it becomes the dialog's topic, with
//     the card it never got) and the message is relayed.
// - A topic LEAVE_CLOSED left behind as history keeps not relaying; the operator is told
//   each time, with the link to the dialog's current topic.
// - Any other topic (one people made, or a desk title naming no dialog): told once per topic
//   that nothing written there is sent, by one connection of the group (the one that answers
//   in General).
// - When several connections of the group have a dialog for the user a title names, the first
//   (by connection id) whose dialog has no topic takes it, else the first: every engine of the
//   group decides the same, so exactly one acts.
#include <algorithm>
#include <charconv>
#include <string>

#include "core/presentation.h"
#include "relay/accounts.h"
#include "relay/engine.h"

namespace topicdesk::relay {
using core::Event;
using core::UnixMillis;
using store::Dialog;

namespace {

constexpr int kPseudonymPage = 500;

std::string orphan_told_key(core::ThreadId thread) { return "orphan_told:" + std::to_string(thread); }
std::string unknown_told_key(core::ThreadId thread) { return "unknown_topic_told:" + std::to_string(thread); }

// The dialog of `connection` with this pseudonym (HIDE_INFO titles), looked up page by page:
// only topics the desk does not know come here, which is rare.
std::optional<Dialog> dialog_by_pseudonym(store::Store& store, core::ConnectionId connection,
                                          std::string_view pseudonym) {
  core::DialogId after = 0;
  while (true) {
    auto page = store.dialogs_page(connection, std::nullopt, after, kPseudonymPage);
    for (const auto& entry : page) {
      if (entry.dialog.pseudonym == pseudonym) return entry.dialog;
    }
    if (static_cast<int>(page.size()) < kPseudonymPage) return std::nullopt;
    after = page.back().dialog.id;
  }
}

}  // namespace

std::string history_topic_key(core::ThreadId thread) { return "history_topic:" + std::to_string(thread); }

std::optional<Dialog> Engine::dialog_for_unknown_topic(const Event& e, UnixMillis now) {
  if (e.thread_id == 0 || core::is_comment(e.text)) return std::nullopt;
  if (owner_of_thread(store_, context_.group_id, e.thread_id)) return std::nullopt;  // another connection's

  auto connections = store_.connections();
  std::erase_if(connections,
                [&](const store::ConnectionRecord& c) { return c.group_id != context_.group_id; });
  std::sort(connections.begin(), connections.end(), [](const auto& a, const auto& b) { return a.id < b.id; });

  // A topic LEAVE_CLOSED left behind: its connection answers.
  for (const auto& c : connections) {
    auto history = store_.state_get(c.id, history_topic_key(e.thread_id));
    if (!history || history->empty()) continue;
    if (c.id != context_.id) return std::nullopt;
    core::DialogId id = 0;
    std::from_chars(history->data(), history->data() + history->size(), id);
    auto dialog = store_.dialog(id);
    std::string link =
        dialog && dialog->thread_id != 0 ? topic_link(context_.group_id, dialog->thread_id) : "";
    post_in_thread(dialog ? dialog->id : 0, e.thread_id,
                   core::notice::history_topic(operator_language(), link), now);
    return std::nullopt;
  }

  // A topic the desk made: its title names the dialog.
  std::optional<Dialog> named;
  if (auto title = core::parse_topic_title(e.topic_name, context_.params.status_icons)) {
    std::optional<Dialog> first;
    for (const auto& c : connections) {
      auto dialog = title->user != 0 ? store_.dialog_by_user(c.id, title->user)
                                     : dialog_by_pseudonym(store_, c.id, title->pseudonym);
      if (!dialog) continue;
      if (dialog->thread_id == 0) {
        named = dialog;
        break;
      }
      if (!first) first = dialog;
    }
    if (!named) named = first;
  }
  if (named) {
    if (named->connection_id != context_.id) return std::nullopt;
    if (named->thread_id == 0) {
      adopt_topic(*named, e.thread_id, now);
    } else if (store_.state_get(context_.id, orphan_told_key(e.thread_id)).value_or("").empty()) {
      store_.state_set(context_.id, orphan_told_key(e.thread_id), std::to_string(named->id));
      post_in_thread(named->id, e.thread_id,
                     core::notice::orphan_topic_relayed(operator_language(),
                                                        topic_link(context_.group_id, named->thread_id)),
                     now);
    }
    return named;
  }

  if (!answers_in_general()) return std::nullopt;
  if (!store_.state_get(context_.id, unknown_told_key(e.thread_id)).value_or("").empty()) return std::nullopt;
  store_.state_set(context_.id, unknown_told_key(e.thread_id), "1");
  post_in_thread(0, e.thread_id,
                 core::notice::unknown_topic(operator_language(), context_.params.status_icons), now);
  return std::nullopt;
}

// The orphan becomes the dialog's topic: the create_topic job still queued finds a topic and
// creates none; the card the crash cost is posted now, the title gets the current status.
void Engine::adopt_topic(Dialog& dialog, core::ThreadId thread, UnixMillis now) {
  const auto& p = context_.params;
  auto person = store_.user(context_.id, dialog.user_id).value_or(core::Person{.id = dialog.user_id});
  core::UserView view{person, dialog.pseudonym, p.hide_info, p.status_icons};
  dialog.thread_id = thread;
  dialog.topic_title = core::display_name(view);
  store_.update_dialog(dialog);
  std::string start = store_.state_get(context_.id, start_parameter_key(dialog.id)).value_or("");
  post_in_topic(dialog, core::user_card(operator_language(), view, start), kPriorityOperatorReply, now);
  post_in_topic(dialog, core::notice::orphan_topic_adopted(operator_language()), kPriorityOperatorReply, now);
  retitle(dialog, now);
}

void Engine::post_in_thread(core::DialogId dialog, core::ThreadId thread, std::string text, UnixMillis now) {
  enqueue(job::kSendText,
          JobPayload{.dialog = dialog, .to = Side::kGroup, .thread = thread, .text = std::move(text)},
          kPriorityOperatorReply, now);
}

}  // namespace topicdesk::relay
