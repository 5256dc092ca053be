// HMAC-SHA256 for signing webhook bodies (X-Topicdesk-Signature: sha256=<hex>).
#pragma once
#include <string>
#include <string_view>

namespace topicdesk::integrations {

// Lower-case hex of HMAC-SHA256(key, message).
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// The X-Topicdesk-Signature header value for `body`: "sha256=<hex>".
std::string webhook_signature(std::string_view secret, std::string_view body);

// A random secret of 32 bytes as 64 hex characters (for connections without WEBHOOKS_SECRET).
std::string random_secret_hex();

}  // namespace topicdesk::integrations
