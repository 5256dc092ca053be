// The Store contract, PaymentStore: invoices as written with their status, and payments recorded
// once per Telegram charge id. Every backend must pass it unchanged (store_backends.h).
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::StoreContract;

class PaymentStoreContract : public StoreContract {
 protected:
  Invoice invoice_of(DialogId dialog, std::int64_t amount = 100) {
    Invoice i;
    i.connection_id = conn_;
    i.dialog_id = dialog;
    i.user_id = 42;
    i.currency = "XTR";
    i.amount = amount;
    i.title = "Pro";
    i.description = "30 days of Pro";
    i.operator_id = 900;
    i.created_at = 100;
    i.updated_at = 100;
    i.id = store_->add_invoice(i);
    return i;
  }
  Payment payment_of(const Invoice& i, std::string charge) {
    Payment p;
    p.connection_id = conn_;
    p.invoice_id = i.id;
    p.dialog_id = i.dialog_id;
    p.user_id = i.user_id;
    p.currency = i.currency;
    p.amount = i.amount;
    p.telegram_charge_id = std::move(charge);
    p.paid_at = 200;
    return p;
  }
};

TEST_P(PaymentStoreContract, AnInvoiceIsKeptAsWrittenAndItsStatusChanges) {
  auto dialog = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  auto i = invoice_of(dialog.id);
  auto read = store_->invoice(i.id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->dialog_id, dialog.id);
  EXPECT_EQ(read->currency, "XTR");
  EXPECT_EQ(read->amount, 100);
  EXPECT_EQ(read->title, "Pro");
  EXPECT_EQ(read->description, "30 days of Pro");
  EXPECT_EQ(read->operator_id, 900);
  EXPECT_EQ(read->status, InvoiceStatus::kOpen);
  store_->set_invoice_status(i.id, InvoiceStatus::kCancelled, 300);
  read = store_->invoice(i.id);
  EXPECT_EQ(read->status, InvoiceStatus::kCancelled);
  EXPECT_EQ(read->updated_at, 300);
  EXPECT_FALSE(store_->invoice(i.id + 1000));
}

TEST_P(PaymentStoreContract, ADialogsInvoicesComeNewestFirst) {
  auto dialog = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  auto other = store_->create_dialog(conn_, 43, test_support::kGroup, 1);
  auto a = invoice_of(dialog.id, 1);
  invoice_of(other.id, 2);
  auto c = invoice_of(dialog.id, 3);
  auto list = store_->dialog_invoices(dialog.id, 10);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, c.id);
  EXPECT_EQ(list[1].id, a.id);
  EXPECT_EQ(store_->dialog_invoices(dialog.id, 1).size(), 1u);
}

TEST_P(PaymentStoreContract, APaymentIsRecordedOncePerChargeId) {
  auto dialog = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  auto i = invoice_of(dialog.id);
  auto first = store_->add_payment(payment_of(i, "ch_1"));
  ASSERT_TRUE(first);
  EXPECT_FALSE(store_->add_payment(payment_of(i, "ch_1"))) << "the same charge delivered again";
  auto second = store_->add_payment(payment_of(i, "ch_2"));
  ASSERT_TRUE(second);
  EXPECT_GT(*second, *first);
  auto read = store_->payment_by_charge("ch_1");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->id, *first);
  EXPECT_EQ(read->invoice_id, i.id);
  EXPECT_EQ(read->amount, 100);
  EXPECT_EQ(read->paid_at, 200);
  EXPECT_EQ(read->refunded_at, 0);
  EXPECT_EQ(store_->dialog_payments(dialog.id, 10).size(), 2u);
  EXPECT_EQ(store_->dialog_payments(dialog.id, 10)[0].telegram_charge_id, "ch_2");
  EXPECT_EQ(store_->user_payments(conn_, 42).size(), 2u);
  EXPECT_TRUE(store_->user_payments(conn_, 43).empty());
  EXPECT_FALSE(store_->payment_by_charge("ch_3"));
}

TEST_P(PaymentStoreContract, ARefundIsMarkedAndCanBeUndone) {
  auto dialog = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  auto i = invoice_of(dialog.id);
  auto id = store_->add_payment(payment_of(i, "ch_1"));
  store_->set_payment_refunded(*id, 500);
  EXPECT_EQ(store_->payment_by_charge("ch_1")->refunded_at, 500);
  store_->set_payment_refunded(*id, 0);
  EXPECT_EQ(store_->payment_by_charge("ch_1")->refunded_at, 0);
}

TD_STORE_CONTRACT_SUITE(PaymentStoreContract);

}  // namespace
}  // namespace topicdesk::store
