#include "web/label_rules.h"

#include "crm/labels.h"

namespace topicdesk::web {

core::Result<std::string> label_key(std::string_view name) { return crm::label_key(name); }
core::Result<std::string> label_ticker(std::string_view text) { return crm::valid_ticker(text); }

}  // namespace topicdesk::web
