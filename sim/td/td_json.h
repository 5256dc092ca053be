// Reading fields of TDLib JSON objects that came from outside, without throwing. Shared by
// tgsim's sessions, the TDLib renderer and the fake libtdjson.
#pragma once
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sim/model/json_util.h"
#include "sim/model/result.h"

namespace tgsim::td {

// The version the fake library and tgsim report (TDLib of @prebuilt-tdlib/linux-x64-glibc).
inline constexpr std::string_view kTdlibVersion = "1.8.67";

inline std::string_view string_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

// TDLib accepts 64-bit integers as JSON numbers or as decimal strings.
inline std::optional<Id> integer_of(const boost::json::value& v) {
  if (!v.is_string()) return json_integer(v);
  std::string_view s = v.get_string();
  if (s.empty() || s.size() > 20) return std::nullopt;
  try {
    std::size_t used = 0;
    Id id = std::stoll(std::string(s), &used);
    if (used == s.size()) return id;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

inline std::optional<Id> integer_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? integer_of(*v) : std::nullopt;
}

inline bool bool_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

inline const boost::json::object* object_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

inline const boost::json::array& array_of(const boost::json::object& o, std::string_view key) {
  static const boost::json::array kEmpty;
  const auto* v = o.if_contains(key);
  return v && v->is_array() ? v->get_array() : kEmpty;
}

}  // namespace tgsim::td
