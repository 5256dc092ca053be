// The HTTP(S) client webhooks and command hooks use: POSTs a body to a URL with a deadline,
// keeps connections alive per host, never throws (failures come back in HookHttpAnswer.error).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace topicdesk::integrations {

struct HookHttpAnswer {
  int status = 0;            // 0: no HTTP answer (see error)
  std::string content_type;  // lower-cased, without parameters ("application/json")
  std::string body;
  std::string error;  // empty when an answer arrived (whatever its status)
};

class HookHttpClient {
 public:
  explicit HookHttpClient(boost::asio::any_io_executor executor, std::size_t max_answer_bytes = 1 << 20);
  ~HookHttpClient();
  HookHttpClient(const HookHttpClient&) = delete;
  HookHttpClient& operator=(const HookHttpClient&) = delete;

  using Headers = std::vector<std::pair<std::string, std::string>>;
  boost::asio::awaitable<HookHttpAnswer> post(std::string url, std::string body, Headers headers,
                                              std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace topicdesk::integrations
