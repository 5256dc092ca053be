#include "ai/prompt.h"

#include <boost/json.hpp>
#include <cctype>

#include "core/utf8.h"

namespace topicdesk::ai {

namespace json = boost::json;

namespace {

constexpr std::string_view kDefaultInstructions =
    "You are the support assistant of this business. Be brief, friendly and exact. Answer in the "
    "language of the user's last message.";

std::string rules(store::AiRequestKind kind) {
  std::string r =
      "Rules: answer only from the knowledge below and the conversation; never invent prices, dates, "
      "links or promises. If the knowledge does not answer the question, or the user wants a person, "
      "reply with the single word ";
  r += kEscalateWord;
  r += " and nothing else.";
  if (kind == store::AiRequestKind::kAsk) {
    r += " An operator of the support team asks you as a colleague: answer the operator, not the "
         "user; say plainly when the knowledge has nothing on it instead of the single word.";
  } else if (kind == store::AiRequestKind::kDraft) {
    r += " Write the reply an operator could send to the user as it is.";
  }
  return r;
}

std::string clip(std::string_view text) {
  if (text.size() <= kMessageBytes) return std::string(text);
  std::size_t end = kMessageBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "…";
}

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
  return std::string(text);
}

}  // namespace

std::string chat_request_body(const PromptInput& in) {
  std::string system = in.instructions.empty() ? std::string(kDefaultInstructions) : in.instructions;
  system += "\n\n" + rules(in.kind) + "\n\nKnowledge:";
  if (in.passages.empty()) system += "\n(nothing found for this question)";
  int n = 0;
  for (const auto& p : in.passages) {
    if (n >= kPromptPassages) break;
    system += "\n\n[" + std::to_string(++n) + "] " + p.source;
    if (!p.heading.empty()) system += " — " + p.heading;
    system += "\n" + p.text;
  }
  json::array messages;
  messages.push_back(json::object{{"role", "system"}, {"content", system}});
  // The conversation: the user's messages as "user", the support's replies as "assistant";
  // operators' comments and the desk's notices stay out (they never reached the user).
  std::size_t first = in.conversation.size() > static_cast<std::size_t>(kPromptMessages)
                          ? in.conversation.size() - kPromptMessages
                          : 0;
  std::string last_user;
  for (std::size_t i = first; i < in.conversation.size(); ++i) {
    const auto& e = in.conversation[i];
    if (e.text.empty()) continue;
    using A = store::HistoryAuthor;
    if (e.author == A::kComment || e.author == A::kNotice) continue;
    const bool user = e.author == A::kUser;
    messages.push_back(json::object{{"role", user ? "user" : "assistant"}, {"content", clip(e.text)}});
    last_user = user ? e.text : std::string();
  }
  if (in.kind == store::AiRequestKind::kAsk) {
    messages.push_back(json::object{{"role", "user"}, {"content", "[operator] " + clip(in.question)}});
  } else if (last_user != in.question) {
    messages.push_back(json::object{{"role", "user"}, {"content", clip(in.question)}});
  }
  json::object body{{"model", in.model},
                    {"messages", std::move(messages)},
                    {"temperature", 0.2},
                    {"max_tokens", kMaxAnswerTokens},
                    {"stream", false}};
  return json::serialize(body);
}

Reading read_answer(std::string_view answer) {
  Reading r;
  std::string text = trim(answer);
  std::string head = text.substr(0, kEscalateWord.size() + 2);
  for (auto& c : head) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (text.empty() || head.starts_with(kEscalateWord)) {
    r.escalate = true;
    return r;
  }
  r.text = core::utf16_length(text) > kAnswerUnits ? core::utf16_truncate(text, kAnswerUnits) + "…" : text;
  return r;
}

std::int64_t estimate_tokens(std::size_t bytes) { return static_cast<std::int64_t>(bytes / 4 + 1); }

}  // namespace topicdesk::ai
