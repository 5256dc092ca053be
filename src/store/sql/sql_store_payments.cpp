// SqlStore: invoices and payments (PaymentStore).
#include "store/sql/sql_payments.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {
using Lock = std::lock_guard<std::recursive_mutex>;

Invoice invoice_row(Query& q) {
  Invoice i;
  i.id = q.int64(0);
  i.connection_id = q.int64(1);
  i.dialog_id = q.int64(2);
  i.user_id = q.int64(3);
  i.currency = q.text(4);
  i.amount = q.int64(5);
  i.title = q.text(6);
  i.description = q.text(7);
  i.operator_id = q.int64(8);
  i.status = invoice_status_from(q.text(9)).value_or(InvoiceStatus::kOpen);
  i.created_at = q.int64(10);
  i.updated_at = q.int64(11);
  return i;
}

Payment payment_row(Query& q) {
  Payment p;
  p.id = q.int64(0);
  p.connection_id = q.int64(1);
  p.invoice_id = q.int64(2);
  p.dialog_id = q.int64(3);
  p.user_id = q.int64(4);
  p.currency = q.text(5);
  p.amount = q.int64(6);
  p.telegram_charge_id = q.text(7);
  p.provider_charge_id = q.text(8);
  p.paid_at = q.int64(9);
  p.refunded_at = q.int64(10);
  return p;
}

}  // namespace

const char* to_string(InvoiceStatus status) {
  switch (status) {
    case InvoiceStatus::kOpen:
      return "open";
    case InvoiceStatus::kPaid:
      return "paid";
    case InvoiceStatus::kCancelled:
      return "cancelled";
    case InvoiceStatus::kRefunded:
      return "refunded";
  }
  return "open";
}

std::optional<InvoiceStatus> invoice_status_from(std::string_view name) {
  for (auto s :
       {InvoiceStatus::kOpen, InvoiceStatus::kPaid, InvoiceStatus::kCancelled, InvoiceStatus::kRefunded}) {
    if (name == to_string(s)) return s;
  }
  return std::nullopt;
}

std::int64_t SqlStore::add_invoice(const Invoice& i) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kInvoiceAdd);
  q.bind_all(i.connection_id, i.dialog_id, i.user_id, i.currency, i.amount, i.title, i.description,
             i.operator_id, to_string(i.status), i.created_at, i.updated_at);
  if (!q.step()) throw StoreError("add_invoice: the insert returned no id");
  return q.int64(0);
}

std::optional<Invoice> SqlStore::invoice(std::int64_t id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kInvoiceById);
  q.bind_all(id);
  if (!q.step()) return std::nullopt;
  return invoice_row(q);
}

void SqlStore::set_invoice_status(std::int64_t id, InvoiceStatus status, UnixMillis at) {
  Lock lock(mutex_);
  db_.run(sql::kInvoiceSetStatus, id, to_string(status), at);
}

std::vector<Invoice> SqlStore::dialog_invoices(DialogId dialog, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kDialogInvoices);
  q.bind_all(dialog, limit);
  std::vector<Invoice> out;
  while (q.step()) out.push_back(invoice_row(q));
  return out;
}

std::optional<std::int64_t> SqlStore::add_payment(const Payment& p) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kPaymentAdd);
  q.bind_all(p.connection_id, p.invoice_id, p.dialog_id, p.user_id, p.currency, p.amount,
             p.telegram_charge_id, p.provider_charge_id, p.paid_at, p.refunded_at);
  if (!q.step()) return std::nullopt;
  return q.int64(0);
}

std::optional<Payment> SqlStore::payment_by_charge(const std::string& telegram_charge_id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kPaymentByCharge);
  q.bind_all(telegram_charge_id);
  if (!q.step()) return std::nullopt;
  return payment_row(q);
}

void SqlStore::set_payment_refunded(std::int64_t id, UnixMillis at) {
  Lock lock(mutex_);
  db_.run(sql::kPaymentRefunded, id, at);
}

std::vector<Payment> SqlStore::dialog_payments(DialogId dialog, int limit) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kDialogPayments);
  q.bind_all(dialog, limit);
  std::vector<Payment> out;
  while (q.step()) out.push_back(payment_row(q));
  return out;
}

std::vector<Payment> SqlStore::user_payments(ConnectionId connection, UserId user) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kUserPayments);
  q.bind_all(connection, user);
  std::vector<Payment> out;
  while (q.step()) out.push_back(payment_row(q));
  return out;
}

}  // namespace topicdesk::store
