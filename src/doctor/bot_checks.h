// The checks of a connection's bot against Telegram: the token, the backend group (a forum
// supergroup), the bot's status and rights there, and a webhook left set where the desk polls;
// and of a group's helper bots.
// Only Bot API reads (getMe, getChat, getChatMember, getWebhookInfo): safe to run beside a
// running desk, through its own client.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <string>

#include "core/ids.h"
#include "doctor/findings.h"
#include "telegram/bot_api.h"

namespace topicdesk::doctor {

struct BotCheck {
  core::ChatId group_id = 0;
  bool polling = true;   // the desk calls getUpdates: a webhook left set is worth a note
  std::string api_base;  // named when Telegram cannot be reached
};

boost::asio::awaitable<void> check_bot(telegram::BotApi& api, BotCheck check, Findings& out);

// A helper bot of a backend group (docs/helper-bots.md): its token works, it is an administrator
// of the group and may post in every topic.
struct HelperCheck {
  core::ChatId group_id = 0;
  std::string token_source;  // "env:NAME" or "file:PATH": names the helper before getMe does
  std::string api_base;
};
boost::asio::awaitable<void> check_helper(telegram::BotApi& api, HelperCheck check, Findings& out);

}  // namespace topicdesk::doctor
