// Bot tokens must never reach a log line or an error text: every string that may hold a URL
// or a token goes through redact_tokens first.
#pragma once
#include <string>
#include <string_view>

namespace topicdesk::telegram {

inline constexpr std::string_view kRedacted = "<redacted>";

// Replaces every bot token (`<digits>:<30 or more of A-Za-z0-9_->`) with "<redacted>",
// wherever it stands (in /bot<token>/method URLs, in config echoes, in error texts).
std::string redact_tokens(std::string_view text);

}  // namespace topicdesk::telegram
