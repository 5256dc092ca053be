// tgsim's MTProto sessions without HTTP: authorization flows, what each session sees, the
// order of answers and updates, revoke and resume.
#include "sim/td/sessions.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "sim/model/world.h"
#include "sim/td/td_render.h"

namespace tgsim::td {
namespace {

namespace json = boost::json;

std::string type_of(const json::object& o) { return std::string(o.at("@type").as_string()); }

std::string state_of(const json::object& o) {
  return std::string(o.at("authorization_state").as_object().at("@type").as_string());
}

class SessionsTest : public ::testing::Test {
 protected:
  SessionsTest() : world_(1), sessions_(world_) {
    owner_ = world_.create_user({"Owen", "", "owen", "", "+1 555 0100"}, {"", "", "24680"}).value();
    secure_ = world_.create_user({"Sue", "", "sue", "", "+1 666 0100"}, {"hunter2", "dog", ""}).value();
    customer_ = world_.create_user({"Cara", "", "cara", "", ""}).value();
    bot_ = world_.create_bot("desk_bot", "Desk", false)->id;
  }

  // A session past setTdlibParameters.
  std::string open() {
    auto session = sessions_.open("", json::object{{"device_model", "test"}});
    EXPECT_TRUE(session.ok());
    std::string key = (*session)->key;
    send(key, {{"@type", "setTdlibParameters"}, {"database_directory", "db"}});
    return key;
  }

  void send(const std::string& key, json::object request) { ASSERT_TRUE(sessions_.send(key, request).ok()); }

  // Everything new in the session's stream (confirmed as read).
  std::vector<json::object> read(const std::string& key) {
    auto& offset = offsets_[key];
    auto batch = sessions_.take(key, offset);
    EXPECT_TRUE(batch.ok());
    offset = batch->next_offset;
    std::vector<json::object> out;
    for (auto& value : batch->objects) out.push_back(value.as_object());
    return out;
  }

  std::vector<std::string> types(const std::vector<json::object>& objects) {
    std::vector<std::string> out;
    for (const auto& o : objects) {
      out.push_back(type_of(o) == "updateAuthorizationState" ? state_of(o) : type_of(o));
    }
    return out;
  }

  std::string ready_account(Id account) {
    auto key = open();
    const auto* a = world_.account(account);
    send(key, {{"@type", "setAuthenticationPhoneNumber"}, {"phone_number", a->phone_number}});
    send(key, {{"@type", "checkAuthenticationCode"}, {"code", sessions_.login_code(account).value()}});
    if (!a->password.empty())
      send(key, {{"@type", "checkAuthenticationPassword"}, {"password", a->password}});
    read(key);
    return key;
  }

