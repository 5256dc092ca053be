// Edits of outgoing messages (issue 4 follow-up): a message the account's owner (or the bot's
// other session) sent from elsewhere was intercepted; its edit must reach the copy as
// kOutgoingEdit, while edits of the desk's own sends stay ignored and the user's edits stay
// kUserEdit.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "telegram/tdlib/td_adapter.h"

namespace topicdesk::telegram::tdlib {
namespace {
namespace json = boost::json;
using core::ContentKind;
using core::EventKind;

constexpr core::UserId kSelf = 5000;

json::object parse(std::string_view text) { return json::parse(text).as_object(); }

AdapterContext context() { return AdapterContext{.backend_group_id = -1001234567890, .self_id = kSelf}; }

ProfileCache profiles_knowing_self(bool self_is_bot) {
  ProfileCache profiles;
  std::string type = self_is_bot ? "userTypeBot" : "userTypeRegular";
  profiles.remember(
      parse(R"({"@type":"user","id":5000,"first_name":"Shop","type":{"@type":")" + type + R"("}})"));
  return profiles;
}

// The owner's message to user 7001, sent from another device (no sending_state).
json::object sent_elsewhere(std::int64_t td_id) {
  return parse(R"({"@type":"updateNewMessage","message":{"@type":"message","id":)" + std::to_string(td_id) +
               R"(,"sender_id":{"@type":"messageSenderUser","user_id":5000},"chat_id":7001,"is_outgoing":true,
               "date":1700000001,"content":{"@type":"messageText","text":{"@type":"formattedText","text":"Menu",
               "entities":[]}}}})");
}

json::object text_edit(std::int64_t td_id, std::string_view text) {
  return parse(
      R"({"@type":"updateMessageContent","chat_id":7001,"message_id":)" + std::to_string(td_id) +
      R"(,"new_content":{"@type":"messageText","text":{"@type":"formattedText","text":")" +
      std::string(text) +
      R"(","entities":[{"@type":"textEntity","offset":0,"length":3,"type":{"@type":"textEntityTypeBold"}}]}}})");
}

std::optional<core::Event> incoming_event(const json::object& update, ProfileCache& profiles) {
  auto incoming = make_incoming(update, context(), profiles, 1'700'000'200'000);
  if (!incoming) return std::nullopt;
  EXPECT_TRUE(incoming->parse_error.empty()) << incoming->parse_error;
  return incoming->event;
}

TEST(TdAdapterOutgoingEdit, TheOwnersEditOfAMessageSentElsewhereFollowsTheCopy) {
  ProfileCache profiles = profiles_knowing_self(false);
  const std::int64_t td_id = 9 * kMessageIdFactor;
  auto seen = incoming_event(sent_elsewhere(td_id), profiles);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->kind, EventKind::kOutgoingSeen);

  auto edit = incoming_event(text_edit(td_id, "New menu"), profiles);
  ASSERT_TRUE(edit);
  EXPECT_EQ(edit->kind, EventKind::kOutgoingEdit);
  EXPECT_EQ(edit->chat_id, 7001);
  EXPECT_EQ(edit->message_id, 9);
  EXPECT_EQ(edit->content, ContentKind::kText);
  EXPECT_EQ(edit->text, "New menu");
  EXPECT_EQ(edit->entities_json, R"([{"offset":0,"length":3,"type":"bold"}])");
  EXPECT_EQ(edit->from.id, kSelf);
  EXPECT_FALSE(edit->from.is_bot) << "the owner is a human: the copy keeps the owner's marker";
  EXPECT_EQ(edit->date, 1'700'000'200'000);
}

TEST(TdAdapterOutgoingEdit, TheBotsOtherSessionKeepsTheProgramsMarker) {
  ProfileCache profiles = profiles_knowing_self(true);
  const std::int64_t td_id = 4 * kMessageIdFactor;
  ASSERT_TRUE(incoming_event(sent_elsewhere(td_id), profiles));
  auto edit = incoming_event(text_edit(td_id, "Prices"), profiles);
  ASSERT_TRUE(edit);
  EXPECT_EQ(edit->kind, EventKind::kOutgoingEdit);
  EXPECT_TRUE(edit->from.is_bot);
  EXPECT_TRUE(edit->sender_is_bot);
}

TEST(TdAdapterOutgoingEdit, EditsOfTheDesksOwnSendsStayIgnored) {
  ProfileCache profiles = profiles_knowing_self(false);
  auto pending = parse(R"({"@type":"updateNewMessage","message":{"@type":"message","id":11,
      "sender_id":{"@type":"messageSenderUser","user_id":5000},"chat_id":7001,"is_outgoing":true,"date":1,
      "sending_state":{"@type":"messageSendingStatePending"},
      "content":{"@type":"messageText","text":{"@type":"formattedText","text":"x","entities":[]}}}})");
  EXPECT_FALSE(incoming_event(pending, profiles));
  auto sent = parse(R"({"@type":"updateMessageSendSucceeded","old_message_id":11,"message":{"@type":"message",
      "id":12582912,"chat_id":7001,"is_outgoing":true,"date":1,"content":{"@type":"messageText",
      "text":{"@type":"formattedText","text":"x","entities":[]}}}})");
  EXPECT_FALSE(incoming_event(sent, profiles));
  EXPECT_FALSE(incoming_event(text_edit(12582912, "operator fixed a typo"), profiles));
}

TEST(TdAdapterOutgoingEdit, TheUsersEditStaysAUserEdit) {
  ProfileCache profiles = profiles_knowing_self(false);
  ASSERT_TRUE(incoming_event(sent_elsewhere(9 * kMessageIdFactor), profiles));
  auto edit = incoming_event(text_edit(8 * kMessageIdFactor, "my own words"), profiles);
  ASSERT_TRUE(edit);
  EXPECT_EQ(edit->kind, EventKind::kUserEdit);
  EXPECT_EQ(edit->from.id, 7001);
}

TEST(TdAdapterOutgoingEdit, TheSameEditTwiceHasOneUpdateIdAndAnotherEditAnother) {
  ProfileCache profiles = profiles_knowing_self(false);
  const std::int64_t td_id = 9 * kMessageIdFactor;
  ASSERT_TRUE(incoming_event(sent_elsewhere(td_id), profiles));
  auto first = make_incoming(text_edit(td_id, "One"), context(), profiles, 1);
  auto again = make_incoming(text_edit(td_id, "One"), context(), profiles, 2);
  auto other = make_incoming(text_edit(td_id, "Two"), context(), profiles, 3);
  ASSERT_TRUE(first && again && other);
  EXPECT_EQ(first->update_id, again->update_id) << "a redelivered update dedupes in the inbox";
  EXPECT_NE(first->update_id, other->update_id);
}

}  // namespace
}  // namespace topicdesk::telegram::tdlib
