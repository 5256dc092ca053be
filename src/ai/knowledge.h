// The AI consultant's knowledge (docs/ai.md): a folder of Markdown files (AI_KNOWLEDGE) split into
// passages that the store indexes for full-text search (store/ai_store.h). The best passages for a
// question go into the prompt (ai/prompt.h).
//
// split_markdown() is pure: a passage is the paragraphs under one heading, at most max_bytes long
// (a longer paragraph is cut between words), with the heading path beside it. load_knowledge()
// reads a folder whole or not at all: one unreadable or non-UTF-8 file fails the load with an
// error naming the file, so nothing is half-indexed.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "i18n/catalog.h"
#include "store/ai_store.h"

namespace topicdesk::ai {

inline constexpr std::size_t kPassageBytes = 1200;       // a passage's text at most (UTF-8 bytes)
inline constexpr std::size_t kMaxKnowledgeFiles = 1000;  // Markdown files a folder may hold
inline constexpr std::uintmax_t kMaxKnowledgeFileBytes = 1 << 20;
inline constexpr std::size_t kMaxPassages = 20000;

// The passages of one Markdown file (`source` names it in each passage), in file order.
std::vector<store::KnowledgePassage> split_markdown(std::string_view source, std::string_view text,
                                                    std::size_t max_bytes = kPassageBytes);

// Whether `text` is well-formed UTF-8; if not, `bad_offset` is where the first bad byte is.
bool valid_utf8(std::string_view text, std::size_t* bad_offset = nullptr);

// What was read, or what is wrong with AI_KNOWLEDGE or AI_PROMPT: a catalogue message (ai.problem_*)
// naming the folder or the file, logged in English and told in General in the operators' language.
template <class T>
class Loaded {
 public:
  Loaded(T value) : v_(std::move(value)) {}                  // NOLINT(google-explicit-constructor)
  Loaded(i18n::Message problem) : v_(std::move(problem)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& operator*() { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const i18n::Message& problem() const { return std::get<1>(v_); }

 private:
  std::variant<T, i18n::Message> v_;
};

// Every *.md / *.markdown file below `folder` (sorted by path), split. A problem names the folder
// or the file and what is wrong with it.
Loaded<std::vector<store::KnowledgePassage>> load_knowledge(const std::string& folder);

// AI_PROMPT: the text itself, or the file "file:PATH" names (UTF-8, at most 64 KiB).
Loaded<std::string> resolve_prompt(const std::string& parameter);

}  // namespace topicdesk::ai
