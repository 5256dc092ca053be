// Vocabulary ids shared by every module. Telegram ids are 64-bit; store them as int64.
#pragma once
#include <cstdint>

namespace topicdesk::core {

using ChatId = std::int64_t;
using UserId = std::int64_t;
using MessageId = std::int64_t;
using ThreadId = std::int64_t;      // forum topic id; 0 means "no topic" (General or private chat)
using ConnectionId = std::int64_t;  // topicdesk's own id of a connection (the "instance id")
using DialogId = std::int64_t;
using UnixMillis = std::int64_t;

// Telegram's service account (notifications, channel auto-forwards).
inline constexpr UserId kTelegramServiceUserId = 777000;
// GroupAnonymousBot: the sender shown for anonymous group admins.
inline constexpr UserId kGroupAnonymousBotId = 1087968824;

}  // namespace topicdesk::core
