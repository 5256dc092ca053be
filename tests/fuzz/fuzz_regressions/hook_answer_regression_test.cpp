// Found by hooks_fuzz: a command hook answering text/plain with bytes that are not UTF-8 made
// a message the outbox could not read back (its JSON would not parse), so the operator saw
// neither the answer nor a notice. Now such an answer is refused with a clear error, which
// the worker posts as "the command hook failed (bad answer: …)".
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "integrations/command_hooks.h"
#include "relay/jobs.h"

namespace topicdesk::integrations {
namespace {

TEST(HookAnswerRegression, PlainTextThatIsNotUtf8IsRefusedNamingTheByte) {
  auto latin1 = hook_answer_message("text/plain",
                                    "Gr\xFC\xDF"
                                    "e");  // "Grüße" in Latin-1
  ASSERT_FALSE(latin1);
  EXPECT_EQ(latin1.error().message, "the answer is not UTF-8 text (byte 2)");

  EXPECT_FALSE(hook_answer_message("text/plain", "ok \xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(hook_answer_message("text/plain", "ok \xED\xA0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(hook_answer_message("text/plain", "ok \xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(hook_answer_message("text/plain", "cut \xF0\x9F\x99"));     // a truncated emoji
}

TEST(HookAnswerRegression, Utf8PlainTextStillPostsAndSurvivesTheOutbox) {
  auto answer = hook_answer_message("text/plain", "Grüße 🙂 \xEF\xBF\xBD");
  ASSERT_TRUE(answer);
  ASSERT_TRUE(answer->has_value());
  auto job = relay::payload_from_json(relay::payload_to_json(relay::JobPayload{.text = **answer}));
  ASSERT_TRUE(job);
  EXPECT_EQ(boost::json::parse(job->text).at("text").as_string(), "Grüße 🙂 \xEF\xBF\xBD");
}

TEST(HookAnswerRegression, JsonThatDoesNotParseSaysWhy) {
  auto answer = hook_answer_message("application/json", "{\"text\":\"\xFF\"}");
  ASSERT_FALSE(answer);
  EXPECT_TRUE(answer.error().message.starts_with("the answer is not valid JSON (")) << answer.error().message;
}

}  // namespace
}  // namespace topicdesk::integrations
