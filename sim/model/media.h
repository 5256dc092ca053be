// The Bot API objects that describe a file inside a message (PhotoSize array, Document,
// Video, ...), built from one stored File.
#pragma once
#include <boost/json/value.hpp>
#include <string_view>

#include "sim/model/entities.h"

namespace tgsim::model {

inline constexpr std::string_view kMediaKinds[] = {"photo", "document", "video",     "voice",
                                                   "audio", "sticker",  "animation", "video_note"};

bool is_media_kind(std::string_view kind);
std::string_view default_mime_type(std::string_view kind);
// The value of the message field named `kind` for this file.
boost::json::value media_json(const File& file, std::string_view kind);

}  // namespace tgsim::model
