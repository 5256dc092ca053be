// The proxy's pure parts: which updates the program gets, which answers are intercepted, and
// how a call's parameters are read from any body Telegram accepts.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "proxy/bot_api_proxy.h"

namespace topicdesk::proxy {
namespace {
namespace json = boost::json;
namespace bhttp = boost::beast::http;

constexpr core::ChatId kGroup = -1001000;
constexpr core::UserId kBot = 500;

TEST(ClassifyUpdate, TheBackendGroupIsTheDesksBusiness) {
  EXPECT_FALSE(classify_update(
      R"({"update_id":1,"message":{"message_id":1,"chat":{"id":-1001000,"type":"supergroup"}}})", kGroup));
  EXPECT_FALSE(classify_update(
      R"({"update_id":2,"callback_query":{"id":"q","message":{"chat":{"id":-1001000}}}})", kGroup));
  auto own = classify_update(
      R"({"update_id":3,"message":{"message_id":1,"chat":{"id":42,"type":"private"}}})", kGroup);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->kind, "message");
  EXPECT_EQ(own->chat_id, 42);
  auto inline_query = classify_update(R"({"update_id":4,"inline_query":{"id":"x","query":"tea"}})", kGroup);
  ASSERT_TRUE(inline_query);
  EXPECT_EQ(inline_query->kind, "inline_query");
  EXPECT_TRUE(classify_update("not json", kGroup));  // the program still gets what we cannot read
}

TEST(ClassifyUpdate, TheDesksInvoicesAreTheDesksAndTheProgramsStayThePrograms) {
  EXPECT_FALSE(classify_update(
      R"({"update_id":5,"pre_checkout_query":{"id":"q","from":{"id":42},"currency":"XTR","total_amount":1,)"
      R"("invoice_payload":"td:inv:3"}})",
      kGroup));
  EXPECT_FALSE(classify_update(
      R"({"update_id":6,"message":{"message_id":2,"chat":{"id":42,"type":"private"},)"
      R"("successful_payment":{"currency":"XTR","total_amount":1,"invoice_payload":"td:inv:3",)"
      R"("telegram_payment_charge_id":"c"}}})",
      kGroup));
  auto program = classify_update(
      R"({"update_id":7,"pre_checkout_query":{"id":"q","from":{"id":42},"currency":"XTR","total_amount":1,)"
      R"("invoice_payload":"order-9"}})",
      kGroup);
  ASSERT_TRUE(program);
  EXPECT_EQ(program->kind, "pre_checkout_query");
  EXPECT_TRUE(classify_update(
      R"({"update_id":8,"message":{"message_id":3,"chat":{"id":42,"type":"private"},)"
      R"("successful_payment":{"currency":"XTR","total_amount":1,"invoice_payload":"order-9",)"
      R"("telegram_payment_charge_id":"d"}}})",
      kGroup));
}

TEST(CameBack, OnlyAfterTakingNothingWhileOldUpdatesWaited) {
  constexpr core::UnixMillis kOutage = 60'000, kNow = 10'000'000;
  EXPECT_TRUE(came_back(kNow, 0, kNow - kOutage, kOutage));  // first take since the desk started
  EXPECT_TRUE(came_back(kNow, kNow - 3'600'000, kNow - 3'000'000, kOutage));  // away an hour
  EXPECT_FALSE(came_back(kNow, kNow - 1'000, kNow - 3'000'000, kOutage));     // taking all along
  EXPECT_FALSE(came_back(kNow, kNow - 3'600'000, kNow - 1'000, kOutage));     // idle: the update is new
  EXPECT_FALSE(came_back(kNow, kNow - 3'600'000, 0, kOutage));                // nothing waits
}

TEST(DialogChat, MessagesAndEditsInPrivateChatsOnly) {
  EXPECT_EQ(dialog_chat({"message", 42}), 42);
  EXPECT_EQ(dialog_chat({"edited_message", 42}), 42);
  EXPECT_EQ(dialog_chat({"callback_query", 42}), 0);
  EXPECT_EQ(dialog_chat({"my_chat_member", 42}), 0);
  EXPECT_EQ(dialog_chat({"message", -100123}), 0);  // a group the bot is in
}

TEST(ClassifyUpdate, PressesOfTheDesksRatingButtonsAreNotTheProgramsOthersAre) {
  EXPECT_FALSE(classify_update(
      R"({"update_id":5,"callback_query":{"id":"q","from":{"id":42},"message":{"message_id":3,"chat":{"id":42,)"
      R"("type":"private"}},"data":"td:csat:7:5:0123456789abcdef"}})",
      kGroup));
  auto program = classify_update(
      R"({"update_id":6,"callback_query":{"id":"q","from":{"id":42},"message":{"message_id":4,"chat":{"id":42,)"
      R"("type":"private"}},"data":"buy:7"}})",
      kGroup);
  ASSERT_TRUE(program);
  EXPECT_EQ(program->kind, "callback_query");
  EXPECT_EQ(program->chat_id, 42);
  EXPECT_TRUE(
      classify_update(R"({"update_id":7,"callback_query":{"id":"q","from":{"id":42},"data":7}})", kGroup));
}

telegram::ParseContext context() { return telegram::ParseContext{kBot, {kGroup}}; }

TEST(SentMessages, PrivateChatMessagesBecomeOutgoingSeenEvents) {
  json::value result = json::parse(R"({"message_id":7,"date":1700000000,
      "from":{"id":500,"is_bot":true,"first_name":"Shop"},"chat":{"id":42,"type":"private","first_name":"Ann"},
      "text":"Hi","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}})");
  auto events = sent_messages("sendMessage", {}, result, context());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, core::EventKind::kOutgoingSeen);
  EXPECT_EQ(events[0].chat_id, 42);
  EXPECT_EQ(events[0].message_id, 7);
  EXPECT_EQ(events[0].text, "Hi");
  EXPECT_TRUE(events[0].sender_is_bot);
  EXPECT_EQ(events[0].reply_markup_json, R"({"inline_keyboard":[[{"text":"A","callback_data":"a"}]]})");
}

TEST(SentMessages, AlbumsGroupsAndOtherMethods) {
  json::value album = json::parse(R"([
      {"message_id":8,"date":1,"chat":{"id":42,"type":"private"},"media_group_id":"g","photo":[{"file_id":"p","file_unique_id":"u","width":1,"height":1}]},
      {"message_id":9,"date":1,"chat":{"id":42,"type":"private"},"media_group_id":"g","photo":[{"file_id":"p","file_unique_id":"u","width":1,"height":1}]}])");
  auto events = sent_messages("sendMediaGroup", {}, album, context());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].media_group_id, "g");
  EXPECT_EQ(events[1].content, core::ContentKind::kPhoto);
  json::value in_group =
      json::parse(R"({"message_id":1,"date":1,"chat":{"id":-100,"type":"supergroup"},"text":"x"})");
  EXPECT_TRUE(sent_messages("sendMessage", {}, in_group, context()).empty());
  json::value private_text =
      json::parse(R"({"message_id":1,"date":1,"chat":{"id":42,"type":"private"},"text":"x"})");
  EXPECT_TRUE(sent_messages("getChat", {}, private_text, context()).empty());
  EXPECT_TRUE(sent_messages("editMessageText", {}, private_text, context()).empty());
}

TEST(SentMessages, CopyMessageTakesTheChatFromTheCall) {
  json::object params{{"chat_id", "42"}, {"from_chat_id", 7}, {"message_id", 3}};
  auto events = sent_messages("copyMessage", params, json::parse(R"({"message_id":11})"), context());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].chat_id, 42);
  EXPECT_EQ(events[0].message_id, 11);
  EXPECT_EQ(events[0].content, core::ContentKind::kOther);
  EXPECT_EQ(events[0].media_group_id, "copied:11") << "copied from the user's chat behind one marker";
  params["chat_id"] = "@channel";
  EXPECT_TRUE(sent_messages("copyMessage", params, json::parse(R"({"message_id":11})"), context()).empty());
}

