// Transcripts read back: the JSON Lines give every recorded field again, the HTML page is safe
// to open (every text escaped, no script) and readable, and under HIDE_INFO neither names the
// client anywhere.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <memory>
#include <sstream>

#include "exports/exports.h"

namespace topicdesk::exports {
namespace {

using store::HistoryAuthor;
using store::HistoryEntry;

constexpr core::ChatId kGroup = -1001000000001;
constexpr core::UnixMillis kT0 = 1'790'000'000'000;
const core::Person kAnna{.id = 700100200,
                         .first_name = "Anna",
                         .last_name = "Lee",
                         .username = "anna_lee",
                         .language_code = "en",
                         .phone = "79991234567"};

class Transcript : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::open_sqlite(":memory:");
    shop_ = store_->ensure_connection("shop", 111, kGroup);
    store_->upsert_user(shop_, kAnna, kT0);
    dialog_ = store_->create_dialog(shop_, kAnna.id, kGroup, kT0);
    dialog_.pseudonym = "Blue Otter 4821";
    store_->update_dialog(dialog_);
  }

  std::int64_t add(HistoryAuthor author, std::string text, core::UserId sender, std::string name,
                   core::UnixMillis at, std::string entities = {}) {
    return store_->add_history(HistoryEntry{.connection_id = shop_,
                                            .dialog_id = dialog_.id,
                                            .author = author,
                                            .sender_id = sender,
                                            .sender_name = std::move(name),
                                            .message_id = at % 1000 + 1,
                                            .content = "text",
                                            .text = std::move(text),
                                            .entities_json = std::move(entities),
                                            .at = at});
  }

  // A small conversation: Anna asks (under an earlier name), an operator answers naming her, a
  // comment, a photo with a caption, a notice, and Anna's edit.
  void conversation() {
    add(HistoryAuthor::kUser, "Hi, I'm Anna. Order <b>#42</b> & \"more\"", kAnna.id, "Anna Lee", kT0);
    add(HistoryAuthor::kOperator, "Hello Anna Lee! Is @anna_lee your Instagram too?", 42, "Olga", kT0 + 1000,
        R"([{"type":"bold","offset":0,"length":5},{"type":"text_mention","offset":6,"length":4,"user":{"id":700100200,"first_name":"Anna"}}])");
    add(HistoryAuthor::kComment, "/ she called from 79991234567 yesterday", 42, "Olga", kT0 + 2000);
    store_->add_history(HistoryEntry{.connection_id = shop_,
                                     .dialog_id = dialog_.id,
                                     .author = HistoryAuthor::kUser,
                                     .sender_id = kAnna.id,
                                     .sender_name = "Annie Smith",
                                     .message_id = 9,
                                     .content = "photo",
                                     .text = "my receipt, Annie",
                                     .file_id = "AgAD-photo",
                                     .media_group_id = "g1",
                                     .reply_to = 1001,
                                     .at = kT0 + 3000});
    add(HistoryAuthor::kNotice, "🔒 Dialog closed by Olga", 0, "", kT0 + 4000);
    store_->edit_history(dialog_.id, false, 1, "Hi, I'm Anna. Order <b>#42</b> & \"more\" (edited)", "",
                         kT0 + 5000);
  }

  static std::vector<boost::json::object> lines(const std::string& jsonl) {
    std::vector<boost::json::object> out;
    std::istringstream in(jsonl);
    for (std::string line; std::getline(in, line);) out.push_back(boost::json::parse(line).as_object());
    return out;
  }

  std::unique_ptr<store::Store> store_;
  core::ConnectionId shop_ = 0;
  store::Dialog dialog_;
};

TEST_F(Transcript, JsonLinesGiveBackEveryRecordedField) {
  conversation();
  auto recorded = store_->dialog_history(dialog_.id, 0, 100);
  auto read = lines(transcript_jsonl(*store_, dialog_.id, true));
  ASSERT_EQ(read.size(), recorded.size());
  for (std::size_t i = 0; i < read.size(); ++i) {
    const auto& line = read[i];
    const auto& e = recorded[i];
    EXPECT_EQ(line.at("id").as_int64(), e.id);
    EXPECT_EQ(line.at("dialog").as_int64(), e.dialog_id);
    EXPECT_EQ(line.at("author").as_string(), store::to_string(e.author));
    EXPECT_EQ(line.at("text").as_string(), e.text);
    EXPECT_EQ(line.at("at").as_int64(), e.at);
    EXPECT_EQ(line.contains("sender_id") ? line.at("sender_id").as_int64() : 0, e.sender_id);
    EXPECT_EQ(line.contains("sender_name") ? std::string(line.at("sender_name").as_string()) : "",
              e.sender_name);
    EXPECT_EQ(line.contains("file_id") ? std::string(line.at("file_id").as_string()) : "", e.file_id);
    EXPECT_EQ(line.contains("edits") ? line.at("edits").as_int64() : 0, e.edits);
  }
  EXPECT_EQ(read[0].at("text").as_string(), "Hi, I'm Anna. Order <b>#42</b> & \"more\" (edited)");
  EXPECT_EQ(read[0].at("edits").as_int64(), 1);
  EXPECT_EQ(read[1].at("entities").as_array().size(), 2u);
  EXPECT_EQ(read[3].at("content").as_string(), "photo");
  EXPECT_EQ(read[3].at("media_group_id").as_string(), "g1");
  EXPECT_EQ(read[3].at("reply_to").as_int64(), 1001);
  EXPECT_EQ(read[0].at("time").as_string(), "2026-09-21T14:13:20Z");
}

