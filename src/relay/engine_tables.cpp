// Shared data tables in the relay (docs/tables.md): /table (list, show, import, export, drop),
// the CSV an import had the dispatcher read (job::kReadIdsFile, back as a kIdsFileRead event),
// /invoice TABLE ROW's arguments and {table:…} in PAYMENT_HOOK's line. The CSV rules, types,
// pages and lookups are tables/table.h's; the store is store::TableStore. An import replaces the
// table inside the event's one transaction: nothing half-imported is ever seen.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <charconv>

#include "core/utf8.h"
#include "crm/permissions.h"
#include "i18n/catalog.h"
#include "relay/engine.h"
#include "tables/table.h"

namespace topicdesk::relay {
namespace json = boost::json;
using core::Event;
using core::UnixMillis;
using store::Dialog;

namespace {

// "import plans" → {"import", "plans"}; "plans 2" → {"plans", "2"}.
std::pair<std::string, std::string> first_word(std::string_view args) {
  std::string trimmed = core::trim(args);
  auto space = trimmed.find_first_of(" \t\n");
  if (space == std::string::npos) return {trimmed, ""};
  return {trimmed.substr(0, space), core::trim(std::string_view(trimmed).substr(space))};
}

std::string column_names(const std::vector<store::TableColumn>& columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + c.name;
  return out;
}

std::string string_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

void Engine::table_command(const core::Command& command, Dialog* dialog, const Event& e, UnixMillis now) {
  const std::string& lang = context_.params.language;
  auto answer = [&](std::string text) {
    if (dialog != nullptr)
      post_in_topic(*dialog, std::move(text), kPriorityOperatorReply, now);
    else
      post_in_general(std::move(text), now);
  };
  const auto words = first_word(command.args);
  const std::string& word = words.first;
  const std::string& rest = words.second;
  const std::string action = core::lower_ascii(word);
  if (word.empty() || action == "list") {
    auto tables = store_.data_tables(context_.id);
    if (tables.empty()) return answer(i18n::text(lang, "tables.list_empty"));
    std::string text = i18n::text(lang, "tables.list_title");
    for (const auto& t : tables) {
      text += "\n" + i18n::text(lang, "tables.list_line",
                                {{"name", t.name},
                                 {"rows", std::to_string(t.row_count)},
                                 {"columns", column_names(t.columns)}});
    }
    return answer(core::utf16_truncate(text, 4000));
  }
  if (action == "help") return answer(i18n::text(lang, "tables.usage"));
  const bool manages = action == "import" || action == "export" || action == "drop";
  if (!manages) {  // /table NAME [page]
    if (auto bad = tables::check_table_name(word))
      return answer(i18n::text(lang, "tables.bad_name", {{"problem", tables::problem_text(lang, *bad)}}) +
                    "\n" + i18n::text(lang, "tables.usage"));
    auto table = store_.data_table(context_.id, word);
    if (!table) return answer(i18n::text(lang, "tables.unknown", {{"name", word}}));
    int page = 1;
    if (!rest.empty()) std::from_chars(rest.data(), rest.data() + rest.size(), page);
    auto shown = tables::table_page(*table, page);
    std::string text = i18n::text(lang, "tables.show_title",
                                  {{"name", table->name},
                                   {"rows", std::to_string(table->rows.size())},
                                   {"page", std::to_string(shown.page)},
                                   {"pages", std::to_string(shown.pages)}}) +
                       "\n" + shown.text;
    if (shown.page < shown.pages) {
      text += "\n" + i18n::text(lang, "tables.show_next",
                                {{"name", table->name}, {"next", std::to_string(shown.page + 1)}});
    }
    return answer(std::move(text));
  }
  const std::string name = first_word(rest).first;
  const crm::Actor actor{e.from.id, e.from.username, e.sender_is_anonymous_admin};
  if (!crm::may_manage(context_.params, actor, context_.group_owner))
    return answer(crm::management_refused(lang, "crm.manage_tables", actor));
  if (auto bad = tables::check_table_name(name)) {
    if (name.empty()) return answer(i18n::text(lang, "tables.usage"));
    return answer(i18n::text(lang, "tables.bad_name", {{"problem", tables::problem_text(lang, *bad)}}));
  }
  if (action == "drop") {
    auto existing = store_.data_table_row(context_.id, name, "");
    if (!existing || !store_.drop_data_table(context_.id, name))
      return answer(i18n::text(lang, "tables.unknown", {{"name", name}}));
    return answer(i18n::text(lang, "tables.dropped", {{"name", existing->name}}));
  }
  if (action == "export") {
    auto table = store_.data_table(context_.id, name);
    if (!table) return answer(i18n::text(lang, "tables.unknown", {{"name", name}}));
    post_document(dialog != nullptr ? dialog->id : 0, table->name + ".csv", tables::table_to_csv(*table),
                  i18n::text(lang, "tables.export_caption",
                             {{"name", table->name}, {"rows", std::to_string(table->rows.size())}}),
                  now);
    return;
  }
  // import: in General, in reply to the CSV file. Reading the file is I/O: the dispatcher fetches
  // it (job::kReadIdsFile) and gives it back as a kIdsFileRead event with this request.
  if (dialog != nullptr) return answer(i18n::text(lang, "tables.import_in_general", {{"name", name}}));
  if (e.replied.message_id == 0 || e.replied.file_id.empty() ||
      e.replied.content != core::ContentKind::kDocument)
    return answer(i18n::text(lang, "tables.import_needs_file", {{"name", name}}));
  json::object job{{"file_id", e.replied.file_id},
                   {"max_bytes", static_cast<std::int64_t>(tables::kMaxCsvBytes)},
                   {"base64", true},
                   {"request", json::object{{"table_import", name},
                                            {"by", e.sender_is_anonymous_admin ? 0 : e.from.id},
                                            {"by_name", e.sender_is_anonymous_admin ? std::string()
                                                                                    : e.from.first_name}}}};
  enqueue(job::kReadIdsFile, JobPayload{.to = Side::kGroup, .text = json::serialize(job)},
          kPriorityOperatorReply, now);
}

bool Engine::table_file_read(const Event& e, UnixMillis now) {
  boost::system::error_code ec;
  json::value parsed = json::parse(e.text, ec);
  const json::object* answer = !ec && parsed.is_object() ? &parsed.as_object() : nullptr;
  const json::value* request = answer != nullptr ? answer->if_contains("request") : nullptr;
  if (request == nullptr || !request->is_object() || !request->as_object().contains("table_import"))
    return false;
  const json::object& r = request->as_object();
  const std::string& lang = context_.params.language;
  const std::string name = string_of(r, "table_import");
  auto refused = [&](const std::string& why) {
    post_in_general(i18n::text(lang, "tables.import_not_read", {{"name", name}, {"error", why}}), now);
  };
  if (const auto* error = answer->if_contains("error"); error != nullptr && error->is_string()) {
    const auto* size = answer->if_contains("file_size");
    if (size != nullptr && size->is_int64() &&
        size->get_int64() > static_cast<std::int64_t>(tables::kMaxCsvBytes)) {
      refused(tables::problem_text(
          lang,
          tables::TableProblem{.code = "too_big", .limit = static_cast<std::int64_t>(tables::kMaxCsvBytes)}));
    } else {
      refused(std::string(error->get_string()));
    }
    return true;
  }
  auto bytes = from_base64(string_of(*answer, "content"));
  if (!bytes) {
    refused(tables::problem_text(lang, tables::TableProblem{.code = "bad_utf8"}));
    return true;
  }
  auto made = tables::table_from_csv(name, *bytes);
  if (auto* problem = std::get_if<tables::TableProblem>(&made)) {
    refused(tables::problem_text(lang, *problem));
    return true;
  }
  auto& table = std::get<store::DataTable>(made);
  std::optional<std::int64_t> old_rows;
  for (const auto& t : store_.data_tables(context_.id)) {
    if (core::lower_ascii(t.name) == core::lower_ascii(name)) old_rows = t.row_count;
  }
  table.connection_id = context_.id;
  if (const auto* by = r.if_contains("by"); by != nullptr && by->is_int64())
    table.updated_by = by->get_int64();
  table.updated_by_name = string_of(r, "by_name");
  table.updated_at = now;
  store_.replace_data_table(table);
  const std::string columns = column_names(table.columns);
  const std::string rows = std::to_string(table.rows.size());
  if (old_rows) {
    post_in_general(i18n::text(lang, "tables.replaced",
                               {{"name", table.name},
                                {"rows", rows},
                                {"columns", columns},
                                {"old_rows", std::to_string(*old_rows)}}),
                    now);
  } else {
    post_in_general(
        i18n::text(lang, "tables.imported", {{"name", table.name}, {"rows", rows}, {"columns", columns}}),
        now);
  }
  spdlog::info("connection {}: table {} imported ({} rows)", context_.name, table.name, table.rows.size());
  return true;
}

std::optional<core::Result<std::string>> Engine::table_invoice_args(std::string_view args) {
  const auto words = first_word(args);
  const std::string& table_name = words.first;
  const std::string& row = words.second;
  if (table_name.empty() || row.empty() || tables::check_table_name(table_name)) return std::nullopt;
  auto table = store_.data_table_row(context_.id, table_name, row);
  // `/invoice plan t1` reads the table plans when there is no table plan.
  if (!table) table = store_.data_table_row(context_.id, table_name + "s", row);
  if (!table) return std::nullopt;
  const std::string& lang = context_.params.language;
  auto refusal = [&](const tables::TableProblem& p) {
    return core::Result<std::string>(core::make_error(
        i18n::text(lang, "tables.invoice_refused",
                   {{"name", table->name}, {"row", row}, {"problem", tables::problem_text(lang, p)}})));
  };
  auto made = tables::invoice_args(*table);
  if (auto* problem = std::get_if<tables::TableProblem>(&made)) return refusal(*problem);
  return core::Result<std::string>(std::get<std::string>(made));
}

std::string Engine::fill_table_references(std::string_view text, std::vector<std::string>* misses) {
  return tables::expand_references(
      text, context_.params.language,
      [this](const std::string& table, const std::string& row) {
        return store_.data_table_row(context_.id, table, row);
      },
      misses);
}

}  // namespace topicdesk::relay
