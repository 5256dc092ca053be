// An in-memory Bot API for dispatcher tests: records every call and answers like Telegram,
// or as a test script says.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <chrono>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "telegram/bot_api.h"

namespace topicdesk::relay::testing {

class FakeBotApi : public telegram::BotApi {
 public:
  struct Call {
    std::string method;
    boost::json::object params;
  };
  // Returns an answer to override the default one, or nullopt to answer normally.
  using Script = std::function<std::optional<telegram::ApiResult>(const Call& call, int nth_call_of_method)>;

  boost::asio::awaitable<telegram::ApiResult> call(std::string method, boost::json::object params) override {
    calls.push_back(Call{std::move(method), std::move(params)});
    std::size_t index = calls.size() - 1;
    if (delay.count() > 0) {
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, delay);
      co_await timer.async_wait(boost::asio::use_awaitable);
    }
    const Call& c = calls[index];
    int nth = ++calls_per_method_[c.method];
    if (script) {
      if (auto answer = script(c, nth)) co_return *answer;
    }
    co_return answer(c);
  }

  std::vector<Call> of(std::string_view method) const {
    std::vector<Call> out;
    for (const auto& c : calls) {
      if (c.method == method) out.push_back(c);
    }
    return out;
  }

  static telegram::ApiResult error(int code, std::string description, int retry_after = 0) {
    telegram::ApiResult r;
    r.error_code = code;
    r.description = std::move(description);
    r.retry_after = retry_after;
    return r;
  }

  std::vector<Call> calls;
  Script script;
  std::chrono::milliseconds delay{0};  // every answer takes this long
  std::int64_t next_thread = 1000;
  std::int64_t next_message = 5000;

 private:
  std::map<std::string, int, std::less<>> calls_per_method_;

  telegram::ApiResult answer(const Call& c) {
    telegram::ApiResult r;
    r.ok = true;
    if (c.method == "createForumTopic") {
      r.result = boost::json::object{{"message_thread_id", next_thread++}, {"name", c.params.at("name")}};
    } else if (c.method == "copyMessage" || c.method == "sendMessage") {
      r.result = boost::json::object{{"message_id", next_message++}};
    } else if (c.method == "copyMessages") {
      boost::json::array ids;
      for (std::size_t i = 0; i < c.params.at("message_ids").as_array().size(); ++i) {
        ids.push_back(boost::json::object{{"message_id", next_message++}});
      }
      r.result = std::move(ids);
    } else {
      r.result = true;
    }
    return r;
  }
};

}  // namespace topicdesk::relay::testing
