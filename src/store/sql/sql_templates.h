// SQL of message templates and recently seen album items (TemplateStore).
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
#define TD_TEMPLATE_COLUMNS \
  "SELECT id, connection_id, name, saved_by, saved_by_name, created_at, updated_at FROM templates "
inline constexpr Sql kTemplatesOf{"templates",
    TD_TEMPLATE_COLUMNS "WHERE connection_id = ?1 ORDER BY name_key"};
inline constexpr Sql kTemplateByName{"template_by_name",
    TD_TEMPLATE_COLUMNS "WHERE connection_id = ?1 AND name_key = ?2"};
inline constexpr Sql kTemplateInsert{"template_insert",
    "INSERT INTO templates(connection_id, name, name_key, saved_by, saved_by_name, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING id"};
inline constexpr Sql kTemplateUpdate{"template_update",
    "UPDATE templates SET name = ?2, saved_by = ?3, saved_by_name = ?4, updated_at = ?5 WHERE id = ?1"};
inline constexpr Sql kTemplateDelete{"template_delete", "DELETE FROM templates WHERE id = ?1"};
inline constexpr Sql kTemplatePartsOf{"template_parts",
    "SELECT kind, text, entities, file_id, album, reply_markup FROM template_parts WHERE template_id = ?1"
    " ORDER BY position"};
inline constexpr Sql kTemplatePartsDelete{"template_parts_delete",
    "DELETE FROM template_parts WHERE template_id = ?1"};
inline constexpr Sql kTemplatePartInsert{"template_part_insert",
    "INSERT INTO template_parts(template_id, position, kind, text, entities, file_id, album, reply_markup)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"};
#undef TD_TEMPLATE_COLUMNS

inline constexpr Sql kAlbumItemAdd{"album_item_add",
    "INSERT INTO album_items(connection_id, media_group_id, message_id, kind, file_id, caption,"
    " caption_entities, seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    " ON CONFLICT(connection_id, media_group_id, message_id) DO UPDATE SET kind = excluded.kind,"
    " file_id = excluded.file_id, caption = excluded.caption, caption_entities = excluded.caption_entities,"
    " seen_at = excluded.seen_at"};
inline constexpr Sql kAlbumItemsOf{"album_items",
    "SELECT message_id, kind, file_id, caption, caption_entities, seen_at FROM album_items"
    " WHERE connection_id = ?1 AND media_group_id = ?2 ORDER BY message_id"};
inline constexpr Sql kAlbumItemsExpire{"album_items_expire",
    "DELETE FROM album_items WHERE rowid IN (SELECT rowid FROM album_items WHERE seen_at < ?1"
    " ORDER BY seen_at LIMIT ?2)",
    // PostgreSQL has no rowid; ctid is its row address.
    "DELETE FROM album_items WHERE ctid = ANY(ARRAY(SELECT ctid FROM album_items WHERE seen_at < ?1"
    " ORDER BY seen_at LIMIT ?2))"};
// clang-format on

}  // namespace topicdesk::store::sql
