// The Topics API's segment actions (docs/api.md, docs/segments.md): segment_count and
// segment_list, the users of the API key's connection that an expression picks. Answers follow
// HIDE_INFO as the other actions do (as to an operator not on EXTENSIONS_ALLOWED): users go by
// their pseudonyms, and with HIDE_INFO set an expression may not read custom fields (field:).
#pragma once
#include <boost/json/object.hpp>
#include <optional>
#include <string_view>

#include "core/ids.h"
#include "integrations/topics_api.h"
#include "relay/engine.h"
#include "store/store.h"

namespace topicdesk::integrations {

// nullopt: `action` is not a segment action.
std::optional<ApiResponse> segment_action(store::Store& store, const relay::ConnectionContext& context,
                                          std::string_view action, const boost::json::object& request,
                                          core::UnixMillis now);

}  // namespace topicdesk::integrations
