// Internal to the Topics API's files (topics_api.cpp and topics_api_<concern>.cpp): reading a
// request's fields with the first problem answered as 400 naming the field, and the success
// answer {"ok": true, "result": …}. Not a public interface.
#pragma once
#include <fmt/format.h>

#include <boost/json.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/utf8.h"
#include "integrations/topics_api.h"
#include "relay/engine.h"
#include "store/dialog_store.h"
#include "store/store.h"

namespace topicdesk::integrations {

inline constexpr std::int64_t kMaxId = std::numeric_limits<std::int64_t>::max();

// Reads request fields; the first problem is kept and answered as 400 naming the field.
class Fields {
 public:
  explicit Fields(const boost::json::object& request) : request_(request) {}

  bool has(std::string_view name) const {
    const auto* value = request_.if_contains(name);
    return value && !value->is_null();
  }
  bool present(std::string_view name) const { return request_.contains(name); }

  std::optional<std::int64_t> integer(std::string_view name, bool required, std::int64_t min,
                                      std::int64_t max) {
    const auto* value = request_.if_contains(name);
    if (!value || value->is_null()) return missing(name, required);
    std::optional<std::int64_t> number;
    if (value->is_int64())
      number = value->get_int64();
    else if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(kMaxId))
      number = value->get_uint64();
    if (!number || *number < min || *number > max) {
      fail(name, fmt::format("must be an integer {}..{}", min, max));
      return std::nullopt;
    }
    return number;
  }

  std::optional<std::string> text(std::string_view name, bool required, std::size_t max_units) {
    const auto* value = request_.if_contains(name);
    if (!value || value->is_null()) return missing(name, required);
    if (!value->is_string()) {
      fail(name, "must be a string");
      return std::nullopt;
    }
    std::string text(value->get_string());
    if (required && text.empty()) {
      fail(name, "must not be empty");
      return std::nullopt;
    }
    if (core::utf16_length(text) > max_units) {
      fail(name, fmt::format("is longer than {} characters", max_units));
      return std::nullopt;
    }
    return text;
  }

  // A dialog status by name; nullopt when absent or null (or invalid: then failed()).
  std::optional<store::DialogStatus> status(std::string_view name, std::string_view allowed) {
    if (!has(name)) return std::nullopt;
    auto text_value = text(name, true, 32);
    if (!text_value) return std::nullopt;
    auto parsed = store::dialog_status_from_string(*text_value);
    if (!parsed) fail(name, fmt::format("must be {}", allowed));
    return parsed;
  }

  void fail(std::string_view name, std::string_view problem, std::string_view code = "invalid_field") {
    if (error_) return;
    error_ = api_error(core::ErrorCode::kInvalid, code, fmt::format("field \"{}\" {}", name, problem));
  }
  bool failed() const { return error_.has_value(); }
  ApiResponse error() const { return *error_; }

 private:
  std::nullopt_t missing(std::string_view name, bool required) {
    if (required) fail(name, "is required", "missing_field");
    return std::nullopt;
  }

  const boost::json::object& request_;
  std::optional<ApiResponse> error_;
};

inline ApiResponse ok(boost::json::object result) {
  return ApiResponse{
      200, boost::json::serialize(boost::json::object{{"ok", true}, {"result", std::move(result)}})};
}

// The dialog a request names by "user_id" or by "topic_id" (a thread of the connection's group),
// or the error to answer (missing, malformed, or no such dialog of this connection).
std::variant<store::Dialog, ApiResponse> dialog_of(store::Store& store,
                                                   const relay::ConnectionContext& context,
                                                   const boost::json::object& request);

}  // namespace topicdesk::integrations
