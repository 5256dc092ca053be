// Invoices typed in a topic (docs/payments.md), as pure functions: parsing `/invoice AMOUNT
// CURRENCY TITLE [| description]`, the limits Telegram's sendInvoice sets (title 1–32
// characters, description 1–255, payload 1–128 bytes), the currencies the desk accepts with
// their exponents (minor units), amounts written for people, the desk's invoice payload
// (core::kInvoicePayloadPrefix + the invoice id: how the desk tells its invoices from a bot
// program's), PAYMENT_HOOK's text, and the texts operators see. No I/O, no store.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace topicdesk::payments {

// Telegram Stars: no provider token, whole Stars, exactly one price.
inline constexpr std::string_view kStars = "XTR";
inline constexpr std::size_t kMaxTitle = 32;         // characters (code points)
inline constexpr std::size_t kMaxDescription = 255;  // characters (code points)
// The desk's own bounds on an amount, in the currency's smallest unit. Telegram checks each
// currency's minimum and maximum itself (about US$1 to US$10,000): a refusal comes back as a
// "not delivered" notice in the topic.
inline constexpr std::int64_t kMaxStars = 100000;
inline constexpr std::int64_t kMaxMinorUnits = 1'000'000'000;

struct Currency {
  std::string_view code;  // ISO 4217, or XTR
  int exponent = 2;       // digits after the decimal point (Telegram's currencies.json `exp`)
};
// The currencies /invoice accepts, in the order /invoice's help lists them.
const std::vector<Currency>& currencies();
// nullopt: not one of currencies(). `code` in any letter case.
std::optional<Currency> find_currency(std::string_view code);

struct InvoiceRequest {
  std::int64_t amount = 0;  // smallest unit
  std::string currency;     // upper case
  std::string title;
  std::string description;  // the title when none was given
};

// `args` of /invoice (after the command name). `provider_configured`: the connection has a
// payment provider token (currencies other than XTR need one). The error is the text shown in
// the topic: what is wrong and how to write it.
// Errors are in `lang` (the operators' language).
core::Result<InvoiceRequest> parse_invoice(std::string_view lang, std::string_view args,
                                           bool provider_configured);

// An amount in a currency's smallest unit, written for people: "100 ⭐", "12.50 USD", "500 JPY".
std::string format_amount(std::int64_t amount, std::string_view currency);
// An amount for machines (exports, webhooks): "12.50", "100".
std::string decimal_amount(std::int64_t amount, std::string_view currency);

// The Telegram payload of the desk's invoice `id` ("td:inv:12"), and back (nullopt: not the
// desk's, or malformed).
std::string invoice_payload(std::int64_t id);
std::optional<std::int64_t> invoice_id_of(std::string_view payload);

// What PAYMENT_HOOK's template becomes for one payment: {payload} (the invoice payload),
// {invoice} (its id), {title}, {amount} (decimal), {currency}, {charge} (Telegram's charge id).
struct HookValues {
  std::string payload;
  std::int64_t invoice = 0;
  std::string title;
  std::string amount;
  std::string currency;
  std::string charge;
};
std::string expand_hook(std::string_view pattern, const HookValues& values);

// Texts in the topic, in `lang` (the operators' language).
std::string invoice_usage(std::string_view lang);
std::string invoice_sent_notice(std::string_view lang, std::int64_t id, const InvoiceRequest& request);
std::string payment_received_notice(std::string_view lang, std::int64_t invoice_id, std::string_view title,
                                    std::int64_t amount, std::string_view currency,
                                    std::string_view charge_id);
// The reason a user sees when the desk refuses a pre-checkout: catalogue keys (i18n::text), told
// in the user's language.
inline constexpr std::string_view kUnknownInvoiceReason = "payments.unknown_invoice";
inline constexpr std::string_view kCancelledInvoiceReason = "payments.cancelled_invoice";
inline constexpr std::string_view kPaidInvoiceReason = "payments.paid_invoice";
inline constexpr std::string_view kChangedInvoiceReason = "payments.changed_invoice";

}  // namespace topicdesk::payments
