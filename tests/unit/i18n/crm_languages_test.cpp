// The CRM's answers at the engine in the connection's LANGUAGE: /send's errors and its refusals
// over the monthly quota, the skip reasons a broadcast's CSV report carries, /segment's syntax and
// errors, /mark's errors and template rendering errors; the Topics API keeps English.
#include <gtest/gtest.h>

#include "crm/broadcast_rows.h"
#include "i18n/catalog.h"
#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;  // NOLINT(google-build-using-namespace): the relay tests' helpers

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

class CrmLanguagesTest : public EngineFixture {
 protected:
  std::string general_answer(Engine& e, const std::string& text) {
    e.handle(operator_message(0, next_id_++, text), kT0 + 1000);
    auto said = texts_to(take_jobs(*store_), Side::kGroup);
    EXPECT_EQ(said.size(), 1u) << text;
    return said.empty() ? "" : said.front();
  }
  std::string topic_answer(Engine& e, const std::string& text) {
    e.handle(operator_message(kThread, next_id_++, text), kT0 + 1000);
    auto said = texts_to(take_jobs(*store_), Side::kGroup);
    return said.empty() ? "" : said.back();
  }
  void save(const std::string& name, const std::string& text) {
    store::Template t;
    t.connection_id = context_.id;
    t.name = name;
    t.parts.push_back(store::TemplatePart{.kind = store::TemplatePartKind::kText, .text = text});
    store_->save_template(t);
  }
  std::vector<store::BroadcastRecipient> skipped(std::int64_t broadcast) {
    return store_->broadcast_recipients(broadcast, store::RecipientState::kSkipped, 0, 100);
  }

  core::MessageId next_id_ = 100;
};

TEST_F(CrmLanguagesTest, ARussianOperatorGetsSendParseErrorsInRussian) {
  auto& e = engine({{"LANGUAGE", "ru"}});
  EXPECT_EQ(general_answer(e, "/send list 12 abc"), "/send: /send list: 'abc' — не id пользователя");
  EXPECT_EQ(general_answer(e, "/send all at 25:00"), "/send: '25:00' — не время суток (HH:MM)");
  const std::string segment = general_answer(e, "/send vip churned");
  EXPECT_TRUE(has(segment, "столбец 5, у `churned`")) << segment;
  EXPECT_FALSE(has(segment, "is not test, all or list")) << segment;
}

TEST_F(CrmLanguagesTest, AQuotaRefusalAndTheSkipReasonsItLeavesAreInTheOperatorsLanguage) {
  auto& e = engine({{"LANGUAGE", "ru"}, {"BROADCAST_MONTHLY_QUOTA", "1"}});
  open_dialog_of(e, kAnn, kThread);
  open_dialog_of(e, kBob, kThread + 1);
  save("greet", "Hi {first_name|there}");
  const std::string answer = general_answer(e, "/send template:greet all");
  EXPECT_TRUE(answer.starts_with("/send: рассылка #")) << answer;
  EXPECT_TRUE(has(answer, "не создана: превышена месячная квота 1 пользователей")) << answer;
  auto made = store_->broadcasts_of(context_.id, 10);
  ASSERT_EQ(made.size(), 1u);
  auto rows = skipped(made[0].id);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(rows[0].error.starts_with("не создана: превышена месячная квота")) << rows[0].error;
}

TEST_F(CrmLanguagesTest, ConfirmingOverTheQuotaIsRefusedInTheOperatorsLanguage) {
  auto& e = engine({{"LANGUAGE", "ru"}, {"BROADCAST_MONTHLY_QUOTA", "1"}});
  open_dialog_of(e, kAnn, kThread);
  open_dialog_of(e, kBob, kThread + 1);
  save("greet", "Hi {first_name|there}");
  general_answer(e, "/send template:greet list 1001");
  general_answer(e, "/send template:greet list 1002");
  auto made = store_->broadcasts_of(context_.id, 10);
  ASSERT_EQ(made.size(), 2u);
  const std::int64_t first = std::min(made[0].id, made[1].id);
  const std::int64_t second = std::max(made[0].id, made[1].id);
  auto claimed = store_->claim_broadcast_recipients(first, 10);
  ASSERT_EQ(claimed.size(), 1u);
  claimed[0].state = store::RecipientState::kSent;
  claimed[0].sent_at = kT0 + 500;
  store_->finish_broadcast_recipient(claimed[0]);
  const std::string id = std::to_string(second);
  const std::string answer = general_answer(e, "/send confirm #" + id);
  EXPECT_TRUE(
      answer.starts_with("/send: рассылка #" + id +
                         " не может начаться: превышена месячная квота 1 пользователей: в этом месяце "
                         "использовано 1, осталось 0, этой рассылке нужно 1"))
      << answer;
  EXPECT_TRUE(answer.ends_with("; /send cancel #" + id + " завершит её")) << answer;
  EXPECT_EQ(store_->broadcast(second)->state, store::BroadcastState::kConfirming) << "nothing changed";
  // The Topics API is told in English.
  auto api = e.api_broadcast_action(second, crm::SendAction::kConfirm, kT0 + 1000);
  ASSERT_FALSE(api);
  EXPECT_TRUE(api.error().message.starts_with("broadcast #" + id + " cannot start: over the monthly quota"))
      << api.error().message;
}