TEST(SentMessages, TheIdsOfOneCopyCallShareOneBatch) {
  json::object params{{"chat_id", 42}, {"from_chat_id", 42}, {"message_ids", "[3,4,5]"}};
  auto events = sent_messages("copyMessages", params, json::parse(R"([{"message_id":20},{"message_id":21}])"),
                              context());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].media_group_id, "copied:20");
  EXPECT_EQ(events[1].media_group_id, "copied:20");
  EXPECT_EQ(events[1].message_id, 21);
  auto forwarded = sent_messages("forwardMessages", params, json::parse(R"([{"message_id":30}])"), context());
  ASSERT_EQ(forwarded.size(), 1u);
  EXPECT_EQ(forwarded[0].media_group_id, "copied:30");
}

// Edits of the program's messages (the edited Message is the answer).
TEST(EditedMessage, PrivateChatEditsBecomeOutgoingEditEvents) {
  json::value result = json::parse(R"({"message_id":7,"date":1700000000,"edit_date":1700000050,
      "from":{"id":500,"is_bot":true,"first_name":"Shop"},"chat":{"id":42,"type":"private","first_name":"Ann"},
      "text":"Tea costs 3 EUR","entities":[{"offset":10,"length":5,"type":"bold"}],
      "reply_markup":{"inline_keyboard":[[{"text":"Back","callback_data":"back"}]]}})");
  for (const char* method : {"editMessageText", "editmessagereplymarkup"}) {
    auto e = edited_message(method, result, context());
    ASSERT_TRUE(e) << method;
    EXPECT_EQ(e->kind, core::EventKind::kOutgoingEdit);
    EXPECT_EQ(e->chat_id, 42);
    EXPECT_EQ(e->message_id, 7);
    EXPECT_EQ(e->text, "Tea costs 3 EUR");
    EXPECT_EQ(e->entities_json, R"([{"offset":10,"length":5,"type":"bold"}])");
    EXPECT_EQ(e->reply_markup_json, R"({"inline_keyboard":[[{"text":"Back","callback_data":"back"}]]})");
    EXPECT_TRUE(e->sender_is_bot);
    EXPECT_FALSE(e->media_replaced);
  }
  json::value photo = json::parse(R"({"message_id":8,"date":1,"chat":{"id":42,"type":"private"},
      "photo":[{"file_id":"p","file_unique_id":"u","width":1,"height":1}],"caption":"New menu"})");
  auto media = edited_message("editMessageMedia", photo, context());
  ASSERT_TRUE(media);
  EXPECT_EQ(media->content, core::ContentKind::kPhoto);
  EXPECT_EQ(media->text, "New menu");
  EXPECT_TRUE(media->media_replaced);
  ASSERT_TRUE(edited_message("editMessageCaption", photo, context()));
  EXPECT_FALSE(edited_message("editMessageCaption", photo, context())->media_replaced);
}

