// /segment in General: the count and a few examples of the users an expression picks, the
// syntax for an empty expression, the parser's error for a malformed one, and HIDE_INFO.
#include <gtest/gtest.h>

#include <algorithm>

#include "crm/segment.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the relay tests' helpers

constexpr core::ChatId kDeskGroup = -1001234567890;  // a supergroup: topics have t.me/c links

class SegmentCommandTest : public EngineFixture {
 protected:
  SegmentCommandTest()
      : EngineFixture([](store::Store& store) { return make_context(store, "shop", kBotId, kDeskGroup); }) {}

  core::Event user_says(core::UserId user, std::string first_name, core::MessageId id, std::string text,
                        std::string lang = "en") {
    auto e = user_message(user, id, std::move(text));
    e.from.first_name = std::move(first_name);
    e.from.last_name.clear();
    e.from.language_code = std::move(lang);
    return e;
  }

  // Ann came through /start promo42 and has plan=pro; Bob writes in Russian; both have topics.
  void two_users(Engine& e) {
    e.handle(user_says(kAnn, "Ann", 1, "/start promo42"), kT0);
    e.handle(user_says(kBob, "Bob", 2, "привет", "ru"), kT0);
    auto ann = *store_->dialog_by_user(context_.id, kAnn);
    ann.thread_id = kThread;
    store_->update_dialog(ann);
    auto bob = *store_->dialog_by_user(context_.id, kBob);
    bob.thread_id = kThread + 1;
    store_->update_dialog(bob);
    e.handle(operator_message(kThread, 10, "/set plan=pro", kDeskGroup), kT0);
    take_jobs(*store_);
  }

  std::string general_answer(Engine& e, const std::string& text, core::UserId from = kOperatorId,
                             std::string username = "olga_op") {
    auto message = operator_message(0, next_id_++, text, kDeskGroup);
    message.from.id = from;
    message.from.username = std::move(username);
    e.handle(message, kT0 + 1000);
    auto said = texts_to(take_jobs(*store_), Side::kGroup);
    EXPECT_EQ(said.size(), 1u) << text;
    return said.empty() ? "" : said.front();
  }

  core::MessageId next_id_ = 100;
};

TEST_F(SegmentCommandTest, CountsAndShowsTheUsersAnExpressionPicks) {
  auto& e = engine();
  two_users(e);
  EXPECT_EQ(general_answer(e, "/segment start:promo42"),
            "🎯 start:promo42: 1 user. A dry run: nothing was sent.\nThey are:\n"
            "🟪 Ann #1001: https://t.me/c/1234567890/77");
  EXPECT_EQ(general_answer(e, "/segment FIELD:plan=PRO and status:open"),
            "🎯 field:plan=pro and status:open: 1 user. A dry run: nothing was sent.\nThey are:\n"
            "🟪 Ann #1001: https://t.me/c/1234567890/77");
  EXPECT_EQ(general_answer(e, "/segment lang:ru or lang:en"),
            "🎯 lang:ru or lang:en: 2 users. A dry run: nothing was sent.\nThey are:\n"
            "🟪 Ann #1001: https://t.me/c/1234567890/77\n🟪 Bob #1002: https://t.me/c/1234567890/78");
  EXPECT_EQ(general_answer(e, "/segment last_message>1d"),
            "🎯 last_message>1d: 0 users. A dry run: nothing was sent.");
  EXPECT_TRUE(texts_to(take_jobs(*store_), Side::kUser).empty()) << "a dry run sends nothing to users";
}

TEST_F(SegmentCommandTest, ShowsAFewExamplesOfMany) {
  auto& e = engine();
  for (core::UserId u = 2000; u < 2012; ++u) e.handle(user_says(u, "U", u, "hi"), kT0);
  take_jobs(*store_);
  std::string answer = general_answer(e, "/segment status:user_answered");
  EXPECT_TRUE(
      answer.starts_with("🎯 status:user_answered: 12 users. A dry run: nothing was sent.\nFor example:\n"))
      << answer;
  EXPECT_EQ(std::count(answer.begin(), answer.end(), '\n'), 6) << "five examples";
}

TEST_F(SegmentCommandTest, AnEmptyExpressionGetsTheSyntaxAndAMalformedOneItsError) {
  auto& e = engine();
  two_users(e);
  EXPECT_EQ(general_answer(e, "/segment"), crm::segment_help("en"));
  EXPECT_EQ(
      general_answer(e, "/segment vip churned"),
      "⚠️ That segment does not parse: column 5, at `churned`: expected `and`, `or` or the end of the "
      "expression. /segment alone shows the syntax.");
  EXPECT_EQ(
      general_answer(e, "/segment (vip or"),
      "⚠️ That segment does not parse: column 8, at the end: expected a term (a label, status:, lang:, "
      "start:, field:, connection:, is:, last_message, first_contact), `not` or `(`. /segment alone "
      "shows the syntax.");
}

