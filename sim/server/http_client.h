// A minimal HTTP/1.1 POST client for webhook delivery (plain http:// only).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace tgsim::server {

struct PostResult {
  int status = 0;  // 0: no HTTP answer (see error)
  std::string reason;
  std::string body;
  std::string error;  // what went wrong on the network, Telegram-style
};

boost::asio::awaitable<PostResult> http_post(std::string url, std::string body,
                                             std::vector<std::pair<std::string, std::string>> headers,
                                             std::chrono::seconds timeout);

}  // namespace tgsim::server
