#include "core/presentation.h"

#include <gtest/gtest.h>

#include "core/commands.h"
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

TEST(Presentation, TitleHasTheProductsMarkerNameAndId) {
  EXPECT_EQ(topic_title(ann(), TopicStatus::kUserAnswered), "🟪 Ann Lee #1001");
  EXPECT_EQ(topic_title(ann(), TopicStatus::kSupportAnswered), "🟨 Ann Lee #1001");
  EXPECT_EQ(topic_title(ann(), TopicStatus::kClosed), "⬛️ Ann Lee #1001");
}

TEST(Presentation, TickersFollowTheMarkerAndGiveWayToTheName) {
  EXPECT_EQ(topic_title(ann(), TopicStatus::kUserAnswered, "Olga", {"🔥", "VIP"}),
            "🟪 🔥 VIP · Ann Lee #1001 👤 Olga");
  EXPECT_EQ(parse_topic_title("🟪 🔥 VIP · Ann Lee #1001 👤 Olga")->user, 1001);
  auto hidden = ann(HideInfo::kName);
  hidden.pseudonym = "Blue Otter 4821";
  auto title = topic_title(hidden, TopicStatus::kSupportAnswered, {}, {"💰"});
  EXPECT_EQ(title, "🟨 💰 · Blue Otter 4821");
  EXPECT_EQ(parse_topic_title(title)->pseudonym, "Blue Otter 4821") << "the tickers are skipped";
  // A long name fills the title: the tickers that do not fit whole are left out, last first.
  UserView long_name = ann();
  long_name.person.first_name = std::string(105, 'a');
  long_name.person.last_name = "";
  auto full = topic_title(long_name, TopicStatus::kUserAnswered, {}, {"VIP", "🔥🔥🔥🔥🔥"});
  EXPECT_LE(utf16_length(full), kMaxTopicTitle);
  EXPECT_EQ(full, "🟪 VIP · " + std::string(105, 'a') + " #1001");
  long_name.person.first_name = std::string(118, 'a');
  EXPECT_EQ(topic_title(long_name, TopicStatus::kUserAnswered, {}, {"VIP"}),
            "🟪 " + std::string(118, 'a') + " #1001")
      << "the name wins";
}

TEST(Presentation, StatusIconsAreTheConnectionsAndEveryKnownSetIsRecognised) {
  UserView view = ann();
  view.icons = StatusIcons{"🟢", "🟡", "⚪"};
  EXPECT_EQ(topic_title(view, TopicStatus::kSupportAnswered), "🟡 Ann Lee #1001");
  const StatusIcons custom{"A1", "B2", "C3"};
  view.icons = custom;
  EXPECT_EQ(topic_title(view, TopicStatus::kClosed), "C3 Ann Lee #1001");
  // A topic titled before an upgrade (🟢 🟡 ⚪) or before STATUS_ICONS changed is still the desk's.
  for (std::string title : {"C3 Ann Lee #1001", "⚪ Ann Lee #1001", "🟪 Ann Lee #1001"}) {
    auto ref = parse_topic_title(title, custom);
    ASSERT_TRUE(ref.has_value()) << title;
    EXPECT_EQ(ref->user, 1001);
  }
  EXPECT_FALSE(parse_topic_title("Ann Lee #1001", custom).has_value());
}

