// SqlStore: message templates and recently seen album items (TemplateStore).
#include <boost/json.hpp>

#include "core/utf8.h"
#include "store/sql/sql_store.h"
#include "store/sql/sql_templates.h"

namespace topicdesk::store {

namespace json = boost::json;

namespace {
using Lock = std::lock_guard<std::recursive_mutex>;

TemplatePartKind kind_from(const std::string& name) {
  return template_part_kind(name).value_or(TemplatePartKind::kText);
}

// An album's items as one JSON array column: [{"kind","file_id","caption","caption_entities"}].
std::string album_to_json(const std::vector<TemplateMedia>& album) {
  if (album.empty()) return {};
  json::array items;
  for (const auto& m : album) {
    items.push_back(json::object{{"kind", to_string(m.kind)},
                                 {"file_id", m.file_id},
                                 {"caption", m.caption},
                                 {"caption_entities", m.caption_entities_json}});
  }
  return json::serialize(items);
}

std::vector<TemplateMedia> album_from_json(const std::string& text) {
  std::vector<TemplateMedia> album;
  if (text.empty()) return album;
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_array()) throw StoreError("template_parts: an album column is not a JSON array");
  for (const auto& item : value.get_array()) {
    const auto* o = item.if_object();
    if (o == nullptr) continue;
    auto field = [o](std::string_view key) {
      const auto* v = o->if_contains(key);
      return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    album.push_back(TemplateMedia{.kind = kind_from(field("kind")),
                                  .file_id = field("file_id"),
                                  .caption = field("caption"),
                                  .caption_entities_json = field("caption_entities")});
  }
  return album;
}

Template template_row(Query& q) {
  Template t;
  t.id = q.int64(0);
  t.connection_id = q.int64(1);
  t.name = q.text(2);
  t.saved_by = q.int64(3);
  t.saved_by_name = q.text(4);
  t.created_at = q.int64(5);
  t.updated_at = q.int64(6);
  return t;
}

}  // namespace

void SqlStore::read_template_parts(Template& t) {
  auto q = db_.query(sql::kTemplatePartsOf);
  q.bind_all(t.id);
  while (q.step()) {
    TemplatePart part;
    part.kind = kind_from(q.text(0));
    part.text = q.text(1);
    part.entities_json = q.text(2);
    part.file_id = q.text(3);
    part.album = album_from_json(q.text(4));
    part.reply_markup_json = q.text(5);
    t.parts.push_back(std::move(part));
  }
}

std::vector<Template> SqlStore::templates(ConnectionId id) {
  Lock lock(mutex_);
  std::vector<Template> out;
  {
    auto q = db_.query(sql::kTemplatesOf);
    q.bind_all(id);
    while (q.step()) out.push_back(template_row(q));
  }
  for (auto& t : out) read_template_parts(t);
  return out;
}

std::optional<Template> SqlStore::template_by_name(ConnectionId id, std::string_view name) {
  Lock lock(mutex_);
  std::optional<Template> t;
  {
    auto q = db_.query(sql::kTemplateByName);
    q.bind_all(id, core::lower_ascii(name));
    if (q.step()) t = template_row(q);
  }
  if (t) read_template_parts(*t);
  return t;
}

Template SqlStore::save_template(const Template& t) {
  Lock lock(mutex_);
  Template saved = t;
  transaction([&] {
    auto existing = template_by_name(t.connection_id, t.name);
    if (existing) {
      saved.id = existing->id;
      saved.created_at = existing->created_at;
      db_.run(sql::kTemplateUpdate, saved.id, t.name, t.saved_by, t.saved_by_name, t.updated_at);
      db_.run(sql::kTemplatePartsDelete, saved.id);
    } else {
      auto q = db_.query(sql::kTemplateInsert);
      q.bind_all(t.connection_id, t.name, core::lower_ascii(t.name), t.saved_by, t.saved_by_name,
                 t.updated_at);
      if (!q.step()) throw StoreError("save_template: the insert returned no id");
      saved.id = q.int64(0);
      saved.created_at = t.updated_at;
    }
    int position = 0;
    for (const auto& part : t.parts) {
      db_.run(sql::kTemplatePartInsert, saved.id, position++, std::string(to_string(part.kind)), part.text,
              part.entities_json, part.file_id, album_to_json(part.album), part.reply_markup_json);
    }
  });
  return saved;
}

bool SqlStore::delete_template(ConnectionId id, std::string_view name) {
  Lock lock(mutex_);
  bool deleted = false;
  transaction([&] {
    auto existing = template_by_name(id, name);
    if (!existing) return;
    db_.run(sql::kTemplatePartsDelete, existing->id);
    db_.run(sql::kTemplateDelete, existing->id);
    deleted = true;
  });
  return deleted;
}

void SqlStore::add_album_item(const AlbumItem& item) {
  Lock lock(mutex_);
  db_.run(sql::kAlbumItemAdd, item.connection_id, item.media_group_id, item.message_id,
          std::string(to_string(item.media.kind)), item.media.file_id, item.media.caption,
          item.media.caption_entities_json, item.seen_at);
}

std::vector<AlbumItem> SqlStore::album_items(ConnectionId id, std::string_view media_group_id) {
  Lock lock(mutex_);
  std::vector<AlbumItem> out;
  auto q = db_.query(sql::kAlbumItemsOf);
  q.bind_all(id, media_group_id);
  while (q.step()) {
    AlbumItem item;
    item.connection_id = id;
    item.media_group_id = std::string(media_group_id);
    item.message_id = q.int64(0);
    item.media.kind = kind_from(q.text(1));
    item.media.file_id = q.text(2);
    item.media.caption = q.text(3);
    item.media.caption_entities_json = q.text(4);
    item.seen_at = q.int64(5);
    out.push_back(std::move(item));
  }
  return out;
}

std::int64_t SqlStore::expire_album_items(UnixMillis before, int max_rows) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kAlbumItemsExpire);
  q.bind_all(before, max_rows);
  q.run();
  return q.changes();
}

}  // namespace topicdesk::store
