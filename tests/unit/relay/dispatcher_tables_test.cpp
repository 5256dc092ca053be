// `/table import` through the engine and a real Dispatcher (FakeBotApi): the CSV document is read
// by the dispatcher (getFile, then the download, bytes that need not be UTF-8 carried as base64)
// and the table is made by the engine; a document over 1 MB is refused from getFile's size
// without a download; a document Telegram does not give is reported; nothing is half-made.
#include <gtest/gtest.h>

#include <string>

#include "dispatch_test_util.h"
#include "tables/table.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

class TablesFileTest : public DispatchFixture {
 protected:
  core::Event import(core::MessageId id, const std::string& file_id, const std::string& name = "plans") {
    auto e = operator_message(0, id, "/table import " + name);
    e.reply_to_message_id = id - 1;
    e.replied =
        core::ReplyContent{.message_id = id - 1, .content = core::ContentKind::kDocument, .file_id = file_id};
    return e;
  }

  std::string last_in_general() {
    auto posted = api_.of("sendMessage");
    return posted.empty() ? std::string() : std::string(posted.back().params.at("text").as_string());
  }
};

TEST_F(TablesFileTest, TheCsvIsReadOutsideTheEngineAndTheTableIsMadeFromIt) {
  api_.files["CSV"] = "\xEF\xBB\xBFid,title,price:decimal\r\nt1,Caf\xC3\xA9,9.90\r\n";
  start();
  handle_and_settle(import(700, "CSV"));
  ASSERT_EQ(api_.of("getFile").size(), 1u);
  ASSERT_EQ(api_.of("download").size(), 1u);
  auto t = store_->data_table(context_.id, "plans");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->rows.size(), 1u);
  EXPECT_EQ(t->rows[0][1], "Café");
  EXPECT_NE(last_in_general().find("Table plans imported: 1 rows"), std::string::npos) << last_in_general();
}

TEST_F(TablesFileTest, ABigOrBadDocumentMakesNothing) {
  api_.files["BIG"] = std::string(tables::kMaxCsvBytes + 1, 'a');
  api_.files["LATIN1"] = "id,title\nt1,Caf\xE9\n";
  start();
  handle_and_settle(import(700, "BIG"));
  EXPECT_TRUE(api_.of("download").empty());
  EXPECT_NE(last_in_general().find("nothing changed: the file is larger than 1048576 bytes"),
            std::string::npos)
      << last_in_general();
  handle_and_settle(import(702, "LATIN1"));
  EXPECT_NE(last_in_general().find("row 2, column 2 (title): text that is not UTF-8"), std::string::npos)
      << last_in_general();
  handle_and_settle(import(704, "GONE"));
  EXPECT_NE(last_in_general().find("nothing changed: Telegram did not give the document"), std::string::npos)
      << last_in_general();
  EXPECT_TRUE(store_->data_tables(context_.id).empty());
}

// LANGUAGE = "de": every refusal is German and still says where (row, column, the column's name),
// the dispatcher's own (a document Telegram does not give) included.
TEST_F(TablesFileTest, AGermanOperatorReadsTheImportsProblemsInGerman) {
  context_.params.language = "de";
  api_.files["BIG"] = std::string(tables::kMaxCsvBytes + 1, 'a');
  api_.files["PRICE"] = "id,title,price:decimal\nt1,Basic,9.90\nt2,Pro,\"12,50\"\n";
  api_.files["QUOTE"] = "id,title\nt1,say \"hi\"\n";
  start();
  handle_and_settle(import(700, "BIG"));
  EXPECT_EQ(last_in_general(),
            "📊 Tabelle plans wurde nicht importiert, nichts hat sich geändert: die Datei ist größer als "
            "1048576 Bytes");
  handle_and_settle(import(702, "PRICE"));
  EXPECT_EQ(last_in_general(),
            "📊 Tabelle plans wurde nicht importiert, nichts hat sich geändert: Zeile 3, Spalte 3 (price): "
            "„12,50“ ist keine Dezimalzahl wie 9.90 (ein Punkt, kein Komma; höchstens 18 Ziffern)");
  handle_and_settle(import(704, "QUOTE"));
  EXPECT_NE(last_in_general().find("Zeile 2, Spalte 2 (title): ein Anführungszeichen in einem Wert"),
            std::string::npos)
      << last_in_general();
  handle_and_settle(import(706, "GONE"));
  EXPECT_NE(
      last_in_general().find("nichts hat sich geändert: Telegram hat das Dokument nicht herausgegeben: "),
      std::string::npos)
      << last_in_general();
  EXPECT_TRUE(store_->data_tables(context_.id).empty());
}

}  // namespace
}  // namespace topicdesk::relay
