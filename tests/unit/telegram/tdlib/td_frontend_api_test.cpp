// TdFrontendApi: the dispatcher's Bot API calls, carried out by an account through TDLib.
#include "telegram/tdlib/td_frontend_api.h"

#include <gtest/gtest.h>

#include "telegram/tdlib/td_adapter.h"
#include "tests/unit/telegram/tdlib/td_harness.h"

namespace topicdesk::telegram::tdlib {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using testing::Harness;
using testing::ScriptedTd;

constexpr std::int64_t kAlice = 7001;
constexpr std::int64_t kGroup = -1001234567890;
constexpr std::int64_t kChannel = -1007777;     // a channel the account follows
constexpr std::int64_t kDiscussion = -1008888;  // its discussion group

json::object pending_message(std::int64_t chat, std::int64_t temporary_id) {
  return json::object{
      {"@type", "message"},
      {"id", temporary_id},
      {"chat_id", chat},
      {"is_outgoing", true},
      {"date", 1700000000},
      {"sending_state", json::object{{"@type", "messageSendingStatePending"}}},
      {"content", json::object{{"@type", "messageText"},
                               {"text", json::object{{"text", "hi"}, {"entities", json::array{}}}}}}};
}

json::object sent_message(std::int64_t chat, std::int64_t final_id) {
  json::object message = pending_message(chat, final_id);
  message.erase("sending_state");
  return message;
}

void succeed(ScriptedTd& td, int id, std::int64_t chat, std::int64_t temporary, std::int64_t final_id) {
  td.push(id, json::object{{"@type", "updateMessageSendSucceeded"},
                           {"message", sent_message(chat, final_id)},
                           {"old_message_id", temporary}});
}

struct FrontendHarness : Harness {
  std::unique_ptr<TdClient> client;
  std::unique_ptr<TdFrontendApi> api;
  FrontendHarness() {
    handlers["createPrivateChat"] = [](ScriptedTd& td, int id, const json::object& request) {
      td.answer(id, request, json::object{{"@type", "chat"}, {"id", request.at("user_id")}});
    };
    handlers["getChat"] = [](ScriptedTd& td, int id, const json::object& request) {
      td.answer(id, request,
                json::object{{"@type", "chat"},
                             {"id", request.at("chat_id")},
                             {"title", "Support"},
                             {"type", json::object{{"@type", "chatTypeSupergroup"}, {"is_channel", false}}}});
    };
    client = open();
    TdFrontendOptions options;
    options.send_timeout = 5s;
    api = std::make_unique<TdFrontendApi>(*client, options);
  }
  ~FrontendHarness() {
    api.reset();
    client.reset();
  }
  ApiResult call(std::string method, json::object params) {
    return run<ApiResult>([&]() { return api->call(method, params); });
  }
};

TEST(TdFrontendApi, SendMessageAnswersTheFinalBotApiIdAfterSendSucceeded) {
  FrontendHarness h;
  h.handlers["sendMessage"] = [](ScriptedTd& td, int id, const json::object& request) {
    td.push(id, json::object{{"@type", "updateNewMessage"}, {"message", pending_message(kAlice, 6291457)}});
    td.answer(id, request, pending_message(kAlice, 6291457));
    succeed(td, id, kAlice, 6291457, 6 * kMessageIdFactor);
  };
  json::object params{{"chat_id", kAlice},
                      {"text", "Hi bold"},
                      {"entities", json::array{json::object{{"type", "bold"}, {"offset", 3}, {"length", 4}}}},
                      {"reply_parameters", json::object{{"message_id", 4}}}};
  ApiResult r = h.call("sendMessage", params);
  ASSERT_TRUE(r.ok) << r.description;
  EXPECT_EQ(r.result.at("message_id"), 6);
  EXPECT_EQ(r.result.at("chat").at("id"), kAlice);

  ASSERT_EQ(h.td.requests_of("createPrivateChat").size(), 1u) << "TDLib must know the chat first";
  auto sent = h.td.requests_of("sendMessage").at(0);
  EXPECT_EQ(sent.at("chat_id"), kAlice);
  EXPECT_EQ(sent.at("reply_to").at("message_id"), 4 * kMessageIdFactor);
  const auto& text = sent.at("input_message_content").at("text");
  EXPECT_EQ(text.at("text"), "Hi bold");
  EXPECT_EQ(text.at("entities").at(0).at("type").at("@type"), "textEntityTypeBold");
}

TEST(TdFrontendApi, AConfirmationBeforeTheAnswerIsNotLost) {
  FrontendHarness h;
  h.handlers["sendMessage"] = [](ScriptedTd& td, int id, const json::object& request) {
    succeed(td, id, kGroup, 9437185, 9 * kMessageIdFactor);
    td.answer(id, request, pending_message(kGroup, 9437185));
  };
  ApiResult r = h.call("sendMessage", {{"chat_id", kGroup}, {"text", "x"}, {"message_thread_id", 100}});
  ASSERT_TRUE(r.ok) << r.description;
  EXPECT_EQ(r.result.at("message_id"), 9);
  EXPECT_EQ(h.td.requests_of("sendMessage").at(0).at("message_thread_id"), 100 * kMessageIdFactor);
}

TEST(TdFrontendApi, SendFailedBecomesABotApiError) {
  FrontendHarness h;
  h.handlers["sendMessage"] = [](ScriptedTd& td, int id, const json::object& request) {
    td.answer(id, request, pending_message(kAlice, 3145729));
    td.push(id, json::object{{"@type", "updateMessageSendFailed"},
                             {"message", pending_message(kAlice, 3145730)},
                             {"old_message_id", 3145729},
                             {"error", json::object{{"@type", "error"},
                                                    {"code", 403},
                                                    {"message", "USER_PRIVACY_RESTRICTED"}}}});
  };
  ApiResult r = h.call("sendMessage", {{"chat_id", kAlice}, {"text", "x"}});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_code, 403);
  EXPECT_EQ(r.description, "Forbidden: USER_PRIVACY_RESTRICTED");
}

