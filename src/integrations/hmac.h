// HMAC-SHA256 for signing webhook requests (docs/webhooks.md, "Verifying the signature"):
//   X-Topicdesk-Timestamp: <unix seconds of this attempt>
//   X-Topicdesk-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
// The timestamp is signed with the body, so a receiver that refuses timestamps older than its
// replay window (5 minutes) cannot be fed a recorded request again later.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace topicdesk::integrations {

// Lower-case hex of HMAC-SHA256(key, message).
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

inline constexpr std::string_view kSignatureHeader = "X-Topicdesk-Signature";
inline constexpr std::string_view kTimestampHeader = "X-Topicdesk-Timestamp";

// The X-Topicdesk-Signature header value for `body` sent at `unix_seconds` (the
// X-Topicdesk-Timestamp value): "sha256=<hex of HMAC(secret, "<unix_seconds>.<body>")>".
std::string webhook_signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

// A random secret of 32 bytes as 64 hex characters (for connections without WEBHOOKS_SECRET).
std::string random_secret_hex();

}  // namespace topicdesk::integrations
