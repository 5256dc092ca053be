// A refused list, keyword rule, WORKING_HOURS or time zone says why in its reader's language: the
// reason its parser gives is a catalogue text (syntax.toml) nested in the parameter's refusal
// (parameters.toml). The English — what the configuration reader prints after file:line — is
// exactly what it always was.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/keywords.h"
#include "core/parameter_problems.h"
#include "core/parameters.h"
#include "core/time_zone.h"
#include "core/working_hours.h"
#include "i18n/catalog.h"

namespace topicdesk::core {
namespace {

const std::string kKeywordsRule = R"( (allowed: OFF or "w1","w2",["w3","w4"],["w5","~w6"]))";
const std::string kHoursRule =
    R"( (allowed: OFF or "Europe/Berlin; mon-fri 09:00-18:00; sat 10:00-14:00; holidays 2026-12-25"))";
const std::string kDays = "mon, tue, wed, thu, fri, sat, sun, daily";

struct Case {
  std::string name;
  std::string value;
  std::string english;  // parse_parameters' message, as before the reasons were catalogue texts
};

std::string thirteen_ranges() {
  std::string ranges;
  for (int h = 0; h < 13; ++h) {
    ranges += (ranges.empty() ? "" : ",") + std::string(h < 10 ? "0" : "") + std::to_string(h) + ":00-" +
              std::string(h < 10 ? "0" : "") + std::to_string(h) + ":30";
  }
  return ranges;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {"PRIVATE_KEYWORDS", "\"a", "PRIVATE_KEYWORDS: missing closing quote at character 3" + kKeywordsRule},
      {"PRIVATE_KEYWORDS", "a]", "PRIVATE_KEYWORDS: expected , between items at character 2" + kKeywordsRule},
      {"PRIVATE_KEYWORDS", "]", "PRIVATE_KEYWORDS: unexpected ] at character 1" + kKeywordsRule},
      {"PRIVATE_KEYWORDS", "[a", "PRIVATE_KEYWORDS: missing ] at character 3" + kKeywordsRule},
      {"PRIVATE_KEYWORDS", "[[[a]]]",
       "PRIVATE_KEYWORDS: lists nest one level at most at character 3" + kKeywordsRule},
      {"PRIVATE_KEYWORDS", "x,[[a]]", "PRIVATE_KEYWORDS: lists nest one level at most" + kKeywordsRule},
      {"PRIVATE_KEYWORDS", "x,[]", "PRIVATE_KEYWORDS: empty [] group" + kKeywordsRule},
      {"PRIVATE_KEYWORDS", "a,,b", "PRIVATE_KEYWORDS: empty word at character 3" + kKeywordsRule},
      {"PRIVATE_KEYWORDS", "\"~\"", "PRIVATE_KEYWORDS: empty word after ~" + kKeywordsRule},
      {"PRIVATE_KEYWORDS", "~refund",
       "PRIVATE_KEYWORDS: \"~refund\" alone matches almost everything; put it in a group" + kKeywordsRule},
      {"EXTENSIONS_ALLOWED", "\"a", "EXTENSIONS_ALLOWED: missing closing quote at character 3"},
      {"IGNORE_CHATS", "]", "IGNORE_CHATS: unexpected ] at character 1"},
      {"WORKING_HOURS", "Mars/Base; mon 09:00-10:00",
       "WORKING_HOURS: part 1 (the time zone): unknown time zone \"Mars/Base\" (no such zone in "
       "/usr/share/zoneinfo; e.g. Europe/Berlin, America/New_York, or UTC+02:00)" +
           kHoursRule},
      {"WORKING_HOURS", "UTC+15; mon 09:00-10:00",
       "WORKING_HOURS: part 1 (the time zone): the UTC offset in \"UTC+15\" is beyond ±14:00" + kHoursRule},
      {"WORKING_HOURS", "UTC+1:2; mon 09:00-10:00",
       "WORKING_HOURS: part 1 (the time zone): \"UTC+1:2\" is not a UTC offset (UTC+HH:MM, e.g. UTC+02:00 or "
       "UTC-05:30)" +
           kHoursRule},
      {"WORKING_HOURS", "Europe/../etc; mon 09:00-10:00",
       "WORKING_HOURS: part 1 (the time zone): \"Europe/../etc\" is not a time zone name (an IANA name such "
       "as "
       "Europe/Berlin, or UTC+HH:MM)" +
           kHoursRule},
      {"WORKING_HOURS", "UTC; ; mon 09:00-10:00",
       "WORKING_HOURS: part 2 \"\": is empty (parts are separated by ';')" + kHoursRule},
      {"WORKING_HOURS", "UTC; mon 09:00-10:00; holidays",
       "WORKING_HOURS: part 3 \"holidays\": names no dates (holidays YYYY-MM-DD,YYYY-MM-DD)" + kHoursRule},
      {"WORKING_HOURS", "UTC; mon 09:00-10:00; holidays 2026-13-01",
       "WORKING_HOURS: part 3 \"holidays 2026-13-01\": \"2026-13-01\" is not a date YYYY-MM-DD" + kHoursRule},
      {"WORKING_HOURS", "UTC; mon 09:00-10:00; holidays 2026-02-30",
       "WORKING_HOURS: part 3 \"holidays 2026-02-30\": \"2026-02-30\" is not a day of the calendar" +
           kHoursRule},
      {"WORKING_HOURS", "UTC; mon 09:00-10:00; holidays 1999-01-01",
       "WORKING_HOURS: part 3 \"holidays 1999-01-01\": \"1999-01-01\" is not in 2000..2200" + kHoursRule},
      {"WORKING_HOURS", "UTC; 09:00-10:00",
       "WORKING_HOURS: part 2 \"09:00-10:00\": does not start with weekdays (e.g. mon-fri 09:00-18:00; "
       "days: " +
           kDays + ")" + kHoursRule},
      {"WORKING_HOURS", "UTC; mon",
       "WORKING_HOURS: part 2 \"mon\": names no hours (e.g. mon-fri 09:00-18:00)" + kHoursRule},
      {"WORKING_HOURS", "Europe/Berlin; mon-fry 09:00-18:00",
       "WORKING_HOURS: part 2 \"mon-fry 09:00-18:00\": \"fry\" is not a weekday (" + kDays + ")" +
           kHoursRule},
      {"WORKING_HOURS", "UTC; mon 9-18",
       "WORKING_HOURS: part 2 \"mon 9-18\": \"9-18\" is not a time range HH:MM-HH:MM (e.g. 09:00-18:00, or "
       "22:00-02:00 across midnight)" +
           kHoursRule},
      {"WORKING_HOURS", "UTC; mon 09:00-09:00",
       "WORKING_HOURS: part 2 \"mon 09:00-09:00\": \"09:00-09:00\" is empty (for a whole day write "
       "00:00-24:00)" +
           kHoursRule},
      {"WORKING_HOURS", "UTC; mon " + thirteen_ranges(),
       "WORKING_HOURS: part 2 \"mon " + thirteen_ranges() + "\": gives mon more than 12 ranges" + kHoursRule},
      {"WORKING_HOURS", "UTC",
       "WORKING_HOURS: names no opening hours (e.g. \"Europe/Berlin; mon-fri 09:00-18:00\"), or use OFF for "
       "always open" +
           kHoursRule},
  };
  return kCases;
}

// The ASCII words (3 letters or more) of `text`.
std::set<std::string> words_of(const std::string& text) {
  std::set<std::string> out;
  std::string word;
  for (char c : text + " ") {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
      word += c;
      continue;
    }
    if (word.size() >= 3) out.insert(word);
    word.clear();
  }
  return out;
}

