#include "ai/client.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "integrations/webhooks_http.h"

namespace topicdesk::ai {

namespace json = boost::json;

const char* to_string(Failure failure) {
  switch (failure) {
    case Failure::kNone:
      return "none";
    case Failure::kTimeout:
      return "timeout";
    case Failure::kRateLimited:
      return "rate_limited";
    case Failure::kServerError:
      return "server_error";
    case Failure::kRefused:
      return "refused";
    case Failure::kMalformed:
      return "malformed";
    case Failure::kNetwork:
      return "network";
    case Failure::kBudget:
      return "budget";
  }
  return "none";
}

namespace {

std::string short_text(std::string_view text) {
  std::string out(text.substr(0, 200));
  for (auto& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

// The server's own words about an error ({"error": {"message": …}} or {"error": "…"}), if any.
std::string error_message(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return short_text(body);
  const auto* error = v.get_object().if_contains("error");
  if (error == nullptr) return short_text(body);
  if (error->is_string()) return short_text(error->get_string());
  if (error->is_object()) {
    if (const auto* m = error->get_object().if_contains("message"); m && m->is_string())
      return short_text(m->get_string());
  }
  return short_text(body);
}

}  // namespace

Completion parse_completion(int status, std::string_view body) {
  Completion c;
  if (status == 429) {
    c.failure = Failure::kRateLimited;
    c.detail = "HTTP 429: " + error_message(body);
    return c;
  }
  if (status >= 500) {
    c.failure = Failure::kServerError;
    c.detail = fmt::format("HTTP {}: {}", status, error_message(body));
    return c;
  }
  if (status != 200) {
    c.failure = Failure::kRefused;
    c.detail = fmt::format("HTTP {}: {}", status, error_message(body));
    return c;
  }
  auto malformed = [&](std::string_view what) {
    c.failure = Failure::kMalformed;
    c.detail = std::string("the answer is not a chat completion: ") + std::string(what);
    return c;
  };
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return malformed("not a JSON object");
  const auto& o = v.get_object();
  const auto* choices = o.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->get_array().empty())
    return malformed("no choices");
  const auto& first = choices->get_array().front();
  const auto* message = first.is_object() ? first.get_object().if_contains("message") : nullptr;
  const auto* content =
      message != nullptr && message->is_object() ? message->get_object().if_contains("content") : nullptr;
  if (content == nullptr || !content->is_string()) return malformed("no message content");
  c.text = std::string(content->get_string());
  if (const auto* usage = o.if_contains("usage"); usage && usage->is_object()) {
    if (const auto* total = usage->get_object().if_contains("total_tokens"); total && total->is_int64())
      c.tokens = std::max<std::int64_t>(0, total->get_int64());
  }
  return c;
}

ChatClient::ChatClient(boost::asio::any_io_executor executor, Server server)
    : server_(std::move(server)),
      http_(std::make_unique<integrations::HookHttpClient>(std::move(executor), kMaxAnswerBytes)) {}

ChatClient::~ChatClient() = default;

boost::asio::awaitable<Completion> ChatClient::complete(std::string body) {
  integrations::HookHttpClient::Headers headers;
  if (!server_.api_key.empty()) headers.emplace_back("Authorization", "Bearer " + server_.api_key);
  std::string url = server_.base_url + "/chat/completions";
  auto answer = co_await http_->post(std::move(url), std::move(body), std::move(headers), server_.timeout);
  if (!answer.error.empty()) {
    Completion c;
    c.failure = answer.error.find("timed out") != std::string::npos ? Failure::kTimeout : Failure::kNetwork;
    c.detail = answer.error;
    co_return c;
  }
  Completion c = parse_completion(answer.status, answer.body);
  co_return c;
}

}  // namespace topicdesk::ai