TEST(TdFrontendApi, NoConfirmationIsANetworkErrorSoTheDispatcherRetries) {
  FrontendHarness h;
  h.api = std::make_unique<TdFrontendApi>(*h.client,
                                          TdFrontendOptions{.request_timeout = 5s, .send_timeout = 50ms});
  h.handlers["sendMessage"] = [](ScriptedTd& td, int id, const json::object& request) {
    td.answer(id, request, pending_message(kAlice, 3145729));
  };
  ApiResult r = h.call("sendMessage", {{"chat_id", kAlice}, {"text", "x"}});
  EXPECT_TRUE(r.network_error());
}

TEST(TdFrontendApi, CopyMessagesForwardsAsCopiesAndSkipsWhatCannotBeCopied) {
  FrontendHarness h;
  h.handlers["forwardMessages"] = [](ScriptedTd& td, int id, const json::object& request) {
    json::array messages{pending_message(kGroup, 20971521), nullptr, pending_message(kGroup, 22020097)};
    td.answer(id, request, json::object{{"@type", "messages"}, {"total_count", 3}, {"messages", messages}});
    succeed(td, id, kGroup, 22020097, 21 * kMessageIdFactor);
    succeed(td, id, kGroup, 20971521, 20 * kMessageIdFactor);
  };
  ApiResult r = h.call("copyMessages", {{"chat_id", kGroup},
                                        {"message_thread_id", 100},
                                        {"from_chat_id", kAlice},
                                        {"message_ids", json::array{3, 4, 5}}});
  ASSERT_TRUE(r.ok) << r.description;
  EXPECT_EQ(json::serialize(r.result), R"([{"message_id":20},{"message_id":21}])");
  auto forward = h.td.requests_of("forwardMessages").at(0);
  EXPECT_EQ(forward.at("send_copy"), true);
  EXPECT_EQ(forward.at("from_chat_id"), kAlice);
  EXPECT_EQ(forward.at("message_thread_id"), 100 * kMessageIdFactor);
  EXPECT_EQ(json::serialize(forward.at("message_ids")), "[3145728,4194304,5242880]");
}

TEST(TdFrontendApi, CopyMessageFromTheGroupToTheUser) {
  FrontendHarness h;
  h.handlers["forwardMessages"] = [](ScriptedTd& td, int id, const json::object& request) {
    td.answer(id, request,
              json::object{{"@type", "messages"},
                           {"total_count", 1},
                           {"messages", json::array{pending_message(kAlice, 8388609)}}});
    succeed(td, id, kAlice, 8388609, 8 * kMessageIdFactor);
  };
  ApiResult r = h.call("copyMessage", {{"chat_id", kAlice}, {"from_chat_id", kGroup}, {"message_id", 300}});
  ASSERT_TRUE(r.ok) << r.description;
  EXPECT_EQ(json::serialize(r.result), R"({"message_id":8})");
  EXPECT_EQ(h.td.requests_of("forwardMessages").at(0).at("message_ids").at(0), 300 * kMessageIdFactor);
}

