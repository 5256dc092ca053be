// TDLib JSON → the normalized events the Bot API transport produces (core::Event), and the
// small conversions both directions need (message ids, entities, users). Pure functions,
// apart from ProfileCache, which remembers the users TDLib announced (updateUser).
//
// What becomes what (docs/tdlib-subset.md):
//   updateNewMessage in a private chat, incoming            → kUserMessage
//   updateNewMessage in a private chat, is_outgoing, not
//     sent through this client (no sending_state)           → kOutgoingSeen (intercepted)
//   updateNewMessage in the backend group                   → kOperatorMessage (not our own sends)
//   updateMessageContent in a private chat / backend group  → kUserEdit / kOperatorEdit
//   updateMessageEdited                                     → nothing (carries no content;
//                                                             updateMessageContent precedes it)
// except for outgoing messages first seen as kOutgoingSeen (sent from elsewhere): their
//   updateMessageContent is remembered, and the updateMessageEdited that follows every edit
//   becomes ONE kOutgoingEdit (content as remembered, inline keyboard as the update says)
// Edits of messages sent through this client (the desk's own copies) are nothing.
// Outgoing messages carry their inline keyboard as a Bot API reply_markup (reply_markup_json).
//   other groups                                            → nothing unless monitor_groups
//   channels (context.channels)                             → nothing unless monitor_channels;
//                                                             with it kUserMessage / kUserEdit
//                                                             with channel_post set, `from` the channel
// Ids are Bot API ids: TDLib message ids are divided by 1048576, forum thread ids too (the
// General topic, thread 1, becomes 0); the implicit reply to a topic's first message is dropped.
#pragma once
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/event.h"
#include "core/ids.h"
#include "core/result.h"
#include "telegram/update_parser.h"

namespace topicdesk::telegram::tdlib {

inline constexpr std::int64_t kMessageIdFactor = 1048576;  // TDLib id = server id << 20

// 0 for a temporary id (a message still being sent) or a non-positive one.
core::MessageId to_bot_message_id(std::int64_t td_message_id);
std::int64_t to_td_message_id(core::MessageId bot_message_id);
core::ThreadId to_bot_thread_id(std::int64_t td_thread_id);  // General (1 << 20) → 0
std::int64_t to_td_thread_id(core::ThreadId bot_thread_id);

// TDLib writes int64 values as strings and int53 as numbers; either is accepted.
std::optional<std::int64_t> json_int(const boost::json::value* value);

core::ContentKind content_kind(const boost::json::object& content);
// The text or caption of a content object and its entities (TDLib textEntity array).
struct ContentText {
  std::string text;
  boost::json::array td_entities;
};
ContentText content_text(const boost::json::object& content);

// TDLib textEntity[] → Bot API MessageEntity[] (offsets are UTF-16 in both); unknown types skipped.
boost::json::array bot_entities(const boost::json::array& td_entities);
// The same as compact JSON, "" when there are none (core::Event::entities_json).
std::string bot_entities_json(const boost::json::array& td_entities);
// Bot API text + entities → TDLib formattedText (for sendMessage / editMessageText).
boost::json::object formatted_text(const std::string& text, const boost::json::array& bot_entities);

// TDLib replyMarkupInlineKeyboard → Bot API {"inline_keyboard": …} as compact JSON (button
// text, url, web_app, login_url, pay, callback_data); "" for no markup or other kinds.
std::string bot_reply_markup_json(const boost::json::value* td_reply_markup);

// TDLib user → core::Person / a Bot API User object ({id, is_bot, first_name, …}).
core::Person person_from_user(const boost::json::object& user);
boost::json::object bot_user(const boost::json::object& user);

// What the adapter remembers between updates: users TDLib told us about (updateUser, getUser
// answers), for names on events; and the latest outgoing messages (sent by this account from
// anywhere), whose edits are not the user's (updateMessageContent does not say who wrote).
class ProfileCache {
 public:
  void remember(const boost::json::object& user);
  const core::Person* find(core::UserId id) const;
  std::size_t size() const { return people_.size(); }

  // How an outgoing message was sent: through this client (the desk) or from elsewhere (the
  // account's other apps, the bot's other session). For those from elsewhere (intercepted):
  // whether a bot sent them and what they show now, so an edit can be presented whole.
  struct Outgoing {
    bool elsewhere = false;
    bool by_bot = false;
    core::ContentKind content = core::ContentKind::kText;
    std::string text;
    std::string entities_json;
    std::string reply_markup_json;
    bool edit_pending = false;  // new content seen, its updateMessageEdited not yet
  };
  void remember_outgoing(core::ChatId chat_id, std::int64_t td_message_id, Outgoing how);
  bool is_outgoing(core::ChatId chat_id, std::int64_t td_message_id) const;
  const Outgoing* outgoing(core::ChatId chat_id, std::int64_t td_message_id) const;
  // updateMessageContent of an outgoing message from elsewhere: the new content, edit pending.
  void outgoing_content_changed(core::ChatId chat_id, std::int64_t td_message_id, const core::Event& content);
  // updateMessageEdited of such a message, once its kOutgoingEdit is made: the keyboard it shows.
  void outgoing_edit_done(core::ChatId chat_id, std::int64_t td_message_id, std::string reply_markup_json);
  static constexpr std::size_t kOutgoingMemory = 10000;

 private:
  using MessageKey = std::pair<core::ChatId, std::int64_t>;
  std::unordered_map<core::UserId, core::Person> people_;
  std::map<MessageKey, Outgoing> outgoing_;
  std::deque<MessageKey> outgoing_order_;  // oldest first, for eviction
};

struct AdapterContext {
  core::ChatId backend_group_id = 0;  // the group's messages are operator traffic
  core::UserId self_id = 0;           // the signed-in account or bot (getMe)
  bool monitor_groups = false;        // other groups' messages become kUserMessage (chat_id < 0)
  bool monitor_channels = false;      // channel posts become kUserMessage (chat_id < 0, channel_post)
  // The chats TDLib announced as channels (updateNewChat, chatTypeSupergroup.is_channel); null:
  // none known. Owned by the caller.
  const std::set<core::ChatId>* channels = nullptr;
};

// One message → event; nullopt for messages topicdesk ignores. Errors name the bad field.
core::Result<std::optional<core::Event>> event_from_message(const boost::json::object& message,
                                                            const AdapterContext& context,
                                                            const ProfileCache& profiles);
// One update → event (updateNewMessage, updateMessageContent, updateMessageEdited of an
// intercepted message); nullopt for everything else.
// `now` dates edits (updateMessageContent has no date).
core::Result<std::optional<core::Event>> event_from_update(const boost::json::object& update,
                                                           const AdapterContext& context,
                                                           const ProfileCache& profiles,
                                                           core::UnixMillis now);

// event_from_update as the inbox wants it (like telegram::make_incoming). update_id is
// deterministic: bit 62 set (never clashes with Bot API update ids) + a hash of what happened
// (chat, message, and for edits the new content), so a redelivered update dedupes.
// Also feeds `profiles` from updateUser, updateNewMessage (outgoing) and updateMessageSendSucceeded.
// Outgoing messages are remembered in memory only (kOutgoingMemory): after a restart, an edit of
// a message sent before it cannot be told from the user's own edit.
std::optional<Incoming> make_incoming(const boost::json::object& update, const AdapterContext& context,
                                      ProfileCache& profiles, core::UnixMillis now);

}  // namespace topicdesk::telegram::tdlib
