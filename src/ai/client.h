// The AI consultant's client of an OpenAI-compatible chat-completions server (a local llama.cpp
// server, Ollama, vLLM or a hosted one): POST <base_url>/chat/completions with a Bearer key,
// under a deadline and a body limit. Never throws: every way a call can go wrong comes back as a
// Failure, and parse_completion() (pure) reads whatever the server answered.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace topicdesk::integrations {
class HookHttpClient;
}

namespace topicdesk::ai {

enum class Failure {
  kNone,
  kTimeout,      // no whole answer within the deadline
  kRateLimited,  // HTTP 429
  kServerError,  // HTTP 5xx
  kRefused,      // another HTTP status (401 a wrong key, 404 a wrong base_url or model …)
  kMalformed,    // 200 with a body that is not a chat completion
  kNetwork,      // no connection, TLS, an answer larger than the limit …
  kBudget,       // the connection's daily tokens are spent: no call made
};
const char* to_string(Failure failure);

struct Completion {
  Failure failure = Failure::kNone;
  std::string text;         // the first choice's message content
  std::int64_t tokens = 0;  // usage.total_tokens; 0 when the server did not say
  std::string detail;       // for logs and the operators' notice (never the key)
};

// What an HTTP answer of the server means.
Completion parse_completion(int status, std::string_view body);

inline constexpr std::size_t kMaxAnswerBytes = 1 << 20;

struct Server {
  std::string base_url;  // without a trailing slash
  std::string api_key;   // empty: no Authorization header
  std::chrono::milliseconds timeout{30000};
};

class ChatClient {
 public:
  ChatClient(boost::asio::any_io_executor executor, Server server);
  ~ChatClient();
  ChatClient(const ChatClient&) = delete;
  ChatClient& operator=(const ChatClient&) = delete;

  boost::asio::awaitable<Completion> complete(std::string body);

 private:
  Server server_;
  std::unique_ptr<integrations::HookHttpClient> http_;
};

}  // namespace topicdesk::ai
