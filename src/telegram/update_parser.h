// Bot API Update JSON -> core::Event. The only place that knows Telegram's update shapes;
// the relay sees normalized events only. Never throws: malformed input is an Error naming
// the field ("update.message.chat.id must be an integer").
#pragma once
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/ids.h"
#include "core/result.h"

namespace topicdesk::telegram {

struct ParseContext {
  core::UserId bot_id = 0;
  std::vector<core::ChatId> backend_groups;  // groups whose messages are operator traffic
};

// nullopt: a well-formed update topicdesk does not act on (other chats, channels, unknown kinds).
using ParsedUpdate = core::Result<std::optional<core::Event>>;

ParsedUpdate parse_update(const boost::json::value& update, const ParseContext& context);
ParsedUpdate parse_update(std::string_view update_json, const ParseContext& context);

// One update as a transport hands it to the inbox: the normalized event, or for a malformed
// update the parse error (the inbox records it; the update is confirmed to Telegram either way,
// since asking again would only bring the same bytes).
struct Incoming {
  std::int64_t update_id = 0;
  std::optional<core::Event> event;
  std::string parse_error;  // non-empty exactly when `event` is empty

  // Bot API proxy
  // With LongPollerOptions::keep_raw_updates: the update as Telegram sent it, for the bot's
  // program. Such a poller also hands over updates topicdesk ignores (no event, no parse_error).
  std::string raw_json;
};

// nullopt for an update topicdesk ignores; otherwise the Incoming to commit. An update without
// a readable update_id gets update_id 0 and a parse error.
std::optional<Incoming> make_incoming(const boost::json::value& update, const ParseContext& context);

// The update_id of an update that may be otherwise malformed, so the poller can still move
// its offset past it; nullopt when even that is missing.
std::optional<std::int64_t> peek_update_id(const boost::json::value& update);

}  // namespace topicdesk::telegram
