// SqlStore: shared data tables (TableStore). A table's columns are one JSON column
// ([{"name","type"}]); each row's cells one JSON array of texts.
#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/utf8.h"
#include "store/sql/sql_store.h"
#include "store/sql/sql_tables.h"

namespace topicdesk::store {

namespace json = boost::json;

namespace {
using Lock = std::lock_guard<std::recursive_mutex>;

ColumnType column_type_from(std::string_view name) {
  for (auto type : {ColumnType::kText, ColumnType::kInteger, ColumnType::kDecimal, ColumnType::kBoolean}) {
    if (to_string(type) == name) return type;
  }
  return ColumnType::kText;
}

std::string columns_to_json(const std::vector<TableColumn>& columns) {
  json::array out;
  for (const auto& c : columns) out.push_back(json::object{{"name", c.name}, {"type", to_string(c.type)}});
  return json::serialize(out);
}

std::vector<TableColumn> columns_from_json(const std::string& text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_array()) throw StoreError("data_tables: a columns value is not a JSON array");
  std::vector<TableColumn> out;
  for (const auto& item : value.get_array()) {
    const auto* o = item.if_object();
    if (o == nullptr) continue;
    const auto* name = o->if_contains("name");
    const auto* type = o->if_contains("type");
    out.push_back(TableColumn{
        .name = name != nullptr && name->is_string() ? std::string(name->get_string()) : std::string(),
        .type =
            type != nullptr && type->is_string() ? column_type_from(type->get_string()) : ColumnType::kText});
  }
  return out;
}

std::string cells_to_json(const std::vector<std::string>& cells) {
  json::array out;
  for (const auto& c : cells) out.push_back(json::string(c));
  return json::serialize(out);
}

std::vector<std::string> cells_from_json(const std::string& text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_array()) throw StoreError("data_table_rows: a cells value is not a JSON array");
  std::vector<std::string> out;
  for (const auto& item : value.get_array())
    out.push_back(item.is_string() ? std::string(item.get_string()) : std::string());
  return out;
}

TableSummary summary_row(Query& q) {
  TableSummary s;
  s.id = q.int64(0);
  s.name = q.text(1);
  s.columns = columns_from_json(q.text(2));
  s.row_count = q.int64(3);
  s.updated_by = q.int64(4);
  s.updated_by_name = q.text(5);
  s.created_at = q.int64(6);
  s.updated_at = q.int64(7);
  return s;
}

DataTable table_of(ConnectionId id, TableSummary s) {
  DataTable t;
  t.id = s.id;
  t.connection_id = id;
  t.name = std::move(s.name);
  t.columns = std::move(s.columns);
  t.updated_by = s.updated_by;
  t.updated_by_name = std::move(s.updated_by_name);
  t.created_at = s.created_at;
  t.updated_at = s.updated_at;
  return t;
}

}  // namespace

std::vector<TableSummary> SqlStore::data_tables(ConnectionId id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kDataTablesOf);
  q.bind_all(id);
  std::vector<TableSummary> out;
  while (q.step()) out.push_back(summary_row(q));
  return out;
}

std::optional<DataTable> SqlStore::data_table(ConnectionId id, std::string_view name) {
  Lock lock(mutex_);
  std::optional<DataTable> t;
  {
    auto q = db_.query(sql::kDataTableByName);
    q.bind_all(id, core::lower_ascii(name));
    if (q.step()) t = table_of(id, summary_row(q));
  }
  if (!t) return t;
  auto q = db_.query(sql::kDataTableRowsOf);
  q.bind_all(t->id);
  while (q.step()) t->rows.push_back(cells_from_json(q.text(0)));
  return t;
}

std::optional<DataTable> SqlStore::data_table_row(ConnectionId id, std::string_view name,
                                                  std::string_view key) {
  Lock lock(mutex_);
  std::optional<DataTable> t;
  {
    auto q = db_.query(sql::kDataTableByName);
    q.bind_all(id, core::lower_ascii(name));
    if (q.step()) t = table_of(id, summary_row(q));
  }
  if (!t) return t;
  auto q = db_.query(sql::kDataTableRowByKey);
  q.bind_all(t->id, core::lower_ascii(key));
  if (q.step()) t->rows.push_back(cells_from_json(q.text(0)));
  return t;
}

std::int64_t SqlStore::replace_data_table(const DataTable& t) {
  Lock lock(mutex_);
  std::int64_t id = 0;
  transaction([&] {
    const std::string columns = columns_to_json(t.columns);
    const auto rows = static_cast<std::int64_t>(t.rows.size());
    {
      auto q = db_.query(sql::kDataTableByName);
      q.bind_all(t.connection_id, core::lower_ascii(t.name));
      if (q.step()) id = q.int64(0);
    }
    if (id != 0) {
      db_.run(sql::kDataTableUpdate, id, t.name, columns, rows, t.updated_by, t.updated_by_name,
              t.updated_at);
      db_.run(sql::kDataTableRowsDelete, id);
    } else {
      auto q = db_.query(sql::kDataTableInsert);
      q.bind_all(t.connection_id, t.name, core::lower_ascii(t.name), columns, rows, t.updated_by,
                 t.updated_by_name, t.updated_at);
      if (!q.step()) throw StoreError("replace_data_table: the insert returned no id");
      id = q.int64(0);
    }
    std::int64_t position = 0;
    for (const auto& row : t.rows) {
      if (row.empty()) throw StoreError(fmt::format("replace_data_table {}: a row without a key", t.name));
      db_.run(sql::kDataTableRowInsert, id, position++, core::lower_ascii(row.front()), cells_to_json(row));
    }
  });
  return id;
}

bool SqlStore::drop_data_table(ConnectionId id, std::string_view name) {
  Lock lock(mutex_);
  bool dropped = false;
  transaction([&] {
    std::int64_t table = 0;
    {
      auto q = db_.query(sql::kDataTableByName);
      q.bind_all(id, core::lower_ascii(name));
      if (q.step()) table = q.int64(0);
    }
    if (table == 0) return;
    db_.run(sql::kDataTableRowsDelete, table);
    db_.run(sql::kDataTableDelete, table);
    dropped = true;
  });
  return dropped;
}

}  // namespace topicdesk::store
