#include "telegram/bot_api.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace topicdesk::telegram {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool has(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone:
      return "none";
    case ErrorKind::kFlood:
      return "flood";
    case ErrorKind::kThreadNotFound:
      return "thread_not_found";
    case ErrorKind::kTopicClosed:
      return "topic_closed";
    case ErrorKind::kUserBlocked:
      return "user_blocked";
    case ErrorKind::kCantInitiate:
      return "cant_initiate";
    case ErrorKind::kNotModified:
      return "not_modified";
    case ErrorKind::kMessageNotFound:
      return "message_not_found";
    case ErrorKind::kChatNotFound:
      return "chat_not_found";
    case ErrorKind::kNoRights:
      return "no_rights";
    case ErrorKind::kBadRequest:
      return "bad_request";
    case ErrorKind::kUnauthorized:
      return "unauthorized";
    case ErrorKind::kConflict:
      return "conflict";
    case ErrorKind::kServerError:
      return "server_error";
    case ErrorKind::kNetwork:
      return "network";
  }
  return "unknown";
}

// The descriptions are Telegram's (https://core.telegram.org/api/errors and what the Bot API
// server answers); phrases are matched here and nowhere else.
ErrorKind classify_bot_api_error(int error_code, std::string_view description) {
  if (error_code == 0) return ErrorKind::kNetwork;
  if (error_code == 429) return ErrorKind::kFlood;
  if (error_code >= 500) return ErrorKind::kServerError;
  if (error_code == 401 || error_code == 404) return ErrorKind::kUnauthorized;
  if (error_code == 409) return ErrorKind::kConflict;
  const std::string text = lower(description);
  if (has(text, "thread not found") || has(text, "topic_deleted") || has(text, "topic_id_invalid")) {
    return ErrorKind::kThreadNotFound;
  }
  if (has(text, "topic_closed")) return ErrorKind::kTopicClosed;
  if (has(text, "not modified") || has(text, "topic_not_modified")) return ErrorKind::kNotModified;
  if (has(text, "message to edit not found") || has(text, "message to react not found")) {
    return ErrorKind::kMessageNotFound;
  }
  if (has(text, "chat not found")) return ErrorKind::kChatNotFound;
  if (error_code == 403) {
    if (has(text, "blocked") || has(text, "deactivated")) return ErrorKind::kUserBlocked;
    if (has(text, "can't initiate") || has(text, "can't send messages to bots"))
      return ErrorKind::kCantInitiate;
    return ErrorKind::kNoRights;  // kicked, not a member, not enough rights, CHAT_WRITE_FORBIDDEN
  }
  if (has(text, "not enough rights") || has(text, "chat_admin_required") || has(text, "not a member") ||
      has(text, "kicked")) {
    return ErrorKind::kNoRights;
  }
  return ErrorKind::kBadRequest;
}

ApiResult api_error(int error_code, std::string description, int retry_after) {
  ApiResult r;
  r.error_code = error_code;
  r.kind = classify_bot_api_error(error_code, description);
  r.user_blocked =
      r.kind == ErrorKind::kUserBlocked && lower(description).find("blocked") != std::string::npos;
  r.description = std::move(description);
  r.retry_after = retry_after;
  return r;
}

boost::asio::awaitable<ApiResult> BotApi::download(std::string file_path, std::size_t /*max_bytes*/) {
  co_return api_error(400, "Bad Request: this connection cannot download files (" + file_path + ")");
}

}  // namespace topicdesk::telegram
