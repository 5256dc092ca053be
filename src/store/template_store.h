// Message templates of a connection: a name and an ordered list of parts, each a message the
// connection's bot can send again (a text with its formatting, one media by the file id the bot
// received, or an album), with its inline keyboard of URL buttons. Names are unique per
// connection without regard to ASCII case; the store keeps the name as it was typed.
//
// Also the album items the desk saw in the backend group recently: replying to one item of an
// album saves the whole album, so the desk must know its other items (Telegram's
// reply_to_message names one message only). Rows are kept for a while and expired by age.
//
// crm/templates.h checks names and parts; the store only keeps what it is given.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::MessageId;
using core::UnixMillis;
using core::UserId;

enum class TemplatePartKind {
  kText,
  kPhoto,
  kVideo,
  kAnimation,
  kDocument,
  kAudio,
  kVoice,
  kSticker,
  kVideoNote,
  kAlbum,
};

inline std::string_view to_string(TemplatePartKind kind) {
  switch (kind) {
    case TemplatePartKind::kText:
      return "text";
    case TemplatePartKind::kPhoto:
      return "photo";
    case TemplatePartKind::kVideo:
      return "video";
    case TemplatePartKind::kAnimation:
      return "animation";
    case TemplatePartKind::kDocument:
      return "document";
    case TemplatePartKind::kAudio:
      return "audio";
    case TemplatePartKind::kVoice:
      return "voice";
    case TemplatePartKind::kSticker:
      return "sticker";
    case TemplatePartKind::kVideoNote:
      return "video_note";
    case TemplatePartKind::kAlbum:
      return "album";
  }
  return "text";
}

inline std::optional<TemplatePartKind> template_part_kind(std::string_view name) {
  for (auto kind : {TemplatePartKind::kText, TemplatePartKind::kPhoto, TemplatePartKind::kVideo,
                    TemplatePartKind::kAnimation, TemplatePartKind::kDocument, TemplatePartKind::kAudio,
                    TemplatePartKind::kVoice, TemplatePartKind::kSticker, TemplatePartKind::kVideoNote,
                    TemplatePartKind::kAlbum}) {
    if (to_string(kind) == name) return kind;
  }
  return std::nullopt;
}

// One media message: of a single-media part, or one item of an album.
struct TemplateMedia {
  TemplatePartKind kind = TemplatePartKind::kPhoto;
  std::string file_id;  // as the connection's bot received it
  std::string caption;
  std::string caption_entities_json;  // Bot API entities of `caption`; empty: none
};

struct TemplatePart {
  TemplatePartKind kind = TemplatePartKind::kText;
  // kText: the text; a single media: its caption (and `file_id`); kAlbum: unused (`album` items
  // carry their captions).
  std::string text;
  std::string entities_json;  // Bot API entities of `text`; empty: none
  std::string file_id;
  std::vector<TemplateMedia> album;  // kAlbum: the items in order
  std::string reply_markup_json;     // an inline keyboard of URL buttons; empty: none
};

struct Template {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  std::string name;  // as typed
  std::vector<TemplatePart> parts;
  UserId saved_by = 0;  // the operator who saved it last (0: the Topics API)
  std::string saved_by_name;
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
};

// An album item seen in the backend group.
struct AlbumItem {
  ConnectionId connection_id = 0;
  std::string media_group_id;
  MessageId message_id = 0;
  TemplateMedia media;
  UnixMillis seen_at = 0;
};

class TemplateStore {
 public:
  virtual ~TemplateStore() = default;
  // The connection's templates ordered by name (case-insensitive).
  virtual std::vector<Template> templates(ConnectionId id) = 0;
  // By name, ASCII case ignored; nullopt: none of that name.
  virtual std::optional<Template> template_by_name(ConnectionId id, std::string_view name) = 0;
  // Creates the template, or replaces the one of the same name (any case) whole: its name as
  // now typed, its parts, who saved it and updated_at; created_at stays the first save's.
  // Returns the template as stored (with its id).
  virtual Template save_template(const Template& t) = 0;
  // false: there was none of that name.
  virtual bool delete_template(ConnectionId id, std::string_view name) = 0;

  // Records an album item (the same message again replaces it).
  virtual void add_album_item(const AlbumItem& item) = 0;
  // The items of one album the connection saw, by message id.
  virtual std::vector<AlbumItem> album_items(ConnectionId id, std::string_view media_group_id) = 0;
  // Forgets up to `max_rows` items seen before `before`; returns how many.
  virtual std::int64_t expire_album_items(UnixMillis before, int max_rows) = 0;
};

}  // namespace topicdesk::store
