// Knowledge folders: Markdown split into passages under their headings, bounded in size and cut
// between words; a folder is read whole or refused with an error naming the file.
#include "ai/knowledge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace topicdesk::ai {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(SplitMarkdown, PassagesFollowHeadingsAndKeepTheirPath) {
  auto passages = split_markdown("delivery.md",
                                 "Intro line.\n\n# Delivery\nWe ship daily.\n\nTracking by mail.\n\n"
                                 "## Abroad ##\nA week.\n\n# Returns\n30 days.\n");
  ASSERT_EQ(passages.size(), 4u);
  EXPECT_EQ(passages[0].heading, "");
  EXPECT_EQ(passages[0].text, "Intro line.");
  EXPECT_EQ(passages[1].heading, "Delivery");
  EXPECT_EQ(passages[1].text, "We ship daily.\n\nTracking by mail.") << "paragraphs of one heading together";
  EXPECT_EQ(passages[2].heading, "Delivery › Abroad");
  EXPECT_EQ(passages[2].text, "A week.");
  EXPECT_EQ(passages[3].heading, "Returns");
  EXPECT_EQ(passages[3].source, "delivery.md");
}

TEST(SplitMarkdown, PassagesAreBoundedAndLongParagraphsCutBetweenWords) {
  std::string para;
  for (int i = 0; i < 100; ++i) para += "слово" + std::to_string(i) + " ";
  auto passages = split_markdown("long.md", "# Long\n" + para + "\n\nshort one\n\nshort two", 200);
  ASSERT_GT(passages.size(), 3u);
  for (const auto& p : passages) {
    EXPECT_LE(p.text.size(), 200u);
    EXPECT_TRUE(valid_utf8(p.text)) << "never cut inside a character";
    EXPECT_EQ(p.heading, "Long");
  }
  EXPECT_EQ(passages.back().text, "short one\n\nshort two");
}

TEST(SplitMarkdown, CodeFencesAndCrLfAndBomAreRead) {
  auto passages = split_markdown("a.md", "\xEF\xBB\xBF# Title\r\n```\n# not a heading\n\ncode\n```\r\n");
  ASSERT_EQ(passages.size(), 1u);
  EXPECT_EQ(passages[0].heading, "Title");
  EXPECT_THAT(passages[0].text, HasSubstr("# not a heading"));
  EXPECT_TRUE(split_markdown("empty.md", "").empty());
  EXPECT_TRUE(split_markdown("only.md", "# Just a heading\n").empty());
}

TEST(ValidUtf8, RefusesBrokenOverlongAndSurrogateSequences) {
  EXPECT_TRUE(valid_utf8("plain, ünïcödé, 😀"));
  std::size_t at = 0;
  EXPECT_FALSE(valid_utf8("ab\xE9z", &at));  // Latin-1 é
  EXPECT_EQ(at, 2u);
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));      // overlong '/'
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));  // a surrogate
  EXPECT_FALSE(valid_utf8("\xF0\x9F\x98"));  // cut short
  EXPECT_FALSE(valid_utf8(std::string("a\0b", 3)));
}

class LoadKnowledge : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("td_knowledge_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "sub");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  fs::path dir_;
};

TEST_F(LoadKnowledge, ReadsEveryMarkdownFileSortedAndSkipsOthers) {
  write("b.md", "# B\nbee");
  write("sub/a.MD", "# A\nay");
  write("notes.txt", "not markdown");
  auto passages = load_knowledge(dir_.string());
  ASSERT_TRUE(passages.ok()) << i18n::text("en", passages.problem());
  ASSERT_EQ(passages->size(), 2u);
  EXPECT_EQ((*passages)[0].source, "b.md");
  EXPECT_EQ((*passages)[1].source, "sub/a.MD");
}

TEST_F(LoadKnowledge, ANonUtf8FileFailsTheWholeFolderNamingIt) {
  write("a.md", "# Fine\ntext");
  write("latin1.md", "# Caf\xE9\nline two\n\xE9t\xE9");
  auto passages = load_knowledge(dir_.string());
  ASSERT_FALSE(passages.ok());
  EXPECT_THAT(i18n::text("en", passages.problem()), HasSubstr("latin1.md is not UTF-8 text (line 1"));
  EXPECT_THAT(i18n::text("en", passages.problem()), HasSubstr("nothing was indexed"));
  // General reads it in the operators' language, the file and the line kept.
  EXPECT_THAT(i18n::text("de", passages.problem()), HasSubstr("latin1.md ist kein UTF-8-Text (Zeile 1"));
}

TEST_F(LoadKnowledge, AMissingOrEmptyFolderIsAnError) {
  EXPECT_THAT(i18n::text("en", load_knowledge((dir_ / "nope").string()).problem()),
              HasSubstr("is not a folder"));
  EXPECT_THAT(i18n::text("en", load_knowledge(dir_.string()).problem()),
              HasSubstr("holds no Markdown files"));
}

TEST_F(LoadKnowledge, ThePromptIsTextOrAFile) {
  EXPECT_EQ(*resolve_prompt("Be kind."), "Be kind.");
  write("prompt.md", "You sell shoes.");
  EXPECT_EQ(*resolve_prompt("file:" + (dir_ / "prompt.md").string()), "You sell shoes.");
  EXPECT_THAT(i18n::text("en", resolve_prompt("file:" + (dir_ / "missing.md").string()).problem()),
              HasSubstr("AI_PROMPT: cannot read"));
  write("bad.md", "\xFF");
  EXPECT_THAT(i18n::text("en", resolve_prompt("file:" + (dir_ / "bad.md").string()).problem()),
              HasSubstr("not UTF-8"));
}

}  // namespace
}  // namespace topicdesk::ai
