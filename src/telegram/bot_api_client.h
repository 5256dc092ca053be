// BotApi over HTTP(S): Telegram's servers, a local Bot API server or tgsim. Keeps a pool of
// keep-alive connections, runs any number of calls at once (each on its own connection) and
// gives every call a deadline. Failures never throw: they come back as ApiResult.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "telegram/bot_api.h"

namespace topicdesk::telegram {

struct BotApiClientOptions {
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  // getUpdates waits up to its own `timeout` parameter; the deadline adds this on top.
  std::chrono::milliseconds long_poll_extra_timeout{std::chrono::seconds(10)};
  // Idle keep-alive connections kept: at least the calls one bot has in flight at once (the
  // dispatcher's 64, broadcasts' 32, the long poll), so that a burst's connections are all reused
  // by the next one instead of closed and opened again (docs/performance.md).
  std::size_t max_idle_connections = 128;
  std::size_t max_answer_bytes = 16 * 1024 * 1024;
  // Extra CA certificates (PEM) to trust besides the system's, e.g. a private Bot API server.
  std::string tls_ca_file;
};

// Where the Bot API lives, parsed from a base URL like https://api.telegram.org.
struct ApiEndpoint {
  bool tls = false;
  std::string host;
  std::string port;         // "443" / "80" when the URL has none
  std::string path_prefix;  // path of the base URL without a trailing slash, usually empty
};

// Accepts http:// and https:// URLs with a host, an optional port and path; no query,
// fragment or user info. The error names what is wrong.
core::Result<ApiEndpoint> parse_api_base_url(std::string_view base_url);

class BotApiClient : public BotApi {
 public:
  // Throws std::invalid_argument for a base URL parse_api_base_url rejects, or a CA file that
  // cannot be loaded (start-up errors).
  BotApiClient(boost::asio::any_io_executor executor, std::string_view base_url, std::string token,
               BotApiClientOptions options = {});
  ~BotApiClient() override;
  BotApiClient(const BotApiClient&) = delete;
  BotApiClient& operator=(const BotApiClient&) = delete;

  // POST <base>/bot<token>/<method> with `params` as JSON. Cancellable through the
  // awaiting coroutine's cancellation slot (the answer is then a network error).
  boost::asio::awaitable<ApiResult> call(std::string method, boost::json::object params) override;
  // The same POST as multipart/form-data: each param a part (strings as they are, other values
  // as JSON, as the Bot API reads form fields), then the file.
  boost::asio::awaitable<ApiResult> upload(std::string method, boost::json::object params,
                                           InputFile file) override;

  // GET <base>/file/bot<token>/<file_path>, the answer's body at most `max_bytes`.
  boost::asio::awaitable<ApiResult> download(std::string file_path, std::size_t max_bytes) override;

  std::size_t idle_connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with calls in flight
};

}  // namespace topicdesk::telegram
