// HIDE_INFO's scrubbing: a hidden client's names, username, phone and id vanish from texts,
// whole words only, so ordinary words and numbers stay as written.
#include "exports/hidden.h"

#include <gtest/gtest.h>

namespace topicdesk::exports {
namespace {

const core::Person kAnna{.id = 700100200,
                         .first_name = "Anna",
                         .last_name = "Lee",
                         .username = "anna_lee",
                         .phone = "+7 999 123-45-67"};

TEST(IdentityScrubber, EveryFormOfTheIdentityBecomesThePseudonym) {
  IdentityScrubber scrub(kAnna, "Blue Otter");
  EXPECT_EQ(scrub("Hi Anna Lee, welcome"), "Hi Blue Otter, welcome");
  EXPECT_EQ(scrub("«Anna» wrote"), "«Blue Otter» wrote");
  EXPECT_EQ(scrub("ask @Anna_Lee or ANNA_LEE"), "ask Blue Otter or Blue Otter");
  EXPECT_EQ(scrub("call 79991234567 or +79991234567"), "call Blue Otter or +Blue Otter");
  EXPECT_EQ(scrub("user #700100200 wrote"), "user #Blue Otter wrote");
  EXPECT_EQ(scrub("Lee!"), "Blue Otter!");
  EXPECT_EQ(scrub("phone: +7 999 123-45-67."), "phone: Blue Otter.");
}

TEST(IdentityScrubber, OnlyWholeWordsAndWholeNumbers) {
  IdentityScrubber scrub(kAnna, "P");
  EXPECT_EQ(scrub("Annabel and Leeds"), "Annabel and Leeds");
  EXPECT_EQ(scrub("order 17001002001"), "order 17001002001");
  EXPECT_EQ(scrub("anna"), "anna");  // names keep their case; only usernames ignore it
}

TEST(IdentityScrubber, NamesInOtherScriptsAndEarlierNames) {
  IdentityScrubber scrub(core::Person{.id = 5, .first_name = "Аня"}, "P");
  scrub.add_name("Анна Смирнова");
  EXPECT_EQ(scrub("Привет, Аня! Анна Смирнова, Смирнову"), "Привет, P! P, Смирнову");
  EXPECT_EQ(scrub("id 5"), "id 5");  // too short to be told from an ordinary number
}

}  // namespace
}  // namespace topicdesk::exports