  model::World world_;
  Sessions sessions_;
  std::map<std::string, std::uint64_t> offsets_;
  Id owner_ = 0, secure_ = 0, customer_ = 0, bot_ = 0;
};

TEST_F(SessionsTest, PhoneCodeAndPasswordFlowAnswersInOrderWithExtra) {
  auto key = open();
  send(key, {{"@type", "setAuthenticationPhoneNumber"}, {"phone_number", "16660100"}, {"@extra", 1}});
  send(key, {{"@type", "checkAuthenticationCode"}, {"code", "000000"}, {"@extra", 2}});
  send(
      key,
      {{"@type", "checkAuthenticationCode"}, {"code", sessions_.login_code(secure_).value()}, {"@extra", 3}});
  send(key, {{"@type", "checkAuthenticationPassword"}, {"password", "cat"}, {"@extra", 4}});
  send(key, {{"@type", "checkAuthenticationPassword"}, {"password", "hunter2"}, {"@extra", 5}});
  auto got = read(key);
  EXPECT_EQ(types(got),
            (std::vector<std::string>{"authorizationStateWaitPhoneNumber", "ok", "authorizationStateWaitCode",
                                      "ok", "error", "authorizationStateWaitPassword", "ok", "error",
                                      "authorizationStateReady", "updateUser", "ok"}));
  EXPECT_EQ(got[4].at("message"), "PHONE_CODE_INVALID");
  EXPECT_EQ(got[4].at("@extra"), 2);
  EXPECT_EQ(got[5].at("authorization_state").at("password_hint"), "dog");
  EXPECT_EQ(got[7].at("message"), "PASSWORD_HASH_INVALID");
  EXPECT_EQ(got[9].at("user").at("id"), secure_);
}

TEST_F(SessionsTest, FixedLoginCodeAndUnexpectedCalls) {
  auto key = open();
  read(key);
  send(key, {{"@type", "checkAuthenticationCode"}, {"code", "24680"}});
  send(key, {{"@type", "setAuthenticationPhoneNumber"}, {"phone_number", "+1 (555) 0100"}});
  EXPECT_EQ(sessions_.login_code(owner_).value(), "24680");
  send(key, {{"@type", "checkAuthenticationCode"}, {"code", "24680"}});
  auto got = read(key);
  EXPECT_EQ(types(got), (std::vector<std::string>{"error", "authorizationStateWaitCode", "ok",
                                                  "authorizationStateReady", "updateUser", "ok"}));
  EXPECT_EQ(got[0].at("message"), "Call to checkAuthenticationCode unexpected");
}

TEST_F(SessionsTest, OutgoingMessagesReachTheAccountsOtherSessions) {
  auto desk = ready_account(owner_);
  auto phone_app = ready_account(owner_);
  auto chat = world_.chat_for_person(customer_, owner_);
  ASSERT_TRUE(chat.ok());
  model::MessageInput input;
  input.content = json::object{{"text", "hello"}};
  ASSERT_TRUE(world_.post(**chat, customer_, input).ok());
  json::object formatted{{"@type", "formattedText"}, {"text", "answer"}};
  json::object content{{"@type", "inputMessageText"}, {"text", formatted}};
  send(desk, {{"@type", "sendMessage"}, {"chat_id", customer_}, {"input_message_content", content}});
  auto at_desk = read(desk);
  EXPECT_EQ(types(at_desk),
            (std::vector<std::string>{"updateUser", "updateNewChat", "updateNewMessage", "updateNewMessage",
                                      "message", "updateMessageSendSucceeded"}));
  EXPECT_EQ(at_desk[2].at("message").at("is_outgoing"), false);
  const auto& pending = at_desk[4];
  EXPECT_EQ(pending.at("sending_state").at("@type"), "messageSendingStatePending");
  EXPECT_EQ(at_desk[5].at("old_message_id"), pending.at("id"));
  EXPECT_EQ(at_desk[5].at("message").at("id"), td_message_id(2));
  auto at_phone = read(phone_app);
  ASSERT_EQ(types(at_phone), (std::vector<std::string>{"updateUser", "updateNewChat", "updateNewMessage",
                                                       "updateNewMessage"}));
  const auto& echoed = at_phone[3].at("message").as_object();
  EXPECT_EQ(echoed.at("is_outgoing"), true);
  EXPECT_TRUE(echoed.at("sending_state").is_null());
  EXPECT_EQ(echoed.at("content").at("text").at("text"), "answer");
}

TEST_F(SessionsTest, BotSessionInAGroupFollowsPrivacyMode) {
  auto key = open();
  send(key, {{"@type", "checkAuthenticationBotToken"}, {"token", world_.account(bot_)->token}});
  read(key);
  auto group = world_.create_group("Team", true, owner_).value();
  ASSERT_TRUE(world_.set_member(group, bot_, model::MemberStatus::kMember, {}).ok());
  ASSERT_TRUE(world_.set_member(group, customer_, model::MemberStatus::kMember, {}).ok());
  auto chat = world_.group(group).value();
  model::MessageInput plain, command;
  plain.content = json::object{{"text", "just chatting"}};
  command.content = json::object{{"text", "/help"}};
  ASSERT_TRUE(world_.post(*chat, customer_, plain).ok());
  ASSERT_TRUE(world_.post(*chat, customer_, command).ok());
  std::vector<std::string> texts;
  for (const auto& o : read(key)) {
    if (type_of(o) == "updateNewMessage") {
      texts.emplace_back(o.at("message").at("content").at("text").at("text").as_string());
    }
  }
  EXPECT_EQ(texts, std::vector<std::string>{"/help"});
}

TEST_F(SessionsTest, EditsBecomeContentAndEditedUpdates) {
  auto key = ready_account(owner_);
  auto chat = world_.chat_for_person(customer_, owner_).value();
  model::MessageInput input;
  input.content = json::object{{"text", "helo"}};
  const Id id = world_.post(*chat, customer_, input).value()->id;
  read(key);
  ASSERT_TRUE(world_.edit(*chat, customer_, id, json::object{{"text", "hello"}}, std::nullopt).ok());
  auto got = read(key);
  ASSERT_EQ(types(got), (std::vector<std::string>{"updateMessageContent", "updateMessageEdited"}));
  EXPECT_EQ(got[0].at("message_id"), td_message_id(id));
  EXPECT_EQ(got[0].at("chat_id"), customer_);
  EXPECT_EQ(got[0].at("new_content").at("text").at("text"), "hello");
}

TEST_F(SessionsTest, RevokedSessionClosesAndCannotBeResumed) {
  auto key = ready_account(owner_);
  auto listed = sessions_.list(owner_);
  ASSERT_EQ(listed.size(), 1u);
  ASSERT_TRUE(sessions_.revoke(listed[0].at("id").as_int64()).ok());
  EXPECT_EQ(types(read(key)),
            (std::vector<std::string>{"authorizationStateLoggingOut", "authorizationStateClosing",
                                      "authorizationStateClosed"}));
  EXPECT_EQ(sessions_.send(key, {{"@type", "getMe"}}).error().code, 401);
  EXPECT_EQ(sessions_.open(key, {}).error().code, 401);
  EXPECT_TRUE(sessions_.list(owner_).empty());
  EXPECT_FALSE(sessions_.revoke(listed[0].at("id").as_int64()).ok());
}

TEST_F(SessionsTest, ResumedSessionIsReadyAndGetsWhatArrivedMeanwhile) {
  auto key = ready_account(owner_);
  send(key, {{"@type", "close"}});
  read(key);
  auto chat = world_.chat_for_person(customer_, owner_).value();
  model::MessageInput input;
  input.content = json::object{{"text", "are you there?"}};
  ASSERT_TRUE(world_.post(*chat, customer_, input).ok());
  ASSERT_TRUE(sessions_.open(key, {}).ok());
  send(key, {{"@type", "setTdlibParameters"}});
  auto got = read(key);
  EXPECT_EQ(types(got), (std::vector<std::string>{"authorizationStateReady", "updateUser", "updateUser",
                                                  "updateNewChat", "updateNewMessage", "ok"}));
  EXPECT_EQ(got[4].at("message").at("content").at("text").at("text"), "are you there?");
}

TEST_F(SessionsTest, QrLinkIsReplacedAfter30SimulatedSeconds) {
  auto key = open();
  read(key);
  send(key, {{"@type", "requestQrCodeAuthentication"}});
  auto first = read(key).at(0).at("authorization_state").at("link").as_string();
  sessions_.advance_clock(31000);
  auto second = read(key).at(0).at("authorization_state").at("link").as_string();
  EXPECT_NE(first, second);
  EXPECT_EQ(sessions_.confirm_qr(owner_, first).error().description, "Bad Request: AUTH_TOKEN_INVALID");
  EXPECT_EQ(sessions_.confirm_qr(bot_, second).error().description, "Bad Request: user_id must be a person");
  ASSERT_TRUE(sessions_.confirm_qr(owner_, second).ok());
  EXPECT_EQ(types(read(key)), (std::vector<std::string>{"authorizationStateReady", "updateUser"}));
}

TEST(TdRender, BotApiContentBecomesTdlibContent) {
  model::World world(1);
  auto content = [&](const char* bot_api) { return content_object(world, json::parse(bot_api).as_object()); };
  auto bold = content(R"({"text":"hi you","entities":[{"offset":0,"length":2,"type":"bold"}]})");
  EXPECT_EQ(bold.at("text").at("entities").at(0).at("type").at("@type"), "textEntityTypeBold");
  auto document = content(R"({"document":{"file_id":"BQ1","file_unique_id":"u","file_name":"a.pdf",
                             "mime_type":"application/pdf","file_size":3},"caption":"cv"})");
  EXPECT_EQ(document.at("@type"), "messageDocument");
  EXPECT_EQ(document.at("document").at("file_name"), "a.pdf");
  EXPECT_EQ(document.at("document").at("document").at("remote").at("id"), "BQ1");
  EXPECT_EQ(document.at("caption").at("text"), "cv");
  auto venue =
      content(R"({"venue":{"location":{"latitude":1.5,"longitude":2},"title":"Cafe","address":"Main St"},
                          "location":{"latitude":1.5,"longitude":2}})");
  EXPECT_EQ(venue.at("@type"), "messageVenue");
  EXPECT_EQ(venue.at("venue").at("location").at("latitude"), 1.5);
  auto poll = content(R"({"poll":{"id":"9","question":"Tea?","options":[{"text":"yes"},{"text":"no"}],
                         "type":"regular","is_anonymous":true}})");
  EXPECT_EQ(poll.at("poll").at("question").at("text"), "Tea?");
  EXPECT_EQ(poll.at("poll").at("options").as_array().size(), 2u);
  EXPECT_EQ(content(R"({"dice":{"emoji":"🎲","value":4}})").at("value"), 4);
  EXPECT_EQ(content(R"({"contact":{"phone_number":"+1","first_name":"Al"}})").at("contact").at("first_name"),
            "Al");
  EXPECT_EQ(content(R"({"invoice":{}})").at("@type"), "messageUnsupported");
}

