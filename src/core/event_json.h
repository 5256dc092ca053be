// core::Event <-> JSON, the inbox's storage format. Parsing never throws: a malformed row
// comes back as an Error naming the field.
#pragma once
#include <string>
#include <string_view>

#include "core/event.h"
#include "core/result.h"

namespace topicdesk::core {

std::string event_to_json(const Event& event);
Result<Event> event_from_json(std::string_view json);

const char* to_string(EventKind kind);
const char* to_string(ContentKind kind);

}  // namespace topicdesk::core
