#include "doctor/findings.h"

#include <algorithm>

namespace topicdesk::doctor {

const char* to_string(Finding::Level level) {
  switch (level) {
    case Finding::Level::kOk:
      return "ok";
    case Finding::Level::kFix:
      return "fix";
    case Finding::Level::kNote:
      return "note";
  }
  return "note";
}

std::string what_text(const Finding& finding, std::string_view language) {
  return i18n::text(language, finding.what);
}

std::string fix_text(const Finding& finding, std::string_view language) {
  return finding.fix.key.empty() ? std::string() : i18n::text(language, finding.fix);
}

i18n::Message english(std::string text) {
  return i18n::Message{"doctor.english", {{"text", std::move(text)}}};
}

bool Findings::healthy() const {
  return std::none_of(items.begin(), items.end(),
                      [](const Finding& f) { return f.level == Finding::Level::kFix; });
}

void FindingsBoard::publish(core::ConnectionId connection, Findings findings, core::UnixMillis at) {
  std::lock_guard lock(mutex_);
  entries_[connection] = Entry{std::move(findings), at};
}

std::optional<FindingsBoard::Entry> FindingsBoard::latest(core::ConnectionId connection) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(connection);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void FindingsBoard::request_check() const {
  std::function<void()> run;
  {
    std::lock_guard lock(mutex_);
    run = on_request_;
  }
  if (run) run();
}

void FindingsBoard::set_on_request(std::function<void()> on_request) {
  std::lock_guard lock(mutex_);
  on_request_ = std::move(on_request);
}

}  // namespace topicdesk::doctor
