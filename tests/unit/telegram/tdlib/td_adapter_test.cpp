// TDLib JSON (shapes as TDLib 1.8.67 writes them) → normalized events and Bot API JSON.
#include "telegram/tdlib/td_adapter.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

namespace topicdesk::telegram::tdlib {
namespace {
namespace json = boost::json;
using core::ContentKind;
using core::EventKind;

constexpr core::ChatId kGroup = -1001234567890;
constexpr core::UserId kSelf = 5000;
constexpr core::UserId kAlice = 7001;

json::object parse(std::string_view text) { return json::parse(text).as_object(); }

AdapterContext context() {
  AdapterContext c;
  c.backend_group_id = kGroup;
  c.self_id = kSelf;
  return c;
}

ProfileCache profiles_with_alice() {
  ProfileCache profiles;
  profiles.remember(parse(R"({"@type":"user","id":7001,"first_name":"Alice","last_name":"Liddell",
      "usernames":{"@type":"usernames","active_usernames":["alice","alice2"],"disabled_usernames":[],"editable_username":"alice"},
      "phone_number":"4915112345","language_code":"de","type":{"@type":"userTypeRegular"}})"));
  return profiles;
}

// A private text message from Alice, as updateNewMessage carries it.
std::string alice_message(std::int64_t id = 5 * kMessageIdFactor, std::string extra = "") {
  return R"({"@type":"updateNewMessage","message":{"@type":"message","id":)" + std::to_string(id) +
         R"(,"sender_id":{"@type":"messageSenderUser","user_id":7001},"chat_id":7001,"is_outgoing":false,
         "date":1700000000,"edit_date":0,"media_album_id":"0","message_thread_id":0)" +
         extra +
         R"(,"content":{"@type":"messageText","text":{"@type":"formattedText","text":"Hi 🙂 bold",
         "entities":[{"@type":"textEntity","offset":6,"length":4,"type":{"@type":"textEntityTypeBold"}}]}}}})";
}

core::Event event_of(std::string_view update, const ProfileCache& profiles = profiles_with_alice(),
                     AdapterContext c = context()) {
  auto result = event_from_update(parse(update), c, profiles, 1'700'000'123'000);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  EXPECT_TRUE(result.ok() && result.value().has_value()) << "the update was ignored";
  return result.ok() && result.value() ? *result.value() : core::Event{};
}

bool ignored(std::string_view update, AdapterContext c = context()) {
  auto result = event_from_update(parse(update), c, profiles_with_alice(), 0);
  return result.ok() && !result.value().has_value();
}

TEST(TdAdapterIds, MessageIdsAreServerIdsShiftedBy20Bits) {
  EXPECT_EQ(to_bot_message_id(5 * kMessageIdFactor), 5);
  EXPECT_EQ(to_td_message_id(5), 5242880);
  EXPECT_EQ(to_bot_message_id(5 * kMessageIdFactor + 1), 0) << "a temporary id of a message being sent";
  EXPECT_EQ(to_bot_thread_id(kMessageIdFactor), 0) << "General is no thread in the Bot API";
  EXPECT_EQ(to_bot_thread_id(77 * kMessageIdFactor), 77);
  EXPECT_EQ(to_td_thread_id(77), 77 * kMessageIdFactor);
}

TEST(TdAdapterIds, Int64ValuesAsStringsOrNumbers) {
  json::value as_string = "1234567890123456789";
  json::value as_number = 42;
  json::value junk = "12ab";
  EXPECT_EQ(json_int(&as_string), 1234567890123456789);
  EXPECT_EQ(json_int(&as_number), 42);
  EXPECT_FALSE(json_int(&junk).has_value());
  EXPECT_FALSE(json_int(nullptr).has_value());
}

TEST(TdAdapter, IncomingPrivateMessageIsAUserMessage) {
  core::Event e = event_of(alice_message());
  EXPECT_EQ(e.kind, EventKind::kUserMessage);
  EXPECT_EQ(e.chat_id, kAlice);
  EXPECT_EQ(e.message_id, 5);
  EXPECT_EQ(e.date, 1'700'000'000'000);
  EXPECT_EQ(e.from.id, kAlice);
  EXPECT_EQ(e.from.first_name, "Alice");
  EXPECT_EQ(e.from.username, "alice") << "the first active username";
  EXPECT_EQ(e.from.phone, "4915112345");
  EXPECT_EQ(e.content, ContentKind::kText);
  EXPECT_EQ(e.text, "Hi 🙂 bold");
  EXPECT_EQ(e.entities_json, R"([{"offset":6,"length":4,"type":"bold"}])") << "UTF-16 offsets pass unchanged";
  EXPECT_EQ(e.thread_id, 0);
  EXPECT_TRUE(e.media_group_id.empty());
  EXPECT_FALSE(e.sender_is_bot);
}

