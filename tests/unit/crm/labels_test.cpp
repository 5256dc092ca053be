// The rules of labels and funnels: names, tickers, every /mark form, suggestions, the funnel.
#include "crm/labels.h"

#include <gtest/gtest.h>

namespace topicdesk::crm {
namespace {

MarkRequest parsed(std::string_view args, bool in_general) {
  auto r = parse_mark(args, in_general);
  EXPECT_TRUE(r) << args << ": " << (r ? "" : r.error().message);
  return r ? *r : MarkRequest{};
}

std::string refused(std::string_view args, bool in_general) {
  auto r = parse_mark(args, in_general);
  EXPECT_FALSE(r) << args << " was accepted";
  return r ? std::string() : r.error().message;
}

TEST(LabelNames, ALatinLetterFirstThenLettersDigitsDashUnderscore) {
  EXPECT_EQ(*label_key("VIP"), "vip");
  EXPECT_EQ(*label_key("Stage-2_paid"), "stage-2_paid");
  EXPECT_NE(label_key("2fast").error().message.find("starts with a Latin letter"), std::string::npos);
  EXPECT_NE(label_key("_x").error().message.find("Latin letter"), std::string::npos);
  EXPECT_NE(label_key("Привет").error().message.find("Latin letter"), std::string::npos);
  EXPECT_NE(label_key("a.b").error().message.find("only Latin letters, digits"), std::string::npos);
  EXPECT_NE(label_key(std::string(33, 'a')).error().message.find("too long"), std::string::npos);
  EXPECT_TRUE(label_key(std::string(32, 'a')));
  EXPECT_NE(label_key("New").error().message.find("/mark uses that word"), std::string::npos);
  EXPECT_FALSE(label_key("del"));
  EXPECT_FALSE(label_key("CLEAR"));
}

TEST(LabelTickers, ShortOneLineAndReadableInATitle) {
  EXPECT_EQ(*valid_ticker(" 🔥 "), "🔥");
  EXPECT_EQ(*valid_ticker("VIP"), "VIP");
  EXPECT_EQ(*valid_ticker("$$ 💎"), "$$ 💎");
  EXPECT_FALSE(valid_ticker(""));
  EXPECT_FALSE(valid_ticker("#1"));
  EXPECT_FALSE(valid_ticker("a·b"));
  EXPECT_FALSE(valid_ticker("two\nlines"));
  EXPECT_FALSE(valid_ticker("\u202Eevil"));
  EXPECT_NE(valid_ticker("🔥🔥🔥🔥🔥🔥🔥").error().message.find("too long"), std::string::npos);
}

TEST(MarkInGeneral, EveryForm) {
  EXPECT_EQ(parsed("", true).action, MarkAction::kList);
  EXPECT_EQ(parsed("help", true).action, MarkAction::kHelp);
  auto show = parsed("Vip", true);
  EXPECT_EQ(show.action, MarkAction::kShow);
  EXPECT_EQ(show.name, "Vip");
  auto made = parsed("new Paid-1", true);
  EXPECT_EQ(made.action, MarkAction::kNew);
  EXPECT_EQ(made.name, "Paid-1");
  auto after = parsed("Paid after Lead, Trial,lead", true);
  EXPECT_EQ(after.action, MarkAction::kAfter);
  EXPECT_EQ(after.name, "Paid");
  EXPECT_EQ(after.names, (std::vector<std::string>{"Lead", "Trial"})) << "a name once, case-insensitive";
  EXPECT_EQ(parsed("Paid after CLEAR", true).action, MarkAction::kAfterClear);
  auto sends = parsed("Paid sends thanks_paid", true);
  EXPECT_EQ(sends.action, MarkAction::kSends);
  EXPECT_EQ(sends.value, "thanks_paid");
  EXPECT_EQ(parsed("Paid sends clear", true).action, MarkAction::kSendsClear);
  auto ticker = parsed("Paid TICKER 💰 paid", true);
  EXPECT_EQ(ticker.action, MarkAction::kTicker);
  EXPECT_EQ(ticker.value, "💰 paid");
  EXPECT_EQ(parsed("Paid ticker CLEAR", true).action, MarkAction::kTickerClear);
  auto renamed = parsed("Paid name Customer", true);
  EXPECT_EQ(renamed.action, MarkAction::kRename);
  EXPECT_EQ(renamed.value, "Customer");
}

TEST(MarkInGeneral, BadInputSaysWhatIsWrong) {
  EXPECT_NE(refused("new", true).find("Name the new label"), std::string::npos);
  EXPECT_NE(refused("new 9lives", true).find("Latin letter"), std::string::npos);
  EXPECT_NE(refused("new two words", true).find("one word"), std::string::npos);
  EXPECT_NE(refused("Paid after Paid", true).find("cannot remove itself"), std::string::npos);
  EXPECT_NE(refused("Paid after Lead Trial", true).find("commas"), std::string::npos);
  EXPECT_NE(refused("Paid after 1x", true).find("Latin letter"), std::string::npos);
  EXPECT_NE(refused("Paid after ,", true).find("Name the labels"), std::string::npos);
  EXPECT_NE(refused("Paid ticker", true).find("needs a value"), std::string::npos);
  EXPECT_NE(refused("Paid ticker #1", true).find("without “#”"), std::string::npos);
  EXPECT_NE(refused("Paid colour red", true).find("not something a label has"), std::string::npos);
  EXPECT_NE(refused("Paid name new", true).find("/mark uses"), std::string::npos);
  EXPECT_NE(refused("Paid sends a b", true).find("one word"), std::string::npos);
  EXPECT_NE(refused("Paid colour red", true).find("Usage: /mark"), std::string::npos) << "with the usage";
}

TEST(MarkInTopic, EveryForm) {
  EXPECT_EQ(parsed("", false).action, MarkAction::kList);
  EXPECT_EQ(parsed("help", false).action, MarkAction::kHelp);
  auto add = parsed("VIP", false);
  EXPECT_EQ(add.action, MarkAction::kAdd);
  EXPECT_EQ(add.name, "VIP");
  auto del = parsed("del vip", false);
  EXPECT_EQ(del.action, MarkAction::kRemove);
  EXPECT_EQ(del.name, "vip");
  EXPECT_NE(refused("VIP Paid", false).find("One label at a time"), std::string::npos);
  EXPECT_NE(refused("del", false).find("Which label"), std::string::npos);
  EXPECT_NE(refused("del a b", false).find("One label"), std::string::npos);
  EXPECT_NE(refused("VIP ticker x", false).find("Usage: /mark (this topic"), std::string::npos);
}

TEST(MarkSuggestions, TheClosestNameWhenNearEnough) {
  std::vector<std::string> names{"Lead", "Trial", "Paid-Annual"};
  EXPECT_EQ(closest_name("lede", names), "Lead");
  EXPECT_EQ(closest_name("TRAIL", names), "Trial");
  EXPECT_EQ(closest_name("paid", names), "Paid-Annual") << "a prefix";
  EXPECT_FALSE(closest_name("Refund", names));
  EXPECT_FALSE(closest_name("x", {}));
}

TEST(Funnel, SettingALabelRemovesItsAfterLabelsTheDialogCarries) {
  store::Label paid{.id = 3, .name = "Paid", .after = {1, 2, 9}};
  auto plan = plan_set({1, 2, 5}, paid);
  EXPECT_TRUE(plan.add);
  EXPECT_EQ(plan.remove, (std::vector<std::int64_t>{1, 2})) << "only carried ones";
  auto again = plan_set({3, 1}, paid);
  EXPECT_FALSE(again.add) << "carried already: nothing changes";
  EXPECT_TRUE(again.remove.empty());
  store::Label self{.id = 4, .after = {4}};
  EXPECT_TRUE(plan_set({}, self).remove.empty());
}

TEST(LabelTexts, InfoShowsLabelsAndHistoryWithWho) {
  std::vector<store::Label> labels{{.id = 1, .name = "Paid"}};
  std::vector<store::LabelChange> history{
      {.label_name = "Lead", .added = true, .at = 0, .by = store::LabelChangeBy::kOperator},
      {.label_name = "Lead", .added = false, .at = 60'000, .by = store::LabelChangeBy::kFunnel},
      {.label_name = "Paid", .added = true, .at = 60'000, .by = store::LabelChangeBy::kApi}};
  auto text = label_text::info_lines("en", labels, history, {"Olga", "", ""});
  EXPECT_NE(text.find("labels: Paid"), std::string::npos) << text;
  EXPECT_NE(text.find("1970-01-01 00:00 UTC + Lead by Olga"), std::string::npos) << text;
  EXPECT_NE(text.find("1970-01-01 00:01 UTC − Lead (funnel)"), std::string::npos) << text;
  EXPECT_NE(text.find("+ Paid (API)"), std::string::npos) << text;
  EXPECT_EQ(label_text::info_lines("en", {}, {}, {}), "");
}

}  // namespace
}  // namespace topicdesk::crm