TEST(TdMessageIds, ServerIdsAreShiftedBy20Bits) {
  EXPECT_EQ(td_message_id(3), 3 * 1048576);
  EXPECT_TRUE(is_server_message_id(td_message_id(7)));
  EXPECT_FALSE(is_server_message_id(td_message_id(7) + 1));
  EXPECT_FALSE(is_server_message_id(0));
  EXPECT_EQ(server_message_id(td_message_id(42)), 42);
}

// A channel's post is the channel's (messageSenderChat), is forwarded to its discussion group,
// and getMessageThread names that forward; a comment forwarded into the thread replies to it.
TEST_F(SessionsTest, ChannelPostsAndTheirComments) {
  const Id discussion = world_.create_group("News chat", false, customer_).value();
  const Id channel = world_.create_channel("News", customer_, discussion).value();
  ASSERT_TRUE(world_.set_member(channel, owner_, model::MemberStatus::kMember, {}).ok());
  ASSERT_TRUE(world_.set_member(discussion, owner_, model::MemberStatus::kMember, {}).ok());
  auto key = ready_account(owner_);
  model::MessageInput input;
  input.content = json::object{{"text", "Big sale"}};
  EXPECT_FALSE(world_.post(*world_.group(channel).value(), owner_, input).ok()) << "subscribers do not post";
  const auto* post = world_.post(*world_.group(channel).value(), customer_, input).value();
  json::object post_update;
  for (const auto& o : read(key)) {
    if (type_of(o) == "updateNewMessage" && o.at("message").at("chat_id").as_int64() == channel)
      post_update = o.at("message").as_object();
    if (type_of(o) == "updateNewChat" && o.at("chat").at("id").as_int64() == channel)
      EXPECT_TRUE(o.at("chat").at("type").at("is_channel").as_bool());
  }
  ASSERT_FALSE(post_update.empty());
  EXPECT_EQ(post_update.at("sender_id").at("@type").as_string(), "messageSenderChat");
  EXPECT_EQ(post_update.at("sender_id").at("chat_id").as_int64(), channel);

  send(key, {{"@type", "getMessageThread"}, {"chat_id", channel}, {"message_id", td_message_id(post->id)}});
  auto thread = read(key).back();
  ASSERT_EQ(type_of(thread), "messageThreadInfo");
  EXPECT_EQ(thread.at("chat_id").as_int64(), discussion);
  const Id forward = server_message_id(thread.at("message_thread_id").as_int64());
  send(key, {{"@type", "forwardMessages"},
             {"chat_id", discussion},
             {"message_thread_id", td_message_id(forward)},
             {"from_chat_id", channel},
             {"message_ids", json::array{td_message_id(post->id)}},
             {"send_copy", true}});
  const auto& comments = world_.group(discussion).value()->messages;
  EXPECT_EQ(comments.rbegin()->second.reply_to, forward);
  EXPECT_EQ(comments.rbegin()->second.from, owner_);
}

