#include "telegram/tdlib/td_json.h"

#include <boost/json.hpp>

#include "telegram/tdlib/td_adapter.h"

namespace topicdesk::telegram::tdlib {
namespace json = boost::json;

std::string_view type_of(const json::object& object) {
  const auto* type = object.if_contains("@type");
  return type != nullptr && type->is_string() ? std::string_view(type->get_string()) : std::string_view();
}

std::string text_field(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

const json::object* object_field(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr ? value->if_object() : nullptr;
}

bool flag_field(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_bool() && value->get_bool();
}

std::int64_t int_field(const json::object& object, std::string_view key) {
  return json_int(object.if_contains(key)).value_or(0);
}

}  // namespace topicdesk::telegram::tdlib