TEST(TdAdapter, UnknownSenderStillHasItsId) {
  core::Event e = event_of(alice_message(), ProfileCache{});
  EXPECT_EQ(e.from.id, kAlice);
  EXPECT_TRUE(e.from.first_name.empty());
}

TEST(TdAdapter, UpdateIdIsDeterministicMarkedAndDistinct) {
  core::Event a = event_of(alice_message());
  core::Event again = event_of(alice_message());
  core::Event other = event_of(alice_message(6 * kMessageIdFactor));
  EXPECT_EQ(a.update_id, again.update_id) << "a redelivered update dedupes in the inbox";
  EXPECT_NE(a.update_id, other.update_id);
  EXPECT_GT(a.update_id, std::int64_t{1} << 62) << "never clashes with Bot API update ids";
}

TEST(TdAdapter, OutgoingFromAnotherDeviceIsSeenAndOurOwnSendIsIgnored) {
  std::string from_phone = R"({"@type":"updateNewMessage","message":{"@type":"message","id":10485760,
      "sender_id":{"@type":"messageSenderUser","user_id":5000},"chat_id":7001,"is_outgoing":true,"date":1700000001,
      "media_album_id":"0","content":{"@type":"messageText","text":{"@type":"formattedText","text":"from my phone","entities":[]}}}})";
  core::Event e = event_of(from_phone);
  EXPECT_EQ(e.kind, EventKind::kOutgoingSeen);
  EXPECT_EQ(e.chat_id, kAlice) << "the dialog is the private chat with Alice";
  EXPECT_EQ(e.message_id, 10);
  EXPECT_EQ(e.from.id, kSelf);

  std::string ours = R"({"@type":"updateNewMessage","message":{"@type":"message","id":10485761,
      "sender_id":{"@type":"messageSenderUser","user_id":5000},"chat_id":7001,"is_outgoing":true,"date":1700000001,
      "sending_state":{"@type":"messageSendingStatePending","sending_id":0},
      "content":{"@type":"messageText","text":{"@type":"formattedText","text":"sent by the desk","entities":[]}}}})";
  EXPECT_TRUE(ignored(ours));
}

TEST(TdAdapter, BackendGroupMessagesAreOperatorTrafficWithBotApiThreadIds) {
  std::string in_topic = R"({"@type":"updateNewMessage","message":{"@type":"message","id":209715200,
      "sender_id":{"@type":"messageSenderUser","user_id":8001},"chat_id":-1001234567890,"is_outgoing":false,
      "date":1700000002,"message_thread_id":104857600,"is_topic_message":true,
      "reply_to":{"@type":"messageReplyToMessage","chat_id":-1001234567890,"message_id":104857600},
      "content":{"@type":"messageText","text":{"@type":"formattedText","text":"hello","entities":[]}}}})";
  core::Event e = event_of(in_topic);
  EXPECT_EQ(e.kind, EventKind::kOperatorMessage);
  EXPECT_EQ(e.chat_id, kGroup);
  EXPECT_EQ(e.message_id, 200);
  EXPECT_EQ(e.thread_id, 100);
  EXPECT_EQ(e.reply_to_message_id, 0) << "the implicit reply to the topic's first message is no reply";
  EXPECT_EQ(e.from.id, 8001);

  std::string real_reply = in_topic;
  real_reply.replace(real_reply.find("\"message_id\":104857600"), 22, "\"message_id\":157286400");
  EXPECT_EQ(event_of(real_reply).reply_to_message_id, 150);
}

TEST(TdAdapter, GeneralTopicHasNoThread) {
  std::string general = R"({"@type":"updateNewMessage","message":{"@type":"message","id":209715200,
      "sender_id":{"@type":"messageSenderUser","user_id":8001},"chat_id":-1001234567890,"is_outgoing":false,
      "date":1700000002,"message_thread_id":1048576,
      "content":{"@type":"messageText","text":{"@type":"formattedText","text":"/new @bob","entities":[]}}}})";
  EXPECT_EQ(event_of(general).thread_id, 0);
}

