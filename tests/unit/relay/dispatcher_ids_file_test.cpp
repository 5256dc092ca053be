// `/send file` through the engine and a real Dispatcher (FakeBotApi): the document is read by
// the dispatcher (getFile, then the download) and the broadcast is made from its text by the
// engine; a document over the bound is refused without a download, and a bad one makes nothing.
#include <gtest/gtest.h>

#include <string>

#include "dispatch_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

class IdsFileTest : public DispatchFixture {
 protected:
  core::Event send_file(core::MessageId id, const std::string& file_id) {
    auto e = operator_message(0, id, "/send file");
    e.content = core::ContentKind::kDocument;
    e.file_id = file_id;
    e.reply_to_message_id = 42;
    e.replied.message_id = 42;
    return e;
  }

  std::string last_in_general() {
    auto posted = api_.of("sendMessage");
    return posted.empty() ? std::string() : std::string(posted.back().params.at("text").as_string());
  }
};

TEST_F(IdsFileTest, TheDocumentIsReadOutsideTheEngineAndTheBroadcastIsMadeFromIt) {
  store_->create_dialog(context_.id, 2001, kGroupId, kT0);
  store_->create_dialog(context_.id, 2002, kGroupId, kT0);
  api_.files["F1"] = "2001, 2002\n\n999;2001\n";
  start();
  handle_and_settle(send_file(700, "F1"));
  ASSERT_EQ(api_.of("getFile").size(), 1u);
  ASSERT_EQ(api_.of("download").size(), 1u);
  EXPECT_EQ(api_.of("download")[0].params.at("file_path").as_string(), "documents/F1");
  auto made = store_->broadcasts_of(context_.id, 10);
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(made[0].recipients, "file of 3");
  EXPECT_EQ(made[0].message_ids, std::vector<core::MessageId>{42});
  EXPECT_EQ(made[0].creator_id, kOperatorId);
  auto counts = store_->broadcast_counts(made[0].id);
  EXPECT_EQ(counts.pending, 2);
  EXPECT_EQ(counts.skipped, 1);
  EXPECT_NE(last_in_general().find("(file of 3): 2 recipients, 1 left out"), std::string::npos)
      << last_in_general();
}

TEST_F(IdsFileTest, ADocumentOverTheBoundIsNotDownloadedAndABadOneMakesNothing) {
  api_.files["BIG"] = std::string(crm::kMaxIdsFileBytes + 1, '1');
  api_.files["BAD"] = "12\nnot an id\n";
  start();
  handle_and_settle(send_file(700, "BIG"));
  EXPECT_TRUE(api_.of("download").empty());
  EXPECT_NE(last_in_general().find("nothing was made: the document is 2097153 bytes"), std::string::npos)
      << last_in_general();
  handle_and_settle(send_file(701, "BAD"));
  EXPECT_NE(last_in_general().find("nothing was made: the document has not user ids on line 2"),
            std::string::npos)
      << last_in_general();
  handle_and_settle(send_file(702, "GONE"));
  EXPECT_NE(last_in_general().find("nothing was made: Telegram did not give the document"), std::string::npos)
      << last_in_general();
  EXPECT_TRUE(store_->broadcasts_of(context_.id, 10).empty());
}

// The dispatcher writes its reasons in the connection's LANGUAGE: the document's size over the
// bound, a document Telegram does not give.
TEST_F(IdsFileTest, TheDispatchersReasonsAreInTheOperatorsLanguage) {
  context_.params.language = "de";
  api_.files["BIG"] = std::string(crm::kMaxIdsFileBytes + 1, '1');
  start();
  handle_and_settle(send_file(700, "BIG"));
  EXPECT_TRUE(api_.of("download").empty());
  EXPECT_NE(
      last_in_general().find(
          "das Dokument hat 2097153 Bytes; eine Datei mit Nutzer-IDs darf höchstens 2097152 haben (2 MB)"),
      std::string::npos)
      << last_in_general();
  handle_and_settle(send_file(702, "GONE"));
  EXPECT_NE(last_in_general().find("Telegram hat das Dokument nicht herausgegeben: "), std::string::npos)
      << last_in_general();
  EXPECT_TRUE(store_->broadcasts_of(context_.id, 10).empty());
}

}  // namespace
}  // namespace topicdesk::relay
