// Account connections in the engine, see relay/accounts.h and docs/accounts.md:
// - /new in General: operators write first (resolved through the account's TDLib session);
// - /story in General: the account posts a photo or video as a story for its users;
// - MONITOR_PRIVATE off: private chats open no dialogs (dialogs opened with /new still relay);
// - MONITOR_GROUPS: groups the account is in are frontends, one dialog (and topic) per group,
//   whose "user" is the group chat (negative id); GROUPS_KEYWORDS filters their messages;
// - MONITOR_CHANNELS: channels the account follows, the same way (no sender lines); answers go
//   to the channel's discussion group as comments (the account's frontend does that);
// - IGNORE_CHATS applies to the group and to its members.
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "core/event_json.h"
#include "core/presentation.h"
#include "i18n/catalog.h"
#include "relay/accounts.h"
#include "relay/engine.h"

namespace topicdesk::relay {
namespace json = boost::json;
using core::Event;
using core::EventKind;
using core::UnixMillis;
using store::Dialog;
using store::DialogStatus;

namespace {

bool is_ignored(const core::Parameters& p, core::ChatId chat) {
  return std::find(p.ignore_chats.begin(), p.ignore_chats.end(), chat) != p.ignore_chats.end();
}

// The dialog "user" of a monitored group: the group itself, named by its title (a group
// without one is named in the operators' language).
core::Person group_person(std::string_view lang, const Event& e) {
  core::Person group;
  group.id = e.chat_id;
  group.first_name =
      !e.chat_title.empty()
          ? e.chat_title
          : i18n::text(lang, e.channel_post ? "notices.untitled_channel" : "notices.untitled_group",
                       {{"id", std::to_string(e.chat_id)}});
  return group;
}

std::string group_sender_key(core::DialogId dialog) { return "group_sender:" + std::to_string(dialog); }

}  // namespace

bool Engine::route_account_event(const Event& e, UnixMillis now) {
  const bool from_group = e.chat_id < 0;
  switch (e.kind) {
    case EventKind::kUserResolved:
      on_user_resolved(e, now);
      return true;
    case EventKind::kStoryPosted:
      on_story_posted(e, now);
      return true;
    case EventKind::kUserMessage:
      if (from_group) on_group_frontend_message(e, now);
      return from_group || !private_chat_monitored(e);
    case EventKind::kUserEdit:
      if (from_group) on_group_frontend_edit(e, now);
      return from_group || !private_chat_monitored(e);
    case EventKind::kUserReaction:
      return from_group || !private_chat_monitored(e);  // group reactions are not relayed
    default:
      return false;
  }
}

// MONITOR_PRIVATE off: only dialogs that already exist (opened with /new) take private messages.
bool Engine::private_chat_monitored(const Event& e) const {
  if (context_.params.monitor_private) return true;
  core::UserId user = e.from.id != 0 ? e.from.id : e.chat_id;
  return store_.dialog_by_user(context_.id, user).has_value();
}

// ---- /new ------------------------------------------------------------------------------

// Whether this connection carries out a General command that names `instance` (0: none); the
// answers for a connection that does not exist or a choice to make are posted once.
bool Engine::general_command_is_mine(std::string_view command, core::ConnectionId instance, UnixMillis now) {
  if (instance != 0 && instance != context_.id) {
    auto peers = store_.connections();
    bool exists = std::any_of(peers.begin(), peers.end(), [&](const store::ConnectionRecord& c) {
      return c.id == instance && c.group_id == context_.group_id;
    });
    if (!exists && answers_in_general())
      post_in_general(account_notice::no_such_connection(operator_language(), instance, command), now);
    return false;
  }
  if (instance == 0) {
    std::string sharing;
    int count = 0;
    for (const auto& c : store_.connections()) {
      if (c.group_id != context_.group_id) continue;
      sharing += (count++ == 0 ? "" : ", ") + ("i" + std::to_string(c.id) + " " + c.name);
    }
    if (count > 1) {
      if (answers_in_general())
        post_in_general(account_notice::choose_connection(operator_language(), sharing, command), now);
      return false;
    }
  }
  return true;
}

void Engine::on_new_command(const core::Command& command, const Event& e, UnixMillis now) {
  auto target = parse_new_target(operator_language(), command.args);
  if (!target) {
    if (answers_in_general()) post_in_general(target.error().message, now);
    return;
  }
  if (!general_command_is_mine("new", target->instance, now)) return;
  if (!context_.account)
    return post_in_general(account_notice::not_an_account(operator_language(), context_.id, context_.name),
                           now);
  enqueue(job::kResolveUser, JobPayload{.to = Side::kUser, .text = target->query()}, kPriorityOperatorReply,
          now);
}

void Engine::on_user_resolved(const Event& e, UnixMillis now) {
  if (e.from.id <= 0)
    return post_in_general(account_notice::not_found(operator_language(), e.text, context_.name), now);
  store_.upsert_user(context_.id, e.from, now);
  auto dialog = store_.dialog_by_user(context_.id, e.from.id);
  const bool existed = dialog.has_value();
  if (!dialog) dialog = open_dialog(DialogOrigin::kOperatorNew, e.from, now);
  core::UserView view{e.from, dialog->pseudonym, context_.params.hide_info};
  std::string who = core::display_name(view);
  if (!e.from.username.empty() && context_.params.hide_info == core::HideInfo::kOff)
    who += " (@" + e.from.username + ")";
  announce_topic(*dialog,
                 existed ? account_notice::topic_exists(operator_language(), who)
                         : account_notice::topic_opened(operator_language(), who),
                 now);
}

// ---- /story ------------------------------------------------------------------------------

// The users a story of the account is shown to: everyone who had a dialog with it (not the
// groups and channels it monitors), at most kMaxStoryViewers, the most recent dialogs first.
std::vector<core::UserId> Engine::story_viewers() const {
  std::vector<store::Dialog> dialogs;
  for (auto status : {DialogStatus::kUserAnswered, DialogStatus::kSupportAnswered, DialogStatus::kClosed}) {
    auto some = store_.dialogs_with_status(context_.id, status, static_cast<int>(kMaxStoryViewers));
    dialogs.insert(dialogs.end(), some.begin(), some.end());
  }
  std::sort(dialogs.begin(), dialogs.end(), [](const Dialog& a, const Dialog& b) { return a.id > b.id; });
  std::vector<core::UserId> users;
  for (const auto& dialog : dialogs) {
    if (dialog.user_id > 0 && users.size() < kMaxStoryViewers) users.push_back(dialog.user_id);
  }
  return users;
}

// An operator replied to a photo or video in General with `/story [i<ID>] [caption]`.
void Engine::on_story_command(const core::Command& command, const Event& e, UnixMillis now) {
  InstanceRequest request = parse_instance_request(command.args);
  if (!general_command_is_mine("story", request.instance, now)) return;
  if (!context_.account)
    return post_in_general(
        account_notice::story_not_an_account(operator_language(), context_.id, context_.name), now);
  if (e.reply_to_message_id == 0)
    return post_in_general(account_notice::story_usage(operator_language()), now);
  std::vector<core::UserId> viewers = story_viewers();
  if (viewers.empty())
    return post_in_general(account_notice::story_no_viewers(operator_language(), context_.name), now);
  enqueue(job::kPostStory,
          JobPayload{.to = Side::kUser,
                     .message_id = e.reply_to_message_id,
                     .text = std::move(request.rest),  // the caption
                     .user_ids = std::move(viewers)},
          kPriorityOperatorReply, now);
}

// The dispatcher's report of a kPostStory job (core::EventKind::kStoryPosted).
void Engine::on_story_posted(const Event& e, UnixMillis now) {
  if (e.message_id == 0)
    return post_in_general(account_notice::story_failed(operator_language(), context_.name, e.text), now);
  std::size_t viewers = 0;
  std::from_chars(e.text.data(), e.text.data() + e.text.size(), viewers);
  post_in_general(account_notice::story_posted(operator_language(), context_.name, viewers), now);
}

// Posted in General once the topic exists (the job waits behind create_topic in its queue).
void Engine::announce_topic(const Dialog& dialog, std::string text, UnixMillis now) {
  enqueue(job::kAnnounceTopic, JobPayload{.dialog = dialog.id, .to = Side::kGroup, .text = std::move(text)},
          kPriorityOperatorReply, now);
}

// ---- monitored groups (MONITOR_GROUPS) ---------------------------------------------------

bool Engine::group_message_wanted(const Event& e) const {
  const auto& p = context_.params;
  if (!(e.channel_post ? p.monitor_channels : p.monitor_groups)) return false;
  if (e.chat_id == context_.group_id || e.is_service) return false;
  if (is_ignored(p, e.chat_id) || is_ignored(p, e.from.id)) return false;
  return p.groups_keywords.empty() || p.groups_keywords.matches(e.text);
}

void Engine::on_group_frontend_message(const Event& e, UnixMillis now) {
  if (!group_message_wanted(e)) return;
  const auto& p = context_.params;
  auto dialog = store_.dialog_by_user(context_.id, e.chat_id);
  if (dialog && dialog->banned) return;
  if (p.restricted_frontend.matches(e.text)) {
    if (dialog)
      post_in_topic(*dialog, core::notice::user_message_withheld(operator_language()), kPriorityNormal, now);
    return;
  }
  core::Person group = group_person(operator_language(), e);
  store_.upsert_user(context_.id, group, now);
  if (!dialog && e.channel_post) store_.state_set(context_.id, channel_chat_key(e.chat_id), "1");
  if (!dialog)
    dialog = open_dialog(DialogOrigin::kMonitoredGroup, group, now);
  else if (dialog->status == DialogStatus::kClosed)
    reopen_dialog(*dialog, now);
  else
    set_status(*dialog, DialogStatus::kUserAnswered, now);
  dialog->last_user_message_at = now;
  store_.update_dialog(*dialog);

  if (!e.channel_post) name_group_sender(*dialog, e, now);  // a channel's posts are all its own
  if (!e.media_group_id.empty()) {
    gather_album(*dialog, AlbumLane::kUser, e, now);
  } else {
    flush_album(*dialog, AlbumLane::kUser, now);
    JobPayload copy{.dialog = dialog->id,
                    .to = Side::kGroup,
                    .message_id = e.message_id,
                    .reply_to = e.reply_to_message_id};
    enqueue(job::kCopyToTopic, copy, kPriorityNormal, now);
  }
  record_message(*dialog, store::HistoryAuthor::kUser, e, now);  // a member of the group: its sender
  json::object o{
      {"message_id", e.message_id}, {"content", core::to_string(e.content)}, {"from_id", e.from.id}};
  if (!e.text.empty()) o["text"] = e.text;
  event(*dialog, "message_received", json::serialize(o), now);
}

// Copies do not show who wrote in the group: a line names the sender whenever it changes.
void Engine::name_group_sender(const Dialog& dialog, const Event& e, UnixMillis now) {
  const std::string key = group_sender_key(dialog.id);
  const std::string sender = std::to_string(e.from.id);
  if (store_.state_get(context_.id, key).value_or("") == sender) return;
  store_.state_set(context_.id, key, sender);
  flush_album(dialog, AlbumLane::kUser, now);  // the previous sender's album goes first
  core::UserView view{e.from, user_pseudonym(context_.pseudonym_secret, context_.id, e.from.id),
                      context_.params.hide_info};
  std::string line = "👤 " + core::display_name(view);
  if (!e.from.username.empty() && context_.params.hide_info == core::HideInfo::kOff)
    line += " (@" + e.from.username + ")";
  post_in_topic(dialog, line + ":", kPriorityNormal, now);
}

void Engine::on_group_frontend_edit(const Event& e, UnixMillis now) {
  const auto& p = context_.params;
  if (!(e.channel_post ? p.monitor_channels : p.monitor_groups) || e.chat_id == context_.group_id) return;
  if (is_ignored(p, e.chat_id) || is_ignored(p, e.from.id) || p.restricted_frontend.matches(e.text)) return;
  auto dialog = store_.dialog_by_user(context_.id, e.chat_id);
  if (!dialog || dialog->banned) return;
  mirror_edit(*dialog, Side::kGroup, e, kPriorityNormal, now);  // skipped by the dispatcher if never copied
  record_edit(*dialog, false, e, now);
}

}  // namespace topicdesk::relay
