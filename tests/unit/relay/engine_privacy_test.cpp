// HIDE_INFO everywhere an operator outside EXTENSIONS_ALLOWED reads: /info, /link, /set and
// AUTO_INFO show neither the linked account nor the custom fields; names cannot reverse titles.
#include <gtest/gtest.h>

#include "core/presentation.h"
#include "core/utf8.h"
#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

constexpr std::string_view kEmail = "ann@example.com";

class PrivacyTest : public EngineFixture {
 protected:
  // What the topic gets after `text` from the operator (`boss`: on EXTENSIONS_ALLOWED).
  std::vector<std::string> after(Engine& e, const std::string& text, bool boss = false) {
    auto message = operator_message(kThread, ++next_message_, text);
    if (boss) {
      message.from.id = kOperatorId + 1;
      message.from.username = "boss_op";
    }
    e.handle(message, kT0);
    return texts_to(take_jobs(*store_), Side::kGroup);
  }

  // Ann's dialog with a linked account and an e-mail field set by an ordinary operator.
  Engine& desk(core::RawParameters raw) {
    auto& e = engine(std::move(raw));
    open_dialog_of(e, kAnn, kThread);
    EXPECT_EQ(after(e, "/link N005"), std::vector<std::string>{"🔗 Linked to account N005."});
    EXPECT_EQ(after(e, "/set email=" + std::string(kEmail)),
              std::vector<std::string>{"📝 email = ann@example.com"});
    return e;
  }

  static bool reveals(const std::vector<std::string>& texts) {
    for (const auto& t : texts) {
      if (t.find("N005") != std::string::npos || t.find(kEmail) != std::string::npos) return true;
    }
    return false;
  }

  core::MessageId next_message_ = 100;
};

TEST_F(PrivacyTest, HiddenInfoHidesTheLinkedAccountAndFieldsFromOperatorsNotAllowed) {
  for (const char* hide : {"name", "command"}) {
    SCOPED_TRACE(hide);
    store_ = make_store();
    context_ = make_context(*store_);
    auto& e = desk({{"HIDE_INFO", hide}, {"EXTENSIONS_ALLOWED", "@boss_op"}});
    EXPECT_FALSE(reveals(after(e, "/info")));
    EXPECT_EQ(after(e, "/link"), std::vector<std::string>{core::notice::linked_account_hidden("en")});
    EXPECT_EQ(after(e, "/set"), std::vector<std::string>{core::notice::fields_hidden("en")});

    auto info = after(e, "/info", true);
    ASSERT_EQ(info.size(), 1u);
    EXPECT_NE(info[0].find("linked account: N005"), std::string::npos) << info[0];
    EXPECT_NE(info[0].find("email: ann@example.com"), std::string::npos) << info[0];
    EXPECT_EQ(after(e, "/link", true), std::vector<std::string>{"🔗 Linked account: N005"});
    EXPECT_EQ(after(e, "/set", true), std::vector<std::string>{"📝 Custom fields:\nemail = ann@example.com"});
  }
}

TEST_F(PrivacyTest, AnonymousAdminsNeverSeeHiddenDetails) {
  auto& e = desk({{"HIDE_INFO", "name"}, {"EXTENSIONS_ALLOWED", "@boss_op"}});
  auto anonymous = operator_message(kThread, 500, "/set");
  anonymous.from.id = core::kGroupAnonymousBotId;
  anonymous.from.username = "boss_op";
  anonymous.sender_is_anonymous_admin = true;
  e.handle(anonymous, kT0);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kGroup),
            std::vector<std::string>{core::notice::fields_hidden("en")});
}

TEST_F(PrivacyTest, WithoutHideInfoEveryoneSeesThem) {
  auto& e = desk({});
  EXPECT_TRUE(reveals(after(e, "/info")));
  EXPECT_EQ(after(e, "/link"), std::vector<std::string>{"🔗 Linked account: N005"});
}

TEST_F(PrivacyTest, AutoInfoUnderHiddenInfoShowsNoLinkedAccountOrFields) {
  auto& e = desk({{"HIDE_INFO", "name"}, {"AUTO_INFO", "true"}});
  after(e, "/close");
  e.handle(user_message(kAnn, 2, "back again"), kT0);  // reopens: AUTO_INFO posts /info again
  auto texts = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_NE(texts[0].find("Dialog info"), std::string::npos);
  EXPECT_FALSE(reveals(texts)) << texts[0];
}

