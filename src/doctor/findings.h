// Findings: what a check found and, when something needs fixing, how to fix it. `topicdesk
// doctor` prints them; the running desk keeps each connection's latest in a FindingsBoard that
// the dashboard's connections page reads; the setup bot shows them to its admin.
//
// A finding is made before its reader's language is known: `what` and `fix` are catalogue texts
// (doctor.toml), rendered where they are shown — in English by the CLI, exactly as it always
// printed them, in the admin's language by the setup bot (what_text, fix_text). A check whose
// words come from elsewhere and are only ever printed by the CLI (the cluster's review, a
// library's error) passes plain English text (the std::string overloads).
//
// Threading: Findings is a value. FindingsBoard is thread-safe: the relay loop publishes, the
// dashboard reads (both may run on different threads).
#pragma once
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "i18n/catalog.h"

namespace topicdesk::doctor {

struct Finding {
  enum class Level { kOk, kFix, kNote };
  Level level = Level::kOk;
  i18n::Message what;
  i18n::Message fix;  // kFix: what to do about it; key "" otherwise
};
const char* to_string(Finding::Level level);  // ok, fix, note

// The finding's texts in `language`; fix_text is "" when it has no fix.
std::string what_text(const Finding& finding, std::string_view language);
std::string fix_text(const Finding& finding, std::string_view language);

// A text in English only, shown as it is in every language (doctor.english: "{text}").
i18n::Message english(std::string text);

struct Findings {
  std::vector<Finding> items;
  void pass(i18n::Message what) { items.push_back({Finding::Level::kOk, std::move(what), {}}); }
  void fail(i18n::Message what, i18n::Message fix) {
    items.push_back({Finding::Level::kFix, std::move(what), std::move(fix)});
  }
  void note(i18n::Message what) { items.push_back({Finding::Level::kNote, std::move(what), {}}); }
  void pass(std::string what) { pass(english(std::move(what))); }
  void fail(std::string what, std::string fix) { fail(english(std::move(what)), english(std::move(fix))); }
  void note(std::string what) { note(english(std::move(what))); }
  bool healthy() const;  // nothing to fix
};

// The latest findings of each connection of a running desk, with when they were made.
class FindingsBoard {
 public:
  struct Entry {
    Findings findings;
    core::UnixMillis checked_at = 0;
  };
  void publish(core::ConnectionId connection, Findings findings, core::UnixMillis at);
  std::optional<Entry> latest(core::ConnectionId connection) const;
  // Asks for the checks to run again now (the dashboard's "Check now"); set_on_request names
  // what runs them. Without one, nothing happens.
  void request_check() const;
  void set_on_request(std::function<void()> on_request);

 private:
  mutable std::mutex mutex_;
  std::map<core::ConnectionId, Entry> entries_;
  std::function<void()> on_request_;
};

}  // namespace topicdesk::doctor
