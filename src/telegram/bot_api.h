// The Bot API as the relay sees it: one call, one answer. The HTTP client (bot_api_client.h)
// implements it against Telegram or tgsim; the TDLib front (tdlib/td_frontend_api.h) against
// an account's session; tests may implement it in memory.
//
// What a failure means is decided ONCE, where the answer arrives: every ApiResult that is not
// ok carries an ErrorKind. The Bot API client classifies Telegram's error_code and description
// (classify_bot_api_error); the TDLib front classifies TDLib's own errors. Callers switch on
// the kind and never search descriptions; the description is kept for logs and notices.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/ids.h"

namespace topicdesk::telegram {

enum class ErrorKind {
  kNone,             // the call succeeded
  kFlood,            // 429: wait retry_after seconds, then the same call works
  kThreadNotFound,   // the forum topic was deleted (message thread not found, TOPIC_DELETED)
  kTopicClosed,      // the forum topic is closed (TOPIC_CLOSED)
  kUserBlocked,      // 403 from a user: blocked the bot, or the account is deactivated (see user_blocked)
  kCantInitiate,     // 403: a bot cannot write first to a user who never started it
  kNotModified,      // the edit changes nothing (message is not modified, TOPIC_NOT_MODIFIED)
  kMessageNotFound,  // the message to edit or react to is gone
  kChatNotFound,     // no such chat (or not visible to this bot/account)
  kNoRights,         // kicked, not a member, not enough rights: the group must be fixed
  kBadRequest,       // any other 400: this call will never succeed as it is
  kUnauthorized,     // 401, or the Bot API's 404 (wrong token / no such method)
  kConflict,         // 409: another getUpdates or webhook uses the token
  kServerError,      // 5xx: Telegram's trouble; retry
  kNetwork,          // no answer (connect error, timeout, cancelled); the outcome is unknown
};

const char* to_string(ErrorKind kind);

// Telegram's error_code and description → the kind. error_code 0 is a network error.
ErrorKind classify_bot_api_error(int error_code, std::string_view description);

struct ApiResult {
  bool ok = false;
  // Telegram's error_code (HTTP status); 0 when no answer arrived (network error, timeout).
  int error_code = 0;
  ErrorKind kind = ErrorKind::kNone;  // what the failure means; kNone when ok
  // kUserBlocked: the user blocked the bot (false: the account is deleted or deactivated).
  bool user_blocked = false;
  std::string description;    // Telegram's text, or what went wrong on the network
  boost::json::value result;  // "result" when ok
  int retry_after = 0;        // parameters.retry_after of a 429, seconds
  core::ChatId migrate_to_chat_id = 0;

  bool network_error() const { return !ok && error_code == 0; }
};

// A failed ApiResult with its kind set from `error_code` and `description`.
ApiResult api_error(int error_code, std::string description, int retry_after = 0);

// A file the desk made (a report, an export) sent with a call as an upload: multipart/form-data
// with `field` (e.g. "document") holding `bytes` under `file_name`.
struct InputFile {
  std::string field;
  std::string file_name;
  std::string bytes;
  std::string content_type = "application/octet-stream";
};

class BotApi {
 public:
  virtual ~BotApi() = default;
  // Never throws for Telegram or network failures; they come back in ApiResult.
  virtual boost::asio::awaitable<ApiResult> call(std::string method, boost::json::object params) = 0;
  // The same call with a file uploaded beside `params` (sendDocument of a generated CSV).
  virtual boost::asio::awaitable<ApiResult> upload(std::string method, boost::json::object params,
                                                   InputFile file) = 0;
  // The bytes of a file getFile named: GET <base>/file/bot<token>/<file_path>. ok: `result` is
  // the bytes as a JSON string. A file larger than `max_bytes` is refused (kBadRequest, never
  // retried); an answer that is not 200 is that status. Where no download exists (a TDLib
  // session), the refusal says so.
  virtual boost::asio::awaitable<ApiResult> download(std::string file_path, std::size_t max_bytes);
};

}  // namespace topicdesk::telegram
