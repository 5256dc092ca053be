// Forwards one HTTP request to the Bot API server unchanged (method, target, body, content
// type) and returns its answer unchanged (status, body, content type). Keeps a pool of
// keep-alive connections to the upstream. Plain HTTP and HTTPS.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "http/server.h"

namespace topicdesk::proxy {

struct ForwarderOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // one whole exchange
  std::size_t max_idle_connections = 32;
  std::size_t max_answer_bytes = 64 * 1024 * 1024;  // files come through /file/bot…
};

class Forwarder {
 public:
  // Throws std::invalid_argument for a base URL telegram::parse_api_base_url rejects.
  Forwarder(boost::asio::any_io_executor executor, std::string_view api_base, ForwarderOptions options = {});
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // `target` is the path and query to ask for (the base URL's path is put in front). The body is
  // moved along when the request is given as an rvalue (uploads are not held twice). A network
  // failure comes back as 502 with a Bot API error body; it never throws.
  boost::asio::awaitable<http::Response> forward(http::Request request, std::string target);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace topicdesk::proxy