TEST(EditedMessage, InlineGroupAndOtherMethodsAreNotEdits) {
  EXPECT_FALSE(edited_message("editMessageText", json::value(true), context()))
      << "inline messages answer true";
  json::value in_group =
      json::parse(R"({"message_id":1,"date":1,"chat":{"id":-100,"type":"supergroup"},"text":"x"})");
  EXPECT_FALSE(edited_message("editMessageText", in_group, context()));
  json::value private_text =
      json::parse(R"({"message_id":1,"date":1,"chat":{"id":42,"type":"private"},"text":"x"})");
  EXPECT_FALSE(edited_message("sendMessage", private_text, context()));
  EXPECT_FALSE(edited_message("editMessageLiveLocation", private_text, context()));
  EXPECT_FALSE(edited_message("editMessageText", json::parse("[]"), context()));
}

http::Request request(std::string target, std::string type, std::string body) {
  http::Request r{bhttp::verb::post, target, 11};
  if (!type.empty()) r.set(bhttp::field::content_type, type);
  r.body() = std::move(body);
  return r;
}

TEST(CallParams, QueryJsonUrlencodedAndMultipart) {
  auto p = call_params(request("/botT/getUpdates?offset=5&timeout=2", "", ""));
  EXPECT_EQ(p.at("offset").as_string(), "5");
  p = call_params(
      request("/botT/getUpdates", "application/json", R"({"offset":7,"allowed_updates":["message"]})"));
  EXPECT_EQ(p.at("offset").as_int64(), 7);
  EXPECT_TRUE(p.at("allowed_updates").is_array());
  p = call_params(request("/botT/sendMessage", "application/x-www-form-urlencoded", "chat_id=42&text=a%20b"));
  EXPECT_EQ(p.at("text").as_string(), "a b");
  std::string multipart =
      "--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; "
      "filename=\"a.jpg\"\r\n\r\nBINARY\r\n--XyZ--\r\n";
  p = call_params(request("/botT/sendPhoto", "multipart/form-data; boundary=XyZ", multipart));
  EXPECT_EQ(p.at("chat_id").as_string(), "42");
  EXPECT_FALSE(p.contains("photo"));
  EXPECT_TRUE(call_params(request("/botT/x", "application/json", "{broken")).empty());
  EXPECT_TRUE(call_params(request("/botT/x", "multipart/form-data; boundary=Q", "--Q\r\nno end")).empty());
}

}  // namespace
}  // namespace topicdesk::proxy