TEST_F(CrmLanguagesTest, TheCsvReportCarriesSkipReasonsInTheOperatorsLanguage) {
  auto& e = engine({{"LANGUAGE", "de"}});
  open_dialog_of(e, kAnn, kThread);
  save("greet", "Hi {first_name|there}");
  const std::string answer = general_answer(e, "/send template:greet list 1001 4242");
  EXPECT_TRUE(answer.starts_with("📣 Rundsendung #")) << answer;
  auto made = store_->broadcasts_of(context_.id, 10);
  ASSERT_EQ(made.size(), 1u);
  auto rows = skipped(made[0].id);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].error, "hat dem Bot nie geschrieben");
  const std::string csv = crm::report_csv(*store_, context_.id, core::HideInfo::kOff, made[0].id, "de");
  EXPECT_TRUE(has(csv, "4242,User,skipped,hat dem Bot nie geschrieben,")) << csv;
}

TEST_F(CrmLanguagesTest, TheTopicsApiKeepsEnglishWhileGeneralReadsLanguage) {
  auto& e = engine({{"LANGUAGE", "ru"}});
  open_dialog_of(e, kAnn, kThread);
  crm::SendRequest r;
  r.kind = crm::RecipientsKind::kList;
  r.users = {4242};
  r.recipients = "list of 1";
  save("greet", "Hi");
  r.template_name = "greet";
  auto made = e.api_create_broadcast(r, 0, /*confirm=*/false, kT0 + 1000);
  EXPECT_EQ(made.broadcast.id, 0);
  EXPECT_EQ(made.refused, "none of the 1 listed users can get it (never wrote to the bot, or blocked it)");
  EXPECT_EQ(made.said,
            "никто из 1 перечисленных пользователей не может её получить (не писали боту или "
            "заблокировали его)");
}

TEST_F(CrmLanguagesTest, SegmentSyntaxAndErrorsAreInTheOperatorsLanguage) {
  auto& e = engine({{"LANGUAGE", "de"}});
  EXPECT_EQ(general_answer(e, "/segment"), crm::segment_help("de"));
  EXPECT_TRUE(has(general_answer(e, "/segment"), "Terme:"));
  const std::string error = general_answer(e, "/segment status:opn");
  EXPECT_TRUE(has(error, "Spalte 8, bei `opn`: erwartet: ein Status")) << error;
}

TEST_F(CrmLanguagesTest, MarkErrorsAreInTheOperatorsLanguage) {
  auto& e = engine({{"LANGUAGE", "ru"}});
  const std::string name = general_answer(e, "/mark new 7days");
  EXPECT_EQ(name, "❓ «7days» не может быть именем метки: имя начинается с латинской буквы.");
  const std::string property = general_answer(e, "/mark vip colour red");
  EXPECT_TRUE(has(property, "у метки нет свойства «colour»")) << property;
  EXPECT_TRUE(has(property, "Использование: /mark")) << property;
}

TEST_F(CrmLanguagesTest, TemplateRenderingErrorsAreInTheOperatorsLanguage) {
  auto& e = engine({{"LANGUAGE", "de"}});
  open_dialog_of(e, kAnn, kThread);
  save("offer", "Your plan: {field:plan}");
  const std::string answer = topic_answer(e, "/t offer");
  EXPECT_TRUE(has(answer, "Vorlage offer nicht gesendet: kein Wert für {field:plan} hier")) << answer;
  EXPECT_FALSE(has(answer, "no value for")) << answer;
}

TEST_F(CrmLanguagesTest, APersianOperatorsErrorsKeepCommandsAndValuesIsolated) {
  auto& e = engine({{"LANGUAGE", "fa"}});
  const std::string list = general_answer(e, "/send list 12 abc");
  EXPECT_TRUE(has(list, "\u2066abc\u2069")) << list;
  EXPECT_TRUE(has(list, "\u2066/send list")) << list;
  EXPECT_TRUE(has(list, "شناسهٔ کاربر نیست")) << list;
  const std::string mark = general_answer(e, "/mark new 7days");
  EXPECT_TRUE(has(mark, "\u20667days\u2069") || has(mark, "\u20687days\u2069")) << mark;
  EXPECT_TRUE(has(mark, "نام برچسب")) << mark;
  const std::string help = general_answer(e, "/segment");
  EXPECT_TRUE(has(help, "\u2066/segment EXPRESSION\u2069")) << help;
}

}  // namespace
}  // namespace topicdesk::relay
