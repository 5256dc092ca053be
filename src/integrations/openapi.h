// The Topics API's OpenAPI 3 document, served at GET /api/v1/openapi.json.
#pragma once
#include <string_view>

namespace topicdesk::integrations {

std::string_view openapi_json();

}  // namespace topicdesk::integrations
