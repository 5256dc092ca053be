#include "core/keywords.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace topicdesk::core {
namespace {

KeywordRule rule(std::string_view text) {
  auto parsed = parse_keyword_rule(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : KeywordRule();
}

TEST(Keywords, AnyGroupMatches) {
  auto r = rule(R"("refund","invoice")");
  EXPECT_TRUE(r.matches("I want a refund"));
  EXPECT_TRUE(r.matches("where is my INVOICE?"));
  EXPECT_FALSE(r.matches("hello there"));
}

TEST(Keywords, BracketGroupNeedsAllWords) {
  auto r = rule(R"(["credit card","stolen"])");
  // A single bracketed list is the JSON-style outer list: two groups of one word.
  EXPECT_TRUE(r.matches("my credit card"));
  auto all = rule(R"(["w1"],["credit card","stolen"])");
  EXPECT_FALSE(all.matches("my credit card"));
  EXPECT_TRUE(all.matches("my credit card was stolen"));
  EXPECT_TRUE(all.matches("w1"));
}

TEST(Keywords, NegatedWordMustBeAbsent) {
  auto r = rule(R"("w1","w2",["w3","w4"],["w5","~w6"])");
  EXPECT_TRUE(r.matches("w5 only"));
  EXPECT_FALSE(r.matches("w5 and w6"));
  EXPECT_TRUE(r.matches("w5 and w6 and w1"));  // another group matches
  EXPECT_FALSE(r.matches("w3 alone"));
  EXPECT_TRUE(r.matches("w4 then w3"));
}

TEST(Keywords, JsonStyleOuterListWithNestedGroups) {
  auto r = rule(R"(["w1",["w3","w4"]])");
  ASSERT_EQ(r.groups().size(), 2u);
  EXPECT_TRUE(r.matches("w1"));
  EXPECT_FALSE(r.matches("w3"));
  EXPECT_TRUE(r.matches("w3 w4"));
  auto single_group = rule(R"([["w3","w4"]])");
  ASSERT_EQ(single_group.groups().size(), 1u);
  EXPECT_FALSE(single_group.matches("w3"));
}

TEST(Keywords, CaseInsensitiveForLatinAndCyrillic) {
  auto r = rule(R"("Возврат","ÉTÉ","ёлка")");
  EXPECT_TRUE(r.matches("ХОЧУ ВОЗВРАТ"));
  EXPECT_TRUE(r.matches("un été chaud"));
  EXPECT_TRUE(r.matches("ЁЛКА"));
  EXPECT_EQ(utf8_lower("ÀÉÎÕÜ ĀŁŽ ΑΩ ЀЯЇ"), "àéîõü āłž αω ѐяї");
}

TEST(Keywords, WordsStartAtWordBoundaries) {
  auto r = rule(R"("refund")");
  EXPECT_TRUE(r.matches("Refunds!"));
  EXPECT_TRUE(r.matches("(refund)"));
  EXPECT_FALSE(r.matches("prefund"));
  auto cyr = rule(R"("кот")");
  EXPECT_FALSE(cyr.matches("скотина"));
  EXPECT_TRUE(cyr.matches("котик"));
}

TEST(Keywords, BareWordsWithoutQuotes) {
  auto r = rule("refund, credit card");
  EXPECT_TRUE(r.matches("credit card please"));
  EXPECT_FALSE(r.matches("credit"));
}

TEST(Keywords, MalformedListsAreErrors) {
  for (std::string_view bad : {R"("a)", R"(["a")", R"("a" "b")", R"([["a",["b"]]])", R"("a",[])", R"("~a")",
                               R"("a",,"b")", R"(a])"}) {
    EXPECT_FALSE(parse_keyword_rule(bad).ok()) << bad;
  }
}

TEST(Keywords, EmptyRuleMatchesNothing) { EXPECT_FALSE(KeywordRule().matches("anything")); }

TEST(Utf8, TruncatesOnCodePointBoundaries) {
  EXPECT_EQ(utf16_truncate("абв", 2), "аб");
  EXPECT_EQ(utf16_truncate("a🟢b", 2), "a");  // the emoji takes two UTF-16 units
  EXPECT_EQ(utf16_length("a🟢b"), 4u);
  std::string invalid =
      "a\xff\xfe"
      "b";
  EXPECT_EQ(utf16_length(invalid), 4u);
}

}  // namespace
}  // namespace topicdesk::core
