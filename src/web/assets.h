// The dashboard's files (web/assets/: HTML, CSS, JavaScript), built into the binary by CMake
// (cmake/embed_web_assets.cmake writes web_assets.cpp from them), so the desk serves them with
// no file to find at run time and nothing fetched from elsewhere.
#pragma once
#include <span>
#include <string_view>

namespace topicdesk::web {

struct Asset {
  std::string_view path;          // "/ui/app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
};

std::span<const Asset> assets();
// The file served at `path`; nullptr when there is none.
const Asset* find_asset(std::string_view path);

}  // namespace topicdesk::web
