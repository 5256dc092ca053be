// Payments inside a topic (docs/payments.md): the invoices operators send with /invoice and the
// payments users make for them. An invoice is the desk's own (its Telegram payload names its
// id, payments/invoice.h); a payment is recorded once per Telegram charge id, whatever number
// of times Telegram delivers its successful_payment message (add_payment refuses a second row
// with the same charge id). The engine (relay/engine_payments.cpp) is the one writer.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::DialogId;
using core::UnixMillis;
using core::UserId;

enum class InvoiceStatus {
  kOpen,       // sent (or on its way); a pre-checkout is accepted
  kPaid,       // a payment was recorded for it
  kCancelled,  // an operator cancelled it: a pre-checkout is refused
  kRefunded,   // its payment was refunded
};
const char* to_string(InvoiceStatus status);
std::optional<InvoiceStatus> invoice_status_from(std::string_view name);

struct Invoice {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  DialogId dialog_id = 0;
  UserId user_id = 0;
  std::string currency;     // "XTR" (Telegram Stars) or an ISO 4217 code
  std::int64_t amount = 0;  // in the currency's smallest unit (whole Stars for XTR)
  std::string title;
  std::string description;
  UserId operator_id = 0;  // who typed /invoice; 0: not known (an anonymous admin)
  InvoiceStatus status = InvoiceStatus::kOpen;
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
};

struct Payment {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  std::int64_t invoice_id = 0;
  DialogId dialog_id = 0;
  UserId user_id = 0;
  std::string currency;
  std::int64_t amount = 0;
  std::string telegram_charge_id;  // unique in the store
  std::string provider_charge_id;  // empty for Stars
  UnixMillis paid_at = 0;
  UnixMillis refunded_at = 0;  // 0: not refunded
};

class PaymentStore {
 public:
  virtual ~PaymentStore() = default;
  // Stores `invoice` (its id is ignored) and returns the new id; ids grow.
  virtual std::int64_t add_invoice(const Invoice& invoice) = 0;
  virtual std::optional<Invoice> invoice(std::int64_t id) = 0;
  virtual void set_invoice_status(std::int64_t id, InvoiceStatus status, UnixMillis at) = 0;
  // The dialog's invoices, newest first, at most `limit`.
  virtual std::vector<Invoice> dialog_invoices(DialogId dialog, int limit) = 0;
  // Records a payment; nullopt (and nothing written) when a payment with the same
  // telegram_charge_id is recorded already.
  virtual std::optional<std::int64_t> add_payment(const Payment& payment) = 0;
  virtual std::optional<Payment> payment_by_charge(const std::string& telegram_charge_id) = 0;
  virtual void set_payment_refunded(std::int64_t id, UnixMillis at) = 0;
  // The dialog's payments, newest first, at most `limit`.
  virtual std::vector<Payment> dialog_payments(DialogId dialog, int limit) = 0;
  // Every payment of a connection's user, newest first (the clients export).
  virtual std::vector<Payment> user_payments(ConnectionId connection, UserId user) = 0;
};

}  // namespace topicdesk::store
