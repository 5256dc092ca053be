// The Bot API as the relay sees it: one call, one answer. The HTTP client (bot_api_client.h)
// implements it against Telegram or tgsim; tests may implement it in memory.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "core/ids.h"

namespace topicdesk::telegram {

struct ApiResult {
  bool ok = false;
  // Telegram's error_code (HTTP status); 0 when no answer arrived (network error, timeout).
  int error_code = 0;
  std::string description;   // Telegram's text, or what went wrong on the network
  boost::json::value result;  // "result" when ok
  int retry_after = 0;        // parameters.retry_after of a 429, seconds
  core::ChatId migrate_to_chat_id = 0;

  bool network_error() const { return !ok && error_code == 0; }
};

class BotApi {
 public:
  virtual ~BotApi() = default;
  // Never throws for Telegram or network failures; they come back in ApiResult.
  virtual boost::asio::awaitable<ApiResult> call(std::string method, boost::json::object params) = 0;
};

}  // namespace topicdesk::telegram