TEST(TdAdapter, AnonymousAdminAndChannelSenders) {
  std::string anonymous = R"({"@type":"updateNewMessage","message":{"@type":"message","id":209715200,
      "sender_id":{"@type":"messageSenderChat","chat_id":-1001234567890},"chat_id":-1001234567890,"is_outgoing":false,
      "date":1700000002,"content":{"@type":"messageText","text":{"@type":"formattedText","text":"x","entities":[]}}}})";
  core::Event e = event_of(anonymous);
  EXPECT_TRUE(e.sender_is_anonymous_admin);
  EXPECT_FALSE(e.sender_is_bot) << "a human admin behind GroupAnonymousBot";
  EXPECT_EQ(e.from.id, core::kGroupAnonymousBotId);

  std::string channel = anonymous;
  channel.replace(channel.find("\"chat_id\":-1001234567890}"), 24, "\"chat_id\":-1009999999999");
  EXPECT_TRUE(event_of(channel).sender_is_bot);
}

TEST(TdAdapter, BotSendersAreMarked) {
  ProfileCache profiles = profiles_with_alice();
  profiles.remember(
      parse(R"({"@type":"user","id":7001,"first_name":"Helper","type":{"@type":"userTypeBot"}})"));
  core::Event e = event_of(alice_message(), profiles);
  EXPECT_TRUE(e.sender_is_bot);
  EXPECT_TRUE(e.from.is_bot);
}

TEST(TdAdapter, TopicClosedInTheApp) {
  std::string closed = R"({"@type":"updateNewMessage","message":{"@type":"message","id":220200960,
      "sender_id":{"@type":"messageSenderUser","user_id":8001},"chat_id":-1001234567890,"is_outgoing":false,
      "date":1700000003,"message_thread_id":104857600,
      "content":{"@type":"messageForumTopicIsClosedToggled","is_closed":true}}})";
  core::Event e = event_of(closed);
  EXPECT_EQ(e.kind, EventKind::kTopicClosedInApp);
  EXPECT_EQ(e.thread_id, 100);
  EXPECT_TRUE(e.is_service);
  std::string reopened = closed;
  reopened.replace(reopened.find("true}}}"), 4, "false");
  EXPECT_EQ(event_of(reopened).kind, EventKind::kTopicReopenedInApp);
}

TEST(TdAdapter, ContentKindsAndCaptions) {
  auto with_content = [](std::string content) {
    return R"({"@type":"updateNewMessage","message":{"@type":"message","id":5242880,
        "sender_id":{"@type":"messageSenderUser","user_id":7001},"chat_id":7001,"is_outgoing":false,"date":1,
        "media_album_id":"13579","content":)" +
           content + "}}";
  };
  core::Event photo = event_of(with_content(R"({"@type":"messagePhoto","photo":{"@type":"photo","sizes":[]},
      "caption":{"@type":"formattedText","text":"look","entities":[{"@type":"textEntity","offset":0,"length":4,
      "type":{"@type":"textEntityTypeTextUrl","url":"https://example.org/"}}]}})"));
  EXPECT_EQ(photo.content, ContentKind::kPhoto);
  EXPECT_EQ(photo.text, "look");
  EXPECT_EQ(photo.entities_json,
            R"([{"offset":0,"length":4,"type":"text_link","url":"https://example.org/"}])");
  EXPECT_EQ(photo.media_group_id, "13579") << "albums group by media_album_id";

  EXPECT_EQ(event_of(with_content(R"({"@type":"messageVoiceNote","voice_note":{}})")).content,
            ContentKind::kVoice);
  EXPECT_EQ(event_of(with_content(R"({"@type":"messageVideoNote","video_note":{}})")).content,
            ContentKind::kVideoNote);
  EXPECT_EQ(event_of(with_content(R"({"@type":"messageSticker","sticker":{}})")).content,
            ContentKind::kSticker);
  EXPECT_EQ(event_of(with_content(R"({"@type":"messageDocument","document":{}})")).content,
            ContentKind::kDocument);
  EXPECT_EQ(event_of(with_content(R"({"@type":"messageUnsupported"})")).content, ContentKind::kOther);

  core::Event contact = event_of(with_content(
      R"({"@type":"messageContact","contact":{"@type":"contact","phone_number":"+15550100","user_id":7001}})"));
  EXPECT_EQ(contact.content, ContentKind::kContact);
  EXPECT_EQ(contact.from.phone, "+15550100") << "the user shared their own number";
}