// ---- pseudonyms ---------------------------------------------------------------------------

TEST(Pseudonyms, SameInputSamePseudonymAnotherSecretAnotherOne) {
  const std::string secret(64, 'a');
  EXPECT_EQ(user_pseudonym(secret, 1, 42), user_pseudonym(secret, 1, 42));
  EXPECT_NE(user_pseudonym(secret, 1, 42), user_pseudonym(secret, 2, 42));
  EXPECT_NE(user_pseudonym(secret, 1, 42), user_pseudonym(secret, 1, 43));
  // Without the secret nobody can compute a user's pseudonym (and so find the user behind it).
  int same = 0;
  for (core::UserId user = 1; user <= 100; ++user)
    same += user_pseudonym(secret, 1, user) == user_pseudonym("b", 1, user);
  EXPECT_LE(same, 1) << "9.2 million names: a coincidence at most";
}

TEST_F(PrivacyTest, NewDialogsUseTheInstallSecretAndExistingOnesKeepTheirPseudonym) {
  auto& e = engine({{"HIDE_INFO", "name"}});
  e.handle(user_message(kAnn, 1, "hello"), kT0);
  auto dialog = *store_->dialog_by_user(context_.id, kAnn);
  EXPECT_EQ(dialog.pseudonym, user_pseudonym(store_->install_secret(), context_.id, kAnn));
  // A dialog opened by an earlier version keeps the pseudonym its topic is titled with.
  dialog.pseudonym = "Amber Badger 1234";
  dialog.thread_id = kThread;
  store_->update_dialog(dialog);
  e.handle(operator_message(kThread, 50, "/close"), kT0);
  e.handle(user_message(kAnn, 2, "again"), kT0);
  EXPECT_EQ(store_->dialog_by_user(context_.id, kAnn)->pseudonym, "Amber Badger 1234");
  // Another install (another database, another secret) names the same user differently.
  auto other = make_store();
  Engine elsewhere(*other, make_context(*other));
  elsewhere.handle(user_message(kAnn, 1, "hello"), kT0);
  EXPECT_NE(other->dialog_by_user(elsewhere.context().id, kAnn)->pseudonym,
            user_pseudonym(store_->install_secret(), context_.id, kAnn));
}

// ---- bidi controls in names -------------------------------------------------------------

TEST(BidiNames, ControlsAreStrippedAndTheIdStaysAtTheEnd) {
  core::UserView view;
  // U+202E RIGHT-TO-LEFT OVERRIDE would show "#1001" as "1001#" and the name backwards.
  view.person = core::Person{.id = 1001, .first_name = "\u202EnnA", .last_name = "\u2066Lee\u200F\u061C"};
  EXPECT_EQ(core::topic_title(view, core::TopicStatus::kUserAnswered), "🟪 nnA Lee #1001");
  EXPECT_EQ(core::display_name(view), "nnA Lee");
  std::string card = core::user_card("en", view, "");
  EXPECT_EQ(card.find("\u202E"), std::string::npos);
  EXPECT_EQ(card.find("\u2066"), std::string::npos);
  EXPECT_NE(card.find("nnA Lee"), std::string::npos);
}

TEST(BidiNames, RightToLeftNamesAreIsolatedSoTheIdKeepsItsPlace) {
  core::UserView view;
  view.person = core::Person{.id = 1001, .first_name = "שרה", .last_name = "\u202Bכהן"};
  const std::string isolated = "\u2068שרה כהן\u2069";
  EXPECT_EQ(core::topic_title(view, core::TopicStatus::kClosed), "⬛️ " + isolated + " #1001");
  EXPECT_EQ(core::welcome_text("Hi {title}!", view), "Hi " + isolated + "!");
  EXPECT_NE(core::user_card("en", view, "").find("👤 " + isolated), std::string::npos);
  // Long right-to-left names still fit Telegram's limit with the isolates and the id.
  view.person.first_name = "ש" + std::string(300, 'a');
  std::string title = core::topic_title(view, core::TopicStatus::kClosed);
  EXPECT_LE(core::utf16_length(title), core::kMaxTopicTitle);
  EXPECT_TRUE(title.ends_with("\u2069 #1001"));
}

}  // namespace
}  // namespace topicdesk::relay
