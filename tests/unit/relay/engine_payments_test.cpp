// Payments in the engine: /invoice makes an invoice and its sendInvoice job (or says what is
// wrong and sends nothing), a pre-checkout is answered at once in its own queue ahead of every
// other job, refused for unknown, cancelled or paid invoices and left to the bot's program in
// proxy mode; a payment is recorded once per charge id with its notice, event and PAYMENT_HOOK
// command; /refund asks Telegram to refund Stars and a refusal undoes it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "i18n/catalog.h"
#include "payments/invoice.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {

using namespace testing;  // NOLINT: the relay test helpers
using ::testing::HasSubstr;

core::Event pre_checkout(core::UserId user, std::string payload, std::int64_t amount = 100,
                         std::int64_t update = 7000) {
  core::Event e;
  e.kind = EventKind::kPreCheckout;
  e.update_id = update;
  e.chat_id = user;
  e.callback_id = "pcq" + std::to_string(update);
  e.from = core::Person{.id = user, .first_name = "Ann"};
  e.payment.currency = "XTR";
  e.payment.total_amount = amount;
  e.payment.invoice_payload = std::move(payload);
  return e;
}

core::Event receipt(core::UserId user, std::string payload, std::string charge, std::int64_t update) {
  core::Event e;
  e.kind = EventKind::kPaymentReceived;
  e.update_id = update;
  e.chat_id = user;
  e.message_id = update;
  e.from = core::Person{.id = user, .first_name = "Ann"};
  e.payment.currency = "XTR";
  e.payment.total_amount = 100;
  e.payment.invoice_payload = std::move(payload);
  e.payment.telegram_charge_id = std::move(charge);
  return e;
}

boost::json::object fields_of(const TakenJob& job) {
  return boost::json::parse(job.payload.text).as_object();
}

std::string text_of(const boost::json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : std::string();
}

class EnginePaymentsTest : public EngineFixture {
 protected:
  // Ann's dialog with an invoice of 100 Stars; returns its payload.
  std::string invoiced(Engine& e) {
    dialog_ = open_dialog_of(e, kAnn, kThread);
    e.handle(operator_message(kThread, 10, "/invoice 100 XTR Pro | 30 days"), kT0 + 1000);
    auto jobs = take_jobs(*store_);
    const auto* send = find_job(jobs, job::kSendInvoice);
    EXPECT_NE(send, nullptr) << ::testing::PrintToString(kinds(jobs));
    return send ? std::string(fields_of(*send).at("payload").as_string()) : std::string();
  }
  store::Dialog dialog_;
};

TEST_F(EnginePaymentsTest, AnInvoiceIsRecordedSentToTheUserAndShownInTheTopic) {
  auto& e = engine();
  dialog_ = open_dialog_of(e, kAnn, kThread);
  e.handle(operator_message(kThread, 10, "/invoice 100 XTR Pro | 30 days"), kT0 + 1000);
  auto jobs = take_jobs(*store_);
  const auto* send = find_job(jobs, job::kSendInvoice);
  ASSERT_NE(send, nullptr);
  EXPECT_EQ(send->payload.to, Side::kUser);
  EXPECT_EQ(send->payload.dialog, dialog_.id);
  EXPECT_TRUE(send->payload.operator_message) << "a failure is told in the topic";
  auto fields = fields_of(*send);
  EXPECT_EQ(fields.at("title"), "Pro");
  EXPECT_EQ(fields.at("description"), "30 days");
  EXPECT_EQ(fields.at("currency"), "XTR");
  EXPECT_EQ(fields.at("amount"), 100);
  auto invoices = store_->dialog_invoices(dialog_.id, 10);
  ASSERT_EQ(invoices.size(), 1u);
  EXPECT_EQ(text_of(fields.at("payload")), payments::invoice_payload(invoices[0].id));
  EXPECT_EQ(invoices[0].operator_id, kOperatorId);
  EXPECT_THAT(texts_to(jobs, Side::kGroup), ElementsAre(HasSubstr("🧾 Invoice #")));
}

TEST_F(EnginePaymentsTest, ABadInvoiceIsExplainedAndNothingIsSent) {
  auto& e = engine();
  dialog_ = open_dialog_of(e, kAnn, kThread);
  e.handle(operator_message(kThread, 10, "/invoice 2.5 XTR Pro"), kT0 + 1000);
  e.handle(operator_message(kThread, 11, "/invoice 10 USD Pro"), kT0 + 1000);  // no provider token
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(find_job(jobs, job::kSendInvoice), nullptr);
  EXPECT_THAT(texts_to(jobs, Side::kGroup),
              ElementsAre(HasSubstr("is not an amount of Stars"), HasSubstr("USD needs a payment provider")));
  EXPECT_TRUE(store_->dialog_invoices(dialog_.id, 10).empty());
}

