// The Topics API's actions on message templates (docs/api.md, docs/templates.md):
// list_templates, get_template, put_template (create or replace from JSON parts) and
// delete_template. The API key's connection owns the templates; an API key may manage them
// whatever EXTENSIONS_ALLOWED says (the key is the integration's, not an operator's).
#pragma once
#include <boost/json/object.hpp>
#include <optional>
#include <string_view>

#include "core/ids.h"
#include "integrations/topics_api.h"
#include "relay/engine.h"
#include "store/store.h"

namespace topicdesk::integrations {

// nullopt: `action` is not a template action.
std::optional<ApiResponse> template_action(store::Store& store, const relay::ConnectionContext& context,
                                           std::string_view action, const boost::json::object& request,
                                           core::UnixMillis now);

}  // namespace topicdesk::integrations