// English words of `english` still in `translated`, leaving out what people type and names: the
// value, the parameter, day names, formats, zone names.
std::vector<std::string> english_left(const std::string& translated, const std::string& english,
                                      const Case& c) {
  std::set<std::string> typed =
      words_of(c.value + " " + c.name + " " + kDays +
               " OFF Europe Berlin America New_York UTC holidays HH MM YYYY DD IANA "
               "usr share zoneinfo");
  const std::set<std::string> shown = words_of(translated);
  std::vector<std::string> left;
  for (const auto& word : words_of(english)) {
    if (!typed.contains(word) && shown.contains(word)) left.push_back(word);
  }
  return left;
}

TEST(ParameterReasons, TheEnglishIsWhatItWas) {
  for (const auto& c : cases()) {
    auto parsed = parse_parameters({{c.name, c.value}});
    ASSERT_FALSE(parsed.ok()) << c.value;
    EXPECT_EQ(parsed.error().message, c.english);
    auto problem = parameters_problem({{c.name, c.value}});
    ASSERT_TRUE(problem.has_value());
    EXPECT_EQ(i18n::text("en", *problem), c.english);
  }
}

TEST(ParameterReasons, AGermanOrRussianAdminReadsTheWholeRefusalInTheirLanguage) {
  for (const std::string language : {"de", "ru", "es", "it", "fr"}) {
    for (const auto& c : cases()) {
      auto problem = parameters_problem({{c.name, c.value}});
      ASSERT_TRUE(problem.has_value());
      const std::string shown = i18n::text(language, *problem);
      EXPECT_NE(shown, c.english);
      // (Spanish "use" and French "date" are words of those languages too.)
      if (language != "de" && language != "ru") continue;
      const auto left = english_left(shown, c.english, c);
      EXPECT_TRUE(left.empty()) << language << ": \"" << shown << "\" keeps English: " << left.front();
    }
  }
  // What the admin reads, word for word.
  auto weekday = parameters_problem({{"WORKING_HOURS", "Europe/Berlin; mon-fry 09:00-18:00"}});
  ASSERT_TRUE(weekday.has_value());
  EXPECT_EQ(i18n::text("de", *weekday),
            "WORKING_HOURS: Teil 2 „mon-fry 09:00-18:00“: „fry“ ist kein Wochentag (" + kDays +
                ") (erlaubt: OFF oder \"Europe/Berlin; mon-fri 09:00-18:00; sat 10:00-14:00; holidays "
                "2026-12-25\")");
  auto zone = parameters_problem({{"WORKING_HOURS", "UTC+15; mon 09:00-10:00"}});
  ASSERT_TRUE(zone.has_value());
  EXPECT_EQ(i18n::text("ru", *zone)
                .rfind("WORKING_HOURS: часть 1 (часовой пояс): смещение от UTC в «UTC+15» "
                       "больше ±14:00",
                       0),
            0U)
      << i18n::text("ru", *zone);
  auto keywords = parameters_problem({{"PRIVATE_KEYWORDS", "~refund"}});
  ASSERT_TRUE(keywords.has_value());
  EXPECT_EQ(i18n::text("ru", *keywords)
                .rfind("PRIVATE_KEYWORDS: «~refund» само по себе подходит почти ко всему", 0),
            0U)
      << i18n::text("ru", *keywords);
}

