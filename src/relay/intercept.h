// Intercepted messages: how a message the bot's own program (or an account's owner,
// from their own app) sent to a user is shown in the user's topic. Pure text work, no store.
//
// The copy is ONE message in the topic, so it costs the group's flood budget no more than the
// original did: text becomes "marker line + text + buttons" (sendMessage), content with a
// caption is copied with the marked caption, other content (stickers, locations …) is copied
// with the marker as a single inline button. Albums get a marker line of their own.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "core/event.h"

namespace topicdesk::relay {

// Telegram's limits, in UTF-16 code units.
inline constexpr std::size_t kMaxTextUnits = 4096;
inline constexpr std::size_t kMaxCaptionUnits = 1024;

// Who sent an intercepted message: the bot's program or a human (an account's owner).
bool sent_by_human(const core::Event& event);

// The first line of an intercepted copy ("📤 Sent by the bot's program").
std::string intercept_marker(std::string_view lang, bool by_human);
// The marker posted before an intercepted album (copied as it is, captions included).
std::string intercept_album_marker(std::string_view lang, bool by_human);
// The marker posted before messages known only by id (the program's copyMessage(s) /
// forwardMessages, core::kCopiedBatchPrefix), copied from the user's chat as they are.
std::string intercept_copied_marker(std::string_view lang, bool by_human);

// The buttons of a Bot API `reply_markup` (inline keyboard) as text, one line per row:
// "⌨️ [Yes] [Shop ↗ https://…] [Open app ▸ web app https://…]". Empty when there are no
// buttons or the JSON is not a keyboard (never throws). The words the desk adds ("web app",
// "login", "pay") are in `lang`.
std::string buttons_as_text(std::string_view lang, std::string_view reply_markup_json);

// True for content that carries a caption (a copy can be marked in it, an edit can change it).
bool takes_caption(core::ContentKind content);

struct MarkedText {
  std::string text;
  std::string entities_json;  // the original entities moved behind the marker; empty: none
};

// marker + "\n" + the event's text (formatting kept) + the buttons, cut to `max_units`
// UTF-16 units ("…" at the cut; entities past the cut are dropped). A non-empty `note` is added
// to the marker line ("📤 Sent by the bot's program · new media").
MarkedText mark_intercepted(std::string_view lang, const core::Event& event, std::size_t max_units,
                            std::string_view note = {});

// The marker line's note on a copy made again because the program replaced the media (a key).
inline constexpr std::string_view kMediaReplacedNote = "notices.media_replaced";

}  // namespace topicdesk::relay
