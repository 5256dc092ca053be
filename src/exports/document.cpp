// Document: a file of rows between a head and a tail, whole or cut into parts.
#include <fmt/format.h>

#include "exports/exports.h"
#include "i18n/catalog.h"

namespace topicdesk::exports {

std::size_t Document::size() const {
  std::size_t n = head.size() + tail.size();
  for (const auto& row : rows) n += row.size();
  return n;
}

std::string Document::str() const {
  std::string out;
  out.reserve(size());
  out += head;
  for (const auto& row : rows) out += row;
  out += tail;
  return out;
}

std::vector<std::string> Document::parts(std::size_t max_bytes) const {
  if (size() <= max_bytes) return {str()};
  std::vector<std::string> out;
  std::string part = head;
  bool has_rows = false;
  for (const auto& row : rows) {
    if (has_rows && part.size() + row.size() + tail.size() > max_bytes) {
      out.push_back(std::move(part) + tail);
      part = head;
      has_rows = false;
    }
    part += row;
    has_rows = true;
  }
  out.push_back(std::move(part) + tail);
  return out;
}

core::Result<std::vector<NamedFile>> files_to_post(std::string_view language, const Document& doc,
                                                   std::string_view stem, std::string_view extension,
                                                   std::size_t max_bytes, std::size_t max_parts) {
  auto parts = doc.parts(max_bytes);
  if (parts.size() > max_parts) {
    return core::make_error(
        core::ErrorCode::kTooLarge,
        i18n::text(language, "exports.too_large",
                   {{"file", fmt::format("{}.{}", stem, extension)},
                    {"size", fmt::format("{:.1f}", static_cast<double>(doc.size()) / 1e6)},
                    {"parts", std::to_string(max_parts)},
                    {"part_size", fmt::format("{:.0f}", static_cast<double>(max_bytes) / 1e6)}}));
  }
  std::vector<NamedFile> out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string name = parts.size() == 1
                           ? fmt::format("{}.{}", stem, extension)
                           : fmt::format("{}-part{}of{}.{}", stem, i + 1, parts.size(), extension);
    out.push_back(NamedFile{std::move(name), std::move(parts[i])});
  }
  return out;
}

}  // namespace topicdesk::exports
