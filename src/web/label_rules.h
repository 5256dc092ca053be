// The label rules the dashboard applies (crm/labels.h), behind a header of their own:
// crm/labels.h and crm/templates.h cannot be included in one file (both define
// kMaxTemplateName), and the dashboard's routes use the template rules too.
#pragma once
#include <string>
#include <string_view>

#include "core/result.h"

namespace topicdesk::web {

// crm::label_key: the lower-case key of a valid label name, or what is wrong with it.
core::Result<std::string> label_key(std::string_view name);
// crm::valid_ticker: a ticker as it is kept, or what is wrong with it.
core::Result<std::string> label_ticker(std::string_view text);

}  // namespace topicdesk::web
