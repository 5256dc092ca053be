// Keyword rules of PRIVATE_KEYWORDS and RESTRICTED_KEYWORDS_*: `"w1","w2",["w3","w4"],["w5","~w6"]`.
// A rule matches a text when ANY of its groups matches; a group matches when ALL its plain
// words occur and none of its `~` words does. Matching is case-insensitive (Latin, Greek,
// Cyrillic) and word-anchored: a word must start where a word of the text starts
// ("refund" matches "Refunds!" but not "prefund"); a word may contain spaces ("credit card").
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/outcome.h"

namespace topicdesk::core {

struct KeywordTerm {
  std::string word;  // lowercased
  bool negated = false;
};

struct KeywordGroup {
  std::vector<KeywordTerm> terms;
};

class KeywordRule {
 public:
  KeywordRule() = default;
  explicit KeywordRule(std::vector<KeywordGroup> groups) : groups_(std::move(groups)) {}

  bool empty() const { return groups_.empty(); }
  const std::vector<KeywordGroup>& groups() const { return groups_; }
  bool matches(std::string_view text) const;
  std::string to_string() const;  // the bare syntax, for /help and docs

 private:
  std::vector<KeywordGroup> groups_;
};

// A list value as the parameters accept it: JSON-like (`["a",["b","c"]]`) or bare
// (`"a",["b","c"]` or `a, b`). One level of nesting at most. Items are strings; a nested
// list is a vector with more than zero items.
struct ListItem {
  std::vector<std::string> words;  // one word for a plain item
  bool bracketed = false;
};
// A malformed list's error says what and at which character, in English (error().message) and in
// any catalogue language (message_in).
Outcome<std::vector<ListItem>> parse_list(std::string_view text);

Outcome<KeywordRule> parse_keyword_rule(std::string_view text);

// True when `word` (already lowercased) starts at a word start somewhere in `lowered_text`.
bool contains_word(std::string_view lowered_text, std::string_view word);

}  // namespace topicdesk::core
