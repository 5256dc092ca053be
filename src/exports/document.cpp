// Document: a file of rows between a head and a tail, whole or cut into parts.
#include "exports/exports.h"

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

}  // namespace topicdesk::exports
