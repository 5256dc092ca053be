#include "integrations/topics_api_labels.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <variant>

#include "integrations/topics_api_call.h"

namespace topicdesk::integrations {
namespace json = boost::json;

namespace {

constexpr int kHistoryLimit = 200;

std::optional<std::int64_t> positive_integer(const json::value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->is_int64() && value->get_int64() > 0) return value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(value->get_uint64());
  return std::nullopt;
}

json::array label_names(store::Store& store, core::DialogId dialog) {
  json::array out;
  for (const auto& l : store.dialog_labels(dialog)) out.emplace_back(l.name);
  return out;
}

json::object label_json(store::Store& store, const store::Label& label) {
  json::array after;
  for (auto id : label.after) {
    if (auto other = store.label(id)) after.emplace_back(other->name);
  }
  return {{"name", label.name},
          {"ticker", label.ticker},
          {"sends", label.sends},
          {"after", std::move(after)},
          {"created_at", label.created_at / 1000}};
}

}  // namespace

std::variant<store::Dialog, ApiResponse> dialog_of(store::Store& store,
                                                   const relay::ConnectionContext& context,
                                                   const json::object& request) {
  const auto* user = request.if_contains("user_id");
  const auto* topic = request.if_contains("topic_id");
  if ((user == nullptr) == (topic == nullptr))
    return api_error(core::ErrorCode::kInvalid, "missing_field",
                     "give one of the fields \"user_id\" and \"topic_id\"");
  auto id = positive_integer(user != nullptr ? user : topic);
  std::string_view field = user != nullptr ? "user_id" : "topic_id";
  if (!id)
    return api_error(core::ErrorCode::kInvalid, "invalid_field",
                     fmt::format("field \"{}\" must be a positive integer", field));
  auto dialog =
      user != nullptr ? store.dialog_by_user(context.id, *id) : store.dialog_by_thread(context.group_id, *id);
  if (!dialog || dialog->connection_id != context.id)
    return api_error(core::ErrorCode::kNotFound, "unknown_dialog",
                     fmt::format("connection {} has no dialog with {} {}", context.name, field, *id));
  return *dialog;
}

std::optional<ApiResponse> label_action(store::Store& store, relay::Engine& engine, std::string_view action,
                                        const json::object& request, core::UnixMillis now,
                                        const std::function<void()>& on_outbox) {
  const auto& context = engine.context();
  if (action == "list_labels") {
    json::array list;
    for (const auto& l : store.labels(context.id)) list.push_back(label_json(store, l));
    return ok({{"labels", std::move(list)}});
  }
  if (action != "set_label" && action != "remove_label" && action != "dialog_labels") return std::nullopt;
  auto named = dialog_of(store, context, request);
  if (auto* error = std::get_if<ApiResponse>(&named)) return *error;
  const auto& dialog = std::get<store::Dialog>(named);

  if (action == "dialog_labels") {
    json::array labels;
    for (const auto& l : store.dialog_labels(dialog.id)) {
      labels.push_back(json::object{{"name", l.name}, {"ticker", l.ticker}});
    }
    json::array history;
    for (const auto& c : store.label_history(dialog.id, kHistoryLimit)) {
      history.push_back(json::object{
          {"label", c.label_name},
          {"change", c.added ? "added" : "removed"},
          {"by", store::to_string(c.by)},
          {"operator_id", c.operator_id == 0 ? json::value(nullptr) : json::value(c.operator_id)},
          {"at", c.at / 1000}});
    }
    return ok({{"dialog_id", dialog.id},
               {"user_id", dialog.user_id},
               {"labels", std::move(labels)},
               {"history", std::move(history)}});
  }

  const auto* label = request.if_contains("label");
  if (label == nullptr || !label->is_string() || label->get_string().empty())
    return api_error(core::ErrorCode::kInvalid, "missing_field", "field \"label\" must name a label");
  const bool add = action == "set_label";
  auto changed = engine.api_change_label(dialog.id, std::string_view(label->get_string()), add, now);
  if (changed.outcome == relay::Engine::ApiLabelResult::kNoDialog)
    return api_error(core::ErrorCode::kNotFound, "unknown_dialog",
                     fmt::format("dialog {} no longer exists", dialog.id));
  if (changed.outcome == relay::Engine::ApiLabelResult::kUnknownLabel)
    return api_error(core::ErrorCode::kNotFound, "unknown_label", "field \"label\": " + changed.message);
  if (changed.changed && on_outbox) on_outbox();
  json::array removed;
  for (const auto& name : changed.removed) removed.emplace_back(name);
  return ok({{"dialog_id", dialog.id},
             {"label", changed.label},
             {"changed", changed.changed},
             {"removed", std::move(removed)},
             {"labels", label_names(store, dialog.id)}});
}

}  // namespace topicdesk::integrations
