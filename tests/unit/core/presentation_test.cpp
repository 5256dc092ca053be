#include "core/presentation.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace topicdesk::core {
namespace {

const std::string kAnnPseudonym = pseudonym_from_digest(0x0123456789ABCDEFULL);

UserView ann(HideInfo hide = HideInfo::kOff) {
  UserView view;
  view.person = Person{
      .id = 1001, .first_name = "Ann", .last_name = "Lee", .username = "ann_lee", .language_code = "en"};
  view.pseudonym = kAnnPseudonym;
  view.hide_info = hide;
  return view;
}

TEST(Presentation, TitleHasMarkerNameAndId) {
  EXPECT_EQ(topic_title(ann(), TopicStatus::kUserAnswered), "🟢 Ann Lee #1001");
  EXPECT_EQ(topic_title(ann(), TopicStatus::kSupportAnswered), "🟡 Ann Lee #1001");
  EXPECT_EQ(topic_title(ann(), TopicStatus::kClosed), "⚪ Ann Lee #1001");
}

TEST(Presentation, HiddenTitleUsesPseudonymOnly) {
  std::string title = topic_title(ann(HideInfo::kName), TopicStatus::kUserAnswered);
  EXPECT_EQ(title, "🟢 " + kAnnPseudonym);
  EXPECT_EQ(title.find("Ann"), std::string::npos);
  EXPECT_EQ(title.find("1001"), std::string::npos);
}

TEST(Presentation, LongNamesFitTelegramsLimitAndKeepTheId) {
  UserView view = ann();
  view.person.first_name = std::string(200, 'x');
  view.person.last_name = "Ω";
  std::string title = topic_title(view, TopicStatus::kClosed);
  EXPECT_LE(utf16_length(title), kMaxTopicTitle);
  EXPECT_TRUE(title.ends_with(" #1001"));
}

TEST(Presentation, PseudonymsAreAdjectiveAnimalAndNumber) {
  EXPECT_EQ(pseudonym_from_digest(42), pseudonym_from_digest(42));
  EXPECT_NE(pseudonym_from_digest(42), pseudonym_from_digest(43));
  std::string name = pseudonym_from_digest(0xFFFFFFFFFFFFFFFFULL);
  int spaces = 0;
  for (char c : name) spaces += c == ' ';
  EXPECT_EQ(spaces, 2) << name;
}

TEST(Presentation, CardShowsDetailsAndStartParameter) {
  std::string card = user_card(ann(), "promo42");
  EXPECT_NE(card.find("Ann Lee"), std::string::npos);
  EXPECT_NE(card.find("@ann_lee"), std::string::npos);
  EXPECT_NE(card.find("1001"), std::string::npos);
  EXPECT_NE(card.find("language: en"), std::string::npos);
  EXPECT_NE(card.find("start: promo42"), std::string::npos);
}

TEST(Presentation, HiddenCardShowsNoPersonalDetails) {
  std::string card = user_card(ann(HideInfo::kCommand), "");
  EXPECT_EQ(card.find("Ann"), std::string::npos);
  EXPECT_EQ(card.find("ann_lee"), std::string::npos);
  EXPECT_EQ(card.find("1001"), std::string::npos);
  EXPECT_NE(card.find(kAnnPseudonym), std::string::npos);
}

TEST(Presentation, InfoRevealsOnlyWhenAllowed) {
  InfoView info{
      .user = ann(HideInfo::kName), .status = TopicStatus::kSupportAnswered, .created_at = 1700000000000};
  info.reveal = true;
  std::string revealed = info_text(info);
  EXPECT_NE(revealed.find("@ann_lee"), std::string::npos);
  EXPECT_NE(revealed.find("support_answered"), std::string::npos);
  EXPECT_NE(revealed.find("2023-11-14 22:13 UTC"), std::string::npos);
  info.reveal = false;
  EXPECT_EQ(info_text(info).find("ann_lee"), std::string::npos);
}

TEST(Presentation, StatsAndHelp) {
  std::string stats = stats_text({.user_answered = 3, .support_answered = 2, .closed = 7});
  EXPECT_NE(stats.find("waiting for operators: 3"), std::string::npos);
  EXPECT_NE(stats.find("waiting for users: 2"), std::string::npos);
  EXPECT_NE(stats.find("closed: 7"), std::string::npos);
  EXPECT_NE(stats.find("open: 5"), std::string::npos);
  EXPECT_NE(help_text(false).find("/close"), std::string::npos);
  EXPECT_NE(help_text(true).find("/stats"), std::string::npos);
}

TEST(Presentation, WelcomeReplacesEveryTitlePlaceholder) {
  EXPECT_EQ(welcome_text("Hi {title}! {title}?", ann()), "Hi Ann Lee! Ann Lee?");
  EXPECT_EQ(welcome_text("Hello", ann()), "Hello");
  EXPECT_EQ(welcome_text("Hi {title}", ann(HideInfo::kName)), "Hi " + kAnnPseudonym);
}

}  // namespace
}  // namespace topicdesk::core