TEST(TdFrontendApi, EditMessageText) {
  FrontendHarness h;
  h.handlers["editMessageText"] = [](ScriptedTd& td, int id, const json::object& request) {
    td.answer(id, request, sent_message(kAlice, request.at("message_id").as_int64()));
  };
  ApiResult r = h.call("editMessageText", {{"chat_id", kAlice}, {"message_id", 8}, {"text", "fixed"}});
  ASSERT_TRUE(r.ok) << r.description;
  EXPECT_EQ(r.result.at("message_id"), 8);
  auto edit = h.td.requests_of("editMessageText").at(0);
  EXPECT_EQ(edit.at("message_id"), 8 * kMessageIdFactor);
  EXPECT_EQ(edit.at("input_message_content").at("text").at("text"), "fixed");
}

TEST(TdFrontendApi, ResolveUserByUsernameOpensTheChat) {
  FrontendHarness h;
  h.handlers["searchPublicChat"] = [](ScriptedTd& td, int id, const json::object& request) {
    td.answer(id, request,
              json::object{{"@type", "chat"},
                           {"id", 7002},
                           {"type", json::object{{"@type", "chatTypePrivate"}, {"user_id", 7002}}}});
  };
  h.handlers["getUser"] = [](ScriptedTd& td, int id, const json::object& request) {
    td.answer(id, request, testing::user_json(7002, "Bob"));
  };
  ApiResult r = h.call("resolveUser", {{"username", "@bob"}});
  ASSERT_TRUE(r.ok) << r.description;
  EXPECT_EQ(r.result.at("id"), 7002);
  EXPECT_EQ(r.result.at("username"), "bob");
  EXPECT_EQ(h.td.requests_of("searchPublicChat").at(0).at("username"), "bob");
  EXPECT_EQ(h.td.requests_of("createPrivateChat").at(0).at("user_id"), 7002);
}

TEST(TdFrontendApi, UnknownPhoneIsABadRequestNotARetry) {
  FrontendHarness h;
  h.handlers["searchUserByPhoneNumber"] = [](ScriptedTd& td, int id, const json::object& request) {
    td.answer(id, request, json::object{{"@type", "error"}, {"code", 404}, {"message", "Not Found"}});
  };
  ApiResult r = h.call("resolveUser", {{"phone", "+15550199"}});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_code, 400) << "the dispatcher retries a 404 forever";
  EXPECT_EQ(r.description, "Bad Request: Not Found");
}

TEST(TdFrontendApi, UnsupportedMethodsFailClearly) {
  FrontendHarness h;
  ApiResult r = h.call("pinChatMessage", {{"chat_id", kAlice}, {"message_id", 1}});
  EXPECT_EQ(r.error_code, 400);
  EXPECT_NE(r.description.find("pinChatMessage"), std::string::npos);
}

// The Bot API replaces the reactions; the account removes what it chose before and adds the new.
TEST(TdFrontendApi, SetMessageReactionReplacesTheAccountsChosenReaction) {
  FrontendHarness h;
  h.handlers["getMessage"] = [](ScriptedTd& td, int id, const json::object& request) {
    json::object reaction{{"@type", "messageReaction"},
                          {"type", json::object{{"@type", "reactionTypeEmoji"}, {"emoji", "👍"}}},
                          {"total_count", 1},
                          {"is_chosen", true}};
    json::object message = sent_message(kAlice, 3 * kMessageIdFactor);
    message["interaction_info"] = json::object{
        {"@type", "messageInteractionInfo"},
        {"reactions", json::object{{"@type", "messageReactions"}, {"reactions", json::array{reaction}}}}};
    td.answer(id, request, message);
  };
  for (const char* method : {"addMessageReaction", "removeMessageReaction"}) {
    h.handlers[method] = [](ScriptedTd& td, int id, const json::object& request) {
      td.answer(id, request, json::object{{"@type", "ok"}});
    };
  }
  json::array reaction{json::object{{"type", "emoji"}, {"emoji", "🔥"}}};
  ApiResult r =
      h.call("setMessageReaction", {{"chat_id", kAlice}, {"message_id", 3}, {"reaction", reaction}});
  ASSERT_TRUE(r.ok) << r.description;
  ASSERT_EQ(h.td.requests_of("removeMessageReaction").size(), 1u);
  EXPECT_EQ(h.td.requests_of("removeMessageReaction")[0].at("reaction_type").at("emoji"), "👍");
  ASSERT_EQ(h.td.requests_of("addMessageReaction").size(), 1u);
  EXPECT_EQ(h.td.requests_of("addMessageReaction")[0].at("message_id"), 3 * kMessageIdFactor);
  EXPECT_EQ(h.td.requests_of("addMessageReaction")[0].at("reaction_type").at("emoji"), "🔥");

  ApiResult cleared =
      h.call("setMessageReaction", {{"chat_id", kAlice}, {"message_id", 3}, {"reaction", json::array{}}});
  ASSERT_TRUE(cleared.ok) << cleared.description;
  EXPECT_EQ(h.td.requests_of("removeMessageReaction").size(), 2u);
  EXPECT_EQ(h.td.requests_of("addMessageReaction").size(), 1u);
}