TEST(Presentation, HiddenTitleUsesPseudonymOnly) {
  std::string title = topic_title(ann(HideInfo::kName), TopicStatus::kUserAnswered);
  EXPECT_EQ(title, "🟪 " + kAnnPseudonym);
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

TEST(Presentation, TheOwnerEndsTheTitleWhichStillNamesTheUser) {
  std::string title = topic_title(ann(), TopicStatus::kUserAnswered, "Olga");
  EXPECT_EQ(title, "🟪 Ann Lee #1001 👤 Olga");
  EXPECT_EQ(parse_topic_title(title)->user, 1001);
  // A '#' in the owner's name cannot pass for the user's id.
  title = topic_title(ann(), TopicStatus::kClosed, "Team #7");
  EXPECT_EQ(title, "⬛️ Ann Lee #1001 👤 Team 7");
  EXPECT_EQ(parse_topic_title(title)->user, 1001);
  // Hidden: the pseudonym is recovered without the owner.
  title = topic_title(ann(HideInfo::kName), TopicStatus::kUserAnswered, "Olga");
  EXPECT_EQ(title, "🟪 " + kAnnPseudonym + " 👤 Olga");
  auto hidden = parse_topic_title(title);
  ASSERT_TRUE(hidden);
  EXPECT_EQ(hidden->user, 0);
  EXPECT_EQ(hidden->pseudonym, kAnnPseudonym);
  // Long names on both sides: within Telegram's limit, the id whole, the owner cut short.
  UserView view = ann();
  view.person.first_name = std::string(200, 'x');
  title = topic_title(view, TopicStatus::kSupportAnswered, std::string(100, 'O'));
  EXPECT_LE(utf16_length(title), kMaxTopicTitle);
  EXPECT_TRUE(title.ends_with(" #1001 👤 " + std::string(24, 'O'))) << title;
  EXPECT_EQ(parse_topic_title(title)->user, 1001);
  EXPECT_EQ(topic_title(ann(), TopicStatus::kUserAnswered, "  "), "🟪 Ann Lee #1001") << "no name, no mark";
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
  std::string card = user_card("en", ann(), "promo42");
  EXPECT_NE(card.find("Ann Lee"), std::string::npos);
  EXPECT_NE(card.find("@ann_lee"), std::string::npos);
  EXPECT_NE(card.find("1001"), std::string::npos);
  EXPECT_NE(card.find("language: en"), std::string::npos);
  EXPECT_NE(card.find("start: promo42"), std::string::npos);
}

TEST(Presentation, HiddenCardShowsNoPersonalDetails) {
  std::string card = user_card("en", ann(HideInfo::kCommand), "");
  EXPECT_EQ(card.find("Ann"), std::string::npos);
  EXPECT_EQ(card.find("ann_lee"), std::string::npos);
  EXPECT_EQ(card.find("1001"), std::string::npos);
  EXPECT_NE(card.find(kAnnPseudonym), std::string::npos);
}

TEST(Presentation, InfoRevealsOnlyWhenAllowed) {
  InfoView info{
      .user = ann(HideInfo::kName), .status = TopicStatus::kSupportAnswered, .created_at = 1700000000000};
  info.reveal = true;
  std::string revealed = info_text("en", info);
  EXPECT_NE(revealed.find("@ann_lee"), std::string::npos);
  EXPECT_NE(revealed.find("support_answered"), std::string::npos);
  EXPECT_NE(revealed.find("2023-11-14 22:13 UTC"), std::string::npos);
  info.reveal = false;
  EXPECT_EQ(info_text("en", info).find("ann_lee"), std::string::npos);
}

TEST(Presentation, StatsAndHelp) {
  std::string stats = stats_text("en", {.user_answered = 3, .support_answered = 2, .closed = 7});
  EXPECT_NE(stats.find("waiting for operators: 3"), std::string::npos);
  EXPECT_NE(stats.find("waiting for users: 2"), std::string::npos);
  EXPECT_NE(stats.find("closed: 7"), std::string::npos);
  EXPECT_NE(stats.find("open: 5"), std::string::npos);
  EXPECT_NE(stats.find("🟪 waiting for operators: 3"), std::string::npos);
}

// /help is written from core::command_table(): every command that works where it is asked,
// and none that does not.
TEST(Presentation, HelpListsExactlyTheCommandsThatWorkThere) {
  for (bool general : {true, false}) {
    for (bool account : {false, true}) {
      std::string help = help_text("en", general, account);
      for (const auto& spec : command_table()) {
        bool works = command_works(spec, general ? CommandPlace::kGeneral : CommandPlace::kTopic, account);
        EXPECT_EQ(help.find("/" + std::string(spec.name) + " ") != std::string::npos, works)
            << spec.name << (general ? " in General" : " in a topic") << (account ? ", account" : "");
      }
    }
  }
  std::string topic = help_text("en", false);
  for (std::string name :
       {"/info", "/close", "/hold", "/wait", "/ban", "/unban", "/link", "/unlink", "/set", "/stats", "/help"})
    EXPECT_NE(topic.find(name + " "), std::string::npos) << name;
  EXPECT_NE(topic.find("(🟪)"), std::string::npos);  // /hold names the marker it sets
  EXPECT_NE(help_text("en", false, false, StatusIcons{"🟢", "🟡", "⚪"}).find("(🟢)"),
            std::string::npos);
}

TEST(Presentation, WelcomeReplacesEveryTitlePlaceholder) {
  EXPECT_EQ(welcome_text("Hi {title}! {title}?", ann()), "Hi Ann Lee! Ann Lee?");
  EXPECT_EQ(welcome_text("Hello", ann()), "Hello");
  // The user is greeted with their own name: the pseudonym is for the operators.
  EXPECT_EQ(welcome_text("Hi {title}", ann(HideInfo::kName)), "Hi Ann Lee");
}

}  // namespace
}  // namespace topicdesk::core
