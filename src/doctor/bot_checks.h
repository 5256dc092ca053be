// The checks of a connection's bot against Telegram: the token, the backend group (a forum
// supergroup), the bot's status and rights there, and a webhook left set where the desk polls.
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

}  // namespace topicdesk::doctor
