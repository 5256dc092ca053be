// Right to left (Persian): our formatting never lets a user's name, a number or a /command
// reorder the sentence around it (docs/languages.md, "Right to left").
#include <gtest/gtest.h>

#include <algorithm>

#include "core/presentation.h"
#include "i18n/catalog.h"

namespace topicdesk::i18n {
namespace {

const std::string kFsi = "\u2068";
const std::string kLri = "\u2066";
const std::string kRli = "\u2067";
const std::string kPdi = "\u2069";
const std::string kRlm = "\u200f";

// `value` in an isolate: LRI for a Latin one, RLI for a Persian one, FSI for one without letters.
bool isolated(const std::string& text, const std::string& value) {
  for (const auto& open : {kFsi, kLri, kRli})
    if (text.find(open + value + kPdi) != std::string::npos) return true;
  return false;
}

// How `line` starts, as an app that ignores isolates sees it: 'R' when its first strong letter is
// Arabic script (or an RLM) outside any isolate, 'L' when it is Latin, 'I' when it is inside an
// isolate, 0 when there is none.
char first_strong(const std::string& line) {
  int depth = 0;
  for (std::size_t i = 0; i < line.size();) {
    if (line.compare(i, kFsi.size(), kFsi) == 0 || line.compare(i, kLri.size(), kLri) == 0 ||
        line.compare(i, kRli.size(), kRli) == 0) {
      ++depth;
      i += 3;
      continue;
    }
    if (line.compare(i, kPdi.size(), kPdi) == 0) {
      --depth;
      i += 3;
      continue;
    }
    const auto c = static_cast<unsigned char>(line[i]);
    const bool rlm = line.compare(i, kRlm.size(), kRlm) == 0;
    const bool latin = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool arabic = c == 0xD8 || c == 0xD9 || c == 0xDA || c == 0xDB;  // U+0600–U+06FF
    if (rlm || latin || arabic) return depth > 0 ? 'I' : latin ? 'L' : 'R';
    i += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  }
  return 0;
}

bool has_arabic_letter(const std::string& line) {
  return std::any_of(line.begin(), line.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b == 0xD8 || b == 0xD9 || b == 0xDA || b == 0xDB;
  });
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto end = text.find('\n', start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

TEST(RightToLeft, ArgumentsInPersianTextsAreIsolated) {
  std::string notice = text("fa", "notices.not_delivered", {{"reason", "Forbidden: bot was blocked"}});
  EXPECT_TRUE(isolated(notice, "Forbidden: bot was blocked")) << notice;
  std::string held = core::notice::new_topics_held("fa", 5);
  EXPECT_TRUE(isolated(held, "5")) << held;
  // Left-to-right languages get the value as it is.
  EXPECT_EQ(text("ru", "notices.not_delivered", {{"reason", "Forbidden"}}),
            "⚠️ Не доставлено: Forbidden");
}

TEST(RightToLeft, APersianCardKeepsTheUsersNameIdAndPhoneInPlace) {
  core::UserView ann{.person = {.id = 1001,
                                .first_name = "Ann",
                                .last_name = "Lee",
                                .username = "ann_lee",
                                .language_code = "de",
                                .phone = "+4917012345"}};
  std::string card = core::user_card("fa", ann, "promo42");
  EXPECT_NE(card.find("📇 گفتگوی تازه"), std::string::npos) << card;
  EXPECT_TRUE(isolated(card, "1001")) << card;
  EXPECT_TRUE(isolated(card, "+4917012345")) << card;
  EXPECT_TRUE(isolated(card, "promo42")) << card;
  EXPECT_TRUE(isolated(card, "de")) << card;
  // A Persian user's name is isolated too, wherever it is shown.
  core::UserView reza{.person = {.id = 1002, .first_name = "رضا", .last_name = "Ahmadi"}};
  std::string title = core::topic_title(reza, core::TopicStatus::kUserAnswered);
  EXPECT_NE(title.find(kFsi + "رضا Ahmadi" + kPdi + " #1002"), std::string::npos) << title;
}

TEST(RightToLeft, CommandsInPersianTextsStayWhole) {
  std::string unknown = core::notice::unknown_command("fa", "refnd");
  EXPECT_NE(unknown.find(kLri + "/" + kLri + "refnd" + kPdi + kPdi), std::string::npos) << unknown;
  EXPECT_NE(unknown.find(kLri + "/help" + kPdi), std::string::npos) << unknown;
}

TEST(RightToLeft, ACommandKeepsItsArgumentsInOneIsolate) {
  // "(/mark help)": the command and its argument stay one left-to-right run, the bracket outside.
  EXPECT_NE(text("fa", "commands.mark").find(kLri + "/mark help" + kPdi + ")"), std::string::npos)
      << text("fa", "commands.mark");
  // /help lines: "/segment [expression] — …", the command isolated as a whole.
  std::string help = core::help_text("fa", true);
  EXPECT_NE(help.find(kLri + "/segment [expression]" + kPdi + " — "), std::string::npos) << help;
  // English /help is as it always was.
  EXPECT_NE(core::help_text("en", true).find("\n/segment [expression] — count the users"), std::string::npos);
}

TEST(RightToLeft, APersianWelcomeIsolatesTheName) {
  std::string welcome = text("fa", "dialog.welcome", {{"title", "Ann Lee"}});
  EXPECT_TRUE(welcome.starts_with("سلام " + kLri + "Ann Lee" + kPdi + "!")) << welcome;
}

// Every line of every Persian text, with Latin values in every placeholder, is laid out right to
// left: its first strong letter is Persian (or an RLM the catalogue code added) and outside any
// isolate, so that apps which ignore isolates lay it out right to left too.
TEST(RightToLeft, EveryPersianLineStartsRightToLeft) {
  for (const auto& [key, pattern] : catalogue("fa")) {
    if (key.starts_with("language.")) continue;
    Message message{key, {}};
    for (const auto& name : placeholders(pattern)) message.args.emplace_back(name, "Latin value");
    for (const auto& line : lines_of(text("fa", message))) {
      if (!has_arabic_letter(line)) continue;
      EXPECT_EQ(first_strong(line), 'R')
          << "fa/" << key << ": the line \"" << line << "\" would be laid out left to right by some app";
    }
  }
}

// "/help — این فهرست": a /help line starts with the command's isolate, yet is laid out right to left.
TEST(RightToLeft, PersianHelpLinesStartRightToLeft) {
  for (const bool general : {true, false}) {
    for (const auto& line : lines_of(core::help_text("fa", general, false, core::StatusIcons{}))) {
      if (has_arabic_letter(line)) EXPECT_EQ(first_strong(line), 'R') << line;
    }
  }
}

}  // namespace
}  // namespace topicdesk::i18n