TEST_F(EnginePaymentsTest, ACurrencyInvoiceWorksWithAProviderToken) {
  context_.payment_provider_token = "284685063:TEST:x";
  auto& e = engine();
  dialog_ = open_dialog_of(e, kAnn, kThread);
  e.handle(operator_message(kThread, 10, "/invoice 12.50 USD Pro"), kT0 + 1000);
  auto jobs = take_jobs(*store_);
  const auto* send = find_job(jobs, job::kSendInvoice);
  ASSERT_NE(send, nullptr);
  EXPECT_EQ(fields_of(*send).at("amount"), 1250);
  EXPECT_EQ(send->job.payload.find("284685063"), std::string::npos) << "the token is never stored";
}

TEST_F(EnginePaymentsTest, APreCheckoutIsAnsweredInItsOwnQueueAheadOfEverything) {
  auto& e = engine();
  auto payload = invoiced(e);
  for (int i = 0; i < 20; ++i) e.handle(user_message(kBob, 100 + i, "busy"), kT0 + 2000);  // jobs waiting
  e.handle(pre_checkout(kAnn, payload), kT0 + 3000);
  auto ready = store_->outbox_ready(kT0 * 2, 1, {});
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].kind, job::kAnswerPreCheckout) << "the first job the dispatcher takes";
  EXPECT_EQ(ready[0].priority, kPriorityPreCheckout);
  EXPECT_EQ(ready[0].queue_key, pre_checkout_queue_key(context_.id, "pcq7000"));
  auto fields = boost::json::parse(payload_from_json(ready[0].payload)->text).as_object();
  EXPECT_EQ(fields.at("query_id"), "pcq7000");
  EXPECT_EQ(fields.at("ok"), true);
  EXPECT_FALSE(fields.contains("error_message"));
}

TEST_F(EnginePaymentsTest, UnknownCancelledPaidAndChangedInvoicesAreRefusedWithAReason) {
  auto& e = engine();
  auto payload = invoiced(e);
  auto answer_of = [&](core::Event ev) {
    e.handle(ev, kT0 + 5000);
    auto jobs = take_jobs(*store_);
    const auto* answer = find_job(jobs, job::kAnswerPreCheckout);
    EXPECT_NE(answer, nullptr);
    return answer ? fields_of(*answer) : boost::json::object{};
  };
  auto unknown = answer_of(pre_checkout(kAnn, "td:inv:9999", 100, 7001));
  EXPECT_EQ(unknown.at("ok"), false);
  EXPECT_EQ(text_of(unknown.at("error_message")), i18n::text("en", payments::kUnknownInvoiceReason));
  EXPECT_EQ(text_of(answer_of(pre_checkout(kBob, payload, 100, 7002)).at("error_message")),
            i18n::text("en", payments::kUnknownInvoiceReason))
      << "another user's invoice";
  EXPECT_EQ(text_of(answer_of(pre_checkout(kAnn, payload, 99, 7003)).at("error_message")),
            i18n::text("en", payments::kChangedInvoiceReason));
  e.handle(operator_message(kThread, 20, "/invoice cancel"), kT0 + 6000);
  take_jobs(*store_);
  EXPECT_EQ(text_of(answer_of(pre_checkout(kAnn, payload, 100, 7004)).at("error_message")),
            i18n::text("en", payments::kCancelledInvoiceReason));
}

// The invoice's state in the refusal is a word of the operators' language, not the stored name.
TEST_F(EnginePaymentsTest, ACancelledInvoiceIsNamedSoInTheOperatorsLanguage) {
  auto& e = engine({{"LANGUAGE", "de"}});
  invoiced(e);
  e.handle(operator_message(kThread, 20, "/invoice cancel"), kT0 + 6000);
  take_jobs(*store_);
  e.handle(operator_message(kThread, 21, "/invoice cancel #1"), kT0 + 7000);
  EXPECT_THAT(texts_to(take_jobs(*store_), Side::kGroup),
              ::testing::ElementsAre(
                  "🧾 Rechnung #1 ist storniert: Nur eine offene Rechnung kann storniert werden."));
}

TEST_F(EnginePaymentsTest, ProxyConnectionsLeaveTheProgramsInvoicesToTheProgram) {
  context_.proxy = true;
  auto& e = engine();
  dialog_ = open_dialog_of(e, kAnn, kThread);
  e.handle(pre_checkout(kAnn, "order-77"), kT0 + 1000);
  e.handle(receipt(kAnn, "order-77", "ch_program", 7100), kT0 + 1000);
  auto jobs = take_jobs(*store_);
  EXPECT_TRUE(jobs.empty()) << ::testing::PrintToString(kinds(jobs));
  EXPECT_FALSE(store_->payment_by_charge("ch_program"));
}

