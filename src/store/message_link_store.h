// Message links: one message that exists on both sides, the user's private chat and the
// topic, so replies, edits and reactions find their counterpart.
#pragma once
#include <optional>

#include "core/ids.h"

namespace topicdesk::store {

using core::ChatId;
using core::ConnectionId;
using core::DialogId;
using core::MessageId;

// kIntercepted: a copy in the topic of a message the connection sent from elsewhere (the Bot
// API proxy's program, or the account itself).
enum class LinkDirection { kUserToGroup, kGroupToUser, kIntercepted };

struct MessageLink {
  ConnectionId connection_id = 0;
  DialogId dialog_id = 0;
  MessageId user_message_id = 0;   // in the private chat
  MessageId group_message_id = 0;  // in the backend group
  LinkDirection direction = LinkDirection::kUserToGroup;
  ChatId group_id = 0;  // backend group; 0 = take it from the dialog
  // The bot that posted the group's copy: a helper bot's user id (docs/helper-bots.md), or 0
  // for the connection's own bot (and its account). Edits, reactions and deletions of the copy
  // are made by the same bot.
  core::UserId poster_id = 0;
};

class MessageLinkStore {
 public:
  virtual ~MessageLinkStore() = default;
  virtual void add_link(const MessageLink& link) = 0;
  // A message copied again (e.g. into a recreated topic) gets a new link; lookups return the newest.
  virtual std::optional<MessageLink> link_by_user_message(DialogId dialog, MessageId user_message_id) = 0;
  virtual std::optional<MessageLink> link_by_group_message(ChatId group_id, MessageId group_message_id) = 0;
};

}  // namespace topicdesk::store
