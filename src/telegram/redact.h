// Secrets must never reach a log line or an error text. redact_secrets() is the one filter: the
// log sink (app/redacting_sink) passes every line through it, and call sites that build error
// texts for clients use it (or redact_tokens, for texts that can only hold a bot token).
#pragma once
#include <string>
#include <string_view>

namespace topicdesk::telegram {

inline constexpr std::string_view kRedacted = "<redacted>";

// Replaces every bot token (`<digits>:<30 or more of A-Za-z0-9_->`) with "<redacted>",
// wherever it stands (in /bot<token>/method URLs, in config echoes, in error texts).
std::string redact_tokens(std::string_view text);

// Everything a log line must not show, each replaced with "<redacted>":
//  - bot tokens (as redact_tokens);
//  - URL credentials: `scheme://user:password@host` becomes `scheme://<redacted>@host`;
//  - the value of every `name=value` whose name has a word (split at _ - .) that speaks of a
//    secret, in any case: token, secret, key, apikey, password, passwd, pass, pwd, auth, sig,
//    signature, credential(s), accesstoken. So query strings (`?token=…`, `?api_key=…`) and
//    `WEBHOOKS_SECRET=…` lose their values, `PRIVATE_KEYWORDS=…` does not. The value ends at
//    & # , ; whitespace, a quote or < >;
//  - Topics API keys (`tdk_` and 20 or more base64url characters);
//  - every text given to register_secret().
std::string redact_secrets(std::string_view text);

// Makes redact_secrets() hide `secret` from now on, process-wide (webhook signing secrets, secret
// tokens, TDLib's api_hash: secrets without a recognisable shape). Texts shorter than 8
// characters are ignored: they would hide ordinary words. Thread-safe.
void register_secret(std::string_view secret);

}  // namespace topicdesk::telegram