TEST_F(EnginePaymentsTest, APaymentIsRecordedOnceWithItsNoticeEventAndHook) {
  auto& e = engine({{"PAYMENT_HOOK", "/activate {payload}"}});
  auto payload = invoiced(e);
  e.handle(receipt(kAnn, payload, "ch_1", 7200), kT0 + 4000);
  e.handle(receipt(kAnn, payload, "ch_1", 7201), kT0 + 5000);  // the same charge, delivered again
  auto jobs = take_jobs(*store_);
  EXPECT_THAT(texts_to(jobs, Side::kGroup), ElementsAre(HasSubstr("💰 Payment received: 100 ⭐")));
  ASSERT_TRUE(store_->payment_by_charge("ch_1"));
  EXPECT_EQ(store_->dialog_payments(dialog_.id, 10).size(), 1u);
  EXPECT_EQ(store_->dialog_invoices(dialog_.id, 10)[0].status, store::InvoiceStatus::kPaid);
  std::vector<std::string> types;
  std::string command;
  for (const auto& ev : store_->events_after(0, 100)) {
    types.push_back(ev.type);
    if (ev.type == "command") command = ev.payload;
  }
  EXPECT_EQ(std::count(types.begin(), types.end(), "payment_received"), 1);
  EXPECT_EQ(std::count(types.begin(), types.end(), "command"), 1);
  auto o = boost::json::parse(command).as_object();
  EXPECT_EQ(o.at("command"), "activate");
  EXPECT_EQ(text_of(o.at("args")), payload);
  EXPECT_EQ(o.at("by"), "payment");
}

TEST_F(EnginePaymentsTest, RefundAsksTelegramAndARefusalUndoesIt) {
  auto& e = engine();
  auto payload = invoiced(e);
  e.handle(receipt(kAnn, payload, "ch_1", 7300), kT0 + 4000);
  take_jobs(*store_);
  e.handle(operator_message(kThread, 30, "/refund"), kT0 + 5000);
  auto jobs = take_jobs(*store_);
  const auto* refund = find_job(jobs, job::kRefundStarPayment);
  ASSERT_NE(refund, nullptr);
  EXPECT_EQ(fields_of(*refund).at("charge_id"), "ch_1");
  EXPECT_EQ(store_->payment_by_charge("ch_1")->refunded_at, kT0 + 5000);

  core::Event failed;
  failed.kind = EventKind::kDeliveryFailed;
  failed.update_id = delivery_update_id(refund->job.id, false);
  failed.chat_id = kGroupId;
  failed.text = "Bad Request: CHARGE_NOT_FOUND";
  failed.delivery = core::DeliveryReport{.job_id = refund->job.id,
                                         .dialog_id = dialog_.id,
                                         .job_kind = std::string(job::kRefundStarPayment),
                                         .to_user = true,
                                         .operator_message = true};
  e.handle(failed, kT0 + 6000);
  jobs = take_jobs(*store_);
  EXPECT_THAT(texts_to(jobs, Side::kGroup),
              ElementsAre(HasSubstr("The refund of charge ch_1 failed: Bad Request")));
  EXPECT_EQ(store_->payment_by_charge("ch_1")->refunded_at, 0);
  e.handle(operator_message(kThread, 31, "/refund"), kT0 + 7000);
  EXPECT_NE(find_job(take_jobs(*store_), job::kRefundStarPayment), nullptr) << "it can be asked again";
}

TEST_F(EnginePaymentsTest, ARefundRepeatedAfterARestartThatFindsItDoneStaysRefunded) {
  auto& e = engine();
  auto payload = invoiced(e);
  e.handle(receipt(kAnn, payload, "ch_1", 7500), kT0 + 4000);
  take_jobs(*store_);
  e.handle(operator_message(kThread, 30, "/refund"), kT0 + 5000);
  const auto* refund = find_job(take_jobs(*store_), job::kRefundStarPayment);
  ASSERT_NE(refund, nullptr);
  core::Event failed;
  failed.kind = EventKind::kDeliveryFailed;
  failed.update_id = delivery_update_id(refund->job.id, false);
  failed.chat_id = kGroupId;
  failed.text = "Bad Request: CHARGE_ALREADY_REFUNDED";
  failed.delivery = core::DeliveryReport{.job_id = refund->job.id,
                                         .dialog_id = dialog_.id,
                                         .job_kind = std::string(job::kRefundStarPayment),
                                         .to_user = true,
                                         .operator_message = true};
  e.handle(failed, kT0 + 6000);
  EXPECT_TRUE(texts_to(take_jobs(*store_), Side::kGroup).empty());
  EXPECT_EQ(store_->payment_by_charge("ch_1")->refunded_at, kT0 + 5000);
}

TEST_F(EnginePaymentsTest, InfoListsPaymentsAndOpenInvoices) {
  auto& e = engine();
  auto payload = invoiced(e);
  e.handle(operator_message(kThread, 40, "/invoice 5 XTR Tip"), kT0 + 2000);
  e.handle(receipt(kAnn, payload, "ch_1", 7400), kT0 + 4000);
  take_jobs(*store_);
  e.handle(operator_message(kThread, 41, "/info"), kT0 + 5000);
  auto texts = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_FALSE(texts.empty());
  EXPECT_THAT(texts[0], HasSubstr("💰 paid 100 ⭐ (invoice #"));
  EXPECT_THAT(texts[0], HasSubstr("🧾 open invoice #"));
  EXPECT_THAT(texts[0], HasSubstr("5 ⭐ — Tip"));
}

}  // namespace
}  // namespace topicdesk::relay
