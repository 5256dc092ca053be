#include "relay/album_state.h"

#include <boost/json.hpp>

namespace topicdesk::relay {
namespace json = boost::json;

std::string album_key(core::DialogId dialog, AlbumLane lane) {
  std::string_view suffix = lane == AlbumLane::kUser ? ":g" : lane == AlbumLane::kOperator ? ":u" : ":i";
  return std::string(kAlbumKeyPrefix) + std::to_string(dialog) + std::string(suffix);
}

JobPayload album_payload(core::DialogId dialog, AlbumLane lane) {
  const bool to_user = lane == AlbumLane::kOperator;
  return JobPayload{
      .dialog = dialog, .to = to_user ? Side::kUser : Side::kGroup, .operator_message = to_user};
}

std::string album_to_json(const AlbumState& album) {
  json::object o;
  o["media_group_id"] = album.media_group_id;
  o["payload"] = payload_to_json(album.payload);
  if (album.not_before != 0) o["not_before"] = album.not_before;
  return json::serialize(o);
}

std::optional<AlbumState> album_from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* group = v.get_object().if_contains("media_group_id");
  const auto* payload = v.get_object().if_contains("payload");
  if (!group || !group->is_string() || !payload || !payload->is_string()) return std::nullopt;
  auto parsed = payload_from_json(payload->get_string());
  if (!parsed) return std::nullopt;
  AlbumState album{std::string(group->get_string()), std::move(*parsed)};
  if (const auto* at = v.get_object().if_contains("not_before"); at && at->is_int64())
    album.not_before = at->get_int64();
  return album;
}

}  // namespace topicdesk::relay
