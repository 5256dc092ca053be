// Coalescing: several plain texts a user wrote, queued one after another for their topic while
// the group's budget (about 20 messages a minute) held them, are posted as ONE message. Pure
// functions; the dispatcher reads the queue and makes the call (docs/group-lane.md).
//
// Contract:
// - A part is one user message: a plain text (no media, no album, no reply), with the time the
//   user wrote it, its text and its Bot API entities (offsets in UTF-16 code units).
// - render() writes each part on its own line(s), headed by the time it was written ("[14:05:09] "
//   in UTC), in order; every part's entities are shifted by the UTF-16 length of what precedes it,
//   so formatting, links and mentions stay on the same characters.
// - fitting() says how many parts from the first fit in one message of at most `max_units` UTF-16
//   code units (Telegram's 4096 after entities parsing), leaving `reserve` units free (the marker a
//   send repeated after a restart appends). A merge is worth making only from 2 parts; with fewer
//   the first part is sent alone, as it would be without coalescing.
// - part_at() says which part a UTF-16 position of the rendered text (an operator's quote) lies in.
// - An entities text that is not a JSON array is dropped for that part (the plain text stays right).
// - The engine marks a user's message that may be merged by carrying its text in its copy job
//   (carry_plain_text): a text, not in an album, replying to nothing. part_of() reads it back from
//   a queued job; any other job (media, an album, a reply, an edit, a notice) is no part, and
//   ends a merge where it stands, so order in the topic is kept.
// - Parts are stored with the group's copy (to_json / from_json) so an edit of one part can render
//   the whole copy again and a quote can be mapped back to its part.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/ids.h"
#include "relay/jobs.h"

namespace topicdesk::relay::coalescing {

inline constexpr std::size_t kMaxTextUnits = 4096;  // Telegram's text limit, UTF-16 code units
inline constexpr std::size_t kMaxParts = 50;        // read from a queue at most, per send
// Texts are merged only behind a head that has waited this long for the group (held by its flood
// limit, a 429, an outage): a lane that keeps up sends each text as it comes.
inline constexpr std::int64_t kLaneBehindMs = 2000;

struct Part {
  core::MessageId message_id = 0;  // the user's message, in their private chat
  core::UnixMillis at = 0;         // when the user wrote it
  std::string text;
  std::string entities_json;  // Bot API entities of `text` as a JSON array; empty: none
};

struct Rendered {
  std::string text;
  std::string entities_json;        // the shifted entities of all parts; empty: none
  std::vector<std::size_t> starts;  // UTF-16 offset where each part's line (its time) starts
};

// "[14:05:09] ": the head of a part's line (UTC).
std::string time_prefix(core::UnixMillis at);
Rendered render(const std::vector<Part>& parts);
std::size_t fitting(const std::vector<Part>& parts, std::size_t max_units = kMaxTextUnits,
                    std::size_t reserve = 0);
// The index of the part whose line holds UTF-16 `position`; positions past the end: the last.
std::size_t part_at(const Rendered& rendered, std::int64_t position);

void carry_plain_text(JobPayload& copy, const core::Event& message, core::UnixMillis now);
std::optional<Part> part_of(std::string_view kind, const JobPayload& payload);

// The connection state key (ConnectionStore::state_set) under which a merged copy's parts are kept.
std::string stored_key(core::MessageId group_message);
std::string to_json(const std::vector<Part>& parts);
std::optional<std::vector<Part>> from_json(std::string_view json);

}  // namespace topicdesk::relay::coalescing
