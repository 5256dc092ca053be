// Why parameter values are refused, as catalogue texts (parameters.toml), for readers of another
// language than English: the setup bot shows its admin the same rule the configuration reader
// prints. parse_parameters()'s error message is exactly this text in English.
#pragma once
#include <optional>

#include "core/parameters.h"
#include "i18n/catalog.h"

namespace topicdesk::core {

// nullopt when parse_parameters(raw) accepts `raw`; else why not ("AUTOCLOSE must be OFF or hours
// 1..1000000 (got "0")"), the parameter and the value among its arguments.
std::optional<i18n::Message> parameters_problem(const RawParameters& raw);

}  // namespace topicdesk::core