// /story: the replied message's largest photo, by its remote id, posted for the chosen users;
// done once TDLib confirms the story (updateStoryPostSucceeded).
TEST(TdFrontendApi, PostStoryPostsThePhotoForTheChosenUsers) {
  FrontendHarness h;
  h.handlers["getMessage"] = [](ScriptedTd& td, int id, const json::object& request) {
    auto size = [](const char* remote) {
      return json::object{
          {"@type", "photoSize"},
          {"photo", json::object{{"@type", "file"}, {"remote", json::object{{"id", remote}}}}}};
    };
    json::object message = sent_message(kGroup, 4 * kMessageIdFactor);
    message["content"] =
        json::object{{"@type", "messagePhoto"},
                     {"photo", json::object{{"sizes", json::array{size("small"), size("large")}}}}};
    td.answer(id, request, message);
  };
  h.handlers["getMe"] = [](ScriptedTd& td, int id, const json::object& request) {
    td.answer(id, request, json::object{{"@type", "user"}, {"id", 5000}, {"first_name", "Sam"}});
  };
  h.handlers["postStory"] = [](ScriptedTd& td, int id, const json::object& request) {
    td.answer(id, request, json::object{{"@type", "story"}, {"id", 77001}, {"is_being_posted", true}});
    td.push(id, json::object{{"@type", "updateStoryPostSucceeded"},
                             {"story", json::object{{"@type", "story"}, {"id", 12}}},
                             {"old_story_id", 77001}});
  };
  ApiResult r = h.call("postStory", {{"from_chat_id", kGroup},
                                     {"message_id", 4},
                                     {"caption", "New shop"},
                                     {"user_ids", json::array{kAlice, 7002}}});
  ASSERT_TRUE(r.ok) << r.description;
  EXPECT_EQ(r.result.at("story_id"), 12);
  auto posted = h.td.requests_of("postStory").at(0);
  EXPECT_EQ(posted.at("chat_id"), 5000);
  EXPECT_EQ(posted.at("content").at("@type"), "inputStoryContentPhoto");
  EXPECT_EQ(posted.at("content").at("photo").at("id"), "large");
  EXPECT_EQ(posted.at("caption").at("text"), "New shop");
  EXPECT_EQ(posted.at("privacy_settings").at("@type"), "storyPrivacySettingsSelectedUsers");
  EXPECT_EQ(posted.at("privacy_settings").at("user_ids"), (json::array{kAlice, 7002}));
}

TEST(TdFrontendApi, PostStoryOfATextIsABadRequest) {
  FrontendHarness h;
  h.handlers["getMessage"] = [](ScriptedTd& td, int id, const json::object& request) {
    td.answer(id, request, sent_message(kGroup, 4 * kMessageIdFactor));
  };
  ApiResult r =
      h.call("postStory", {{"from_chat_id", kGroup}, {"message_id", 4}, {"user_ids", json::array{kAlice}}});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_code, 400);
  EXPECT_NE(r.description.find("no photo or video"), std::string::npos);
  EXPECT_TRUE(h.td.requests_of("postStory").empty());
}

