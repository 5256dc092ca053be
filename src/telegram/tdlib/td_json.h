// Reading TDLib's JSON objects: a field that is absent or of another type reads as empty,
// false, 0 or nullptr, because TDLib leaves out fields that have their default value.
#pragma once
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace topicdesk::telegram::tdlib {

std::string_view type_of(const boost::json::object& object);  // the "@type"
std::string text_field(const boost::json::object& object, std::string_view key);
const boost::json::object* object_field(const boost::json::object& object, std::string_view key);
bool flag_field(const boost::json::object& object, std::string_view key);
std::int64_t int_field(const boost::json::object& object,
                       std::string_view key);  // also "123" (int64 as string)

}  // namespace topicdesk::telegram::tdlib
