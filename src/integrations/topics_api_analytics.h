// The Topics API's analytics (docs/api.md, docs/analytics.md): GET /api/v1/analytics answers the
// key's connection's report as JSON, GET /api/v1/analytics.csv?table=NAME one of its tables as
// CSV. The query string names the range (`from`/`to` in Unix seconds, or `range` today,
// yesterday, week, month), `period` (day, week, month) and `tz` (an IANA zone or UTC±hh:mm;
// default WORKING_HOURS' zone, else UTC). A bad or unknown parameter is a 400 naming it.
// TopicsApi::analytics (topics_api.h) authenticates and rate-limits like every action first.
#pragma once
#include <string_view>

#include "core/ids.h"
#include "integrations/topics_api.h"
#include "relay/engine.h"
#include "store/store.h"

namespace topicdesk::integrations {

// The answer to one request whose target (path and query) is `target`; `csv`: the .csv route.
ApiResponse analytics_answer(store::Store& store, const relay::ConnectionContext& context,
                             std::string_view target, bool csv, core::UnixMillis now);

}  // namespace topicdesk::integrations
