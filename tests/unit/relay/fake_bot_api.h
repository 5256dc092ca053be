// An in-memory Bot API for dispatcher tests: records every call and answers like Telegram,
// or as a test script says.
#pragma once
#include <algorithm>
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
    std::optional<telegram::InputFile> file;  // upload(): the file sent beside the params
  };
  // Returns an answer to override the default one, or nullopt to answer normally.
  using Script = std::function<std::optional<telegram::ApiResult>(const Call& call, int nth_call_of_method)>;

  boost::asio::awaitable<telegram::ApiResult> call(std::string method, boost::json::object params) override {
    co_return co_await answer_call(std::move(method), std::move(params), std::nullopt);
  }
  boost::asio::awaitable<telegram::ApiResult> upload(std::string method, boost::json::object params,
                                                     telegram::InputFile file) override {
    co_return co_await answer_call(std::move(method), std::move(params), std::move(file));
  }

  boost::asio::awaitable<telegram::ApiResult> answer_call(std::string method, boost::json::object params,
                                                          std::optional<telegram::InputFile> file) {
    calls.push_back(Call{std::move(method), std::move(params), std::move(file)});
    std::size_t index = calls.size() - 1;
    const auto* chat_field = calls[index].params.if_contains("chat_id");
    const std::int64_t chat = chat_field != nullptr && chat_field->is_int64() ? chat_field->get_int64() : 0;
    int& now_in_flight = in_flight_by_chat[chat];
    ++now_in_flight;
    max_in_flight_by_chat[chat] = std::max(max_in_flight_by_chat[chat], now_in_flight);
    const std::chrono::milliseconds wait = delay_of ? delay_of(calls[index]) : delay;
    if (wait.count() > 0) {
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, wait);
      co_await timer.async_wait(boost::asio::use_awaitable);
    }
    --in_flight_by_chat[chat];
    const Call& c = calls[index];
    int nth = ++calls_per_method_[c.method];
    if (script) {
      if (auto answer = script(c, nth)) co_return *answer;
    }
    co_return answer(c);
  }

  // download(): the file at this path (getFile answers "documents/<file_id>" and its size).
  boost::asio::awaitable<telegram::ApiResult> download(std::string file_path,
                                                       std::size_t max_bytes) override {
    calls.push_back(Call{"download", boost::json::object{{"file_path", file_path}}, std::nullopt});
    const std::string id = file_path.substr(file_path.find('/') + 1);
    auto file = files.find(id);
    if (file == files.end()) co_return error(400, "Bad Request: the file could not be downloaded (HTTP 404)");
    if (file->second.size() > max_bytes)
      co_return error(400, "Bad Request: the file is larger than the bound");
    telegram::ApiResult r;
    r.ok = true;
    r.result = boost::json::string(file->second);
    co_return r;
  }

  std::vector<Call> of(std::string_view method) const {
    std::vector<Call> out;
    for (const auto& c : calls) {
      if (c.method == method) out.push_back(c);
    }
    return out;
  }

  // A failure classified as the Bot API client classifies Telegram's answers.
  static telegram::ApiResult error(int code, std::string description, int retry_after = 0) {
    return telegram::api_error(code, std::move(description), retry_after);
  }

  std::vector<Call> calls;
  Script script;
  std::chrono::milliseconds delay{0};  // every answer takes this long
  // When set, how long this call's answer takes (instead of `delay`).
  std::function<std::chrono::milliseconds(const Call&)> delay_of;
  std::map<std::int64_t, int> in_flight_by_chat;      // calls waiting for their answer, by chat_id
  std::map<std::int64_t, int> max_in_flight_by_chat;  // the most there ever were at once
  std::map<std::string, std::string> files;           // file_id → bytes (getFile, download)
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
    } else if (c.method == "sendMediaGroup") {
      boost::json::array messages;
      for (std::size_t i = 0; i < c.params.at("media").as_array().size(); ++i) {
        messages.push_back(boost::json::object{{"message_id", next_message++}});
      }
      r.result = std::move(messages);
    } else if (c.method.starts_with("send") && c.method != "sendChatAction") {  // sendPhoto, sendVideo …
      r.result = boost::json::object{{"message_id", next_message++}};
    } else if (c.method == "getFile") {
      const std::string id(c.params.at("file_id").as_string());
      auto file = files.find(id);
      if (file == files.end())
        return error(400, "Bad Request: wrong file_id or the file is temporarily unavailable");
      r.result = boost::json::object{{"file_id", id},
                                     {"file_size", static_cast<std::int64_t>(file->second.size())},
                                     {"file_path", "documents/" + id}};
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
