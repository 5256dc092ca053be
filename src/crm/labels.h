// Labels and funnels: the pure rules behind `/mark` and the Topics API's label actions
// (docs/labels.md). Names, tickers, parsing every `/mark` form into a typed request with errors
// that say what is wrong, the funnel rule (setting a label removes its `after` labels), the
// tickers a title shows, and the texts operators read. No store, no network: the engine
// (relay/engine_labels.cpp) reads and writes labels and calls these.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "i18n/catalog.h"
#include "store/label_store.h"

namespace topicdesk::crm {

inline constexpr std::size_t kMaxLabelName = 32;  // characters (ASCII only)
inline constexpr std::size_t kMaxTicker = 12;     // UTF-16 units, as Telegram counts titles
inline constexpr std::size_t kMaxTemplateName = 64;
inline constexpr int kMaxLabels = 200;  // per connection
// Words `/mark` itself uses: no label may be named so.
inline constexpr std::string_view kReservedNames[] = {"new", "help", "del", "clear"};

// What is wrong with `name` as a label's name, for a reader whose language is not known yet
// (segments); nullopt: a Latin letter first, then letters, digits, `-`, `_`, at most
// kMaxLabelName, not a reserved word.
std::optional<i18n::Message> label_name_problem(std::string_view name);
// The lower-case key of a valid label name. The error says what is wrong with `name`, in
// `language` (General: LANGUAGE; the Topics API and the dashboard: English).
core::Result<std::string> label_key(std::string_view name,
                                    std::string_view language = i18n::kFallbackLanguage);
// A ticker as shown (trimmed), or what is wrong with it: 1..kMaxTicker UTF-16 units, one line,
// no '#', no '·' and no bidi controls: core::parse_topic_title must still read the title (the
// tickers end at core::kTickerSeparator, the user's id is the last " #<digits>").
core::Result<std::string> valid_ticker(std::string_view text,
                                       std::string_view language = i18n::kFallbackLanguage);

enum class MarkAction {
  kList,         // General: every label; topic: the dialog's labels
  kHelp,         // the forms, for where it was asked
  kShow,         // General: a label's properties and the topics that carry it
  kNew,          // General: /mark new NAME
  kAfter,        // General: /mark NAME after M1,M2   (names)
  kAfterClear,   // General: /mark NAME after CLEAR
  kSends,        // General: /mark NAME sends TEMPLATE (value)
  kSendsClear,   // General: /mark NAME sends CLEAR
  kTicker,       // General: /mark NAME ticker TEXT   (value)
  kTickerClear,  // General: /mark NAME ticker CLEAR
  kRename,       // General: /mark NAME name NEW      (value)
  kAdd,          // topic: /mark NAME
  kRemove,       // topic: /mark del NAME
};

struct MarkRequest {
  MarkAction action = MarkAction::kList;
  std::string name;                // the label the form is about (as typed)
  std::vector<std::string> names;  // kAfter: the labels setting `name` removes (as typed)
  std::string value;               // kSends: template; kTicker: ticker (validated); kRename: new name
};

// Parses the arguments of `/mark` (without the command) typed in General or in a topic. A
// name is checked where its form needs a valid one (new, rename, after's list); names of
// existing labels are looked up by the engine. Errors, in `language`, end with the usage line of
// the place.
core::Result<MarkRequest> parse_mark(std::string_view args, bool in_general,
                                     std::string_view language = i18n::kFallbackLanguage);

// The closest of `names` to `wanted` (case-insensitive), when one is near enough to suggest.
std::optional<std::string> closest_name(std::string_view wanted, const std::vector<std::string>& names);

// The funnel rule: what setting `label` on a dialog carrying `carried` (label ids) changes.
struct LabelPlan {
  bool add = false;                  // false: the dialog carries it already, nothing changes
  std::vector<std::int64_t> remove;  // carried labels that `label`'s after-list removes
};
LabelPlan plan_set(const std::vector<std::int64_t>& carried, const store::Label& label);

// Texts operators read.
namespace label_text {
// In `lang`, the operators' language; usage() ends the parser's errors.
std::string help(std::string_view lang, bool in_general);
std::string usage(std::string_view lang, bool in_general);
// One line about a label: its name, ticker, funnel (`after_names`) and template.
std::string describe(std::string_view lang, const store::Label& label,
                     const std::vector<std::string>& after_names);
// General /mark: the lines describe() made, one per label.
std::string list(std::string_view lang, const std::vector<std::string>& lines);
// General /mark NAME: the label, then the topics that carry it (`topic_lines`), `more` beyond.
std::string show(std::string_view lang, const store::Label& label,
                 const std::vector<std::string>& after_names, const std::vector<std::string>& topic_lines,
                 std::size_t total);
std::string topic_labels(std::string_view lang,
                         const std::vector<store::Label>& labels);  // in a topic: its labels
std::string unknown(std::string_view lang, std::string_view name,
                    const std::optional<std::string>& suggestion);
std::string exists(std::string_view lang, std::string_view name);
std::string created(std::string_view lang, const store::Label& label);
std::string changed(std::string_view lang, const store::Label& label,
                    const std::vector<std::string>& after_names);
std::string renamed(std::string_view lang, std::string_view from, std::string_view to);
// In a topic: NAME set (with what the funnel removed, and `sent`: what became of its template),
// or removed.
std::string added(std::string_view lang, std::string_view name, const std::vector<std::string>& removed,
                  std::string_view sent);
std::string already(std::string_view lang, std::string_view name);
std::string removed(std::string_view lang, std::string_view name);
std::string not_carried(std::string_view lang, std::string_view name);
std::string too_many(std::string_view lang);
// /info: the labels now, then the history (oldest first), one line a change; `who[i]` names
// the operator of history[i] (empty: none).
std::string info_lines(std::string_view lang, const std::vector<store::Label>& labels,
                       const std::vector<store::LabelChange>& history, const std::vector<std::string>& who);
}  // namespace label_text

}  // namespace topicdesk::crm
