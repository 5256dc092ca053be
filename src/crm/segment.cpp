#include "crm/segment.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/time_zone.h"
#include "core/utf8.h"
#include "crm/labels.h"
#include "i18n/catalog.h"

namespace topicdesk::crm {
namespace {

constexpr core::UnixMillis kHour = 3600LL * 1000;
constexpr core::UnixMillis kDay = 24 * kHour;
constexpr core::UnixMillis kMinute = 60LL * 1000;
constexpr std::int64_t kMaxAgeNumber = 100000;  // 100000w: far beyond any dialog, far from overflow
constexpr std::size_t kMaxName = 64;  // field keys, connection names, start parameters (Telegram: 64)
constexpr std::size_t kMaxValue = 512;
constexpr std::size_t kMaxTokenShown = 24;

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Case-insensitive equality: ASCII quickly, other scripts through core::utf8_lower.
bool same_text(std::string_view a, std::string_view lowered_b) {
  if (is_ascii(a)) {
    if (a.size() != lowered_b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      char c = a[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != lowered_b[i]) return false;
    }
    return true;
  }
  return core::utf8_lower(a) == lowered_b;
}

bool text_matches(std::string_view value, const Segment::Node& n, bool fold_case) {
  std::string folded;
  if (fold_case) {
    folded = core::utf8_lower(value);
    value = folded;
  }
  const std::string& want = n.op == Segment::Op::kFieldIs ? n.value : n.text;
  if (n.prefix) return value.starts_with(want) && !value.empty();
  return value == want;
}

bool compare(core::UnixMillis t, const Segment::Node& n, core::UnixMillis now) {
  if (t == 0) return false;  // never happened: no comparison holds
  using Cmp = Segment::Cmp;
  if (n.relative) {
    const core::UnixMillis age = now - t;
    switch (n.cmp) {
      case Cmp::kLess:
        return age < n.amount;
      case Cmp::kLessEqual:
        return age <= n.amount;
      case Cmp::kGreater:
        return age > n.amount;
      case Cmp::kGreaterEqual:
        return age >= n.amount;
      case Cmp::kEqual:
        return false;  // refused by the parser
    }
    return false;
  }
  const core::UnixMillis begin = n.amount;
  const core::UnixMillis end = n.amount + n.span;
  switch (n.cmp) {
    case Cmp::kLess:
      return t < begin;
    case Cmp::kLessEqual:
      return t < end;
    case Cmp::kGreater:
      return t >= end;
    case Cmp::kGreaterEqual:
      return t >= begin;
    case Cmp::kEqual:
      return t >= begin && t < end;
  }
  return false;
}

std::optional<std::int64_t> number(std::string_view digits) {
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  std::int64_t value = 0;
  for (char c : digits) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

const char* op_name(Segment::Cmp cmp) {
  switch (cmp) {
    case Segment::Cmp::kLess:
      return "<";
    case Segment::Cmp::kLessEqual:
      return "<=";
    case Segment::Cmp::kGreater:
      return ">";
    case Segment::Cmp::kGreaterEqual:
      return ">=";
    case Segment::Cmp::kEqual:
      return "=";
  }
  return "=";
}

// A value as an expression spells it: bare when it is one plain word, quoted otherwise.
std::string quoted(std::string_view value) {
  bool bare = !value.empty() && std::none_of(value.begin(), value.end(), [](char c) {
    return core::is_ascii_space(c) || c == '(' || c == ')' || c == '"' || c == '\\' || c == '*';
  });
  if (bare) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string date_text(core::UnixMillis millis, core::UnixMillis span) {
  core::CivilDate date = core::civil_from_days(millis / kDay);
  std::string out = fmt::format("{:04}-{:02}-{:02}", date.year, date.month, date.day);
  if (span == kMinute) {
    const core::UnixMillis in_day = millis % kDay;
    out += fmt::format("T{:02}:{:02}", in_day / kHour, (in_day % kHour) / kMinute);
  }
  return out;
}

std::string age_text(core::UnixMillis age) {
  if (age % (7 * kDay) == 0) return fmt::format("{}w", age / (7 * kDay));
  if (age % kDay == 0) return fmt::format("{}d", age / kDay);
  return fmt::format("{}h", age / kHour);
}

}  // namespace

std::string describe(const SegmentError& error, std::string_view language) {
  std::string what = i18n::text(language, error.what);
  if (error.column == 0) return what;
  if (error.token.empty())
    return i18n::text(language, "segments.error_at_end",
                      {{"column", std::to_string(error.column)}, {"what", what}});
  return i18n::text(language, "segments.error_at",
                    {{"column", std::to_string(error.column)}, {"token", error.token}, {"what", what}});
}

// ---- parsing -------------------------------------------------------------------------------------

// Recursive descent over the text, reading characters as each rule needs them (a field value
// may hold ':' and '=', a label may not). Every rule that nests counts depth first, so the
// recursion is bounded by kMaxSegmentDepth whatever the input.
class SegmentParser {
 public:
  explicit SegmentParser(std::string_view text) : text_(text) {}

  ParsedSegment run() {
    ParsedSegment result;
    if (text_.size() > kMaxSegmentBytes) {
      fail_whole({"segments.too_long", {{"max", std::to_string(kMaxSegmentBytes)}}});
    } else {
      skip_space();
      if (at_end()) {
        fail_whole({"segments.empty"});
      } else {
        int root = parse_or();
        if (!failed_) {
          skip_space();
          if (!at_end()) {
            if (peek() == ')')
              fail_here({"segments.stray_close"});
            else
              fail_here({"segments.expected_end"});
          }
        }
        segment_.root_ = root;
      }
    }
    if (failed_) {
      result.error = error_;
    } else {
      result.segment = std::move(segment_);
    }
    return result;
  }

 private:
  using Op = Segment::Op;
  using Node = Segment::Node;

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  void skip_space() {
    while (!at_end() && core::is_ascii_space(text_[pos_])) ++pos_;
  }

  std::size_t column_of(std::size_t pos) const {
    std::size_t column = 1;
    for (std::size_t i = 0; i < pos && i < text_.size(); ++i) {
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
    }
    return column;
  }

  // What is found at `pos`: up to the next space, shortened, as valid printable UTF-8.
  std::string token_at(std::size_t pos) const {
    std::string out;
    std::size_t shown = 0;
    std::size_t i = pos;
    while (i < text_.size() && !core::is_ascii_space(text_[i])) {
      if (shown == kMaxTokenShown) {
        out += "…";
        break;
      }
      char32_t cp = core::utf8_next(text_, i);
      if (cp < 0x20 || cp == 0x7F || cp == '`') cp = 0xFFFD;
      core::utf8_append(out, cp);
      ++shown;
    }
    return out;
  }

  void fail_at(std::size_t pos, i18n::Message what) {
    if (failed_) return;
    failed_ = true;
    error_.column = column_of(pos);
    error_.token = token_at(pos);
    error_.what = std::move(what);
  }
  void fail_here(i18n::Message what) { fail_at(pos_, std::move(what)); }
  void fail_whole(i18n::Message what) {
    failed_ = true;
    error_.column = 0;
    error_.what = std::move(what);
  }

  int add(Node node) {
    segment_.nodes_.push_back(std::move(node));
    return static_cast<int>(segment_.nodes_.size()) - 1;
  }

  // A run of letters (any script), digits, '_' and '-': keywords, term names, labels.
  std::string_view read_word() {
    std::size_t start = pos_;
    while (!at_end()) {
      char c = text_[pos_];
      if (is_ascii_letter(c) || is_digit(c) || c == '_' || c == '-') {
        ++pos_;
        continue;
      }
      if (static_cast<unsigned char>(c) < 0x80) break;
      std::size_t next = pos_;
      if (!core::is_word_code_point(core::utf8_next(text_, next))) break;
      pos_ = next;
    }
    return text_.substr(start, pos_ - start);
  }

  // The next word, lowered, without consuming it ("" when none).
  std::string next_keyword() {
    std::size_t saved = pos_;
    std::string word = core::lower_ascii(read_word());
    pos_ = saved;
    return word;
  }

  bool ends_term() const {
    return at_end() || core::is_ascii_space(peek()) || peek() == ')' || peek() == '(';
  }

  // After a term: a space, a parenthesis or the end must follow.
  void expect_term_end() {
    if (!failed_ && !ends_term()) fail_here({"segments.unexpected_character"});
  }

  bool deeper(std::size_t at) {
    if (++depth_ > kMaxSegmentDepth) {
      fail_at(at, {"segments.too_deep", {{"max", std::to_string(kMaxSegmentDepth)}}});
      return false;
    }
    return true;
  }

  int parse_or() {
    std::vector<int> parts{parse_and()};
    while (!failed_) {
      skip_space();
      if (next_keyword() != "or") break;
      read_word();
      parts.push_back(parse_and());
    }
    if (failed_) return -1;
    if (parts.size() == 1) return parts[0];
    return add(Node{.op = Op::kOr, .children = std::move(parts)});
  }

  int parse_and() {
    std::vector<int> parts{parse_unary()};
    while (!failed_) {
      skip_space();
      if (next_keyword() != "and") break;
      read_word();
      parts.push_back(parse_unary());
    }
    if (failed_) return -1;
    if (parts.size() == 1) return parts[0];
    return add(Node{.op = Op::kAnd, .children = std::move(parts)});
  }

  int parse_unary() {
    skip_space();
    if (next_keyword() == "not") {
      std::size_t at = pos_;
      read_word();
      if (!ends_term()) {  // "not" glued to something that is not a parenthesis
        pos_ = at;
        return parse_term();
      }
      if (!deeper(at)) return -1;
      int inner = parse_unary();
      --depth_;
      if (failed_) return -1;
      return add(Node{.op = Op::kNot, .children = {inner}});
    }
    return parse_primary();
  }

  int parse_primary() {
    skip_space();
    if (peek() == '(') {
      std::size_t open = pos_;
      if (!deeper(open)) return -1;
      ++pos_;
      int inner = parse_or();
      --depth_;
      if (failed_) return -1;
      skip_space();
      if (peek() != ')') {
        if (at_end())
          fail_at(open, {"segments.never_closed"});
        else
          fail_here({"segments.expected_close"});
        return -1;
      }
      ++pos_;
      return inner;
    }
    return parse_term();
  }

  int parse_term() {
    skip_space();
    const std::size_t start = pos_;
    if (at_end()) {
      fail_here({"segments.expected_term"});
      return -1;
    }
    if (peek() == ')') {
      fail_here({"segments.expected_term_before_close"});
      return -1;
    }
    if (++terms_ > kMaxSegmentTerms) {
      fail_here({"segments.too_many_terms", {{"max", std::to_string(kMaxSegmentTerms)}}});
      return -1;
    }
    std::string_view word = read_word();
    if (word.empty()) {
      fail_here({"segments.expected_term"});
      return -1;
    }
    const std::string name = core::lower_ascii(word);
    if (name == "and" || name == "or") {
      pos_ = start;
      fail_here({"segments.expected_term_before", {{"word", name}}});
      return -1;
    }
    int node = -1;
    if (peek() == ':') {
      ++pos_;
      node = keyed_term(name, start);
    } else if (name == "last_message" || name == "first_contact") {
      node = time_term(name == "last_message" ? Op::kLastMessage : Op::kFirstContact);
    } else {
      node = label_term(word, start);
    }
    if (failed_) return -1;
    expect_term_end();
    return failed_ ? -1 : node;
  }

  // A label's name as the label rules (crm/labels.h) allow it.
  int label_term(std::string_view word, std::size_t start) {
    if (word.size() > kMaxLabelName) {
      fail_at(start, {"segments.label_too_long", {{"max", std::to_string(kMaxLabelName)}}});
      return -1;
    }
    if (auto problem = label_name_problem(word)) {
      fail_at(start, std::move(*problem));
      return -1;
    }
    const std::string key = core::lower_ascii(word);
    if (peek() == '=' || peek() == '<' || peek() == '>') {
      fail_here({"segments.comparison_only_times"});
      return -1;
    }
    return add(Node{.op = Op::kLabel, .text = key});
  }

  // The value of status:, lang:, is:, connection: (a word) or start: (a word, maybe with '*').
  int keyed_term(const std::string& name, std::size_t start) {
    const std::size_t value_at = pos_;
    if (name == "field") return field_term();
    if (name == "start") {
      std::string_view value = read_word();
      bool prefix = false;
      if (peek() == '*') {
        ++pos_;
        prefix = true;
      }
      if (value.empty() && !prefix) {
        fail_at(value_at, {"segments.expected_start"});
        return -1;
      }
      if (value.size() > kMaxName || !is_ascii(value)) {
        fail_at(value_at, {"segments.start_too_long", {{"max", std::to_string(kMaxName)}}});
        return -1;
      }
      return add(Node{.op = Op::kStart, .text = std::string(value), .prefix = prefix});
    }
    std::string value = core::lower_ascii(read_word());
    if (name == "status") {
      static const std::array<std::pair<std::string_view, Segment::StatusSet>, 4> kStatuses = {{
          {"open", Segment::StatusSet::kOpen},
          {"closed", Segment::StatusSet::kClosed},
          {"user_answered", Segment::StatusSet::kUserAnswered},
          {"support_answered", Segment::StatusSet::kSupportAnswered},
      }};
      for (const auto& [word, set] : kStatuses) {
        if (value == word) return add(Node{.op = Op::kStatus, .status = set});
      }
      fail_at(value_at, {"segments.expected_status"});
      return -1;
    }
    if (name == "is") {
      if (value == "blocked") return add(Node{.op = Op::kIs, .flag = Segment::Flag::kBlocked});
      if (value == "banned") return add(Node{.op = Op::kIs, .flag = Segment::Flag::kBanned});
      fail_at(value_at, {"segments.expected_is"});
      return -1;
    }
    if (name == "lang") {
      if (value.empty() || value.size() > 35 || !is_ascii(value) || value.front() == '-') {
        fail_at(value_at, {"segments.expected_lang"});
        return -1;
      }
      return add(Node{.op = Op::kLang, .text = value});
    }
    if (name == "connection") {
      if (value.empty() || value.size() > kMaxName || !is_ascii(value)) {
        fail_at(value_at, {"segments.expected_connection"});
        return -1;
      }
      return add(Node{.op = Op::kConnection, .text = value});
    }
    fail_at(start, {"segments.unknown_term"});
    return -1;
  }

  // field:KEY, field:KEY=VALUE, field:KEY="a value", field:KEY=pre*
  int field_term() {
    const std::size_t key_at = pos_;
    while (!at_end() &&
           (is_ascii_letter(peek()) || is_digit(peek()) || peek() == '_' || peek() == '.' || peek() == '-'))
      ++pos_;
    std::string key = core::lower_ascii(text_.substr(key_at, pos_ - key_at));
    if (key.empty() || key.size() > kMaxName) {
      fail_at(key_at, {"segments.expected_field_key"});
      return -1;
    }
    if (peek() != '=') return add(Node{.op = Op::kFieldHas, .text = key});
    ++pos_;
    const std::size_t value_at = pos_;
    std::string value;
    bool prefix = false;
    if (peek() == '"') {
      ++pos_;
      bool closed = false;
      while (!at_end()) {
        char c = text_[pos_++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && !at_end()) c = text_[pos_++];
        value += c;
      }
      if (!closed) {
        fail_at(value_at, {"segments.quote_never_closed"});
        return -1;
      }
    } else {
      while (!ends_term() && peek() != '"') value += text_[pos_++];
      if (value.ends_with('*')) {
        value.pop_back();
        prefix = true;
      }
      if (value.find('*') != std::string::npos) {
        fail_at(value_at, {"segments.star_inside"});
        return -1;
      }
    }
    if (value.empty() && !prefix) {
      fail_at(value_at, {"segments.expected_value"});
      return -1;
    }
    if (value.size() > kMaxValue) {
      fail_at(value_at, {"segments.value_too_long", {{"max", std::to_string(kMaxValue)}}});
      return -1;
    }
    return add(Node{.op = Op::kFieldIs, .text = key, .value = core::utf8_lower(value), .prefix = prefix});
  }

  // last_message<7d, first_contact >= 2026-01-01, last_message=2026-11-01T09:30
  int time_term(Op op) {
    skip_space();
    const std::size_t cmp_at = pos_;
    Segment::Cmp cmp;
    if (peek() == '<' || peek() == '>') {
      bool less = peek() == '<';
      ++pos_;
      bool equal = peek() == '=';
      if (equal) ++pos_;
      cmp = less ? (equal ? Segment::Cmp::kLessEqual : Segment::Cmp::kLess)
                 : (equal ? Segment::Cmp::kGreaterEqual : Segment::Cmp::kGreater);
    } else if (peek() == '=') {
      ++pos_;
      cmp = Segment::Cmp::kEqual;
    } else {
      fail_at(cmp_at, {"segments.expected_comparison"});
      return -1;
    }
    skip_space();
    const std::size_t value_at = pos_;
    while (!at_end() && (is_ascii_letter(peek()) || is_digit(peek()) || peek() == '-' || peek() == ':'))
      ++pos_;
    std::string_view value = text_.substr(value_at, pos_ - value_at);
    Node node{.op = op, .cmp = cmp};
    if (!value.empty() && value.find_first_of("-:") == std::string_view::npos) {
      char unit = static_cast<char>(value.back() | 0x20);
      auto count = number(value.substr(0, value.size() - 1));
      core::UnixMillis unit_ms = unit == 'h' ? kHour : unit == 'd' ? kDay : unit == 'w' ? 7 * kDay : 0;
      if (!count || unit_ms == 0 || *count > kMaxAgeNumber) {
        fail_at(value_at, {"segments.expected_age"});
        return -1;
      }
      if (cmp == Segment::Cmp::kEqual) {
        fail_at(cmp_at, {"segments.equal_takes_date"});
        return -1;
      }
      node.relative = true;
      node.amount = *count * unit_ms;
      return add(std::move(node));
    }
    auto date = parse_date(value);
    if (!date) {
      fail_at(value_at, {"segments.expected_age_or_date"});
      return -1;
    }
    node.amount = date->first;
    node.span = date->second;
    return add(std::move(node));
  }

  // YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC: the start and the length of the span it names.
  static std::optional<std::pair<core::UnixMillis, core::UnixMillis>> parse_date(std::string_view v) {
    if (v.size() != 10 && v.size() != 16) return std::nullopt;
    if (v[4] != '-' || v[7] != '-') return std::nullopt;
    auto y = number(v.substr(0, 4));
    auto m = number(v.substr(5, 2));
    auto d = number(v.substr(8, 2));
    if (!y || !m || !d || *y < 1970 || !core::is_civil_date(int(*y), int(*m), int(*d))) return std::nullopt;
    core::UnixMillis start = core::days_from_civil(int(*y), int(*m), int(*d)) * kDay;
    if (v.size() == 10) return std::pair{start, kDay};
    if ((v[10] != 'T' && v[10] != 't') || v[13] != ':') return std::nullopt;
    auto hh = number(v.substr(11, 2));
    auto mm = number(v.substr(14, 2));
    if (!hh || !mm || *hh > 23 || *mm > 59) return std::nullopt;
    return std::pair{start + *hh * kHour + *mm * kMinute, kMinute};
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  int terms_ = 0;
  bool failed_ = false;
  SegmentError error_;
  Segment segment_;
};

ParsedSegment parse_segment(std::string_view text) { return SegmentParser(text).run(); }

// ---- evaluation ----------------------------------------------------------------------------------

bool Segment::matches(const SegmentSubject& subject, core::UnixMillis now) const {
  return root_ >= 0 && eval(root_, subject, now);
}

bool Segment::eval(int index, const SegmentSubject& s, core::UnixMillis now) const {
  const Node& n = nodes_[static_cast<std::size_t>(index)];
  switch (n.op) {
    case Op::kAnd:
      for (int child : n.children) {
        if (!eval(child, s, now)) return false;
      }
      return true;
    case Op::kOr:
      for (int child : n.children) {
        if (eval(child, s, now)) return true;
      }
      return false;
    case Op::kNot:
      return !eval(n.children.front(), s, now);
    case Op::kLabel:
      return std::any_of(s.labels.begin(), s.labels.end(),
                         [&](const std::string& label) { return same_text(label, n.text); });
    case Op::kStatus:
      switch (n.status) {
        case StatusSet::kOpen:
          return s.status != store::DialogStatus::kClosed;
        case StatusSet::kClosed:
          return s.status == store::DialogStatus::kClosed;
        case StatusSet::kUserAnswered:
          return s.status == store::DialogStatus::kUserAnswered;
        case StatusSet::kSupportAnswered:
          return s.status == store::DialogStatus::kSupportAnswered;
      }
      return false;
    case Op::kLang: {
      std::string code = core::lower_ascii(s.language_code);
      return code == n.text ||
             (code.size() > n.text.size() && code.starts_with(n.text) && code[n.text.size()] == '-');
    }
    case Op::kStart:
      return text_matches(s.start_parameter, n, false);
    case Op::kFieldHas:
    case Op::kFieldIs:
      for (const auto& [key, value] : s.fields) {
        if (value.empty() || !same_text(key, n.text)) continue;
        return n.op == Op::kFieldHas || text_matches(value, n, true);
      }
      return false;
    case Op::kConnection:
      return same_text(s.connection, n.text);
    case Op::kIs:
      return n.flag == Flag::kBlocked ? s.blocked : s.banned;
    case Op::kLastMessage:
      return compare(s.last_user_message_at, n, now);
    case Op::kFirstContact:
      return compare(s.first_contact_at, n, now);
  }
  return false;
}

bool Segment::uses_fields() const {
  return std::any_of(nodes_.begin(), nodes_.end(),
                     [](const Node& n) { return n.op == Op::kFieldHas || n.op == Op::kFieldIs; });
}

// ---- writing out ---------------------------------------------------------------------------------

std::string Segment::to_string() const {
  std::string out;
  if (root_ >= 0) write(root_, out);
  return out;
}

void Segment::write(int index, std::string& out) const {
  const Node& n = nodes_[static_cast<std::size_t>(index)];
  auto child = [&](int c, bool parens) {
    if (parens) out += '(';
    write(c, out);
    if (parens) out += ')';
  };
  auto op_of = [&](int c) { return nodes_[static_cast<std::size_t>(c)].op; };
  switch (n.op) {
    case Op::kAnd:
    case Op::kOr:
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i > 0) out += n.op == Op::kAnd ? " and " : " or ";
        Op inner = op_of(n.children[i]);
        child(n.children[i], inner == Op::kOr || inner == Op::kAnd);
      }
      return;
    case Op::kNot: {
      out += "not ";
      Op inner = op_of(n.children.front());
      child(n.children.front(), inner == Op::kOr || inner == Op::kAnd);
      return;
    }
    case Op::kLabel:
      out += n.text;
      return;
    case Op::kStatus: {
      static constexpr std::array<const char*, 4> kNames = {"open", "closed", "user_answered",
                                                            "support_answered"};
      out += "status:";
      out += kNames[static_cast<std::size_t>(n.status)];
      return;
    }
    case Op::kLang:
      out += "lang:" + n.text;
      return;
    case Op::kStart:
      out += "start:" + n.text + (n.prefix ? "*" : "");
      return;
    case Op::kFieldHas:
      out += "field:" + n.text;
      return;
    case Op::kFieldIs:
      // A prefix was written bare (a quoted value is exact), so it is written bare again.
      out += "field:" + n.text + "=" + (n.prefix ? n.value + "*" : quoted(n.value));
      return;
    case Op::kConnection:
      out += "connection:" + n.text;
      return;
    case Op::kIs:
      out += n.flag == Flag::kBlocked ? "is:blocked" : "is:banned";
      return;
    case Op::kLastMessage:
    case Op::kFirstContact:
      out += n.op == Op::kLastMessage ? "last_message" : "first_contact";
      out += op_name(n.cmp);
      out += n.relative ? age_text(n.amount) : date_text(n.amount, n.span);
      return;
  }
}

std::string segment_help(std::string_view language) { return i18n::text(language, "segments.help"); }

}  // namespace topicdesk::crm
