// The prompt (pure) and reading the server's answers: the knowledge and the conversation in a
// chat-completions body, ESCALATE as a hand-over, and every malformed or failed answer classified.
#include "ai/prompt.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "ai/client.h"

namespace topicdesk::ai {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;

store::HistoryEntry said(store::HistoryAuthor author, std::string text) {
  store::HistoryEntry e;
  e.author = author;
  e.text = std::move(text);
  return e;
}

TEST(Prompt, HoldsTheInstructionsKnowledgeAndConversation) {
  PromptInput in;
  in.model = "llama3";
  in.instructions = "You are Shop's helper.";
  in.passages = {{.source = "delivery.md", .heading = "Delivery", .text = "2-3 days."}};
  in.conversation = {said(store::HistoryAuthor::kUser, "hi"), said(store::HistoryAuthor::kOperator, "Hello!"),
                     said(store::HistoryAuthor::kComment, "/ internal note"),
                     said(store::HistoryAuthor::kUser, "How long is delivery?")};
  in.question = "How long is delivery?";
  auto body = json::parse(chat_request_body(in)).as_object();
  EXPECT_EQ(body.at("model").as_string(), "llama3");
  auto messages = body.at("messages").as_array();
  ASSERT_EQ(messages.size(), 4u) << "system, user, assistant, user; the comment stays out; no repeat";
  std::string system(messages[0].at("content").as_string());
  EXPECT_THAT(system, HasSubstr("You are Shop's helper."));
  EXPECT_THAT(system, HasSubstr("[1] delivery.md — Delivery\n2-3 days."));
  EXPECT_THAT(system, HasSubstr("ESCALATE"));
  EXPECT_EQ(messages[2].at("role").as_string(), "assistant");
  EXPECT_EQ(messages[3].at("content").as_string(), "How long is delivery?");
}

TEST(Prompt, AnOperatorsQuestionIsMarkedAndTheDefaultInstructionsApply) {
  PromptInput in;
  in.kind = store::AiRequestKind::kAsk;
  in.question = "what is our return window?";
  auto messages = json::parse(chat_request_body(in)).at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_THAT(std::string(messages[0].at("content").as_string()), HasSubstr("support assistant"));
  EXPECT_THAT(std::string(messages[0].at("content").as_string()), HasSubstr("colleague"));
  EXPECT_EQ(messages[1].at("content").as_string(), "[operator] what is our return window?");
}

TEST(Prompt, TheConversationIsBounded) {
  PromptInput in;
  for (int i = 0; i < 40; ++i)
    in.conversation.push_back(said(store::HistoryAuthor::kUser, std::string(5000, 'x')));
  in.question = "q";
  auto messages = json::parse(chat_request_body(in)).at("messages").as_array();
  EXPECT_EQ(messages.size(), 1u + kPromptMessages + 1u);
  EXPECT_LE(messages[1].at("content").as_string().size(), kMessageBytes + 4);
}

TEST(ReadAnswer, EscalateIsAHandOver) {
  EXPECT_TRUE(read_answer("ESCALATE").escalate);
  EXPECT_TRUE(read_answer("  escalate.\n").escalate);
  EXPECT_TRUE(read_answer("").escalate);
  auto r = read_answer("  Delivery takes 2-3 days.  ");
  EXPECT_FALSE(r.escalate);
  EXPECT_EQ(r.text, "Delivery takes 2-3 days.");
  EXPECT_LE(read_answer(std::string(10000, 'a')).text.size(), kAnswerUnits + 4);
}

TEST(ParseCompletion, ReadsTheFirstChoiceAndUsage) {
  auto c = parse_completion(
      200,
      R"({"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"}}],"usage":{"total_tokens":42}})");
  EXPECT_EQ(c.failure, Failure::kNone);
  EXPECT_EQ(c.text, "Hi!");
  EXPECT_EQ(c.tokens, 42);
}

TEST(ParseCompletion, ClassifiesFailures) {
  EXPECT_EQ(parse_completion(429, R"({"error":{"message":"slow down"}})").failure, Failure::kRateLimited);
  EXPECT_THAT(parse_completion(429, R"({"error":{"message":"slow down"}})").detail, HasSubstr("slow down"));
  EXPECT_EQ(parse_completion(500, "oops").failure, Failure::kServerError);
  EXPECT_EQ(parse_completion(503, "").failure, Failure::kServerError);
  EXPECT_EQ(parse_completion(401, R"({"error":"bad key"})").failure, Failure::kRefused);
  EXPECT_EQ(parse_completion(200, "{not json").failure, Failure::kMalformed);
  EXPECT_EQ(parse_completion(200, "[]").failure, Failure::kMalformed);
  EXPECT_EQ(parse_completion(200, R"({"choices":[]})").failure, Failure::kMalformed);
  EXPECT_EQ(parse_completion(200, R"({"choices":[{"message":{"content":7}}]})").failure, Failure::kMalformed);
  EXPECT_EQ(parse_completion(200, R"({"choices":[{"text":"legacy"}]})").failure, Failure::kMalformed);
}

}  // namespace
}  // namespace topicdesk::ai