// A copy "to" a channel is a comment on the replied-to post in its discussion group.
TEST(TdFrontendApi, CopyToAChannelCommentsOnThePostInTheDiscussionGroup) {
  FrontendHarness h;
  h.handlers["getChat"] = [](ScriptedTd& td, int id, const json::object& request) {
    const bool channel = request.at("chat_id") == kChannel;
    td.answer(id, request,
              json::object{{"@type", "chat"},
                           {"id", request.at("chat_id")},
                           {"type", json::object{{"@type", "chatTypeSupergroup"}, {"is_channel", channel}}}});
  };
  h.handlers["getMessageThread"] = [](ScriptedTd& td, int id, const json::object& request) {
    td.answer(id, request,
              json::object{{"@type", "messageThreadInfo"},
                           {"chat_id", kDiscussion},
                           {"message_thread_id", 9 * kMessageIdFactor}});
  };
  h.handlers["forwardMessages"] = [](ScriptedTd& td, int id, const json::object& request) {
    json::object pending = pending_message(kDiscussion, 6291457);
    td.answer(id, request, json::object{{"@type", "messages"}, {"messages", json::array{pending}}});
    succeed(td, id, kDiscussion, 6291457, 10 * kMessageIdFactor);
  };
  ApiResult refused =
      h.call("copyMessage", {{"chat_id", kChannel}, {"from_chat_id", kGroup}, {"message_id", 70}});
  EXPECT_EQ(refused.error_code, 400);
  EXPECT_NE(refused.description.find("reply to one of its posts"), std::string::npos);
  json::object params{{"chat_id", kChannel},
                      {"from_chat_id", kGroup},
                      {"message_id", 70},
                      {"reply_parameters", json::object{{"message_id", 3}}}};
  ApiResult r = h.call("copyMessage", params);
  ASSERT_TRUE(r.ok) << r.description;
  EXPECT_EQ(r.result.at("message_id"), 10);
  EXPECT_EQ(h.td.requests_of("getMessageThread").at(0).at("message_id"), 3 * kMessageIdFactor);
  auto forward = h.td.requests_of("forwardMessages").at(0);
  EXPECT_EQ(forward.at("chat_id"), kDiscussion);
  EXPECT_EQ(forward.at("message_thread_id"), 9 * kMessageIdFactor);
}

TEST(TdErrorMapping, BotApiCodesAndTexts) {
  auto map = [](int code, const char* message) {
    return api_error_from_td(make_error_object(code, message));
  };
  ApiResult flood = map(429, "Too Many Requests: retry after 17");
  EXPECT_EQ(flood.error_code, 429);
  EXPECT_EQ(flood.retry_after, 17);
  EXPECT_EQ(map(400, "Chat not found").description, "Bad Request: Chat not found");
  EXPECT_EQ(map(400, "USER_IS_BLOCKED").kind, ErrorKind::kUserBlocked) << "the dialog is marked blocked";
  EXPECT_TRUE(map(400, "USER_IS_BLOCKED").user_blocked);
  EXPECT_FALSE(map(400, "INPUT_USER_DEACTIVATED").user_blocked);
  EXPECT_EQ(map(400, "INPUT_USER_DEACTIVATED").kind, ErrorKind::kUserBlocked);
  EXPECT_EQ(map(400, "TOPIC_DELETED").kind, ErrorKind::kThreadNotFound);
  EXPECT_EQ(map(400, "TOPIC_CLOSED").kind, ErrorKind::kTopicClosed);
  EXPECT_EQ(map(400, "MESSAGE_NOT_MODIFIED").kind, ErrorKind::kNotModified);
  EXPECT_EQ(map(404, "Message not found").kind, ErrorKind::kMessageNotFound);
  EXPECT_EQ(map(400, "Chat not found").kind, ErrorKind::kChatNotFound);
  EXPECT_EQ(map(403, "CHAT_WRITE_FORBIDDEN").kind, ErrorKind::kNoRights);
  EXPECT_EQ(map(400, "USER_PRIVACY_RESTRICTED").kind, ErrorKind::kCantInitiate);
  EXPECT_EQ(map(400, "MESSAGE_EMPTY").kind, ErrorKind::kBadRequest);
  EXPECT_EQ(flood.kind, ErrorKind::kFlood);
  EXPECT_EQ(map(0, "no answer").kind, ErrorKind::kNetwork);
  EXPECT_EQ(map(500, "boom").kind, ErrorKind::kServerError);
  EXPECT_EQ(map(401, "Unauthorized").description, "Unauthorized");
  EXPECT_TRUE(map(0, "no answer").network_error());
  EXPECT_EQ(map(500, "boom").error_code, 500);
}

}  // namespace
}  // namespace topicdesk::telegram::tdlib
