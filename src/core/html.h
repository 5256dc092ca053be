// Text inside HTML: the one escaper for the pages and files the desk writes (the dashboard's
// pages, exported transcripts). Telegram's own HTML parse mode is not used by the desk.
#pragma once
#include <string>
#include <string_view>

namespace topicdesk::core {

// `text` with & < > " ' as character references, safe in element content and in quoted
// attribute values. With `line_breaks`, a newline becomes <br> and a carriage return is dropped.
std::string html_escape(std::string_view text, bool line_breaks = false);

}  // namespace topicdesk::core
