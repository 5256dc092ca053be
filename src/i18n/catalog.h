// Texts people read, by language (docs/languages.md). Code holds keys, never sentences:
//
//   i18n::text(lang, "notices.not_delivered", {{"reason", why}})
//
// Catalogues are TOML files under src/i18n/catalogues/<language>/<concern>.toml, compiled into
// the binary; a file's tables make the key's prefix (`[dialog] closed = "…"` is
// "dialog.closed"). Placeholders are `{name}`; `{{` and `}}` are literal braces.
//
// Lookup: the language as given ("pt-br"), then its base ("pt"), then English. A key English
// lacks too is a bug; it comes back as "[key]" so that tests and people notice.
// Right-to-left languages (language.direction = "rtl", e.g. "fa"): the arguments are isolated
// (FSI … PDI), commands the text names too (LRI … PDI), and a line that would start with a Latin
// word starts with RLM, so that names, numbers and /commands never reorder the sentence.
// Thread-safe: the catalogues are parsed once, on first use, and never change.
#pragma once
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace topicdesk::i18n {

inline constexpr std::string_view kFallbackLanguage = "en";

struct Arg {
  std::string_view name;
  std::string value;
};

// The text of `key` in `language`, its placeholders filled from `args` (a placeholder with no
// argument stays as written).
std::string text(std::string_view language, std::string_view key, std::initializer_list<Arg> args = {});

// A text made where its reader's language is not known yet — a parser's error, a doctor's finding
// that the CLI prints in English and the setup bot in the admin's language — and rendered by
// text(language, message) where it is shown.
//
// A message may hold other messages as placeholders (`nested`): a refusal that quotes the reason a
// parser gave ("WORKING_HOURS: {reason}"). They are rendered in the same language first and put in
// as written sentences of that language (in a right-to-left language, one right-to-left isolate
// each), not as values.
struct Message {
  std::string key;
  std::vector<std::pair<std::string, std::string>> args;     // placeholder name → value
  std::vector<std::pair<std::string, Message>> nested = {};  // placeholder name → inner message
};
std::string text(std::string_view language, const Message& message);

// The catalogue language that `language` resolves to: "pt-BR" → "pt" when only "pt" exists,
// anything unknown or empty → "en".
std::string resolve(std::string_view language);
// The catalogue language of `language`, else of `fallback`, else English: an end user's Telegram
// language_code falls back to the connection's LANGUAGE ("pt-BR" with LANGUAGE = "ru" → "ru").
std::string resolve(std::string_view language, std::string_view fallback);

// Whether English has `key` (texts other concerns may provide, e.g. a command's /help line).
bool has_key(std::string_view key);

// Whether `language` (a catalogue's name) is written right to left ("fa").
bool right_to_left(std::string_view language);

// Every language with a catalogue, in name order ("de", "en", …).
const std::vector<std::string>& languages();

// The whole catalogue of one language (key → text), for the catalogue tests and the setup
// bot's language menu; empty for a language without one.
const std::map<std::string, std::string>& catalogue(std::string_view language);

// The placeholder names `template_text` uses, in order of first use.
std::vector<std::string> placeholders(std::string_view template_text);

}  // namespace topicdesk::i18n
