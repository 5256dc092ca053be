// Languages at the engine: operators read the connection's LANGUAGE, users get the service texts
// in their Telegram language_code (else LANGUAGE, else English); a WELCOME the business wrote is
// sent as written.
#include <gtest/gtest.h>

#include "core/presentation.h"
#include "i18n/catalog.h"
#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

class LanguagesTest : public EngineFixture {
 protected:
  std::vector<TakenJob> user_says(Engine& e, core::MessageId id, std::string text, std::string language) {
    core::Event message = user_message(kAnn, id, std::move(text));
    message.from.language_code = std::move(language);
    e.handle(message, kT0 + id);
    auto jobs = take_jobs(*store_);
    if (auto dialog = store_->dialog_by_user(context_.id, kAnn); dialog && dialog->thread_id == 0) {
      dialog->thread_id = kThread;
      store_->update_dialog(*dialog);
    }
    return jobs;
  }
  std::vector<TakenJob> operator_says(Engine& e, core::MessageId id, std::string text) {
    e.handle(operator_message(kThread, id, std::move(text)), kT0 + 1000 + id);
    return take_jobs(*store_);
  }
};

TEST_F(LanguagesTest, AGermanUserGetsTheGermanDefaultWelcome) {
  auto jobs = user_says(engine(), 1, "Hallo", "de");
  EXPECT_EQ(texts_to(jobs, Side::kUser),
            std::vector<std::string>{
                "Hallo, Ann Lee! Danke für Ihre Nachricht. Ein Mitarbeiter antwortet Ihnen hier "
                "so bald wie möglich."});
}

TEST_F(LanguagesTest, AUserWithoutACatalogueGetsTheConnectionsLanguage) {
  auto jobs = user_says(engine({{"LANGUAGE", "ru"}}), 1, "Olá", "pt-br");
  EXPECT_EQ(texts_to(jobs, Side::kUser),
            std::vector<std::string>{i18n::text("ru", "dialog.welcome", {{"title", "Ann Lee"}})});
  EXPECT_NE(texts_to(jobs, Side::kUser)[0].find("Здравствуйте, Ann Lee!"), std::string::npos);
}

TEST_F(LanguagesTest, AWelcomeTheBusinessWroteIsSentAsWritten) {
  auto jobs = user_says(engine({{"WELCOME", "Hi {title}, we answer within an hour."}}), 1, "Hallo", "de");
  EXPECT_EQ(texts_to(jobs, Side::kUser), std::vector<std::string>{"Hi Ann Lee, we answer within an hour."});
}

TEST_F(LanguagesTest, APersianUserGetsThePersianWelcomeWithTheNameIsolated) {
  auto jobs = user_says(engine(), 1, "سلام", "fa");
  ASSERT_EQ(texts_to(jobs, Side::kUser).size(), 1U);
  EXPECT_TRUE(texts_to(jobs, Side::kUser)[0].starts_with("سلام \u2066Ann Lee\u2069!"))
      << texts_to(jobs, Side::kUser)[0];
}

TEST_F(LanguagesTest, OperatorsWithLanguageRuGetRussianAnswersAndCards) {
  auto& e = engine({{"LANGUAGE", "ru"}});
  auto first = user_says(e, 1, "hello", "en");
  // The user still reads English; the operators' card is Russian.
  EXPECT_NE(texts_to(first, Side::kUser)[0].find("Hello, Ann Lee!"), std::string::npos);
  auto ban = operator_says(e, 2, "/ban");
  EXPECT_EQ(texts_to(ban, Side::kGroup), std::vector<std::string>{core::notice::banned("ru")});
  EXPECT_NE(texts_to(ban, Side::kGroup)[0].find("Пользователь заблокирован"), std::string::npos);
  auto help = operator_says(e, 3, "/help");
  ASSERT_EQ(texts_to(help, Side::kGroup).size(), 1U);
  EXPECT_TRUE(texts_to(help, Side::kGroup)[0].starts_with("Команды в теме:"))
      << texts_to(help, Side::kGroup)[0];
  EXPECT_NE(texts_to(help, Side::kGroup)[0].find("/close — закрыть диалог"), std::string::npos);
  auto info = operator_says(e, 4, "/info");
  ASSERT_FALSE(texts_to(info, Side::kGroup).empty());
  EXPECT_TRUE(texts_to(info, Side::kGroup)[0].starts_with("ℹ️ О диалоге"))
      << texts_to(info, Side::kGroup)[0];
}

TEST_F(LanguagesTest, TheUsersServiceTextsFollowTheirLanguageNotTheOperators) {
  auto& e = engine({{"LANGUAGE", "ru"}});
  user_says(e, 1, "hola", "es");
  auto closed = operator_says(e, 2, "/close");
  EXPECT_EQ(texts_to(closed, Side::kUser), std::vector<std::string>{i18n::text("es", "dialog.closed")});
}

}  // namespace
}  // namespace topicdesk::relay
