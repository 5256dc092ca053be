// What Telegram's failures mean, decided once where the answer arrives (bot_api.h).
#include <gtest/gtest.h>

#include "telegram/bot_api.h"

namespace topicdesk::telegram {
namespace {

ErrorKind kind(int code, const char* description) { return classify_bot_api_error(code, description); }

TEST(BotApiErrors, TransientFailuresAreTheirOwnKinds) {
  EXPECT_EQ(kind(0, "connect: Connection refused"), ErrorKind::kNetwork);
  EXPECT_EQ(kind(429, "Too Many Requests: retry after 5"), ErrorKind::kFlood);
  EXPECT_EQ(kind(502, "Bad Gateway"), ErrorKind::kServerError);
  EXPECT_EQ(kind(401, "Unauthorized"), ErrorKind::kUnauthorized);
  EXPECT_EQ(kind(404, "Not Found"), ErrorKind::kUnauthorized);
  EXPECT_EQ(kind(409, "Conflict: terminated by other getUpdates request"), ErrorKind::kConflict);
}

TEST(BotApiErrors, TopicsAndEditsAreRecognised) {
  EXPECT_EQ(kind(400, "Bad Request: message thread not found"), ErrorKind::kThreadNotFound);
  EXPECT_EQ(kind(400, "Bad Request: TOPIC_DELETED"), ErrorKind::kThreadNotFound);
  EXPECT_EQ(kind(400, "Bad Request: TOPIC_CLOSED"), ErrorKind::kTopicClosed);
  EXPECT_EQ(kind(400, "Bad Request: TOPIC_NOT_MODIFIED"), ErrorKind::kNotModified);
  EXPECT_EQ(kind(400,
                 "Bad Request: message is not modified: specified new message content and reply markup "
                 "are exactly the same"),
            ErrorKind::kNotModified);
  EXPECT_EQ(kind(400, "Bad Request: message to edit not found"), ErrorKind::kMessageNotFound);
  EXPECT_EQ(kind(400, "Bad Request: message to react not found"), ErrorKind::kMessageNotFound);
  EXPECT_EQ(kind(400, "Bad Request: chat not found"), ErrorKind::kChatNotFound);
}

TEST(BotApiErrors, UsersAndGroupsThatRefuse) {
  ApiResult blocked = api_error(403, "Forbidden: bot was blocked by the user");
  EXPECT_EQ(blocked.kind, ErrorKind::kUserBlocked);
  EXPECT_TRUE(blocked.user_blocked);
  ApiResult gone = api_error(403, "Forbidden: user is deactivated");
  EXPECT_EQ(gone.kind, ErrorKind::kUserBlocked);
  EXPECT_FALSE(gone.user_blocked);
  EXPECT_EQ(kind(403, "Forbidden: bot can't initiate conversation with a user"), ErrorKind::kCantInitiate);
  EXPECT_EQ(kind(403, "Forbidden: bot was kicked from the supergroup chat"), ErrorKind::kNoRights);
  EXPECT_EQ(kind(403, "Forbidden: bot is not a member of the supergroup chat"), ErrorKind::kNoRights);
  EXPECT_EQ(kind(400, "Bad Request: not enough rights to create a topic"), ErrorKind::kNoRights);
  EXPECT_EQ(kind(400, "Bad Request: message can't be copied"), ErrorKind::kBadRequest);
  EXPECT_EQ(kind(400, "Bad Request: message to copy not found"), ErrorKind::kBadRequest);
}

}  // namespace
}  // namespace topicdesk::telegram
