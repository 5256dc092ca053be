#include "relay/coalescing.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/utf8.h"

namespace topicdesk::relay::coalescing {
namespace json = boost::json;

namespace {

constexpr std::string_view kSeparator = "\n";

std::optional<json::array> entities_of(const std::string& entities_json) {
  if (entities_json.empty()) return std::nullopt;
  boost::system::error_code ec;
  json::value parsed = json::parse(entities_json, ec);
  if (ec || !parsed.is_array()) return std::nullopt;
  return std::move(parsed.as_array());
}

// The UTF-16 length of part `i`'s line: its time, its text.
std::size_t line_units(const Part& part) {
  return core::utf16_length(time_prefix(part.at)) + core::utf16_length(part.text);
}

}  // namespace

std::string time_prefix(core::UnixMillis at) {
  const std::int64_t seconds = (at / 1000) % 86400;
  const std::int64_t day_seconds = seconds < 0 ? seconds + 86400 : seconds;
  return fmt::format("[{:02}:{:02}:{:02}] ", day_seconds / 3600, day_seconds / 60 % 60, day_seconds % 60);
}

Rendered render(const std::vector<Part>& parts) {
  Rendered out;
  json::array entities;
  std::size_t units = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Part& part = parts[i];
    if (i > 0) {
      out.text += kSeparator;
      units += core::utf16_length(kSeparator);
    }
    out.starts.push_back(units);
    const std::string prefix = time_prefix(part.at);
    out.text += prefix;
    units += core::utf16_length(prefix);
    if (auto own = entities_of(part.entities_json)) {
      for (auto& entity : *own) {
        auto* o = entity.if_object();
        const auto* offset = o != nullptr ? o->if_contains("offset") : nullptr;
        if (offset == nullptr || !offset->is_int64()) continue;  // not an entity: left out
        (*o)["offset"] = offset->get_int64() + static_cast<std::int64_t>(units);
        entities.push_back(std::move(entity));
      }
    }
    out.text += part.text;
    units += core::utf16_length(part.text);
  }
  if (!entities.empty()) out.entities_json = json::serialize(entities);
  return out;
}

std::size_t fitting(const std::vector<Part>& parts, std::size_t max_units, std::size_t reserve) {
  const std::size_t room = max_units > reserve ? max_units - reserve : 0;
  std::size_t units = 0;
  std::size_t n = 0;
  for (const auto& part : parts) {
    std::size_t more = line_units(part) + (n > 0 ? core::utf16_length(kSeparator) : 0);
    if (units + more > room) break;
    units += more;
    ++n;
  }
  return n;
}

std::size_t part_at(const Rendered& rendered, std::int64_t position) {
  if (rendered.starts.empty()) return 0;
  std::size_t index = 0;
  for (std::size_t i = 0; i < rendered.starts.size(); ++i) {
    if (position >= static_cast<std::int64_t>(rendered.starts[i])) index = i;
  }
  return index;
}

void carry_plain_text(JobPayload& copy, const core::Event& message, core::UnixMillis now) {
  if (message.content != core::ContentKind::kText || message.text.empty() ||
      message.reply_to_message_id != 0 || !message.media_group_id.empty())
    return;
  copy.text = message.text;
  copy.entities_json = message.entities_json;
  copy.at = message.date != 0 ? message.date : now;
}

std::optional<Part> part_of(std::string_view kind, const JobPayload& payload) {
  if (kind != job::kCopyToTopic || payload.to != Side::kGroup || payload.text.empty() ||
      payload.reply_to != 0 || payload.thread != 0 || !payload.card.empty() || payload.message_id == 0)
    return std::nullopt;
  return Part{.message_id = payload.message_id,
              .at = payload.at,
              .text = payload.text,
              .entities_json = payload.entities_json};
}

std::string stored_key(core::MessageId group_message) { return "coalesced:" + std::to_string(group_message); }

std::string to_json(const std::vector<Part>& parts) {
  json::array out;
  for (const auto& part : parts) {
    json::object o{{"message_id", part.message_id}, {"at", part.at}, {"text", part.text}};
    if (!part.entities_json.empty()) o["entities"] = part.entities_json;
    out.push_back(std::move(o));
  }
  return json::serialize(out);
}

std::optional<std::vector<Part>> from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_array()) return std::nullopt;
  std::vector<Part> parts;
  for (const auto& item : parsed.as_array()) {
    const auto* o = item.if_object();
    if (o == nullptr) return std::nullopt;
    const auto* id = o->if_contains("message_id");
    const auto* at = o->if_contains("at");
    const auto* body = o->if_contains("text");
    if (id == nullptr || !id->is_int64() || at == nullptr || !at->is_int64() || body == nullptr ||
        !body->is_string())
      return std::nullopt;
    Part part{.message_id = id->get_int64(), .at = at->get_int64(), .text = std::string(body->get_string())};
    if (const auto* e = o->if_contains("entities"); e != nullptr && e->is_string())
      part.entities_json = std::string(e->get_string());
    parts.push_back(std::move(part));
  }
  return parts;
}

}  // namespace topicdesk::relay::coalescing
