// The catalogues themselves: every language has every key of English and no other, with the same
// placeholders; every file parses; every key the code names exists; lookups fall back as documented.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "i18n/catalog.h"

namespace topicdesk::i18n {
namespace {

const std::vector<std::string> kLanguages{"de", "en", "es", "fa", "fr", "it", "ru"};

std::set<std::string> placeholder_set(const std::string& text) {
  auto names = placeholders(text);
  return {names.begin(), names.end()};
}

TEST(Catalogues, EveryLanguageParsesAndIsListed) {
  EXPECT_EQ(languages(), kLanguages);  // also: every file parsed (a bad one throws here)
  for (const auto& lang : kLanguages) {
    EXPECT_FALSE(catalogue(lang).empty()) << lang;
    EXPECT_FALSE(text(lang, "language.name").empty());
  }
}

TEST(Catalogues, EveryLanguageHasExactlyTheKeysOfEnglishWithTheSamePlaceholders) {
  const auto& english = catalogue("en");
  ASSERT_GT(english.size(), 100U);
  for (const auto& lang : kLanguages) {
    const auto& other = catalogue(lang);
    for (const auto& [key, value] : english) {
      auto it = other.find(key);
      if (it == other.end()) {
        ADD_FAILURE() << lang << " lacks " << key;
        continue;
      }
      EXPECT_EQ(placeholder_set(it->second), placeholder_set(value))
          << lang << "/" << key << ": \"" << it->second << "\" has other placeholders than English";
    }
    for (const auto& [key, value] : other)
      EXPECT_TRUE(english.count(key) != 0) << lang << " has " << key << ", English has not";
  }
}

TEST(Catalogues, NoTranslationIsEmptyOrLeftInEnglish) {
  const auto& english = catalogue("en");
  for (const auto& lang : kLanguages) {
    if (lang == "en") continue;
    int same = 0;
    for (const auto& [key, value] : catalogue(lang)) {
      EXPECT_FALSE(value.empty()) << lang << "/" << key;
      // A text with words in it is translated; a few (a format like "id: {id}") may stay.
      if (value == english.at(key) && value.find(' ') != std::string::npos && value.size() > 24) {
        ADD_FAILURE() << lang << "/" << key << " is still the English \"" << value << "\"";
        ++same;
      }
    }
    EXPECT_EQ(same, 0) << lang;
  }
}

TEST(Catalogues, DirectionIsDeclared) {
  for (const auto& lang : kLanguages) {
    const std::string direction = text(lang, "language.direction");
    EXPECT_TRUE(direction == "ltr" || direction == "rtl") << lang << ": " << direction;
    EXPECT_EQ(right_to_left(lang), lang == "fa") << lang;
  }
}

TEST(Catalogues, LookupFallsBackToTheBaseLanguageThenTheFallbackThenEnglish) {
  EXPECT_EQ(resolve("ru"), "ru");
  EXPECT_EQ(resolve("de-AT"), "de");
  EXPECT_EQ(resolve("pt-br"), "en");
  EXPECT_EQ(resolve(""), "en");
  EXPECT_EQ(resolve("pt-br", "ru"), "ru");  // a user without a catalogue: the connection's LANGUAGE
  EXPECT_EQ(resolve("", "it"), "it");
  EXPECT_EQ(resolve("fr-CA", "ru"), "fr");
  EXPECT_EQ(resolve("xx", "yy"), "en");
  EXPECT_EQ(text("ru", "no.such.key"), "[no.such.key]");
}

TEST(Catalogues, PlaceholdersAreFilledAndUnknownOnesStay) {
  EXPECT_EQ(text("en", "notices.not_delivered", {{"reason", "Forbidden"}}),
            "⚠️ Not delivered: Forbidden");
  EXPECT_EQ(text("ru", "notices.not_delivered", {{"reason", "Forbidden"}}),
            "⚠️ Не доставлено: Forbidden");
  EXPECT_NE(text("en", "dialog.welcome").find("{title}"), std::string::npos);
}

TEST(Catalogues, AMessageMadeEarlierIsRenderedInTheReadersLanguage) {
  const Message message{"notices.not_delivered", {{"reason", "Forbidden"}}};
  EXPECT_EQ(text("en", message), "⚠️ Not delivered: Forbidden");
  EXPECT_EQ(text("ru", message), "⚠️ Не доставлено: Forbidden");
  EXPECT_EQ(text("fa", message), text("fa", "notices.not_delivered", {{"reason", "Forbidden"}}));
}

// A message inside a message (a parser's reason inside a parameter's refusal) is rendered in the
// reader's language too; in Persian it is isolated as a right-to-left sentence, its values as values.
TEST(Catalogues, ANestedMessageIsRenderedInTheSameLanguage) {
  Message reason{"syntax.hours.not_weekday", {{"day", "mon-fry"}, {"days", "mon, tue"}}};
  Message refusal{"parameters.working_hours", {{"name", "WORKING_HOURS"}}, {{"reason", reason}}};
  EXPECT_EQ(text("en", refusal),
            "WORKING_HOURS: \"mon-fry\" is not a weekday (mon, tue) (allowed: OFF or \"Europe/Berlin; "
            "mon-fri 09:00-18:00; sat 10:00-14:00; holidays 2026-12-25\")");
  const std::string de = text("de", refusal);
  EXPECT_NE(de.find(text("de", reason)), std::string::npos) << de;
  EXPECT_NE(de.find("ist kein Wochentag"), std::string::npos) << de;
  EXPECT_EQ(de.find("is not"), std::string::npos) << de;
  // Plain arguments and the old API are untouched by nesting.
  const Message plain{"notices.not_delivered", {{"reason", "Forbidden"}}};
  EXPECT_EQ(text("ru", plain), "⚠️ Не доставлено: Forbidden");
  // Persian: the inner sentence sits in RLI … PDI, its Latin values in LRI … PDI.
  const std::string fa = text("fa", refusal);
  EXPECT_NE(fa.find("\u2067" + text("fa", reason) + "\u2069"), std::string::npos) << fa;
  EXPECT_NE(fa.find("\u2066mon-fry\u2069"), std::string::npos) << fa;
  // Nested twice: each level in the reader's language.
  Message part{"syntax.hours.part", {{"n", "2"}, {"part", "mon-fry 09:00"}}, {{"reason", reason}}};
  Message outer{"parameters.working_hours", {{"name", "WORKING_HOURS"}}, {{"reason", part}}};
  EXPECT_EQ(text("ru", outer).find("part"), std::string::npos) << text("ru", outer);
  EXPECT_NE(text("ru", outer).find("часть 2 «mon-fry 09:00»: «mon-fry» — не день недели"), std::string::npos)
      << text("ru", outer);
}

// Every "concern.key" literal in the sources names a key English has: a typo in code is caught
// here rather than shown to people as "[concern.key]".
TEST(Catalogues, EveryKeyTheCodeNamesExists) {
  std::set<std::string> concerns;
  for (const auto& [key, _] : catalogue("en")) concerns.insert(key.substr(0, key.find('.')));
  const std::regex literal("\"([a-z_]+)\\.([a-z0-9_.]+)\"");
  int checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(TOPICDESK_SOURCE_DIR "/src")) {
    const auto ext = entry.path().extension();
    if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".h")) continue;
    std::ifstream in(entry.path());
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string source = buffer.str();
    if (source.find("i18n::") == std::string::npos) continue;
    for (std::sregex_iterator it(source.begin(), source.end(), literal), end; it != end; ++it) {
      const std::string concern = (*it)[1];
      const std::string rest = (*it)[2];
      if (concerns.count(concern) == 0 || rest.ends_with("_") || rest.ends_with(".")) continue;
      const std::string key = concern + "." + rest;
      EXPECT_TRUE(has_key(key)) << entry.path() << " names " << key << ", which English lacks";
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
}

}  // namespace
}  // namespace topicdesk::i18n