// Persian: the reason is a right-to-left sentence in its own isolate, and the values in it (the
// part, the day) keep their left-to-right direction.
TEST(ParameterReasons, PersianReasonsKeepTheirValuesIsolated) {
  const std::string lri = "\u2066", rli = "\u2067", pdi = "\u2069";
  auto problem = parameters_problem({{"WORKING_HOURS", "Europe/Berlin; mon-fry 09:00-18:00"}});
  ASSERT_TRUE(problem.has_value());
  const std::string shown = i18n::text("fa", *problem);
  EXPECT_NE(shown.find(lri + "mon-fry 09:00-18:00" + pdi), std::string::npos) << shown;
  EXPECT_NE(shown.find(lri + "fry" + pdi), std::string::npos) << shown;
  EXPECT_NE(shown.find("روز هفته نیست"), std::string::npos) << shown;
  EXPECT_NE(shown.find(rli), std::string::npos) << "the reasons are isolated sentences: " << shown;
  EXPECT_EQ(shown.find("is not"), std::string::npos) << shown;
  EXPECT_TRUE(english_left(shown, cases()[23].english, cases()[23]).empty()) << shown;
}

// The parsers themselves: English for logs and the API, the reader's language on request.
TEST(ParameterReasons, TheParsersCarryTheirCatalogueText) {
  auto zone = load_time_zone("Mars/Base");
  ASSERT_FALSE(zone.ok());
  EXPECT_EQ(zone.error().message,
            "unknown time zone \"Mars/Base\" (no such zone in /usr/share/zoneinfo; e.g. Europe/Berlin, "
            "America/New_York, or UTC+02:00)");
  EXPECT_EQ(zone.message_in("de").rfind("unbekannte Zeitzone „Mars/Base“", 0), 0U) << zone.message_in("de");
  auto rule = parse_keyword_rule("\"a");
  ASSERT_FALSE(rule.ok());
  EXPECT_EQ(rule.error().message, "missing closing quote at character 3");
  EXPECT_EQ(rule.message_in("ru"), "нет закрывающей кавычки в символе 3");
  auto hours = parse_working_hours("UTC; mon 09:00-09:00");
  ASSERT_FALSE(hours.ok());
  EXPECT_EQ(hours.message_in("it"),
            "parte 2 «mon 09:00-09:00»: «09:00-09:00» è vuota (per un giorno intero "
            "scrivete 00:00-24:00)");
}

}  // namespace
}  // namespace topicdesk::core
