// Edits of outgoing messages: a message the account's owner (or the bot's
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

constexpr std::string_view kTdMenu = R"({"@type":"replyMarkupInlineKeyboard","rows":[[
    {"@type":"inlineKeyboardButton","text":"Tea","type":{"@type":"inlineKeyboardButtonTypeCallback","data":"dGVh"}},
    {"@type":"inlineKeyboardButton","text":"Shop","type":{"@type":"inlineKeyboardButtonTypeUrl","url":"https://s.example"}}],
    [{"@type":"inlineKeyboardButton","text":"App","type":{"@type":"inlineKeyboardButtonTypeWebApp","url":"https://a.example"}}]]})";
constexpr std::string_view kBotMenu =
    R"({"inline_keyboard":[[{"text":"Tea","callback_data":""},{"text":"Shop","url":"https://s.example"}],)"
    R"([{"text":"App","web_app":{"url":"https://a.example"}}]]})";

json::object edited(std::int64_t td_id, std::int64_t edit_date, std::string_view markup = "null") {
  return parse(R"({"@type":"updateMessageEdited","chat_id":7001,"message_id":)" + std::to_string(td_id) +
               R"(,"edit_date":)" + std::to_string(edit_date) + R"(,"reply_markup":)" + std::string(markup) +
               "}");
}

// An edit as TDLib reports it: updateMessageContent (nothing yet), then updateMessageEdited.
std::optional<core::Event> edit(ProfileCache& profiles, std::int64_t td_id, std::string_view text,
                                std::int64_t edit_date = 1700000100) {
  EXPECT_FALSE(incoming_event(text_edit(td_id, text), profiles)) << "the content alone is not the edit yet";
  return incoming_event(edited(td_id, edit_date), profiles);
}

TEST(TdAdapterOutgoingEdit, TheOwnersEditOfAMessageSentElsewhereFollowsTheCopy) {
  ProfileCache profiles = profiles_knowing_self(false);
  const std::int64_t td_id = 9 * kMessageIdFactor;
  auto seen = incoming_event(sent_elsewhere(td_id), profiles);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->kind, EventKind::kOutgoingSeen);

  auto edit = tdlib::edit(profiles, td_id, "New menu");
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
  auto edit = tdlib::edit(profiles, td_id, "Prices");
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
  EXPECT_FALSE(incoming_event(edited(12582912, 5), profiles));
}

TEST(TdAdapterOutgoingEdit, TheUsersEditStaysAUserEdit) {
  ProfileCache profiles = profiles_knowing_self(false);
  ASSERT_TRUE(incoming_event(sent_elsewhere(9 * kMessageIdFactor), profiles));
  auto edit = incoming_event(text_edit(8 * kMessageIdFactor, "my own words"), profiles);
  ASSERT_TRUE(edit);
  EXPECT_EQ(edit->kind, EventKind::kUserEdit);
  EXPECT_EQ(edit->from.id, 7001);
  EXPECT_FALSE(incoming_event(edited(8 * kMessageIdFactor, 5), profiles))
      << "its updateMessageEdited adds nothing";
}

TEST(TdAdapterOutgoingEdit, ARedeliveredEditDedupesAndEditingBackIsANewEdit) {
  ProfileCache profiles = profiles_knowing_self(false);
  const std::int64_t td_id = 9 * kMessageIdFactor;
  ASSERT_TRUE(incoming_event(sent_elsewhere(td_id), profiles));
  ASSERT_FALSE(incoming_event(text_edit(td_id, "One"), profiles));
  auto first = make_incoming(edited(td_id, 100), context(), profiles, 1);
  ASSERT_TRUE(first && first->event);
  // The same update again (a redelivery) is the same inbox entry …
  ASSERT_FALSE(incoming_event(text_edit(td_id, "One"), profiles));
  auto again = make_incoming(edited(td_id, 100), context(), profiles, 2);
  ASSERT_TRUE(again && again->event);
  EXPECT_EQ(first->update_id, again->update_id);
  // … while editing to other text and back are two more edits.
  auto other = edit(profiles, td_id, "Two", 200);
  auto back = edit(profiles, td_id, "One", 300);
  ASSERT_TRUE(other && back);
  EXPECT_NE(back->update_id, first->update_id);
  EXPECT_EQ(back->text, "One");
}

TEST(TdAdapterOutgoingEdit, ButtonsAreListedAndAKeyboardOnlyEditFollowsToo) {
  ProfileCache profiles = profiles_knowing_self(true);
  const std::int64_t td_id = 9 * kMessageIdFactor;
  auto message = sent_elsewhere(td_id);
  message["message"].as_object()["reply_markup"] = json::parse(kTdMenu);
  auto seen = incoming_event(message, profiles);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->reply_markup_json, kBotMenu);

  // The keyboard changes, the text does not (editMessageReplyMarkup): one edit, text as it was.
  auto back_only =
      R"({"@type":"replyMarkupInlineKeyboard","rows":[[{"@type":"inlineKeyboardButton","text":"Back",
      "type":{"@type":"inlineKeyboardButtonTypeCallback","data":"YmFjaw=="}}]]})";
  auto keyboard_edit = incoming_event(edited(td_id, 100, back_only), profiles);
  ASSERT_TRUE(keyboard_edit);
  EXPECT_EQ(keyboard_edit->kind, EventKind::kOutgoingEdit);
  EXPECT_EQ(keyboard_edit->text, "Menu");
  EXPECT_EQ(keyboard_edit->reply_markup_json,
            R"({"inline_keyboard":[[{"text":"Back","callback_data":""}]]})");
  // Nothing changed at all: nothing to follow.
  EXPECT_FALSE(incoming_event(edited(td_id, 101, back_only), profiles));
  // Text and keyboard change together: ONE edit with both.
  ASSERT_FALSE(incoming_event(text_edit(td_id, "Tea list"), profiles));
  auto both = incoming_event(edited(td_id, 200, kTdMenu), profiles);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->text, "Tea list");
  EXPECT_EQ(both->reply_markup_json, kBotMenu);
}

TEST(TdAdapterOutgoingEdit, MalformedEditUpdatesAreErrorsOrNothing) {
  ProfileCache profiles = profiles_knowing_self(false);
  auto missing =
      make_incoming(parse(R"({"@type":"updateMessageEdited","chat_id":7001})"), context(), profiles, 0);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->parse_error.empty());
  EXPECT_EQ(bot_reply_markup_json(nullptr), "");
  json::value odd = json::parse(R"({"@type":"replyMarkupInlineKeyboard","rows":[7,[1,{"text":5}]]})");
  EXPECT_EQ(bot_reply_markup_json(&odd), R"({"inline_keyboard":[[],[{"text":"","callback_data":""}]]})");
  json::value reply_keyboard = json::parse(R"({"@type":"replyMarkupShowKeyboard","rows":[]})");
  EXPECT_EQ(bot_reply_markup_json(&reply_keyboard), "");
}

}  // namespace
}  // namespace topicdesk::telegram::tdlib
