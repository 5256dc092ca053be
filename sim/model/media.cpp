#include "sim/model/media.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace tgsim::model {

namespace json = boost::json;

bool is_media_kind(std::string_view kind) {
  return std::find(std::begin(kMediaKinds), std::end(kMediaKinds), kind) != std::end(kMediaKinds);
}

std::string_view default_mime_type(std::string_view kind) {
  if (kind == "photo") return "image/jpeg";
  if (kind == "video" || kind == "animation" || kind == "video_note") return "video/mp4";
  if (kind == "voice") return "audio/ogg";
  if (kind == "audio") return "audio/mpeg";
  if (kind == "sticker") return "image/webp";
  return "application/octet-stream";
}

json::value media_json(const File& file, std::string_view kind) {
  json::object out{{"file_id", file.file_id}, {"file_unique_id", file.file_unique_id}};
  const auto size = static_cast<std::int64_t>(file.bytes.size());
  if (kind == "photo") {
    out["file_size"] = size;
    out["width"] = 1280;
    out["height"] = 960;
    return json::array{out};
  }
  if (kind == "sticker") {
    out["type"] = "regular";
    out["width"] = 512;
    out["height"] = 512;
    out["is_animated"] = false;
    out["is_video"] = false;
    out["file_size"] = size;
    return out;
  }
  if (kind == "video" || kind == "animation") {
    out["width"] = 640;
    out["height"] = 360;
    out["duration"] = 5;
  }
  if (kind == "voice" || kind == "audio") out["duration"] = 3;
  if (kind == "video_note") {
    out["length"] = 240;
    out["duration"] = 5;
    out["file_size"] = size;
    return out;
  }
  if (!file.file_name.empty() && kind != "voice") out["file_name"] = file.file_name;
  out["mime_type"] = file.mime_type.empty() ? std::string(default_mime_type(kind)) : file.mime_type;
  out["file_size"] = size;
  return out;
}

}  // namespace tgsim::model