TEST_F(SessionsTest, StoriesArePostedForTheChosenUsersAndListed) {
  auto key = ready_account(owner_);
  const auto& file = world_.add_file("photo", "shop.png", "image/png", "png");
  send(
      key,
      {{"@type", "postStory"},
       {"chat_id", owner_},
       {"content", json::object{{"@type", "inputStoryContentPhoto"},
                                {"photo", json::object{{"@type", "inputFileRemote"}, {"id", file.file_id}}}}},
       {"caption", json::object{{"@type", "formattedText"}, {"text", "New shop"}}},
       {"privacy_settings",
        json::object{{"@type", "storyPrivacySettingsSelectedUsers"}, {"user_ids", json::array{customer_}}}},
       {"active_period", 86400}});
  auto answer = read(key);
  ASSERT_GE(answer.size(), 2u);
  EXPECT_EQ(type_of(answer[0]), "story");
  EXPECT_TRUE(answer[0].at("is_being_posted").as_bool());
  EXPECT_EQ(type_of(answer[1]), "updateStoryPostSucceeded");
  EXPECT_EQ(answer[1].at("old_story_id"), answer[0].at("id"));
  auto stories = sessions_.stories(owner_);
  ASSERT_EQ(stories.size(), 1u);
  EXPECT_EQ(stories[0].at("caption").as_string(), "New shop");
  EXPECT_EQ(stories[0].at("user_ids").as_array(), json::array{customer_});
  auto bot_key = open();
  send(bot_key, {{"@type", "checkAuthenticationBotToken"}, {"token", world_.account(bot_)->token}});
  read(bot_key);
  send(bot_key, {{"@type", "postStory"}, {"chat_id", bot_}});
  EXPECT_EQ(type_of(read(bot_key).back()), "error");
}

}  // namespace
}  // namespace tgsim::td