TEST_F(SegmentCommandTest, AnUnknownLabelIsNamedWithTheClosestOne) {
  auto& e = engine();
  two_users(e);
  general_answer(e, "/mark new vip");
  EXPECT_EQ(general_answer(e, "/segment vpi and status:open"),
            "❓ There is no label “vpi”. Did you mean vip? /mark lists them.");
}

TEST_F(SegmentCommandTest, ABroadcastToASegmentListsTheUsersItPicks) {
  auto& e = engine();
  two_users(e);
  general_answer(e, "/mark new vip");
  e.handle(operator_message(kThread, 11, "/mark vip", kDeskGroup), kT0);
  take_jobs(*store_);
  auto ask = operator_message(0, next_id_++, "/send vip or lang:ru", kDeskGroup);
  ask.reply_to_message_id = 77;
  e.handle(ask, kT0 + 1000);
  take_jobs(*store_);
  auto made = store_->broadcasts_of(context_.id, 10);
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(made[0].recipients, "segment vip or lang:ru");
  std::vector<core::UserId> users;
  for (const auto& r : store_->broadcast_recipients(made[0].id, std::nullopt, 0, 10))
    users.push_back(r.user_id);
  std::sort(users.begin(), users.end());
  EXPECT_EQ(users, (std::vector<core::UserId>{std::min(kAnn, kBob), std::max(kAnn, kBob)}));
  // A label nobody defined: nothing is made.
  auto unknown = operator_message(0, next_id_++, "/send vpi", kDeskGroup);
  unknown.reply_to_message_id = 77;
  e.handle(unknown, kT0 + 2000);
  auto said = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(said.size(), 1u);
  EXPECT_EQ(said[0], "/send: ❓ There is no label “vpi”. Did you mean vip? /mark lists them.");
  EXPECT_EQ(store_->broadcasts_of(context_.id, 10).size(), 1u);
}

TEST_F(SegmentCommandTest, HideInfoShowsPseudonymsAndKeepsFieldsToAllowedOperators) {
  auto& e = engine({{"HIDE_INFO", "name"}, {"EXTENSIONS_ALLOWED", "@lead"}});
  two_users(e);
  auto ann = *store_->dialog_by_user(context_.id, kAnn);
  ASSERT_FALSE(ann.pseudonym.empty());
  std::string answer = general_answer(e, "/segment start:promo42");
  EXPECT_EQ(answer, "🎯 start:promo42: 1 user. A dry run: nothing was sent.\nThey are:\n🟪 " +
                        ann.pseudonym + ": https://t.me/c/1234567890/77");
  EXPECT_EQ(general_answer(e, "/segment start:promo42", 901, "lead"), answer)
      << "General is read by every operator: pseudonyms whoever asks";

  EXPECT_EQ(general_answer(e, "/segment field:plan=pro"),
            "🔒 field: terms read custom fields, which HIDE_INFO shows to EXTENSIONS_ALLOWED operators only.");
  EXPECT_EQ(
      general_answer(e, "/segment field:plan=pro", 901, "lead"),
      "🎯 field:plan=pro: 1 user. A dry run: nothing was sent.\nNo examples: the expression reads custom "
      "fields, which HIDE_INFO hides from some operators here.");
}

TEST_F(SegmentCommandTest, ASharedGroupIsCountedOnceOverEveryConnection) {
  auto& shop = engine();
  two_users(shop);
  ConnectionContext sales_context = make_context(*store_, "sales", kBotId + 1, kDeskGroup);
  Engine sales(*store_, sales_context);
  sales.handle(user_says(kAnn, "Ann", 3, "hi again"), kT0);
  take_jobs(*store_);
  auto ask = [&](const std::string& text) {
    auto message = operator_message(0, next_id_++, text, kDeskGroup);
    shop.handle(message, kT0 + 1000);  // every bot in the group sees every operator message
    sales.handle(message, kT0 + 1000);
    auto said = texts_to(take_jobs(*store_), Side::kGroup);
    EXPECT_EQ(said.size(), 1u) << "answered once";
    return said.empty() ? "" : said.front();
  };
  auto sales_ann = *store_->dialog_by_user(sales_context.id, kAnn);
  EXPECT_EQ(ask("/segment lang:en"),
            "🎯 lang:en: 2 users (shop 1, sales 1). A dry run: nothing was sent.\nThey are:\n"
            "🟪 Ann #1001: https://t.me/c/1234567890/77\n🟪 " +
                sales_ann.pseudonym);
  EXPECT_EQ(ask("/segment lang:en and connection:sales"),
            "🎯 lang:en and connection:sales: 1 user (shop 0, sales 1). A dry run: nothing was sent.\nThey "
            "are:\n🟪 " +
                sales_ann.pseudonym);
}

}  // namespace
}  // namespace topicdesk::relay
