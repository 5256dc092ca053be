// A gathering album as kept in its durable timer. Every album the engine copies — a user's, an
// operator's, an intercepted one — goes through one gatherer (Engine::gather_album) in its own
// lane, with this one state format, so on_timer flushes any of them the same way.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "relay/jobs.h"

namespace topicdesk::relay {

// Timer keys of gathering albums start with this; the rest names the dialog and the side.
inline constexpr std::string_view kAlbumKeyPrefix = "album:";

// Who sent an album, hence where it goes. Each dialog gathers at most one album per lane.
enum class AlbumLane {
  kUser,         // the user's album → the topic
  kOperator,     // an operator's album → the user
  kIntercepted,  // sent from elsewhere to the user (intercept.h) → the topic, after a marker
};

// The lane's timer key for a dialog ("album:12:g"; the suffixes are stored: never change them).
std::string album_key(core::DialogId dialog, AlbumLane lane);
// The job payload a lane's album starts with (where it goes, whether an operator sent it).
JobPayload album_payload(core::DialogId dialog, AlbumLane lane);

struct AlbumState {
  std::string media_group_id;
  JobPayload payload;
  core::UnixMillis not_before = 0;  // the flood guard holds the album's copy until then (0: not held)
};

std::string album_to_json(const AlbumState& album);
std::optional<AlbumState> album_from_json(std::string_view text);  // nullopt when unreadable

}  // namespace topicdesk::relay
