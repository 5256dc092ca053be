#include "core/event_json.h"

#include <gtest/gtest.h>

namespace topicdesk::core {
namespace {

TEST(EventJson, RoundTripKeepsEveryField) {
  Event e;
  e.kind = EventKind::kOperatorReaction;
  e.update_id = 42;
  e.date = 1700000000000;
  e.chat_id = -1001234567890;
  e.message_id = 77;
  e.thread_id = 5;
  e.reply_to_message_id = 9;
  e.from = Person{.id = 100,
                  .is_bot = false,
                  .first_name = "Ann",
                  .last_name = "Lee",
                  .username = "ann",
                  .language_code = "en",
                  .phone = "+100"};
  e.sender_is_anonymous_admin = true;
  e.content = ContentKind::kVideoNote;
  e.text = "caption \"quoted\" ✓";
  e.entities_json = R"([{"offset":0,"length":7,"type":"bold"}])";
  e.media_group_id = "album-1";
  e.new_reactions = {"👍", "🔥"};
  e.file_id = "FILE-1";
  e.replied = ReplyContent{.message_id = 8,
                           .content = ContentKind::kPhoto,
                           .text = "cap",
                           .entities_json = R"([{"offset":0,"length":3,"type":"italic"}])",
                           .file_id = "PHOTO",
                           .media_group_id = "g",
                           .reply_markup_json = R"({"inline_keyboard":[]})"};

  auto back = event_from_json(event_to_json(e));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->kind, e.kind);
  EXPECT_EQ(back->update_id, 42);
  EXPECT_EQ(back->chat_id, e.chat_id);
  EXPECT_EQ(back->thread_id, 5);
  EXPECT_EQ(back->reply_to_message_id, 9);
  EXPECT_EQ(back->from.username, "ann");
  EXPECT_EQ(back->from.phone, "+100");
  EXPECT_TRUE(back->sender_is_anonymous_admin);
  EXPECT_EQ(back->content, ContentKind::kVideoNote);
  EXPECT_EQ(back->text, e.text);
  EXPECT_EQ(back->entities_json, e.entities_json);
  EXPECT_EQ(back->media_group_id, "album-1");
  EXPECT_EQ(back->new_reactions, e.new_reactions);
  EXPECT_EQ(back->file_id, "FILE-1");
  EXPECT_EQ(back->replied.message_id, 8);
  EXPECT_EQ(back->replied.content, ContentKind::kPhoto);
  EXPECT_EQ(back->replied.text, "cap");
  EXPECT_EQ(back->replied.entities_json, e.replied.entities_json);
  EXPECT_EQ(back->replied.file_id, "PHOTO");
  EXPECT_EQ(back->replied.media_group_id, "g");
  EXPECT_EQ(back->replied.reply_markup_json, e.replied.reply_markup_json);
  // Rows written before these fields existed read as no file and no replied message.
  auto old = event_from_json(R"({"kind":"operator_message","update_id":1,"chat_id":-5,"message_id":2})");
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_EQ(old->file_id, "");
  EXPECT_EQ(old->replied.message_id, 0);
}

TEST(EventJson, HookAnswersAndSessionProblemsRoundTrip) {
  Event answer;
  answer.kind = EventKind::kHookAnswered;
  answer.update_id = 7;
  answer.dialog_id = 31;
  answer.text = R"({"text":"order 12 shipped"})";
  auto back = event_from_json(event_to_json(answer));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->kind, EventKind::kHookAnswered);
  EXPECT_EQ(back->dialog_id, 31);
  EXPECT_EQ(back->text, answer.text);

  Event problem;
  problem.kind = EventKind::kSessionProblem;
  problem.text = "the session was revoked";
  back = event_from_json(event_to_json(problem));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->kind, EventKind::kSessionProblem);
  EXPECT_EQ(back->dialog_id, 0);
  EXPECT_EQ(back->text, problem.text);
}

TEST(EventJson, ButtonPressesKeepTheirCallbackId) {
  Event press;
  press.kind = EventKind::kButtonPressed;
  press.update_id = 9;
  press.chat_id = 1001;
  press.message_id = 300;
  press.callback_id = "4382bfdwdsb323b2d9";
  press.text = "td:csat:7:5:0123456789abcdef";
  auto back = event_from_json(event_to_json(press));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->kind, EventKind::kButtonPressed);
  EXPECT_EQ(back->callback_id, press.callback_id);
  EXPECT_EQ(back->text, press.text);
  EXPECT_EQ(back->message_id, 300);
  EXPECT_FALSE(event_from_json(R"({"kind":"button_pressed","callback_id":5})").ok());
}

TEST(EventJson, MalformedInputNamesTheProblem) {
  EXPECT_NE(event_from_json("{").error().message.find("not valid JSON"), std::string::npos);
  EXPECT_NE(event_from_json("[]").error().message.find("JSON object"), std::string::npos);
  EXPECT_EQ(event_from_json(R"({"kind":"user_message","chat_id":"x"})").error().message,
            "event.chat_id must be an integer");
  EXPECT_EQ(event_from_json(R"({"kind":"nope"})").error().message, "event.kind: unknown kind 'nope'");
  EXPECT_EQ(event_from_json(R"({"kind":"user_message","from":{"id":true}})").error().message,
            "event.from.id must be an integer");
}

}  // namespace
}  // namespace topicdesk::core
