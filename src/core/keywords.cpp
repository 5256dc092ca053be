#include "core/keywords.h"

#include <algorithm>

#include "core/utf8.h"
#include "i18n/catalog.h"

namespace topicdesk::core {
namespace {

// Reader of the list syntax into a small tree (depth-limited); the shape rules (outer
// brackets optional, groups one level deep) are applied afterwards in to_items().
struct Node {
  bool is_list = false;
  std::string word;
  std::vector<Node> children;
};

class ListParser {
 public:
  explicit ListParser(std::string_view text) : text_(text) {}

  Outcome<std::vector<ListItem>> parse() {
    std::vector<Node> top;
    if (auto status = read_sequence(top, 0, '\0'); !status) return status.failure<std::vector<ListItem>>();
    // `["a",["b","c"]]` written JSON-style: a single bracketed item that is the whole text is
    // the list itself, not one group.
    bool whole_text_is_one_list = top.size() == 1 && top[0].is_list;
    return to_items(whole_text_is_one_list ? top[0].children : top);
  }

 private:
  static constexpr int kMaxDepth = 2;

  static Outcome<std::vector<ListItem>> to_items(const std::vector<Node>& nodes) {
    std::vector<ListItem> items;
    for (const auto& node : nodes) {
      if (!node.is_list) {
        items.push_back(ListItem{{node.word}, false});
        continue;
      }
      ListItem item{{}, true};
      for (const auto& child : node.children) {
        if (child.is_list) return i18n::Message{"syntax.list.nested", {}};
        item.words.push_back(child.word);
      }
      if (item.words.empty()) return i18n::Message{"syntax.list.empty_group", {}};
      items.push_back(std::move(item));
    }
    return items;
  }

  OutcomeStatus read_sequence(std::vector<Node>& nodes, int depth, char closing) {
    while (true) {
      skip_space();
      if (pos_ >= text_.size()) {
        if (closing != '\0') return fail("missing_bracket");
        return Ok{};
      }
      if (closing != '\0' && text_[pos_] == closing) {
        ++pos_;
        return Ok{};
      }
      if (text_[pos_] == ']') return fail("unexpected_bracket");
      auto node = read_node(depth);
      if (!node) return node.failure<Ok>();
      nodes.push_back(std::move(*node));
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
      } else if (pos_ < text_.size() && text_[pos_] != closing) {
        return fail("expected_comma");
      }
    }
  }

  Outcome<Node> read_node(int depth) {
    if (text_[pos_] != '[') {
      auto word = read_word();
      if (!word) return word.failure<Node>();
      return Node{false, std::move(*word), {}};
    }
    if (depth >= kMaxDepth) return fail("nested_at");
    ++pos_;
    Node node{true, {}, {}};
    if (auto status = read_sequence(node.children, depth + 1, ']'); !status) return status.failure<Node>();
    return node;
  }

  Outcome<std::string> read_word() {
    char quote = text_[pos_];
    if (quote == '"' || quote == '\'') {
      std::string word;
      for (++pos_; pos_ < text_.size(); ++pos_) {
        char c = text_[pos_];
        if (c == '\\' && pos_ + 1 < text_.size()) {
          word += text_[++pos_];
        } else if (c == quote) {
          ++pos_;
          if (trim(word).empty()) return fail("empty_word");
          return trim(word);
        } else {
          word += c;
        }
      }
      return fail("missing_quote");
    }
    std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != ']' && text_[pos_] != '[') ++pos_;
    std::string word = trim(text_.substr(start, pos_ - start));
    if (word.empty()) return fail("empty_word");
    return word;
  }

  void skip_space() {
    while (pos_ < text_.size() && is_ascii_space(text_[pos_])) ++pos_;
  }
  // "… at character N": `what` names the text (syntax.list.*).
  i18n::Message fail(std::string_view what) const {
    return i18n::Message{"syntax.list." + std::string(what), {{"position", std::to_string(pos_ + 1)}}};
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

bool group_matches(const KeywordGroup& group, std::string_view lowered) {
  return std::all_of(group.terms.begin(), group.terms.end(), [&](const KeywordTerm& term) {
    return contains_word(lowered, term.word) != term.negated;
  });
}

}  // namespace

bool contains_word(std::string_view lowered_text, std::string_view word) {
  if (word.empty()) return false;
  bool previous_is_word = false;
  for (std::size_t pos = 0; pos < lowered_text.size();) {
    if (!previous_is_word && lowered_text.compare(pos, word.size(), word) == 0) return true;
    previous_is_word = is_word_code_point(utf8_next(lowered_text, pos));
  }
  return false;
}

bool KeywordRule::matches(std::string_view text) const {
  if (groups_.empty()) return false;
  std::string lowered = utf8_lower(text);
  return std::any_of(groups_.begin(), groups_.end(),
                     [&](const KeywordGroup& group) { return group_matches(group, lowered); });
}

std::string KeywordRule::to_string() const {
  std::string out;
  for (const auto& group : groups_) {
    if (!out.empty()) out += ',';
    if (group.terms.size() > 1) out += '[';
    for (std::size_t i = 0; i < group.terms.size(); ++i) {
      if (i > 0) out += ',';
      out += '"';
      if (group.terms[i].negated) out += '~';
      out += group.terms[i].word;
      out += '"';
    }
    if (group.terms.size() > 1) out += ']';
  }
  return out;
}

Outcome<std::vector<ListItem>> parse_list(std::string_view text) { return ListParser(text).parse(); }

Outcome<KeywordRule> parse_keyword_rule(std::string_view text) {
  auto items = parse_list(text);
  if (!items) return items.failure<KeywordRule>();
  std::vector<KeywordGroup> groups;
  for (const auto& item : *items) {
    KeywordGroup group;
    for (const auto& raw : item.words) {
      KeywordTerm term;
      std::string_view word = raw;
      if (!word.empty() && word.front() == '~') {
        term.negated = true;
        word.remove_prefix(1);
      }
      term.word = utf8_lower(trim(word));
      if (term.word.empty()) return i18n::Message{"syntax.keywords.empty_negation", {}};
      group.terms.push_back(std::move(term));
    }
    if (std::all_of(group.terms.begin(), group.terms.end(), [](const KeywordTerm& t) { return t.negated; }) &&
        !item.bracketed) {
      return i18n::Message{"syntax.keywords.negation_alone", {{"word", group.terms.front().word}}};
    }
    groups.push_back(std::move(group));
  }
  return KeywordRule(std::move(groups));
}

}  // namespace topicdesk::core
