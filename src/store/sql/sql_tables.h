// SQL of shared data tables (TableStore).
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
#define TD_DATA_TABLE_COLUMNS                                                                         \
  "SELECT id, name, columns, row_count, updated_by, updated_by_name, created_at, updated_at"         \
  " FROM data_tables "
inline constexpr Sql kDataTablesOf{"data_tables",
    TD_DATA_TABLE_COLUMNS "WHERE connection_id = ?1 ORDER BY name_key"};
inline constexpr Sql kDataTableByName{"data_table_by_name",
    TD_DATA_TABLE_COLUMNS "WHERE connection_id = ?1 AND name_key = ?2"};
inline constexpr Sql kDataTableInsert{"data_table_insert",
    "INSERT INTO data_tables(connection_id, name, name_key, columns, row_count, updated_by, updated_by_name,"
    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id"};
inline constexpr Sql kDataTableUpdate{"data_table_update",
    "UPDATE data_tables SET name = ?2, columns = ?3, row_count = ?4, updated_by = ?5, updated_by_name = ?6,"
    " updated_at = ?7 WHERE id = ?1"};
inline constexpr Sql kDataTableDelete{"data_table_delete", "DELETE FROM data_tables WHERE id = ?1"};
inline constexpr Sql kDataTableRowsOf{"data_table_rows",
    "SELECT cells FROM data_table_rows WHERE table_id = ?1 ORDER BY position"};
inline constexpr Sql kDataTableRowByKey{"data_table_row_by_key",
    "SELECT cells FROM data_table_rows WHERE table_id = ?1 AND row_key = ?2"};
inline constexpr Sql kDataTableRowsDelete{"data_table_rows_delete",
    "DELETE FROM data_table_rows WHERE table_id = ?1"};
inline constexpr Sql kDataTableRowInsert{"data_table_row_insert",
    "INSERT INTO data_table_rows(table_id, position, row_key, cells) VALUES (?1, ?2, ?3, ?4)"};
#undef TD_DATA_TABLE_COLUMNS
// clang-format on

}  // namespace topicdesk::store::sql