TEST(TdAdapter, EditsComeFromUpdateMessageContent) {
  std::string edit = R"({"@type":"updateMessageContent","chat_id":7001,"message_id":5242880,
      "new_content":{"@type":"messageText","text":{"@type":"formattedText","text":"Hi, edited","entities":[]}}})";
  core::Event e = event_of(edit);
  EXPECT_EQ(e.kind, EventKind::kUserEdit);
  EXPECT_EQ(e.message_id, 5);
  EXPECT_EQ(e.text, "Hi, edited");
  EXPECT_EQ(e.date, 1'700'000'123'000) << "updateMessageContent has no date: now";
  EXPECT_EQ(e.from.first_name, "Alice");

  std::string second = edit;
  second.replace(second.find("edited"), 6, "edited again");
  EXPECT_NE(event_of(second).update_id, e.update_id) << "each new content is a new update";

  std::string in_group = R"({"@type":"updateMessageContent","chat_id":-1001234567890,"message_id":209715200,
      "new_content":{"@type":"messageText","text":{"@type":"formattedText","text":"fixed","entities":[]}}})";
  EXPECT_EQ(event_of(in_group).kind, EventKind::kOperatorEdit);
  EXPECT_TRUE(ignored(
      R"({"@type":"updateMessageEdited","chat_id":7001,"message_id":5242880,"edit_date":1700000100})"));
}

TEST(TdAdapter, EditsOfOurOwnMessagesAreNotTheUsers) {
  ProfileCache profiles;
  auto sent =
      parse(R"({"@type":"updateMessageSendSucceeded","old_message_id":10485761,"message":{"@type":"message",
      "id":10485760,"chat_id":7001,"is_outgoing":true,"date":1,"content":{"@type":"messageText",
      "text":{"@type":"formattedText","text":"x","entities":[]}}}})");
  EXPECT_FALSE(make_incoming(sent, context(), profiles, 0).has_value());
  auto edit = parse(R"({"@type":"updateMessageContent","chat_id":7001,"message_id":10485760,
      "new_content":{"@type":"messageText","text":{"@type":"formattedText","text":"y","entities":[]}}})");
  EXPECT_FALSE(make_incoming(edit, context(), profiles, 0).has_value());
}

TEST(TdAdapter, IgnoredChats) {
  AdapterContext c = context();
  std::string saved = alice_message();
  for (std::size_t at; (at = saved.find("7001")) != std::string::npos;) saved.replace(at, 4, "5000");
  EXPECT_TRUE(ignored(saved)) << "Saved Messages";
  std::string service = alice_message();
  for (std::size_t at; (at = service.find("7001")) != std::string::npos;) service.replace(at, 4, "777000");
  EXPECT_TRUE(ignored(service)) << "login codes must never reach a group";
  std::string other_group = alice_message();
  other_group.replace(other_group.find("\"chat_id\":7001"), 14, "\"chat_id\":-1005555");
  EXPECT_TRUE(ignored(other_group));
  c.monitor_groups = true;
  EXPECT_EQ(event_of(other_group, profiles_with_alice(), c).chat_id, -1005555);
  EXPECT_TRUE(ignored(R"({"@type":"updateConnectionState","state":{"@type":"connectionStateReady"}})"));
}

// A channel's posts (sent as the channel) are relayed only with monitor_channels, not with
// monitor_groups, and come from the channel itself.
TEST(TdAdapter, ChannelPostsNeedMonitorChannels) {
  const std::set<core::ChatId> channels{-1007777};
  AdapterContext c = context();
  c.channels = &channels;
  c.monitor_groups = true;
  const std::string post = R"({"@type":"updateNewMessage","message":{"@type":"message","id":3145728,
      "chat_id":-1007777,"sender_id":{"@type":"messageSenderChat","chat_id":-1007777},"is_outgoing":false,
      "date":1700000000,"content":{"@type":"messageText","text":{"@type":"formattedText","text":"Sale",
      "entities":[]}}}})";
  ProfileCache profiles;
  auto none = event_from_update(parse(post), c, profiles, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value().has_value()) << "a channel is not a group";
  c.monitor_channels = true;
  core::Event e = event_of(post, profiles, c);
  EXPECT_EQ(e.kind, core::EventKind::kUserMessage);
  EXPECT_TRUE(e.channel_post);
  EXPECT_EQ(e.from.id, -1007777);
  EXPECT_FALSE(e.sender_is_anonymous_admin);
  EXPECT_EQ(e.message_id, 3);
}

