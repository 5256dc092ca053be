#include "core/html.h"

namespace topicdesk::core {

std::string html_escape(std::string_view text, bool line_breaks) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\n':
        out += line_breaks ? "<br>" : "\n";
        break;
      case '\r':
        if (!line_breaks) out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace topicdesk::core
