#include "integrations/topics_api_segments.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <limits>

#include "core/presentation.h"
#include "core/utf8.h"
#include "crm/segment.h"
#include "crm/segment_members.h"
#include "integrations/topics_api_call.h"

namespace topicdesk::integrations {
namespace json = boost::json;

namespace {

constexpr std::int64_t kDefaultLimit = 50;
constexpr std::int64_t kMaxLimit = 100;

ApiResponse invalid(std::string_view code, std::string message) {
  return api_error(core::ErrorCode::kInvalid, code, message);
}

// An optional integer field in min..max; the error to answer otherwise.
std::variant<std::optional<std::int64_t>, ApiResponse> integer(const json::object& request,
                                                               std::string_view name, std::int64_t min,
                                                               std::int64_t max) {
  const auto* value = request.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<std::int64_t>{};
  std::optional<std::int64_t> number;
  if (value->is_int64()) number = value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(kMaxId))
    number = value->get_uint64();
  if (!number || *number < min || *number > max)
    return invalid("invalid_field", fmt::format("field \"{}\" must be an integer {}..{}", name, min, max));
  return number;
}

// HIDE_INFO as the other actions: the pseudonym and the language only.
json::object member_json(const crm::SegmentMember& m, const core::Parameters& params) {
  const auto& d = m.dialog;
  json::object user;
  const core::Person person = m.user.value_or(core::Person{.id = d.user_id});
  if (params.hide_info != core::HideInfo::kOff) {
    user = {{"hidden", true}, {"pseudonym", d.pseudonym}, {"language_code", person.language_code}};
  } else {
    user = {{"hidden", false},
            {"user_id", d.user_id},
            {"first_name", person.first_name},
            {"last_name", person.last_name},
            {"username", person.username},
            {"language_code", person.language_code}};
  }
  return {{"dialog_id", d.id},
          {"status", store::to_string(d.status)},
          {"thread_id", d.thread_id},
          {"last_user_message_at", d.last_user_message_at / 1000},
          {"created_at", d.created_at / 1000},
          {"user", std::move(user)}};
}

}  // namespace

std::optional<ApiResponse> segment_action(store::Store& store, const relay::ConnectionContext& context,
                                          std::string_view action, const json::object& request,
                                          core::UnixMillis now) {
  const bool list = action == "segment_list";
  if (!list && action != "segment_count") return std::nullopt;
  const auto* value = request.if_contains("segment");
  if (value == nullptr || value->is_null())
    return api_error(core::ErrorCode::kInvalid, "missing_field", "field \"segment\" is required");
  if (!value->is_string()) return invalid("invalid_field", "field \"segment\" must be a string");
  auto parsed = crm::parse_segment(value->get_string());
  if (!parsed) {
    json::object error{{"code", "invalid_segment"},
                       {"message", "field \"segment\": " + crm::describe(parsed.error)},
                       {"column", parsed.error.column},
                       {"token", parsed.error.token}};
    return ApiResponse{400, json::serialize(json::object{{"ok", false}, {"error", std::move(error)}})};
  }
  const crm::Segment& segment = *parsed.segment;
  if (context.params.hide_info != core::HideInfo::kOff && segment.uses_fields()) {
    return api_error(
        core::ErrorCode::kForbidden, "fields_hidden",
        "field \"segment\": field: terms read custom fields, which HIDE_INFO hides from the API");
  }
  crm::SegmentPage page{.limit = 0};
  if (list) {
    auto limit = integer(request, "limit", 1, kMaxLimit);
    if (auto* error = std::get_if<ApiResponse>(&limit)) return *error;
    auto after = integer(request, "after", 0, kMaxId);
    if (auto* error = std::get_if<ApiResponse>(&after)) return *error;
    page.limit = static_cast<std::size_t>(std::get<0>(limit).value_or(kDefaultLimit));
    page.after_id = std::get<0>(after).value_or(0);
  }
  auto found = crm::users_matching(store, context.id, segment, now, page);
  json::object result{{"segment", segment.to_string()}, {"count", found.count}};
  if (list) {
    json::array users;
    for (const auto& member : found.members) users.push_back(member_json(member, context.params));
    result["users"] = std::move(users);
    result["next_after"] = found.more ? json::value(found.members.back().dialog.id) : json::value(nullptr);
  }
  return ok(std::move(result));
}

}  // namespace topicdesk::integrations
