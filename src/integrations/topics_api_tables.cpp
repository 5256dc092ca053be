#include "integrations/topics_api_tables.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "integrations/topics_api_call.h"
#include "tables/table.h"

namespace topicdesk::integrations {
namespace json = boost::json;

namespace {

json::array columns_json(const std::vector<store::TableColumn>& columns) {
  json::array out;
  for (const auto& c : columns)
    out.push_back(json::object{{"name", c.name}, {"type", store::to_string(c.type)}});
  return out;
}

json::object summary_json(const store::TableSummary& t) {
  return {{"name", t.name},
          {"columns", columns_json(t.columns)},
          {"rows", t.row_count},
          {"updated_by", t.updated_by == 0 ? json::value(nullptr) : json::value(t.updated_by)},
          {"created_at", t.created_at / 1000},
          {"updated_at", t.updated_at / 1000}};
}

json::object table_json(const store::DataTable& t) {
  json::array rows;
  for (const auto& row : t.rows) {
    json::array cells;
    for (const auto& c : row) cells.push_back(json::string(c));
    rows.push_back(std::move(cells));
  }
  return {{"name", t.name},
          {"columns", columns_json(t.columns)},
          {"rows", std::move(rows)},
          {"updated_by", t.updated_by == 0 ? json::value(nullptr) : json::value(t.updated_by)},
          {"created_at", t.created_at / 1000},
          {"updated_at", t.updated_at / 1000}};
}

ApiResponse invalid(std::string_view message) {
  return api_error(core::ErrorCode::kInvalid, "invalid_field", message);
}

ApiResponse refused(const tables::TableProblem& p) {
  return api_error(core::ErrorCode::kInvalid, "invalid_table",
                   "the table was not changed: " + tables::problem_text("en", p));
}

// A JSON cell as text: strings as they are, numbers and booleans as written, null as empty.
std::optional<std::string> cell_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return std::string();
  if (v.is_bool()) return std::string(v.get_bool() ? "true" : "false");
  if (v.is_int64() || v.is_uint64()) return json::serialize(v);
  if (v.is_double()) return fmt::format("{}", v.get_double());  // the shortest form: 1.5, not 1.5E0
  return std::nullopt;
}

// put_table's {"columns": [...], "rows": [[...]]} as a table, or the answer refusing it.
std::variant<store::DataTable, ApiResponse> table_of_json(const std::string& name,
                                                          const json::object& request) {
  const auto* columns = request.if_contains("columns");
  const auto* rows = request.if_contains("rows");
  if (columns == nullptr || !columns->is_array())
    return invalid("field \"columns\" must be an array of {\"name\", \"type\"} (or give \"csv\")");
  if (rows == nullptr || !rows->is_array()) return invalid("field \"rows\" must be an array of arrays");
  if (columns->get_array().size() > tables::kMaxColumns)
    return refused(tables::TableProblem{
        .code = "too_many_columns", .row = 1, .limit = static_cast<std::int64_t>(tables::kMaxColumns)});
  if (rows->get_array().size() > tables::kMaxRows)
    return refused(
        tables::TableProblem{.code = "too_many_rows", .limit = static_cast<std::int64_t>(tables::kMaxRows)});
  // The header as a CSV header would be ("price:decimal"), so one set of rules reads both.
  std::vector<std::string> header;
  for (std::size_t i = 0; i < columns->get_array().size(); ++i) {
    const auto& c = columns->get_array()[i];
    const auto* o = c.if_object();
    const auto* n = o != nullptr ? o->if_contains("name") : nullptr;
    if (n == nullptr || !n->is_string())
      return invalid(fmt::format("field \"columns[{}].name\" must be a string", i));
    std::string h(n->get_string());
    if (const auto* type = o->if_contains("type"); type != nullptr && !type->is_null()) {
      if (!type->is_string()) return invalid(fmt::format("field \"columns[{}].type\" must be a string", i));
      h += ":" + std::string(type->get_string());
    }
    header.push_back(std::move(h));
  }
  tables::CsvRecords records{std::move(header)};
  for (std::size_t r = 0; r < rows->get_array().size(); ++r) {
    const auto* cells = rows->get_array()[r].if_array();
    if (cells == nullptr) return invalid(fmt::format("field \"rows[{}]\" must be an array", r));
    std::vector<std::string> record;
    for (std::size_t c = 0; c < cells->size(); ++c) {
      auto text = cell_text((*cells)[c]);
      if (!text)
        return invalid(
            fmt::format("field \"rows[{}][{}]\" must be a string, a number, a boolean or null", r, c));
      record.push_back(std::move(*text));
    }
    records.push_back(std::move(record));
  }
  auto made = tables::table_from_records(name, records);
  if (auto* p = std::get_if<tables::TableProblem>(&made)) return refused(*p);
  return std::move(std::get<store::DataTable>(made));
}

}  // namespace

std::optional<ApiResponse> table_action(store::Store& store, const relay::ConnectionContext& context,
                                        std::string_view action, const json::object& request,
                                        core::UnixMillis now) {
  if (action == "list_tables") {
    json::array list;
    for (const auto& t : store.data_tables(context.id)) list.push_back(summary_json(t));
    return ok({{"tables", std::move(list)}});
  }
  if (action != "get_table" && action != "put_table" && action != "delete_table") return std::nullopt;
  Fields fields(request);
  auto name = fields.text("name", true, tables::kMaxNameLength + 1);
  if (fields.failed()) return fields.error();
  if (auto bad = tables::check_table_name(*name))
    return invalid("field \"name\": " + tables::problem_text("en", *bad));
  auto unknown = [&] {
    return api_error(core::ErrorCode::kNotFound, "unknown_table",
                     fmt::format("connection {} has no table {}", context.name, *name));
  };
  if (action == "get_table") {
    auto t = store.data_table(context.id, *name);
    if (!t) return unknown();
    json::object result{{"table", table_json(*t)}};
    if (const auto* format = request.if_contains("format");
        format != nullptr && format->is_string() && format->get_string() == "csv")
      result["csv"] = tables::table_to_csv(*t);
    return ok(std::move(result));
  }
  if (action == "delete_table") {
    if (!store.drop_data_table(context.id, *name)) return unknown();
    return ok({{"deleted", *name}});
  }
  std::variant<store::DataTable, ApiResponse> made = store::DataTable{};
  if (const auto* csv = request.if_contains("csv"); csv != nullptr && !csv->is_null()) {
    if (!csv->is_string())
      return invalid("field \"csv\" must be a string (the CSV text, its first row the header)");
    auto parsed = tables::table_from_csv(*name, csv->get_string());
    if (auto* p = std::get_if<tables::TableProblem>(&parsed)) return refused(*p);
    made = std::move(std::get<store::DataTable>(parsed));
  } else {
    made = table_of_json(*name, request);
  }
  if (auto* answer = std::get_if<ApiResponse>(&made)) return *answer;
  auto& table = std::get<store::DataTable>(made);
  table.connection_id = context.id;
  table.updated_at = now;
  bool existed = store.data_table_row(context.id, *name, "").has_value();
  store.replace_data_table(table);
  for (const auto& t : store.data_tables(context.id)) {
    if (core::lower_ascii(t.name) == core::lower_ascii(*name))
      return ok({{"table", summary_json(t)}, {"created", !existed}});
  }
  return api_error(core::ErrorCode::kInternal, "internal_error", "the table was not stored");
}

}  // namespace topicdesk::integrations
