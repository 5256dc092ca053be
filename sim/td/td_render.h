// The model as TDLib's JSON objects (user, chat, message, messageContent), as one account
// sees them. Shapes follow docs/tdlib-subset.md (TDLib 1.8 names).
#pragma once
#include <boost/json/object.hpp>

#include "sim/model/world.h"

namespace tgsim::td {

// TDLib message ids are server ids shifted left by 20 bits.
inline constexpr int kMessageIdShift = 20;
inline Id td_message_id(Id server_id) { return server_id << kMessageIdShift; }
inline bool is_server_message_id(Id td_id) {
  return td_id > 0 && (td_id & ((Id{1} << kMessageIdShift) - 1)) == 0;
}
inline Id server_message_id(Id td_id) { return td_id >> kMessageIdShift; }

boost::json::object user_object(const model::World& world, Id user_id);
// The private chat of `viewer` with `other_id` (a person or a bot), which TDLib identifies
// by the other side's user id.
boost::json::object private_chat_object(const model::World& world, Id other_id);
boost::json::object group_chat_object(const model::Chat& group);
// The chat as `viewer` sees it (private chats are named after the other side).
boost::json::object chat_object(const model::World& world, const model::Chat& chat, Id viewer);
boost::json::object content_object(const model::World& world, const boost::json::object& content);
boost::json::object message_object(const model::World& world, const model::Chat& chat,
                                   const model::Message& message, Id viewer);
// A Bot API inline keyboard ({"inline_keyboard": [[button…]…]}) as TDLib's
// replyMarkupInlineKeyboard; null for anything else (no markup, reply keyboards).
boost::json::value reply_markup_object(const boost::json::value& bot_markup);
boost::json::object authorization_state(std::string_view type);
boost::json::object error_object(const ApiError& error);

}  // namespace tgsim::td
