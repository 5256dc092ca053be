// Bot API webhook ingress: Telegram POSTs each update to /telegram/<connection name>. The
// secret header is checked in constant time, the update parsed and committed to the inbox
// through a synchronous callback, and only then answered 200, so Telegram retries anything
// that did not reach the inbox. A body larger than kWebhookBodyLimit is refused (413) before it is read.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/server.h"
#include "telegram/update_parser.h"

namespace topicdesk::http {

inline constexpr std::string_view kWebhookPathPrefix = "/telegram/";
inline constexpr std::string_view kSecretTokenHeader = "X-Telegram-Bot-Api-Secret-Token";
// The largest update body taken: a message has at most 4096 characters of text (16 KiB of UTF-8)
// and as many entities (about 100 bytes of JSON each), plus its reply markup and the replied-to
// message; 512 KiB leaves room for all of it.
inline constexpr std::size_t kWebhookBodyLimit = 512 * 1024;

struct WebhookConnection {
  std::string name;          // the path segment: /telegram/<name>
  std::string secret_token;  // setWebhook's secret_token: 1–256 of A-Za-z0-9_-
  telegram::ParseContext context;
  // Commits to the inbox before returning; throwing means "not committed" (answered 500,
  // Telegram delivers the update again).
  std::function<void(std::vector<telegram::Incoming>)> commit;
};

// Checks the connection's name and secret (the error says which is wrong) and registers
// POST /telegram/<name> on the server. Call before server.start().
core::Status add_webhook_route(Server& server, WebhookConnection connection);

// True when `presented` equals `expected`, in time that does not depend on where they differ.
bool secret_matches(std::string_view presented, std::string_view expected);

}  // namespace topicdesk::http
