// The dispatcher's side of intercepted messages: one marked message in the topic, linked to the
// program's message so operators' replies and edits find it.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>

#include "dispatch_test_util.h"
#include "fake_bot_api.h"
#include "relay/dispatcher.h"
#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;
namespace json = boost::json;
using std::chrono::milliseconds;

core::Event program_message(core::MessageId id, std::string text) {
  core::Event e;
  e.kind = core::EventKind::kOutgoingSeen;
  e.update_id = (std::int64_t{1} << 53) + id;
  e.chat_id = kAnn;
  e.message_id = id;
  e.from = core::Person{.id = kBotId, .is_bot = true, .first_name = "Shop"};
  e.sender_is_bot = true;
  e.text = std::move(text);
  return e;
}

class InterceptDispatchTest : public DispatchFixture {
 protected:
  InterceptDispatchTest() { start(); }
};

TEST_F(InterceptDispatchTest, TextIsPostedInTheTopicAsAReplyAndLinked) {
  handle_and_settle(user_message(kAnn, 1, "hello"));  // topic 1000, card 5000, copy 5001
  auto answer = program_message(2, "Hi Ann");
  answer.reply_to_message_id = 1;
  answer.entities_json = R"([{"type":"bold","offset":0,"length":2}])";
  handle_and_settle(answer);
  const auto& call = api_.calls.back();
  EXPECT_EQ(call.method, "sendMessage");
  EXPECT_EQ(call.params.at("chat_id").as_int64(), kGroupId);
  EXPECT_EQ(call.params.at("message_thread_id").as_int64(), 1000);
  EXPECT_EQ(call.params.at("text").as_string(), "📤 Sent by the bot's program\nHi Ann");
  EXPECT_EQ(call.params.at("entities").as_array()[0].at("offset").as_int64(), 29);
  EXPECT_EQ(call.params.at("reply_parameters").at("message_id").as_int64(), 5001);
  auto link = store_->link_by_user_message(ann().id, 2);
  ASSERT_TRUE(link);
  EXPECT_EQ(link->group_message_id, 5002);
  // An operator replying to the intercepted copy replies to the program's message.
  auto reply = operator_message(1000, 7000, "Let me add something");
  reply.reply_to_message_id = 5002;
  handle_and_settle(reply);
  auto copies = api_.of("copyMessage");
  ASSERT_EQ(copies.size(), 2u);
  EXPECT_EQ(copies.back().params.at("reply_parameters").at("message_id").as_int64(), 2);
}

TEST_F(InterceptDispatchTest, CaptionsAreMarkedAndContentWithoutCaptionGetsAMarkerButton) {
  handle_and_settle(user_message(kAnn, 1, "hello"));
  auto photo = program_message(2, "Invoice");
  photo.content = core::ContentKind::kPhoto;
  handle_and_settle(photo);
  auto copy = api_.calls.back();
  EXPECT_EQ(copy.method, "copyMessage");
  EXPECT_EQ(copy.params.at("from_chat_id").as_int64(), kAnn);
  EXPECT_EQ(copy.params.at("message_id").as_int64(), 2);
  EXPECT_EQ(copy.params.at("caption").as_string(), "📤 Sent by the bot's program\nInvoice");
  EXPECT_FALSE(copy.params.contains("reply_markup"));

  auto sticker = program_message(3, "");
  sticker.content = core::ContentKind::kSticker;
  handle_and_settle(sticker);
  copy = api_.calls.back();
  EXPECT_EQ(copy.method, "copyMessage");
  EXPECT_FALSE(copy.params.contains("caption"));
  EXPECT_EQ(
      copy.params.at("reply_markup").at("inline_keyboard").as_array()[0].as_array()[0].at("text").as_string(),
      "📤 intercepted");
}

TEST_F(InterceptDispatchTest, FirstContactCreatesTheTopicFirst) {
  handle_and_settle(program_message(2, "We have news"));
  ASSERT_GE(api_.calls.size(), 3u);
  EXPECT_EQ(api_.calls[0].method, "createForumTopic");
  EXPECT_EQ(api_.calls.back().method, "sendMessage");
  EXPECT_EQ(api_.calls.back().params.at("message_thread_id").as_int64(), 1000);
}

}  // namespace
}  // namespace topicdesk::relay
