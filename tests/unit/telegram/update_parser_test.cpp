#include "telegram/update_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace topicdesk::telegram {
namespace {

using core::ContentKind;
using core::EventKind;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr core::ChatId kGroup = -1001987654321;
constexpr core::UserId kBot = 7000000001;

ParseContext context() { return ParseContext{kBot, {kGroup}}; }

// Parses and requires an event; fails the test with the parser's error otherwise.
core::Event event_of(const std::string& json) {
  auto parsed = parse_update(std::string_view(json), context());
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  if (!parsed.ok() || !parsed.value().has_value()) {
    ADD_FAILURE() << "no event for " << json;
    return {};
  }
  return **parsed;
}

std::string error_of(const std::string& json) {
  auto parsed = parse_update(std::string_view(json), context());
  EXPECT_FALSE(parsed.ok()) << "parsed: " << json;
  return parsed.ok() ? std::string() : parsed.error().message;
}

bool ignored(const std::string& json) {
  auto parsed = parse_update(std::string_view(json), context());
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() && !parsed.value().has_value();
}

const char* kUserFrom =
    R"("from":{"id":555001,"is_bot":false,"first_name":"Anna","last_name":"Berg","username":"anna_b","language_code":"de"})";
const char* kUserChat =
    R"("chat":{"id":555001,"first_name":"Anna","last_name":"Berg","username":"anna_b","type":"private"})";
const char* kGroupChat =
    R"("chat":{"id":-1001987654321,"title":"Support desk","is_forum":true,"type":"supergroup"})";
const char* kOperatorFrom =
    R"("from":{"id":555900,"is_bot":false,"first_name":"Olga","username":"olga_support","language_code":"en"})";

// A private message from Anna with the given extra message fields.
std::string user_message(const std::string& fields, const char* kind = "message") {
  return std::string(R"({"update_id":800100200,")") + kind + R"(":{"message_id":42,)" + kUserFrom + "," +
         kUserChat + R"(,"date":1732200000,)" + fields + "}}";
}

// A message in the backend group from Olga with the given extra message fields.
std::string group_message(const std::string& fields, const char* kind = "message") {
  return std::string(R"({"update_id":800100300,")") + kind + R"(":{"message_id":9001,)" + kOperatorFrom +
         "," + kGroupChat + R"(,"date":1732200100,)" + fields + "}}";
}

TEST(UpdateParser, PrivateTextMessageIsAUserMessage) {
  core::Event e = event_of(user_message(
      R"("text":"Hello, my order #123 did not arrive","entities":[{"offset":0,"length":5,"type":"bold"}])"));
  EXPECT_EQ(e.kind, EventKind::kUserMessage);
  EXPECT_EQ(e.update_id, 800100200);
  EXPECT_EQ(e.chat_id, 555001);
  EXPECT_EQ(e.message_id, 42);
  EXPECT_EQ(e.thread_id, 0);
  EXPECT_EQ(e.reply_to_message_id, 0);
  EXPECT_EQ(e.date, 1732200000000);
  EXPECT_EQ(e.content, ContentKind::kText);
  EXPECT_EQ(e.text, "Hello, my order #123 did not arrive");
  EXPECT_EQ(e.from.id, 555001);
  EXPECT_FALSE(e.from.is_bot);
  EXPECT_EQ(e.from.first_name, "Anna");
  EXPECT_EQ(e.from.last_name, "Berg");
  EXPECT_EQ(e.from.username, "anna_b");
  EXPECT_EQ(e.from.language_code, "de");
  EXPECT_FALSE(e.is_service);
  EXPECT_FALSE(e.sender_is_bot);
  EXPECT_FALSE(e.sender_is_anonymous_admin);
}

TEST(UpdateParser, StartCommandWithDeepLinkKeepsTheText) {
  core::Event e = event_of(user_message(
      R"("text":"/start promo_2024","entities":[{"offset":0,"length":6,"type":"bot_command"}])"));
  EXPECT_EQ(e.text, "/start promo_2024");
}

TEST(UpdateParser, EntitiesOfTextOrCaptionAreKeptAsJson) {
  core::Event text = event_of(user_message(
      R"("edit_date":1732200060,"text":"Hello Anna","entities":[{"offset":0,"length":5,"type":"bold"}])",
      "edited_message"));
  EXPECT_EQ(text.entities_json, R"([{"offset":0,"length":5,"type":"bold"}])");
  core::Event caption = event_of(group_message(
      R"("photo":[{"file_id":"p1","file_unique_id":"u1","width":90,"height":90}],"caption":"See docs",)"
      R"("caption_entities":[{"offset":4,"length":4,"type":"text_link","url":"https://example.com/"}])"));
  EXPECT_EQ(caption.entities_json,
            R"([{"offset":4,"length":4,"type":"text_link","url":"https://example.com/"}])");
  EXPECT_EQ(event_of(user_message(R"("text":"plain")")).entities_json, "");
}

TEST(UpdateParser, EditedPrivateMessageIsAUserEditDatedByTheEdit) {
  core::Event e =
      event_of(user_message(R"("edit_date":1732200060,"text":"Hello, order #124")", "edited_message"));
  EXPECT_EQ(e.kind, EventKind::kUserEdit);
  EXPECT_EQ(e.message_id, 42);
  EXPECT_EQ(e.date, 1732200060000);
  EXPECT_EQ(e.text, "Hello, order #124");
}

TEST(UpdateParser, PrivateReplyCarriesTheRepliedMessage) {
  core::Event e = event_of(user_message(
      R"("text":"this one","reply_to_message":{"message_id":40,"from":{"id":7000000001,"is_bot":true,"first_name":"Desk"},"chat":{"id":555001,"type":"private"},"date":1732199000,"text":"Hi"})"));
  EXPECT_EQ(e.reply_to_message_id, 40);
}

struct ContentCase {
  const char* name;
  std::string fields;
  ContentKind kind;
  std::string text;
};

class UpdateParserContent : public ::testing::TestWithParam<ContentCase> {};

TEST_P(UpdateParserContent, RecognisesTheContentKind) {
  const ContentCase& c = GetParam();
  core::Event e = event_of(user_message(c.fields));
  EXPECT_EQ(e.content, c.kind) << c.name;
  EXPECT_EQ(e.text, c.text) << c.name;
  EXPECT_EQ(e.kind, EventKind::kUserMessage);
}

const char* kPhotoSizes =
    R"([{"file_id":"AgACAgIAAx0","file_unique_id":"AQADu","file_size":1024,"width":90,"height":67},{"file_id":"AgACAgIAAx1","file_unique_id":"AQADv","file_size":40000,"width":800,"height":600}])";

INSTANTIATE_TEST_SUITE_P(
    AllKinds, UpdateParserContent,
    ::testing::Values(
        ContentCase{"photo", std::string(R"("photo":)") + kPhotoSizes + R"(,"caption":"broken box")",
                    ContentKind::kPhoto, "broken box"},
        ContentCase{
            "video",
            R"("video":{"file_id":"BAACAgI","file_unique_id":"AgAD","width":640,"height":360,"duration":12})",
            ContentKind::kVideo, ""},
        ContentCase{
            "animation",
            R"("animation":{"file_id":"CgACAgQ","file_unique_id":"AgADa","width":320,"height":240,"duration":3},"document":{"file_id":"CgACAgQ","file_unique_id":"AgADa","file_name":"giphy.mp4","mime_type":"video/mp4"})",
            ContentKind::kAnimation, ""},
        ContentCase{
            "document",
            R"("document":{"file_id":"BQACAgI","file_unique_id":"AgADd","file_name":"invoice.pdf","mime_type":"application/pdf"},"caption":"my invoice")",
            ContentKind::kDocument, "my invoice"},
        ContentCase{
            "audio",
            R"("audio":{"file_id":"CQACAgI","file_unique_id":"AgADau","duration":180,"performer":"Band","title":"Song"})",
            ContentKind::kAudio, ""},
        ContentCase{
            "voice",
            R"("voice":{"file_id":"AwACAgI","file_unique_id":"AgADv","duration":4,"mime_type":"audio/ogg"})",
            ContentKind::kVoice, ""},
        ContentCase{
            "video_note",
            R"("video_note":{"file_id":"DQACAgI","file_unique_id":"AgADvn","length":240,"duration":5})",
            ContentKind::kVideoNote, ""},
        ContentCase{
            "sticker",
            R"("sticker":{"file_id":"CAACAgI","file_unique_id":"AgADs","type":"regular","width":512,"height":512,"is_animated":false,"is_video":false,"emoji":"\ud83d\ude00"})",
            ContentKind::kSticker, ""},
        ContentCase{"location", R"("location":{"latitude":52.52,"longitude":13.405})", ContentKind::kLocation,
                    ""},
        ContentCase{
            "venue",
            R"("location":{"latitude":52.52,"longitude":13.405},"venue":{"location":{"latitude":52.52,"longitude":13.405},"title":"Cafe","address":"Unter den Linden 1"})",
            ContentKind::kVenue, ""},
        ContentCase{"contact",
                    R"("contact":{"phone_number":"+491701234567","first_name":"Max","user_id":555777})",
                    ContentKind::kContact, ""},
        ContentCase{
            "poll",
            R"("poll":{"id":"5432","question":"Which?","options":[{"text":"a","voter_count":0},{"text":"b","voter_count":0}],"total_voter_count":0,"is_closed":false,"is_anonymous":true,"type":"regular","allows_multiple_answers":false})",
            ContentKind::kPoll, ""},
        ContentCase{"dice", R"("dice":{"emoji":"\ud83c\udfb2","value":4})", ContentKind::kDice, ""},
        ContentCase{"story", R"("story":{"chat":{"id":555002,"type":"private"},"id":17})",
                    ContentKind::kStory, ""},
        ContentCase{"game", R"("game":{"title":"Tetris","description":"Play","photo":[]})",
                    ContentKind::kGame, ""},
        ContentCase{
            "invoice",
            R"("invoice":{"title":"Tee","description":"A tee","start_parameter":"x","currency":"EUR","total_amount":1500})",
            ContentKind::kInvoice, ""},
        ContentCase{"other", R"("paid_media":{"star_count":5,"paid_media":[]})", ContentKind::kOther, ""}),
    [](const ::testing::TestParamInfo<ContentCase>& info) { return std::string(info.param.name); });

TEST(UpdateParser, AlbumItemsCarryTheMediaGroupId) {
  core::Event e =
      event_of(user_message(std::string(R"("media_group_id":"13642987265340000","photo":)") + kPhotoSizes));
  EXPECT_EQ(e.media_group_id, "13642987265340000");
  EXPECT_EQ(e.content, ContentKind::kPhoto);
}

TEST(UpdateParser, ContactOfTheSenderGivesTheirPhone) {
  core::Event e = event_of(user_message(
      R"("contact":{"phone_number":"+491701234567","first_name":"Anna","last_name":"Berg","user_id":555001})"));
  EXPECT_EQ(e.content, ContentKind::kContact);
  EXPECT_EQ(e.from.phone, "+491701234567");
}

TEST(UpdateParser, ContactOfSomeoneElseGivesNoPhone) {
  core::Event e = event_of(
      user_message(R"("contact":{"phone_number":"+491709999999","first_name":"Max","user_id":555777})"));
  EXPECT_EQ(e.from.phone, "");
}

TEST(UpdateParser, OperatorMessageInATopic) {
  core::Event e = event_of(group_message(
      R"("message_thread_id":77,"is_topic_message":true,"reply_to_message":{"message_id":77,"from":{"id":7000000001,"is_bot":true,"first_name":"Desk"},"chat":{"id":-1001987654321,"type":"supergroup","is_forum":true},"date":1732100000,"message_thread_id":77,"forum_topic_created":{"name":"Anna Berg #555001","icon_color":7322096},"is_topic_message":true},"text":"We are on it")"));
  EXPECT_EQ(e.kind, EventKind::kOperatorMessage);
  EXPECT_EQ(e.chat_id, kGroup);
  EXPECT_EQ(e.message_id, 9001);
  EXPECT_EQ(e.thread_id, 77);
  EXPECT_EQ(e.reply_to_message_id, 0) << "the implicit reply to the topic root is no reply";
  EXPECT_EQ(e.topic_name, "Anna Berg #555001") << "the implicit reply names the topic";
  EXPECT_EQ(e.text, "We are on it");
  EXPECT_EQ(e.from.id, 555900);
  EXPECT_FALSE(e.sender_is_bot);
  EXPECT_FALSE(e.sender_is_anonymous_admin);
}

TEST(UpdateParser, ImplicitReplyRecognisedByTheThreadIdAlone) {
  core::Event e = event_of(group_message(
      R"("message_thread_id":77,"is_topic_message":true,"reply_to_message":{"message_id":77,"chat":{"id":-1001987654321,"type":"supergroup"},"date":1732100000},"text":"x")"));
  EXPECT_EQ(e.reply_to_message_id, 0);
}

TEST(UpdateParser, ExplicitOperatorReplyInATopicIsKept) {
  core::Event e = event_of(group_message(
      R"("message_thread_id":77,"is_topic_message":true,"reply_to_message":{"message_id":8800,"from":{"id":7000000001,"is_bot":true,"first_name":"Desk"},"chat":{"id":-1001987654321,"type":"supergroup"},"date":1732100000,"message_thread_id":77,"is_topic_message":true,"text":"Hello"},"text":"answer")"));
  EXPECT_EQ(e.reply_to_message_id, 8800);
  EXPECT_EQ(e.thread_id, 77);
}

TEST(UpdateParser, AnOperatorsReplyCarriesTheRepliedMessageWhole) {
  // What /template save keeps: text, formatting, buttons; a photo's largest size; an album's id.
  core::Event e = event_of(group_message(
      R"("reply_to_message":{"message_id":8800,"from":{"id":7000000001,"is_bot":true,"first_name":"Desk"},"chat":{"id":-1001987654321,"type":"supergroup"},"date":1732100000,"text":"Hi all","entities":[{"type":"bold","offset":0,"length":2}],"reply_markup":{"inline_keyboard":[[{"text":"Go","url":"https://e.x"}]]}},"text":"/template save hi")"));
  EXPECT_EQ(e.replied.message_id, 8800);
  EXPECT_EQ(e.replied.content, core::ContentKind::kText);
  EXPECT_EQ(e.replied.text, "Hi all");
  EXPECT_EQ(e.replied.entities_json, R"([{"type":"bold","offset":0,"length":2}])");
  EXPECT_EQ(e.replied.reply_markup_json, R"({"inline_keyboard":[[{"text":"Go","url":"https://e.x"}]]})");

  core::Event photo = event_of(group_message(
      R"("reply_to_message":{"message_id":8801,"chat":{"id":-1001987654321,"type":"supergroup"},"date":1732100000,"media_group_id":"g7","photo":[{"file_id":"small","width":90,"height":90},{"file_id":"large","width":900,"height":900}],"caption":"c"},"text":"/template save p")"));
  EXPECT_EQ(photo.replied.content, core::ContentKind::kPhoto);
  EXPECT_EQ(photo.replied.file_id, "large");
  EXPECT_EQ(photo.replied.text, "c");
  EXPECT_EQ(photo.replied.media_group_id, "g7");
}

TEST(UpdateParser, AGroupAlbumItemCarriesItsFileIdAndAMalformedReplyIsLeftOut) {
  core::Event e = event_of(group_message(R"("media_group_id":"g1","video":{"file_id":"VID"},"caption":"x")"));
  EXPECT_EQ(e.file_id, "VID");
  // A replied message the desk cannot read never costs the update itself.
  core::Event odd = event_of(group_message(
      R"("reply_to_message":{"message_id":8802,"chat":{"id":-1001987654321,"type":"supergroup"},"date":1732100000,"photo":"not an array","caption":7},"text":"/template save x")"));
  EXPECT_EQ(odd.reply_to_message_id, 8802);
  EXPECT_EQ(odd.replied.message_id, 0);
  core::Event bad_media = event_of(group_message(R"("video":"not an object","media_group_id":"g2")"));
  EXPECT_EQ(bad_media.file_id, "");
}

TEST(UpdateParser, GeneralTopicMessageHasThreadZero) {
  core::Event e = event_of(group_message(R"("text":"/stats")"));
  EXPECT_EQ(e.kind, EventKind::kOperatorMessage);
  EXPECT_EQ(e.thread_id, 0);
}

TEST(UpdateParser, ThreadIdWithoutTopicFlagIsNotATopic) {
  // A reply thread in General carries message_thread_id but is not a topic message.
  core::Event e = event_of(group_message(
      R"("message_thread_id":500,"reply_to_message":{"message_id":500,"chat":{"id":-1001987654321,"type":"supergroup"},"date":1732100000,"text":"q"},"text":"a")"));
  EXPECT_EQ(e.thread_id, 0);
}

TEST(UpdateParser, EditedOperatorMessage) {
  core::Event e = event_of(
      group_message(R"("message_thread_id":77,"is_topic_message":true,"edit_date":1732200200,"text":"fixed")",
                    "edited_message"));
  EXPECT_EQ(e.kind, EventKind::kOperatorEdit);
  EXPECT_EQ(e.thread_id, 77);
  EXPECT_EQ(e.date, 1732200200000);
}

TEST(UpdateParser, AnonymousAdminViaGroupAnonymousBot) {
  std::string json =
      R"({"update_id":5,"message":{"message_id":9002,"from":{"id":1087968824,"is_bot":true,"first_name":"Group","username":"GroupAnonymousBot"},"sender_chat":{"id":-1001987654321,"title":"Support desk","type":"supergroup"},"chat":{"id":-1001987654321,"title":"Support desk","type":"supergroup","is_forum":true},"date":1732200100,"message_thread_id":77,"is_topic_message":true,"text":"anon answer"}})";
  core::Event e = event_of(json);
  EXPECT_EQ(e.kind, EventKind::kOperatorMessage);
  EXPECT_TRUE(e.sender_is_anonymous_admin);
  EXPECT_FALSE(e.sender_is_bot) << "a human admin is behind GroupAnonymousBot";
}

TEST(UpdateParser, SenderChatEqualToTheGroupIsAnAnonymousAdmin) {
  core::Event e =
      event_of(group_message(R"("sender_chat":{"id":-1001987654321,"type":"supergroup"},"text":"x")"));
  EXPECT_TRUE(e.sender_is_anonymous_admin);
}

TEST(UpdateParser, BotMessageInTheGroupIsMarked) {
  std::string json =
      R"({"update_id":6,"message":{"message_id":9003,"from":{"id":7000000099,"is_bot":true,"first_name":"Other bot","username":"other_bot"},"chat":{"id":-1001987654321,"type":"supergroup","is_forum":true},"date":1732200100,"text":"beep"}})";
  core::Event e = event_of(json);
  EXPECT_TRUE(e.sender_is_bot);
  EXPECT_FALSE(e.sender_is_anonymous_admin);
}

TEST(UpdateParser, ServiceMessageInTheGroup) {
  core::Event e = event_of(group_message(
      R"("message_thread_id":77,"is_topic_message":true,"forum_topic_edited":{"name":"Anna Berg #555001 [closed]"})"));
  EXPECT_EQ(e.kind, EventKind::kOperatorMessage);
  EXPECT_TRUE(e.is_service);
  EXPECT_EQ(e.content, ContentKind::kOther);
}

TEST(UpdateParser, NewMemberIsAServiceMessage) {
  core::Event e = event_of(group_message(
      R"("new_chat_members":[{"id":555901,"is_bot":false,"first_name":"Ivan"}],"new_chat_member":{"id":555901,"is_bot":false,"first_name":"Ivan"},"new_chat_participant":{"id":555901,"is_bot":false,"first_name":"Ivan"})"));
  EXPECT_TRUE(e.is_service);
}

TEST(UpdateParser, TopicClosedAndReopenedInTheApp) {
  core::Event closed =
      event_of(group_message(R"("message_thread_id":77,"is_topic_message":true,"forum_topic_closed":{})"));
  EXPECT_EQ(closed.kind, EventKind::kTopicClosedInApp);
  EXPECT_EQ(closed.thread_id, 77);
  EXPECT_TRUE(closed.is_service);
  core::Event reopened =
      event_of(group_message(R"("message_thread_id":77,"is_topic_message":true,"forum_topic_reopened":{})"));
  EXPECT_EQ(reopened.kind, EventKind::kTopicReopenedInApp);
  EXPECT_EQ(reopened.thread_id, 77);
}

TEST(UpdateParser, MessagesOfOtherGroupsAndChannelsAreIgnored) {
  EXPECT_TRUE(ignored(
      R"({"update_id":7,"message":{"message_id":1,"from":{"id":1,"is_bot":false,"first_name":"A"},"chat":{"id":-1005555555555,"type":"supergroup","title":"Other"},"date":1732200100,"text":"hi"}})"));
  EXPECT_TRUE(ignored(
      R"({"update_id":8,"message":{"message_id":1,"from":{"id":1,"is_bot":false,"first_name":"A"},"chat":{"id":-4000000001,"type":"group","title":"Small"},"date":1732200100,"text":"hi"}})"));
  EXPECT_TRUE(ignored(
      R"({"update_id":9,"channel_post":{"message_id":1,"sender_chat":{"id":-1007777777777,"type":"channel","title":"News"},"chat":{"id":-1007777777777,"type":"channel","title":"News"},"date":1732200100,"text":"news"}})"));
  EXPECT_TRUE(ignored(
      R"({"update_id":10,"callback_query":{"id":"4382bfdwdsb323b2d9","from":{"id":555001,"is_bot":false,"first_name":"Anna"},"chat_instance":"-88","data":"x"}})"));
  EXPECT_TRUE(ignored(R"({"update_id":11})"));
}

// A press of a button under a message of Anna's private chat; `fields` are more callback fields.
std::string button_press(const std::string& fields) {
  return std::string(R"({"update_id":800100400,"callback_query":{"id":"4382bfdwdsb323b2d9",)") + kUserFrom +
         R"(,"chat_instance":"-88",)" + fields + "}}";
}

TEST(UpdateParser, ButtonPressInThePrivateChatIsAButtonPressed) {
  auto e = event_of(button_press(R"("data":"td:csat:12:4:abc","message":{"message_id":50,)"
                                 R"("from":{"id":7000000001,"is_bot":true,"first_name":"Desk"},)" +
                                 std::string(kUserChat) + R"(,"date":1732200000,"text":"How did we do?"})"));
  EXPECT_EQ(e.kind, EventKind::kButtonPressed);
  EXPECT_EQ(e.update_id, 800100400);
  EXPECT_EQ(e.callback_id, "4382bfdwdsb323b2d9");
  EXPECT_EQ(e.text, "td:csat:12:4:abc");
  EXPECT_EQ(e.chat_id, 555001);
  EXPECT_EQ(e.message_id, 50);
  EXPECT_EQ(e.from.id, 555001);
  EXPECT_EQ(e.from.username, "anna_b");
  EXPECT_FALSE(e.sender_is_bot);
  EXPECT_EQ(e.date, 1732200000LL * 1000);
}

TEST(UpdateParser, ButtonPressOfAnOldInaccessibleMessageStillCounts) {
  // Telegram sends messages older than 48 hours as InaccessibleMessage: chat, id, date 0.
  auto e = event_of(
      button_press(R"("data":"d","message":{"message_id":50,)" + std::string(kUserChat) + R"(,"date":0})"));
  EXPECT_EQ(e.kind, EventKind::kButtonPressed);
  EXPECT_EQ(e.message_id, 50);
  EXPECT_EQ(e.date, 0);
}

TEST(UpdateParser, ButtonPressesThatAreNotTheDesksAreIgnored) {
  // in the backend group (the desk's own markers), of an inline message, of a game (no data)
  EXPECT_TRUE(ignored(button_press(R"("data":"td:repeated","message":{"message_id":9,)" +
                                   std::string(kGroupChat) + R"(,"date":1})")));
  EXPECT_TRUE(ignored(button_press(R"("data":"x","inline_message_id":"AAE")")));
  EXPECT_TRUE(ignored(button_press(R"("game_short_name":"g","message":{"message_id":9,)" +
                                   std::string(kUserChat) + R"(,"date":1})")));
}

TEST(UpdateParser, TheAisButtonsInTheBackendGroupAreGroupButtonPresses) {
  auto e =
      event_of(button_press(R"("data":"td:ai:send:17","message":{"message_id":90,"message_thread_id":77,)" +
                            std::string(kGroupChat) + R"(,"date":1732200000,"text":"AI suggestion"})"));
  EXPECT_EQ(e.kind, EventKind::kGroupButtonPressed);
  EXPECT_EQ(e.text, "td:ai:send:17");
  EXPECT_EQ(e.chat_id, kGroup);
  EXPECT_EQ(e.thread_id, 77);
  EXPECT_EQ(e.message_id, 90);
  EXPECT_EQ(e.callback_id, "4382bfdwdsb323b2d9");
  EXPECT_EQ(e.from.id, 555001);
  // Other buttons in the group stay ignored.
  EXPECT_TRUE(ignored(button_press(R"("data":"td:csat:1:2:x","message":{"message_id":9,)" +
                                   std::string(kGroupChat) + R"(,"date":1})")));
}

TEST(UpdateParser, MalformedButtonPressesAreErrorsNamingTheField) {
  EXPECT_EQ(error_of(R"({"update_id":1,"callback_query":{"from":{"id":1,"first_name":"A"},"data":"x"}})"),
            "update.callback_query.id is missing");
  EXPECT_EQ(error_of(R"({"update_id":1,"callback_query":{"id":"q","data":"x"}})"),
            "update.callback_query.from is missing");
  EXPECT_EQ(error_of(button_press(R"("data":5,"message":{"message_id":50,)" + std::string(kUserChat) +
                                  R"(,"date":1})")),
            "update.callback_query.data must be a string");
  EXPECT_EQ(error_of(button_press(R"("data":"x","message":{"message_id":50,"date":1})")),
            "update.callback_query.message.chat is missing");
  EXPECT_EQ(error_of(button_press(R"("data":"x","message":{)" + std::string(kUserChat) + R"(,"date":1})")),
            "update.callback_query.message.message_id is missing");
  EXPECT_EQ(error_of(R"({"update_id":1,"callback_query":"pressed"})"),
            "update.callback_query must be an object");
}

TEST(UpdateParser, UserReactionInThePrivateChat) {
  core::Event e = event_of(
      R"({"update_id":12,"message_reaction":{"chat":{"id":555001,"type":"private","first_name":"Anna"},"message_id":44,"user":{"id":555001,"is_bot":false,"first_name":"Anna"},"date":1732200300,"old_reaction":[],"new_reaction":[{"type":"emoji","emoji":"\ud83d\udc4d"},{"type":"custom_emoji","custom_emoji_id":"5368324170671202286"},{"type":"emoji","emoji":"\u2764"}]}})");
  EXPECT_EQ(e.kind, EventKind::kUserReaction);
  EXPECT_EQ(e.chat_id, 555001);
  EXPECT_EQ(e.message_id, 44);
  EXPECT_EQ(e.from.id, 555001);
  EXPECT_EQ(e.date, 1732200300000);
  EXPECT_THAT(e.new_reactions, ElementsAre("\xF0\x9F\x91\x8D", "\xE2\x9D\xA4"));
}

TEST(UpdateParser, OperatorReactionInTheGroupAndRemovedReaction) {
  core::Event e = event_of(
      R"({"update_id":13,"message_reaction":{"chat":{"id":-1001987654321,"type":"supergroup","title":"Support desk"},"message_id":9001,"user":{"id":555900,"is_bot":false,"first_name":"Olga"},"date":1732200300,"old_reaction":[{"type":"emoji","emoji":"\ud83d\udc4d"}],"new_reaction":[]}})");
  EXPECT_EQ(e.kind, EventKind::kOperatorReaction);
  EXPECT_TRUE(e.new_reactions.empty());
  EXPECT_EQ(e.from.id, 555900);
}

TEST(UpdateParser, AnonymousReactionInTheGroup) {
  core::Event e = event_of(
      R"({"update_id":14,"message_reaction":{"chat":{"id":-1001987654321,"type":"supergroup"},"message_id":9001,"actor_chat":{"id":-1001987654321,"type":"supergroup"},"date":1732200300,"old_reaction":[],"new_reaction":[{"type":"emoji","emoji":"\ud83d\udd25"}]}})");
  EXPECT_EQ(e.kind, EventKind::kOperatorReaction);
  EXPECT_TRUE(e.sender_is_anonymous_admin);
  EXPECT_EQ(e.from.id, 0);
}

std::string my_chat_member(const char* old_status, const char* new_status, const char* chat = nullptr) {
  std::string chat_json = chat ? chat : R"({"id":555001,"first_name":"Anna","type":"private"})";
  return std::string(R"({"update_id":15,"my_chat_member":{"chat":)") + chat_json +
         R"(,"from":{"id":555001,"is_bot":false,"first_name":"Anna"},"date":1732200400,"old_chat_member":{"user":{"id":7000000001,"is_bot":true,"first_name":"Desk"},"status":")" +
         old_status +
         R"("},"new_chat_member":{"user":{"id":7000000001,"is_bot":true,"first_name":"Desk"},"status":")" +
         new_status + R"(","until_date":0}}})";
}

TEST(UpdateParser, UserBlocksAndUnblocksTheBot) {
  core::Event blocked = event_of(my_chat_member("member", "kicked"));
  EXPECT_EQ(blocked.kind, EventKind::kUserBlockedBot);
  EXPECT_EQ(blocked.chat_id, 555001);
  EXPECT_EQ(blocked.from.id, 555001);
  EXPECT_EQ(blocked.date, 1732200400000);
  EXPECT_EQ(blocked.update_id, 15);
  core::Event unblocked = event_of(my_chat_member("kicked", "member"));
  EXPECT_EQ(unblocked.kind, EventKind::kUserUnblockedBot);
}

TEST(UpdateParser, OtherMemberChangesAreIgnored) {
  EXPECT_TRUE(ignored(my_chat_member("left", "member")));
  EXPECT_TRUE(ignored(my_chat_member("member", "administrator",
                                     R"({"id":-1001987654321,"type":"supergroup","title":"Support desk"})")));
}

TEST(UpdateParser, ErrorsNameTheField) {
  EXPECT_EQ(
      error_of(R"({"update_id":1,"message":{"message_id":1,"chat":{"id":"x","type":"private"},"date":1}})"),
      "update.message.chat.id must be an integer");
  EXPECT_EQ(error_of(R"({"update_id":1,"message":{"message_id":1,"date":1}})"),
            "update.message.chat is missing");
  EXPECT_EQ(error_of(R"({"message":{}})"), "update.update_id is missing");
  EXPECT_EQ(error_of(R"({"update_id":1.5})"), "update.update_id must be an integer");
  EXPECT_EQ(error_of(R"({"update_id":1,"message":[]})"), "update.message must be an object");
  EXPECT_EQ(error_of(user_message(R"("text":17)")), "update.message.text must be a string");
  EXPECT_EQ(error_of(user_message(R"("text":"x","reply_to_message":{"date":1})")),
            "update.message.reply_to_message.message_id is missing");
  EXPECT_EQ(error_of(user_message(R"("text":"x","is_topic_message":"yes")", "edited_message")),
            "update.edited_message.is_topic_message must be a boolean");
  EXPECT_EQ(
      error_of(
          R"({"update_id":2,"message_reaction":{"chat":{"id":555001,"type":"private"},"message_id":4,"date":1,"new_reaction":[{"type":"emoji"}]}})"),
      "update.message_reaction.new_reaction[0].emoji is missing");
  EXPECT_EQ(error_of(R"([1,2])"), "update must be an object");
  EXPECT_THAT(error_of("{\"update_id\":"), HasSubstr("not valid JSON"));
}

TEST(UpdateParser, HugeUnsignedIdsAreErrorsNotWraparounds) {
  EXPECT_EQ(error_of(R"({"update_id":18446744073709551615})"), "update.update_id must be an integer");
}

TEST(UpdateParser, DatesThatDoNotFitInMillisecondsAreErrors) {
  EXPECT_EQ(error_of(R"({"update_id":1,"message":{"message_id":1,"chat":{"id":5,"type":"private"},)"
                     R"("date":9223372036854775807,"text":"x"}})"),
            "update.message.date must be a Unix time in seconds");
  EXPECT_EQ(error_of(R"({"update_id":1,"message":{"message_id":1,"chat":{"id":5,"type":"private"},)"
                     R"("date":-1,"text":"x"}})"),
            "update.message.date must be a Unix time in seconds");
}

TEST(UpdateParser, PeekUpdateIdOfAMalformedUpdate) {
  boost::system::error_code ec;
  auto value = boost::json::parse(R"({"update_id":99,"message":{"chat":7}})", ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(peek_update_id(value), 99);
  EXPECT_EQ(peek_update_id(boost::json::value(3)), std::nullopt);
}

// ---- payments (docs/payments.md) ----

TEST(UpdateParser, APreCheckoutQueryNamesTheQueryTheUserAndTheInvoice) {
  auto e = event_of(std::string(R"({"update_id":800100300,"pre_checkout_query":{"id":"990001",)") +
                    kUserFrom + R"(,"currency":"XTR","total_amount":100,"invoice_payload":"td:inv:3"}})");
  EXPECT_EQ(e.kind, EventKind::kPreCheckout);
  EXPECT_EQ(e.callback_id, "990001");
  EXPECT_EQ(e.from.id, 555001);
  EXPECT_EQ(e.chat_id, 555001);
  EXPECT_EQ(e.payment.currency, "XTR");
  EXPECT_EQ(e.payment.total_amount, 100);
  EXPECT_EQ(e.payment.invoice_payload, "td:inv:3");
}

TEST(UpdateParser, AMalformedPreCheckoutQueryIsAnErrorNamingTheField) {
  EXPECT_THAT(error_of(std::string(R"({"update_id":1,"pre_checkout_query":{"id":"9",)") + kUserFrom +
                       R"(,"currency":"XTR","total_amount":"100","invoice_payload":"x"}})"),
              HasSubstr("update.pre_checkout_query.total_amount must be an integer"));
  EXPECT_THAT(error_of(std::string(R"({"update_id":1,"pre_checkout_query":{"id":"",)") + kUserFrom +
                       R"(,"currency":"XTR","total_amount":1,"invoice_payload":"x"}})"),
              HasSubstr("pre_checkout_query.id must not be empty"));
  EXPECT_THAT(
      error_of(R"({"update_id":1,"pre_checkout_query":{"id":"9","currency":"XTR","total_amount":1}})"),
      HasSubstr("update.pre_checkout_query.from is missing"));
  EXPECT_THAT(error_of(R"({"update_id":1,"pre_checkout_query":[]})"), HasSubstr("must be an object"));
}

TEST(UpdateParser, ASuccessfulPaymentInAPrivateChatIsAPaymentWithItsCharge) {
  auto e = event_of(user_message(
      R"("successful_payment":{"currency":"USD","total_amount":1250,"invoice_payload":"td:inv:4",)"
      R"("telegram_payment_charge_id":"tg_1","provider_payment_charge_id":"pr_1"})"));
  EXPECT_EQ(e.kind, EventKind::kPaymentReceived);
  EXPECT_EQ(e.message_id, 42);
  EXPECT_EQ(e.chat_id, 555001);
  EXPECT_EQ(e.payment.currency, "USD");
  EXPECT_EQ(e.payment.total_amount, 1250);
  EXPECT_EQ(e.payment.invoice_payload, "td:inv:4");
  EXPECT_EQ(e.payment.telegram_charge_id, "tg_1");
  EXPECT_EQ(e.payment.provider_charge_id, "pr_1");
  EXPECT_THAT(error_of(user_message(R"("successful_payment":{"currency":"XTR","total_amount":5})")),
              HasSubstr("telegram_payment_charge_id is missing"));
  // A refund's service message is nothing to relay (the desk asked for it).
  auto refunded =
      event_of(user_message(R"("refunded_payment":{"currency":"XTR","total_amount":5,)"
                            R"("invoice_payload":"td:inv:4","telegram_payment_charge_id":"tg_1"})"));
  EXPECT_EQ(refunded.kind, EventKind::kUserMessage);
  EXPECT_TRUE(refunded.is_service);
}

}  // namespace
}  // namespace topicdesk::telegram
