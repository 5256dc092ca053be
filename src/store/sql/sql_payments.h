// SQL of invoices and payments (PaymentStore).
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
#define TD_INVOICE_COLUMNS                                                                          \
  "SELECT id, connection_id, dialog_id, user_id, currency, amount, title, description, operator_id," \
  " status, created_at, updated_at FROM invoices "
#define TD_PAYMENT_COLUMNS                                                                           \
  "SELECT id, connection_id, invoice_id, dialog_id, user_id, currency, amount, telegram_charge_id,"  \
  " provider_charge_id, paid_at, refunded_at FROM payments "
inline constexpr Sql kInvoiceAdd{"invoice_add",
    "INSERT INTO invoices(connection_id, dialog_id, user_id, currency, amount, title, description, operator_id,"
    " status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id"};
inline constexpr Sql kInvoiceById{"invoice", TD_INVOICE_COLUMNS "WHERE id = ?1"};
inline constexpr Sql kInvoiceSetStatus{"invoice_set_status",
    "UPDATE invoices SET status = ?2, updated_at = ?3 WHERE id = ?1"};
inline constexpr Sql kDialogInvoices{"dialog_invoices",
    TD_INVOICE_COLUMNS "WHERE dialog_id = ?1 ORDER BY id DESC LIMIT ?2"};
// A second delivery of one charge writes nothing and returns no row.
inline constexpr Sql kPaymentAdd{"payment_add",
    "INSERT INTO payments(connection_id, invoice_id, dialog_id, user_id, currency, amount, telegram_charge_id,"
    " provider_charge_id, paid_at, refunded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
    "ON CONFLICT(telegram_charge_id) DO NOTHING RETURNING id"};
inline constexpr Sql kPaymentByCharge{"payment_by_charge", TD_PAYMENT_COLUMNS "WHERE telegram_charge_id = ?1"};
inline constexpr Sql kPaymentRefunded{"payment_refunded", "UPDATE payments SET refunded_at = ?2 WHERE id = ?1"};
inline constexpr Sql kDialogPayments{"dialog_payments",
    TD_PAYMENT_COLUMNS "WHERE dialog_id = ?1 ORDER BY id DESC LIMIT ?2"};
inline constexpr Sql kUserPayments{"user_payments",
    TD_PAYMENT_COLUMNS "WHERE connection_id = ?1 AND user_id = ?2 ORDER BY id DESC"};
#undef TD_INVOICE_COLUMNS
#undef TD_PAYMENT_COLUMNS
// clang-format on

}  // namespace topicdesk::store::sql
