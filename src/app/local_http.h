// A small blocking HTTP/1.1 JSON client for loopback services (the simulator's control API
// in the demo). Not for Telegram: the Bot API goes through telegram::BotApiClient.
#pragma once
#include <boost/json/value.hpp>
#include <string>

#include "core/result.h"

namespace topicdesk::app {

struct LocalHttpResult {
  int status = 0;
  boost::json::value body;
};

core::Result<LocalHttpResult> local_http_json(const std::string& host, int port, const std::string& method,
                                              const std::string& target, const boost::json::value* body);

}  // namespace topicdesk::app
