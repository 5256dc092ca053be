// TDLib's formattedText and textEntity shapes, converted to and from the Bot API's
// MessageEntity list that the model stores. Pure JSON, no model: the fake libtdjson compiles
// this file too (for td_execute's getTextEntities and parseTextEntities).
#pragma once
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string_view>

namespace tgsim::td {

// Bot API entities ([{offset, length, type, url?, language?, user?, custom_emoji_id?}]) →
// TDLib textEntity objects. Unknown types are dropped.
boost::json::array td_entities(const boost::json::array& bot_api_entities);
// TDLib textEntity objects → Bot API entities. Unknown or malformed entities are dropped.
boost::json::array bot_api_entities(const boost::json::array& td_entities);
// {"@type":"formattedText","text":…,"entities":[…]} from Bot API text and entities.
boost::json::object formatted_text(std::string_view text, const boost::json::array& bot_api_entities);

}  // namespace tgsim::td
