// Found with td_adapter_fuzz (its extreme inputs): a message whose date or forum topic id was too large
// overflowed a signed multiplication (seconds → milliseconds, topic → TDLib message id). Such
// a message is now a parse error naming the field, like any other malformed update.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "telegram/tdlib/td_adapter.h"
#include "telegram/tdlib/td_frontend_api.h"

namespace topicdesk::telegram::tdlib {
namespace {

constexpr core::ChatId kGroup = -1001234567890;

std::optional<Incoming> adapt(const std::string& message_fields) {
  auto update =
      boost::json::parse(
          R"({"@type":"updateNewMessage","message":{"@type":"message","id":209715200,"chat_id":-1001234567890,)" +
          message_fields +
          R"("sender_id":{"@type":"messageSenderUser","user_id":8001},"content":{"@type":"messageText",
                    "text":{"@type":"formattedText","text":"hello","entities":[]}}}})")
          .as_object();
  ProfileCache profiles;
  return make_incoming(update, AdapterContext{.backend_group_id = kGroup, .self_id = 5000}, profiles, 0);
}

TEST(TdAdapterRegression, DatesBeyondMillisecondsAreAnErrorNamingTheField) {
  for (const char* date :
       {R"("date":9223372036854775807,)", R"("date":"9223372036854776",)", R"("date":-1,)"}) {
    auto incoming = adapt(date);
    ASSERT_TRUE(incoming) << date;
    EXPECT_FALSE(incoming->event) << date;
    EXPECT_EQ(incoming->parse_error, "updateNewMessage.message.date must be a Unix time in seconds");
  }
  auto largest = adapt(R"("date":9223372036854775,)");
  ASSERT_TRUE(largest && largest->event);
  EXPECT_EQ(largest->event->date, 9223372036854775000);
}

TEST(TdAdapterRegression, ForumTopicIdsBeyondMessageIdsAreAnError) {
  auto huge =
      adapt(R"("date":1,"topic_id":{"@type":"messageTopicForum","forum_topic_id":9223372036854775807},)");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->parse_error, "updateNewMessage.message.topic_id.forum_topic_id is out of range");
  auto topic = adapt(R"("date":1,"topic_id":{"@type":"messageTopicForum","forum_topic_id":100},)");
  ASSERT_TRUE(topic && topic->event);
  EXPECT_EQ(topic->event->thread_id, 100);
}

// Found by td_adapter_fuzz: TDLib's 429 with a retry time too large for an int made std::stoi
// throw out of api_error_from_td, into the account connection's send. Now it is capped.
TEST(TdAdapterRegression, HugeRetryAfterIsCappedNotThrown) {
  auto error = [](std::string message) {
    return api_error_from_td(boost::json::object{{"@type", "error"}, {"code", 429}, {"message", message}});
  };
  EXPECT_EQ(error("Too Many Requests: retry after 99999999999999").retry_after, 2147483647);
  EXPECT_EQ(error("Too Many Requests: retry after 5").retry_after, 5);
  EXPECT_EQ(error("Too Many Requests: retry after 5").error_code, 429);
  EXPECT_EQ(error("Too Many Requests").retry_after, 0);
  EXPECT_EQ(error("12345").retry_after, 0) << "a number alone is no retry time";
}

}  // namespace
}  // namespace topicdesk::telegram::tdlib
