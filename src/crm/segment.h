// Segments: one small expression language that picks end users, used by /segment, broadcasts,
// exports and the Topics API (docs/segments.md has the grammar with examples).
//
//   (vip or lead) and not churned and status:open and last_message<7d and field:plan=pro
//
// Terms: a label name; status:open|closed|user_answered|support_answered; lang:CODE;
// start:PARAM (a trailing * matches a prefix); field:KEY (has the field) and field:KEY=VALUE;
// connection:NAME; is:blocked, is:banned; last_message and first_contact compared (<, <=, >,
// >=, =) with an age (7d, 12h, 2w) or a UTC date (2026-11-01, 2026-11-01T09:30). Keywords
// (and, or, not, term names, status values) are case-insensitive; `not` binds tighter than
// `and`, which binds tighter than `or`; parentheses group.
//
// Pure: parse_segment() never throws on any input and is bounded (kMaxSegmentBytes,
// kMaxSegmentDepth, kMaxSegmentTerms), so no input can blow the stack; a malformed expression
// gets a SegmentError naming the column, the token found there and what was expected. A
// Segment is evaluated against a plain SegmentSubject and a `now` the caller passes (ages are
// counted back from it), so evaluation needs no clock and no store.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ids.h"
#include "i18n/catalog.h"
#include "store/dialog_store.h"

namespace topicdesk::crm {

inline constexpr std::size_t kMaxSegmentBytes = 1000;  // the whole expression
inline constexpr int kMaxSegmentDepth = 32;            // parentheses and `not`s nested
inline constexpr int kMaxSegmentTerms = 64;

// One end user as segments see them: their dialog with one connection and what operators
// attached to them. Label and field names are compared case-insensitively.
struct SegmentSubject {
  core::UserId user_id = 0;
  core::ConnectionId connection_id = 0;
  std::string connection;  // the connection's name (connection:NAME)
  store::DialogStatus status = store::DialogStatus::kUserAnswered;
  std::vector<std::string> labels;
  core::UnixMillis last_user_message_at = 0;  // 0: the user never wrote (matches no last_message term)
  core::UnixMillis first_contact_at = 0;      // the dialog's creation
  std::string language_code;                  // as Telegram reported it ("en", "pt-br"); may be empty
  std::string start_parameter;                // the /start payload of the first message; may be empty
  std::vector<std::pair<std::string, std::string>> fields;  // /set key=value
  bool blocked = false;                                     // the user blocked the bot
  bool banned = false;                                      // /ban
};

// What is wrong with an expression, and where. The parser does not know who reads it: `what` is
// rendered by describe() in the reader's language (General: LANGUAGE; the Topics API, the
// dashboard and exports: English).
struct SegmentError {
  std::size_t column = 0;  // 1-based, in characters; 0: the expression as a whole
  std::string token;       // what was found there, shortened; "" at the end of the expression
  i18n::Message what;      // what is wrong and what was expected (segments.* keys)
};
// "column 7, at `churned`: expected `and`, `or`, `)` or the end of the expression".
std::string describe(const SegmentError& error, std::string_view language = i18n::kFallbackLanguage);

class Segment {
 public:
  enum class Op {
    kAnd,
    kOr,
    kNot,
    kLabel,
    kStatus,
    kLang,
    kStart,
    kFieldHas,
    kFieldIs,
    kConnection,
    kIs,
    kLastMessage,
    kFirstContact,
  };
  enum class Cmp { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual };
  enum class StatusSet { kOpen, kClosed, kUserAnswered, kSupportAnswered };
  enum class Flag { kBlocked, kBanned };

  struct Node {
    Op op = Op::kLabel;
    std::vector<int> children;  // and, or: two or more; not: one
    std::string text;           // label, language, start parameter, field key, connection
    std::string value;          // field value (lowered)
    bool prefix = false;        // start:, field values: a trailing * matched a prefix
    StatusSet status = StatusSet::kOpen;
    Flag flag = Flag::kBlocked;
    Cmp cmp = Cmp::kLess;
    bool relative = false;        // an age (counted back from `now`) rather than a date
    core::UnixMillis amount = 0;  // relative: the age; otherwise the start of the date's span
    core::UnixMillis span = 0;    // a date's length: a day, or a minute with a time of day
  };

  // Whether `subject` is in the segment; ages are counted back from `now`.
  bool matches(const SegmentSubject& subject, core::UnixMillis now) const;
  // The expression written out again, fully parenthesized where precedence needs it; parsing
  // it gives an equal segment.
  std::string to_string() const;
  // It reads custom fields (field:…): HIDE_INFO hides them from some operators.
  bool uses_fields() const;

  const std::vector<Node>& nodes() const { return nodes_; }
  int root() const { return root_; }

 private:
  friend class SegmentParser;
  bool eval(int node, const SegmentSubject& subject, core::UnixMillis now) const;
  void write(int node, std::string& out) const;
  std::vector<Node> nodes_;
  int root_ = -1;
};

struct ParsedSegment {
  std::optional<Segment> segment;  // set when the expression is valid
  SegmentError error;              // otherwise
  explicit operator bool() const { return segment.has_value(); }
};

// Never throws. An empty (or all-space) expression is an error ("the expression is empty").
ParsedSegment parse_segment(std::string_view text);

inline bool matches(const Segment& segment, const SegmentSubject& subject, core::UnixMillis now) {
  return segment.matches(subject, now);
}

// The syntax in a few lines with examples: what /segment alone answers, in `language`.
std::string segment_help(std::string_view language);

}  // namespace topicdesk::crm
