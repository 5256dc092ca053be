// Small text helpers: UTF-8 for matching keywords and fitting titles into Telegram's limits,
// ASCII for command names, parameter values and API descriptions.
// Invalid bytes never throw: each one is read as U+FFFD.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace topicdesk::core {

// Lowercase for case-insensitive matching: ASCII, Latin-1, Latin Extended-A, Greek and
// Cyrillic (including Ё/Є/Ї/Ў…); other scripts are returned unchanged.
std::string utf8_lower(std::string_view text);

// A letter or digit of any script (approximately): what a word is made of.
bool is_word_code_point(char32_t cp);

// Decodes the code point at `pos`, advancing `pos`; U+FFFD on invalid bytes.
char32_t utf8_next(std::string_view text, std::size_t& pos);
void utf8_append(std::string& out, char32_t cp);

// The longest prefix of `text` that takes at most `max_units` UTF-16 code units (Telegram
// counts lengths in UTF-16), cut on a code point boundary.
std::string utf16_truncate(std::string_view text, std::size_t max_units);
std::size_t utf16_length(std::string_view text);

// Explicit bidirectional formatting characters: the embeddings and overrides U+202A–202E, the
// isolates U+2066–2069, the marks U+200E/200F and U+061C (ARABIC LETTER MARK).
bool is_bidi_control(char32_t cp);
// `text` without them: a name cannot turn the text around it (or its "#id") backwards.
std::string strip_bidi_controls(std::string_view text);
// True when `text` has a strong right-to-left letter (Hebrew, Arabic, Syriac, Thaana, N'Ko …).
bool has_rtl(std::string_view text);
// FIRST STRONG ISOLATE + text + POP DIRECTIONAL ISOLATE: the text keeps its own direction and
// the text around it keeps its order. `text` must hold no bidi controls (strip them first).
std::string bidi_isolate(std::string_view text);

// Space, tab, CR or LF: what separates words in commands and parameter values.
bool is_ascii_space(char c);
// `text` without leading and trailing ASCII spaces.
std::string trim(std::string_view text);
// A–Z lowered; every other byte unchanged.
std::string lower_ascii(std::string_view text);

}  // namespace topicdesk::core
