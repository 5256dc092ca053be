#include "relay/coalescing.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/utf8.h"

namespace topicdesk::relay::coalescing {
namespace {
namespace json = boost::json;

// 2026-12-07 14:05:09 UTC
constexpr core::UnixMillis kAt = 1796652309000;

TEST(Coalescing, EachPartOnItsOwnLineWithItsTimeInOrder) {
  auto r = render({{.message_id = 1, .at = kAt, .text = "hello"},
                   {.message_id = 2, .at = kAt + 61'000, .text = "are you there?"}});
  EXPECT_EQ(r.text, "[14:05:09] hello\n[14:06:10] are you there?");
  ASSERT_EQ(r.starts.size(), 2U);
  EXPECT_EQ(r.starts[0], 0U);
  EXPECT_EQ(r.starts[1], core::utf16_length("[14:05:09] hello\n"));
  EXPECT_TRUE(r.entities_json.empty());
}

TEST(Coalescing, EntitiesAreShiftedInUtf16Units) {
  // The first part holds an emoji outside the BMP (2 UTF-16 units, 4 UTF-8 bytes) and a
  // Cyrillic word (1 unit, 2 bytes each): the second part's bold must still cover "bold".
  auto r = render({{.message_id = 1,
                    .at = kAt,
                    .text = "😀 привет",
                    .entities_json = R"([{"type":"italic","offset":3,"length":6}])"},
                   {.message_id = 2,
                    .at = kAt,
                    .text = "a bold word",
                    .entities_json = R"([{"type":"bold","offset":2,"length":4}])"}});
  auto entities = json::parse(r.entities_json).as_array();
  ASSERT_EQ(entities.size(), 2U);
  const std::size_t prefix = core::utf16_length("[14:05:09] ");
  EXPECT_EQ(entities[0].at("offset").as_int64(), static_cast<std::int64_t>(prefix + 3));
  EXPECT_EQ(entities[0].at("length").as_int64(), 6);
  const std::size_t second = prefix + 2 + 1 + 6 + 1 + prefix;  // 😀=2, space, привет=6, \n
  EXPECT_EQ(entities[1].at("offset").as_int64(), static_cast<std::int64_t>(second + 2));
  EXPECT_EQ(entities[1].at("type").as_string(), "bold");
  // What the shifted offsets point at, read in UTF-16 units: "bold".
  std::u16string units;
  std::size_t pos = 0;
  while (pos < r.text.size()) {
    char32_t cp = core::utf8_next(r.text, pos);
    if (cp >= 0x10000) {
      units.push_back(static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10)));
      units.push_back(static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF)));
    } else {
      units.push_back(static_cast<char16_t>(cp));
    }
  }
  EXPECT_EQ(units.substr(second + 2, 4), u"bold");
}

TEST(Coalescing, EntitiesKeepTheirOtherFields) {
  auto r = render(
      {{.message_id = 1, .at = kAt, .text = "x"},
       {.message_id = 2,
        .at = kAt,
        .text = "site",
        .entities_json = R"([{"type":"text_link","offset":0,"length":4,"url":"https://a.example"}])"}});
  auto e = json::parse(r.entities_json).as_array().at(0).as_object();
  EXPECT_EQ(e.at("url").as_string(), "https://a.example");
}

TEST(Coalescing, MalformedEntitiesAreDroppedTheTextStays) {
  auto r = render({{.message_id = 1, .at = kAt, .text = "one", .entities_json = "not json"},
                   {.message_id = 2, .at = kAt, .text = "two", .entities_json = R"([{"type":"bold"}])"}});
  EXPECT_EQ(r.text, "[14:05:09] one\n[14:05:09] two");
  EXPECT_TRUE(r.entities_json.empty());
}

TEST(Coalescing, FittingStopsAtTelegramsLimit) {
  std::vector<Part> parts;
  for (int i = 0; i < 5; ++i)
    parts.push_back({.message_id = i + 1, .at = kAt, .text = std::string(1500, 'a')});
  EXPECT_EQ(fitting(parts), 2U);  // 3 × (11 + 1500) + 2 > 4096
  auto two = render({parts[0], parts[1]});
  EXPECT_LE(core::utf16_length(two.text), kMaxTextUnits);
  // Counted in UTF-16 units: 1500 emoji take 3000 units, so only one fits with its time.
  std::vector<Part> emoji;
  std::string faces;
  for (int i = 0; i < 1500; ++i) faces += "😀";
  for (int i = 0; i < 3; ++i) emoji.push_back({.message_id = i + 1, .at = kAt, .text = faces});
  EXPECT_EQ(fitting(emoji), 1U);
  // Room kept for the repeat marker.
  std::vector<Part> exact{{.message_id = 1, .at = kAt, .text = std::string(2000, 'b')},
                          {.message_id = 2, .at = kAt, .text = std::string(4096 - 2000 - 23, 'c')}};
  EXPECT_EQ(fitting(exact), 2U);
  EXPECT_EQ(fitting(exact, kMaxTextUnits, 40), 1U);
}

TEST(Coalescing, AQuotePositionFindsItsPart) {
  auto r = render({{.message_id = 1, .at = kAt, .text = "first"},
                   {.message_id = 2, .at = kAt, .text = "second"},
                   {.message_id = 3, .at = kAt, .text = "third"}});
  EXPECT_EQ(part_at(r, 0), 0U);
  EXPECT_EQ(part_at(r, static_cast<std::int64_t>(r.starts[1]) - 1), 0U);  // the newline ends part 0
  EXPECT_EQ(part_at(r, static_cast<std::int64_t>(r.starts[1]) + 12), 1U);
  EXPECT_EQ(part_at(r, static_cast<std::int64_t>(r.starts[2])), 2U);
  EXPECT_EQ(part_at(r, 100000), 2U);
}

TEST(Coalescing, PartsSurviveTheirStoredForm) {
  std::vector<Part> parts{{.message_id = 7, .at = kAt, .text = "a\n\"b\"", .entities_json = R"([])"},
                          {.message_id = 9, .at = kAt + 1, .text = "c"}};
  auto back = from_json(to_json(parts));
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2U);
  EXPECT_EQ((*back)[0].text, "a\n\"b\"");
  EXPECT_EQ((*back)[0].entities_json, "[]");
  EXPECT_EQ((*back)[1].message_id, 9);
  EXPECT_EQ((*back)[1].at, kAt + 1);
  EXPECT_FALSE(from_json("{}"));
  EXPECT_FALSE(from_json(R"([{"message_id":"x"}])"));
  EXPECT_FALSE(from_json("garbage"));
}

}  // namespace
}  // namespace topicdesk::relay::coalescing
