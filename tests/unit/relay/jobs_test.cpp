#include "relay/jobs.h"

#include <gtest/gtest.h>

namespace topicdesk::relay {
namespace {

TEST(Jobs, PayloadRoundTripKeepsEveryField) {
  JobPayload p{.dialog = 4,
               .to = Side::kUser,
               .message_id = 17,
               .message_ids = {3, 4, 5},
               .reply_to = 9,
               .chat = 0,
               .thread = 77,
               .text = "héllo \"quoted\"",
               .entities_json = R"([{"offset":0,"length":5,"type":"italic"}])",
               .reactions = {"👍", "🔥"},
               .operator_message = true};
  auto back = payload_from_json(payload_to_json(p));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->dialog, 4);
  EXPECT_EQ(back->to, Side::kUser);
  EXPECT_EQ(back->message_id, 17);
  EXPECT_EQ(back->message_ids, (std::vector<core::MessageId>{3, 4, 5}));
  EXPECT_EQ(back->reply_to, 9);
  EXPECT_EQ(back->thread, 77);
  EXPECT_EQ(back->text, p.text);
  EXPECT_EQ(back->entities_json, p.entities_json);
  EXPECT_EQ(back->reactions, p.reactions);
  EXPECT_TRUE(back->operator_message);
}

TEST(Jobs, MalformedPayloadsAreErrors) {
  EXPECT_FALSE(payload_from_json("not json").ok());
  EXPECT_FALSE(payload_from_json("[1]").ok());
  EXPECT_FALSE(payload_from_json(R"({"dialog":"four"})").ok());
  EXPECT_FALSE(payload_from_json(R"({"message_ids":[1,"x"]})").ok());
}

TEST(Jobs, QueueKeysOrderEachDialogAndDirection) {
  EXPECT_EQ(queue_key(1, {.dialog = 4, .to = Side::kGroup}), "d4:g");
  EXPECT_EQ(queue_key(1, {.dialog = 4, .to = Side::kUser}), "d4:u");
  EXPECT_EQ(queue_key(1, {.dialog = 0, .to = Side::kGroup}), "c1:general");
  EXPECT_EQ(queue_key(1, {.dialog = 0, .to = Side::kUser, .chat = 55}), "c1:u55");
  auto job = make_job(2, job::kCopyToUser, {.dialog = 4, .to = Side::kUser}, kPriorityOperatorReply, 123);
  EXPECT_EQ(job.connection_id, 2);
  EXPECT_EQ(job.kind, "copy_to_user");
  EXPECT_EQ(job.queue_key, "d4:u");
  EXPECT_EQ(job.priority, 0);
  EXPECT_EQ(job.created_at, 123);
}

}  // namespace
}  // namespace topicdesk::relay

namespace topicdesk::relay {
namespace {

TEST(Jobs, DocumentsKeepAnyBytesThroughTheOutbox) {
  std::string bytes = "id,name\n1,\"Zoë\"\n";
  bytes.push_back('\0');
  bytes += "\xff\x80 not UTF-8";
  for (std::string document : {bytes, std::string("a"), std::string("ab"), std::string("abc")}) {
    JobPayload p{.dialog = 0, .text = "caption", .document_name = "report.csv", .document = document};
    auto back = payload_from_json(payload_to_json(p));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->document, document);
    EXPECT_EQ(back->document_name, "report.csv");
  }
  EXPECT_FALSE(payload_from_json(R"({"document":"%%%"})").ok());
}

}  // namespace
}  // namespace topicdesk::relay