TEST_F(Transcript, TheHtmlPageIsEscapedAndReadable) {
  conversation();
  std::string html = transcript_html(*store_, dialog_.id, true);
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_TRUE(html.ends_with("</html>\n"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>#42</b>"), std::string::npos) << "a user's text is never markup";
  EXPECT_NE(html.find("Order &lt;b&gt;#42&lt;/b&gt; &amp; &quot;more&quot;"), std::string::npos);
  EXPECT_NE(html.find("Conversation with Anna Lee (@anna_lee)"), std::string::npos);
  EXPECT_NE(html.find("<b>Olga</b> · operator"), std::string::npos);
  EXPECT_NE(html.find("internal comment"), std::string::npos);
  EXPECT_NE(html.find("[photo]</span> my receipt"), std::string::npos);
  EXPECT_NE(html.find("edited 2026-09-21 14:13 UTC"), std::string::npos);
  EXPECT_NE(html.find("<b>Desk</b> · notice in the topic"), std::string::npos);
  EXPECT_NE(html.find("5 messages"), std::string::npos);
}

// The page posted in a topic speaks the operators' language: its title, the meta line, the roles
// and the edit marks; a right-to-left language lays the page out right to left.
TEST_F(Transcript, TheHtmlPageIsInTheOperatorsLanguage) {
  conversation();
  std::string html = transcript_html(*store_, dialog_.id, true, "ru");
  EXPECT_NE(html.find("<html lang=\"ru\" dir=\"ltr\">"), std::string::npos);
  EXPECT_NE(html.find("<h1>Переписка с Anna Lee (@anna_lee)</h1>"), std::string::npos) << html;
  EXPECT_NE(html.find("<b>Olga</b> · оператор"), std::string::npos);
  EXPECT_NE(html.find("внутренний комментарий"), std::string::npos);
  EXPECT_NE(html.find("изменено 2026-09-21 14:13 UTC"), std::string::npos);
  EXPECT_NE(html.find("сообщений: 5"), std::string::npos);
  EXPECT_EQ(html.find("Conversation with"), std::string::npos);
  EXPECT_EQ(html.find("<b>#42</b>"), std::string::npos) << "a user's text is never markup";
  EXPECT_NE(transcript_html(*store_, dialog_.id, true, "fa").find("<html lang=\"fa\" dir=\"rtl\">"),
            std::string::npos);
}

TEST_F(Transcript, UnderHideInfoNeitherFileNamesTheClient) {
  conversation();
  for (const std::string& text :
       {transcript_html(*store_, dialog_.id, false), transcript_jsonl(*store_, dialog_.id, false)}) {
    for (std::string_view secret : {"Anna", "Annie", "Lee", "Smith", "anna_lee", "79991234567", "700100200"})
      EXPECT_EQ(text.find(secret), std::string::npos) << secret << " leaked:\n" << text;
    EXPECT_NE(text.find("Blue Otter 4821"), std::string::npos);
    EXPECT_NE(text.find("Olga"), std::string::npos) << "operators are not hidden";
  }
  auto read = lines(transcript_jsonl(*store_, dialog_.id, false));
  EXPECT_EQ(read[0].at("sender_name").as_string(), "Blue Otter 4821");
  EXPECT_FALSE(read[0].contains("sender_id"));
  EXPECT_EQ(read[0].at("text").as_string(), "Hi, I'm Blue Otter 4821. Order <b>#42</b> & \"more\" (edited)");
  EXPECT_EQ(read[1].at("text").as_string(), "Hello Blue Otter 4821! Is Blue Otter 4821 your Instagram too?");
  EXPECT_FALSE(read[1].contains("entities")) << "offsets of a changed text no longer fit";
  EXPECT_EQ(read[3].at("text").as_string(), "my receipt, Blue Otter 4821");
}

TEST_F(Transcript, ALongConversationIsCutIntoWholePages) {
  for (int i = 0; i < 200; ++i)
    add(HistoryAuthor::kUser, "line " + std::to_string(i), kAnna.id, "Anna", kT0 + i);
  auto doc = transcript_html_document(read_conversation(*store_, dialog_.id), true);
  auto parts = doc.parts(8000);
  ASSERT_GT(parts.size(), 2u);
  int entries = 0;
  for (const auto& part : parts) {
    EXPECT_LE(part.size(), 8000u);
    EXPECT_TRUE(part.starts_with("<!DOCTYPE html>"));
    EXPECT_TRUE(part.ends_with("</html>\n"));
    for (std::size_t at = part.find("<li "); at != std::string::npos; at = part.find("<li ", at + 1))
      ++entries;
  }
  EXPECT_EQ(entries, 200);

  auto files = files_to_post("en", doc, "conversation-1", "html", 8000, parts.size());
  ASSERT_TRUE(files.ok());
  EXPECT_EQ((*files)[0].name, "conversation-1-part1of" + std::to_string(parts.size()) + ".html");
  auto refused = files_to_post("en", doc, "conversation-1", "html", 8000, parts.size() - 1);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::kTooLarge);
  EXPECT_NE(refused.error().message.find("topicdesk export"), std::string::npos) << refused.error().message;
  auto german = files_to_post("de", doc, "conversation-1", "html", 8000, parts.size() - 1);
  ASSERT_FALSE(german.ok());
  EXPECT_TRUE(german.error().message.starts_with("conversation-1.html wäre ")) << german.error().message;
  auto whole = files_to_post("en", doc, "conversation-1", "html");
  ASSERT_TRUE(whole.ok());
  ASSERT_EQ(whole->size(), 1u);
  EXPECT_EQ((*whole)[0].name, "conversation-1.html");
}

}  // namespace
}  // namespace topicdesk::exports