TEST(TdAdapter, MalformedInputIsAnErrorNotACrash) {
  AdapterContext c = context();
  ProfileCache profiles;
  for (const char* bad : {R"({"@type":"updateNewMessage"})", R"({"@type":"updateNewMessage","message":7})",
                          R"({"@type":"updateNewMessage","message":{"id":"x","chat_id":1}})",
                          R"({"@type":"updateMessageContent","chat_id":1})"}) {
    auto result = event_from_update(parse(bad), c, profiles, 0);
    EXPECT_FALSE(result.ok()) << bad;
    auto incoming = make_incoming(parse(bad), c, profiles, 0);
    ASSERT_TRUE(incoming.has_value()) << bad;
    EXPECT_FALSE(incoming->parse_error.empty());
    EXPECT_FALSE(incoming->event.has_value());
  }
}

TEST(TdAdapter, MakeIncomingLearnsProfilesFromUpdateUser) {
  ProfileCache profiles;
  auto user = parse(R"({"@type":"updateUser","user":{"@type":"user","id":7001,"first_name":"Alice",
      "usernames":{"active_usernames":["alice"]},"type":{"@type":"userTypeRegular"}}})");
  EXPECT_FALSE(make_incoming(user, context(), profiles, 0).has_value());
  auto incoming = make_incoming(parse(alice_message()), context(), profiles, 0);
  ASSERT_TRUE(incoming && incoming->event);
  EXPECT_EQ(incoming->event->from.first_name, "Alice");
  EXPECT_EQ(incoming->update_id, incoming->event->update_id);
}

TEST(TdAdapterEntities, EveryKindBothWays) {
  auto td = parse(R"({"e":[
      {"@type":"textEntity","offset":0,"length":1,"type":{"@type":"textEntityTypeItalic"}},
      {"@type":"textEntity","offset":1,"length":2,"type":{"@type":"textEntityTypePreCode","language":"cpp"}},
      {"@type":"textEntity","offset":3,"length":1,"type":{"@type":"textEntityTypeMentionName","user_id":7001}},
      {"@type":"textEntity","offset":4,"length":2,"type":{"@type":"textEntityTypeCustomEmoji","custom_emoji_id":"5368324170671202286"}},
      {"@type":"textEntity","offset":6,"length":1,"type":{"@type":"textEntityTypeSpoiler"}},
      {"@type":"textEntity","offset":7,"length":1,"type":{"@type":"textEntityTypeMediaTimestamp","media_timestamp":3}},
      {"@type":"textEntity","offset":8,"length":1,"type":{"@type":"textEntityTypeCode"}}]})")
                .at("e")
                .as_array();
  json::array bot = bot_entities(td);
  ASSERT_EQ(bot.size(), 6u) << "media timestamps have no Bot API entity";
  EXPECT_EQ(bot[0].at("type"), "italic");
  EXPECT_EQ(bot[1].at("type"), "pre");
  EXPECT_EQ(bot[1].at("language"), "cpp");
  EXPECT_EQ(bot[2].at("type"), "text_mention");
  EXPECT_EQ(bot[2].at("user").at("id"), 7001);
  EXPECT_EQ(bot[3].at("custom_emoji_id"), "5368324170671202286");
  EXPECT_EQ(bot[5].at("type"), "code");

  json::object back = formatted_text("abcdefghi", bot);
  EXPECT_EQ(back.at("@type"), "formattedText");
  const auto& entities = back.at("entities").as_array();
  ASSERT_EQ(entities.size(), 6u);
  EXPECT_EQ(entities[0].at("type").at("@type"), "textEntityTypeItalic");
  EXPECT_EQ(entities[1].at("type").at("@type"), "textEntityTypePreCode");
  EXPECT_EQ(entities[1].at("type").at("language"), "cpp");
  EXPECT_EQ(entities[2].at("type").at("user_id"), 7001);
  EXPECT_EQ(entities[3].at("type").at("@type"), "textEntityTypeCustomEmoji");
  EXPECT_EQ(entities[5].at("type").at("@type"), "textEntityTypeCode");
  EXPECT_EQ(entities[4].at("offset"), 6);
  EXPECT_EQ(entities[4].at("length"), 1);
}

TEST(TdAdapterUsers, BotApiUserShape) {
  auto user = parse(R"({"@type":"user","id":7001,"first_name":"Alice","last_name":"","usernames":null,
      "type":{"@type":"userTypeBot","can_join_groups":true}})");
  json::object bot = bot_user(user);
  EXPECT_EQ(bot.at("id"), 7001);
  EXPECT_EQ(bot.at("is_bot"), true);
  EXPECT_EQ(bot.at("first_name"), "Alice");
  EXPECT_FALSE(bot.contains("last_name"));
  EXPECT_FALSE(bot.contains("username"));
}

}  // namespace
}  // namespace topicdesk::telegram::tdlib
