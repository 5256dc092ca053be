// The Topics API's actions on shared data tables (docs/api.md, docs/tables.md): list_tables,
// get_table (columns and rows, or CSV), put_table (create or replace atomically from CSV or from
// JSON columns and rows) and delete_table. The API key's connection owns the tables; an API key
// may manage them whatever EXTENSIONS_ALLOWED says (the key is the integration's). A table that
// breaks a rule is refused whole with 400 invalid_table naming the row and column.
#pragma once
#include <boost/json/object.hpp>
#include <optional>
#include <string_view>

#include "core/ids.h"
#include "integrations/topics_api.h"
#include "relay/engine.h"
#include "store/store.h"

namespace topicdesk::integrations {

// nullopt: `action` is not a table action.
std::optional<ApiResponse> table_action(store::Store& store, const relay::ConnectionContext& context,
                                        std::string_view action, const boost::json::object& request,
                                        core::UnixMillis now);

}  // namespace topicdesk::integrations
