#include "integrations/topics_api_templates.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "crm/template_render.h"
#include "crm/templates.h"
#include "integrations/topics_api_call.h"

namespace topicdesk::integrations {
namespace json = boost::json;

namespace {

json::object template_json(const store::Template& t) {
  json::array variables;
  for (const auto& v : crm::template_variables(t)) variables.push_back(json::string(v));
  return {{"name", t.name},
          {"parts", crm::parts_to_json(t.parts)},
          {"variables", std::move(variables)},
          {"saved_by", t.saved_by == 0 ? json::value(nullptr) : json::value(t.saved_by)},
          {"created_at", t.created_at / 1000},
          {"updated_at", t.updated_at / 1000}};
}

// The request's "name", checked by the template name rule; the error to answer otherwise.
std::variant<std::string, ApiResponse> name_of(const json::object& request) {
  const auto* value = request.if_contains("name");
  if (value == nullptr || value->is_null())
    return api_error(core::ErrorCode::kInvalid, "missing_field", "field \"name\" is required");
  if (!value->is_string())
    return api_error(core::ErrorCode::kInvalid, "invalid_field", "field \"name\" must be a string");
  std::string name(value->get_string());
  if (auto valid = crm::check_template_name(name); !valid)
    return api_error(core::ErrorCode::kInvalid, "invalid_field", "field \"name\": " + valid.error().message);
  return name;
}

ApiResponse unknown(const relay::ConnectionContext& context, std::string_view name) {
  return api_error(core::ErrorCode::kNotFound, "unknown_template",
                   fmt::format("connection {} has no template {}", context.name, name));
}

}  // namespace

std::optional<ApiResponse> template_action(store::Store& store, const relay::ConnectionContext& context,
                                           std::string_view action, const json::object& request,
                                           core::UnixMillis now) {
  if (action == "list_templates") {
    json::array list;
    for (const auto& t : store.templates(context.id)) list.push_back(template_json(t));
    return ok({{"templates", std::move(list)}});
  }
  if (action != "get_template" && action != "put_template" && action != "delete_template")
    return std::nullopt;
  auto named = name_of(request);
  if (auto* error = std::get_if<ApiResponse>(&named)) return *error;
  const std::string& name = std::get<std::string>(named);
  if (action == "get_template") {
    auto t = store.template_by_name(context.id, name);
    if (!t) return unknown(context, name);
    return ok({{"template", template_json(*t)}});
  }
  if (action == "delete_template") {
    if (!store.delete_template(context.id, name)) return unknown(context, name);
    return ok({{"deleted", name}});
  }
  const auto* parts_value = request.if_contains("parts");
  if (parts_value == nullptr)
    return api_error(core::ErrorCode::kInvalid, "missing_field", "field \"parts\" is required");
  auto parts = crm::parts_from_json(*parts_value);
  if (!parts) return api_error(core::ErrorCode::kInvalid, "invalid_field", "field " + parts.error().message);
  // The texts as saved must fit Telegram's limits already (variables can only be checked per user).
  store::Template t{.connection_id = context.id, .name = name, .parts = std::move(*parts), .updated_at = now};
  for (std::size_t i = 0; i < t.parts.size(); ++i) {
    std::vector<std::string> ignored;
    auto check = [&](const std::string& text, std::size_t max,
                     const std::string& what) -> std::optional<ApiResponse> {
      auto r = crm::render_text(text, "", crm::TemplateValues{}, max, what, ignored);
      if (r) return std::nullopt;
      return api_error(core::ErrorCode::kInvalid, "invalid_field", "field " + r.error().message);
    };
    const auto& part = t.parts[i];
    std::string where = fmt::format("parts[{}]", i);
    if (part.kind == store::TemplatePartKind::kText) {
      if (auto e = check(part.text, crm::kMaxTextUnits, where + ".text")) return e;
    } else if (part.kind != store::TemplatePartKind::kAlbum) {
      if (auto e = check(part.text, crm::kMaxCaptionUnits, where + ".caption")) return e;
    }
    for (std::size_t j = 0; j < part.album.size(); ++j) {
      if (auto e = check(part.album[j].caption, crm::kMaxCaptionUnits,
                         fmt::format("{}.items[{}].caption", where, j)))
        return e;
    }
  }
  bool existed = store.template_by_name(context.id, name).has_value();
  auto saved = store.save_template(t);
  return ok({{"template", template_json(saved)}, {"created", !existed}});
}

}  // namespace topicdesk::integrations
