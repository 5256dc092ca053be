// Command hooks: turning a hook's HTTP answer into a message for the topic.
//
// A hook answers with JSON {"text": "...", "parse_mode": "HTML", "buttons": [[{"text","url"}]]}
// or with text/plain. The result is the sendMessage fields (text, parse_mode, reply_markup) as
// JSON, the payload of a relay::job::kHookAnswer outbox job.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace topicdesk::integrations {

// nullopt: the hook answered with nothing to post (empty body or empty "text").
// An error says what is wrong with the answer (shown to operators in a short notice).
core::Result<std::optional<std::string>> hook_answer_message(std::string_view content_type,
                                                             std::string_view body);

// The short notice posted in the topic when a command hook fails, in `language` (the
// connection's LANGUAGE); `reason` is the technical one (HTTP 500, a timeout, …).
std::string hook_failed_notice(std::string_view language, std::string_view command, std::string_view reason);
// The reason of a hook whose answer cannot be posted: "bad answer: {what}", in `language`.
std::string hook_bad_answer(std::string_view language, std::string_view what);

}  // namespace topicdesk::integrations
