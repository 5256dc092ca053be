// The playground files, embedded at build time (see sim/embed_assets.cmake).
#pragma once
#include <span>
#include <string_view>

namespace tgsim::server {

struct Asset {
  std::string_view path;  // relative to sim/playground/, e.g. "index.html"
  std::string_view content_type;
  std::string_view bytes;
};

std::span<const Asset> assets();
const Asset* find_asset(std::string_view path);

}  // namespace tgsim::server
