// The prompt the AI consultant sends (pure): the connection's instructions (AI_PROMPT), the rules
// of the desk, the best knowledge passages, the dialog's recent messages and the question, as an
// OpenAI-compatible chat-completions request body. And how an answer is read: the model says
// ESCALATE when the knowledge does not answer the question or the user asks for a person.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "store/ai_store.h"
#include "store/history_store.h"

namespace topicdesk::ai {

inline constexpr std::string_view kEscalateWord = "ESCALATE";
inline constexpr int kPromptPassages = 4;           // knowledge passages in a prompt at most
inline constexpr int kPromptMessages = 12;          // recent messages of the dialog at most
inline constexpr std::size_t kMessageBytes = 2000;  // each message's text at most, in the prompt
inline constexpr std::size_t kAnswerUnits = 3500;   // an answer's length at most (UTF-16 units)
inline constexpr int kMaxAnswerTokens = 800;

struct PromptInput {
  std::string model;
  std::string instructions;  // AI_PROMPT's text; empty: the desk's default
  store::AiRequestKind kind = store::AiRequestKind::kDraft;
  std::vector<store::KnowledgePassage> passages;
  std::vector<store::HistoryEntry> conversation;  // oldest first
  std::string question;
};

// The JSON body of POST <base_url>/chat/completions.
std::string chat_request_body(const PromptInput& input);

// What an answer's text means.
struct Reading {
  bool escalate = false;
  std::string text;  // trimmed and cut to kAnswerUnits; empty when escalating
};
Reading read_answer(std::string_view answer);

// A rough token count for servers that do not report usage (4 bytes a token).
std::int64_t estimate_tokens(std::size_t bytes);

}  // namespace topicdesk::ai
