// A gathering album as kept in its durable timer: the engine's albums (users', operators') and
// the intercepted ones share the state format, so on_timer flushes any of them the same way.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "relay/jobs.h"

namespace topicdesk::relay {

// Timer keys of gathering albums start with this; the rest names the dialog and the side.
inline constexpr std::string_view kAlbumKeyPrefix = "album:";

struct AlbumState {
  std::string media_group_id;
  JobPayload payload;
};

std::string album_to_json(const AlbumState& album);
std::optional<AlbumState> album_from_json(std::string_view text);  // nullopt when unreadable

}  // namespace topicdesk::relay
