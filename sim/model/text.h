// Text rules of Telegram messages: lengths in code points, entity offsets in UTF-16 units,
// parse_mode (HTML, MarkdownV2, Markdown) to entities, automatic entities (commands,
// mentions, hashtags, links) and the length checks.
#pragma once
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sim/model/result.h"

namespace tgsim::text {

inline constexpr std::size_t kMaxTextLength = 4096;
inline constexpr std::size_t kMaxCaptionLength = 1024;
inline constexpr std::size_t kMaxTextBytes = 32768;

std::size_t code_points(std::string_view utf8);
std::size_t utf16_length(std::string_view utf8);
bool valid_utf8(std::string_view bytes);

struct Command {
  std::string_view name;     // without the slash
  std::string_view mention;  // the @username after it, without '@'; empty if none
};
// The bot command the text starts with, if any ("/start@my_bot payload").
std::optional<Command> leading_command(std::string_view text);

// bot_command, mention, hashtag and url entities Telegram finds on its own.
boost::json::array detect_entities(std::string_view text);

struct Formatted {
  std::string text;
  boost::json::array entities;
};
// Applies parse_mode ("", "HTML", "MarkdownV2", "Markdown"; case-insensitive), trims the
// text as Telegram does and adds detected entities. Errors carry Telegram's texts.
Result<Formatted> format(std::string_view text, std::string_view parse_mode,
                         const boost::json::array* explicit_entities);

}  // namespace tgsim::text
