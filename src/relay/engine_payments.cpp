// Engine, payments inside the topic (docs/payments.md): /invoice and /refund typed by operators,
// the answer to a user's pre-checkout query, and the payment Telegram reports, recorded once per
// charge id with its notice, its `payment_received` event (webhooks) and PAYMENT_HOOK's command.
// The parsing, limits and texts are payments/invoice.h's; the calls are the dispatcher's jobs
// (job::kSendInvoice, kAnswerPreCheckout, kRefundStarPayment).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "core/utf8.h"
#include "i18n/catalog.h"
#include "payments/invoice.h"
#include "relay/engine.h"

namespace topicdesk::relay {
namespace json = boost::json;
using core::Event;
using core::UnixMillis;
using store::Dialog;
using store::InvoiceStatus;

namespace {

// Lines of /info: the newest invoices and payments, at most this many each.
constexpr int kInfoItems = 3;

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

json::object parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.get_object());
}

json::object payment_json(const store::Payment& p, const store::Invoice& invoice) {
  return json::object{{"invoice_id", invoice.id},
                      {"payment_id", p.id},
                      {"title", invoice.title},
                      {"currency", p.currency},
                      {"amount", p.amount},
                      {"amount_decimal", payments::decimal_amount(p.amount, p.currency)},
                      {"payload", payments::invoice_payload(invoice.id)},
                      {"telegram_charge_id", p.telegram_charge_id},
                      {"provider_charge_id", p.provider_charge_id}};
}

}  // namespace

void Engine::on_invoice_command(const core::Command& command, Dialog& dialog, const Event& e,
                                UnixMillis now) {
  std::string args = core::trim(command.args);
  if (args == "cancel" || args.starts_with("cancel ")) {
    std::string which = core::trim(std::string_view(args).substr(6));
    std::optional<store::Invoice> invoice;
    if (which.empty()) {
      for (auto& i : store_.dialog_invoices(dialog.id, 50)) {
        if (i.status == InvoiceStatus::kOpen) {
          invoice = std::move(i);
          break;
        }
      }
    } else {
      std::int64_t id = 0;
      if (auto parsed = payments::invoice_id_of(std::string(core::kInvoicePayloadPrefix) +
                                                (which.starts_with('#') ? which.substr(1) : which)))
        id = *parsed;
      if (id != 0) invoice = store_.invoice(id);
      if (invoice && invoice->dialog_id != dialog.id) invoice.reset();
    }
    if (!invoice) {
      return post_in_topic(dialog,
                           which.empty() ? i18n::text(operator_language(), "payments.no_open_invoice")
                                         : i18n::text(operator_language(), "payments.no_open_invoice_named",
                                                      {{"which", which}}),
                           kPriorityOperatorReply, now);
    }
    if (invoice->status != InvoiceStatus::kOpen) {
      return post_in_topic(
          dialog,
          i18n::text(operator_language(), "payments.not_open",
                     {{"id", std::to_string(invoice->id)},
                      {"status", i18n::text(operator_language(), std::string("payments.status_") +
                                                                     store::to_string(invoice->status))}}),
          kPriorityOperatorReply, now);
    }
    store_.set_invoice_status(invoice->id, InvoiceStatus::kCancelled, now);
    return post_in_topic(
        dialog, i18n::text(operator_language(), "payments.cancelled", {{"id", std::to_string(invoice->id)}}),
        kPriorityOperatorReply, now);
  }
  if (context_.account || dialog.user_id <= 0) {
    return post_in_topic(dialog, i18n::text(operator_language(), "payments.not_receivable"),
                         kPriorityOperatorReply, now);
  }
  // `/invoice TABLE ROW`: the price, currency, title and description from a table's row
  // (engine_tables.cpp, docs/tables.md), read as if typed.
  std::optional<core::Result<std::string>> from_table = table_invoice_args(args);
  if (from_table && !*from_table)
    return post_in_topic(dialog, from_table->error().message, kPriorityOperatorReply, now);
  auto request = payments::parse_invoice(operator_language(),
                                         from_table ? std::string_view(**from_table) : std::string_view(args),
                                         !context_.payment_provider_token.empty());
  if (!request) {
    if (from_table) {  // the row's values are wrong for an invoice: say which table and row
      const std::size_t space = std::min(args.find_first_of(" \t\n"), args.size());
      return post_in_topic(dialog,
                           i18n::text(operator_language(), "tables.invoice_refused",
                                      {{"name", args.substr(0, space)},
                                       {"row", core::trim(std::string_view(args).substr(space))},
                                       {"problem", request.error().message}}),
                           kPriorityOperatorReply, now);
    }
    return post_in_topic(dialog, request.error().message, kPriorityOperatorReply, now);
  }

  store::Invoice invoice;
  invoice.connection_id = context_.id;
  invoice.dialog_id = dialog.id;
  invoice.user_id = dialog.user_id;
  invoice.currency = request->currency;
  invoice.amount = request->amount;
  invoice.title = request->title;
  invoice.description = request->description;
  invoice.operator_id = e.sender_is_anonymous_admin ? 0 : e.from.id;
  invoice.created_at = now;
  invoice.updated_at = now;
  invoice.id = store_.add_invoice(invoice);

  json::object call{{"title", invoice.title},
                    {"description", invoice.description},
                    {"payload", payments::invoice_payload(invoice.id)},
                    {"currency", invoice.currency},
                    {"amount", invoice.amount}};
  enqueue(
      job::kSendInvoice,
      JobPayload{
          .dialog = dialog.id, .to = Side::kUser, .text = json::serialize(call), .operator_message = true},
      kPriorityOperatorReply, now);
  post_in_topic(dialog, payments::invoice_sent_notice(operator_language(), invoice.id, *request),
                kPriorityOperatorReply, now);
  json::object o{{"invoice_id", invoice.id},
                 {"title", invoice.title},
                 {"currency", invoice.currency},
                 {"amount", invoice.amount},
                 {"amount_decimal", payments::decimal_amount(invoice.amount, invoice.currency)}};
  if (invoice.operator_id != 0) o["operator_id"] = invoice.operator_id;
  event(dialog, "invoice_sent", json::serialize(o), now);
}

void Engine::on_pre_checkout(const Event& e, UnixMillis now) {
  auto id = payments::invoice_id_of(e.payment.invoice_payload);
  if (!id && context_.proxy) return;  // the bot's program's invoice: the program answers
  auto invoice = id ? store_.invoice(*id) : std::nullopt;
  std::string_view refusal;
  if (!invoice || invoice->connection_id != context_.id || invoice->user_id != e.from.id) {
    refusal = payments::kUnknownInvoiceReason;
  } else if (invoice->status == InvoiceStatus::kCancelled) {
    refusal = payments::kCancelledInvoiceReason;
  } else if (invoice->status != InvoiceStatus::kOpen) {
    refusal = payments::kPaidInvoiceReason;
  } else if (invoice->currency != e.payment.currency || invoice->amount != e.payment.total_amount) {
    refusal = payments::kChangedInvoiceReason;
  }
  json::object answer{{"query_id", e.callback_id}, {"ok", refusal.empty()}};
  if (!refusal.empty()) answer["error_message"] = i18n::text(user_language(e.from), refusal);
  auto job =
      make_job(context_.id, job::kAnswerPreCheckout,
               JobPayload{.to = Side::kUser, .text = json::serialize(answer)}, kPriorityPreCheckout, now);
  job.queue_key = pre_checkout_queue_key(context_.id, e.callback_id);
  store_.outbox_add(job);
  if (refusal.empty() || !invoice || invoice->connection_id != context_.id) return;
  if (auto dialog = store_.dialog(invoice->dialog_id)) {
    post_in_topic(*dialog,
                  i18n::text(operator_language(), "payments.attempt_refused",
                             {{"id", std::to_string(invoice->id)},
                              {"reason", i18n::text(operator_language(), refusal)}}),
                  kPriorityNormal, now);
  }
}

void Engine::on_payment_received(const Event& e, UnixMillis now) {
  auto id = payments::invoice_id_of(e.payment.invoice_payload);
  if (!id) {
    if (!context_.proxy)
      spdlog::warn("connection {}: a payment for an invoice that is not the desk's ({} {}) is not recorded",
                   context_.name, e.payment.total_amount, e.payment.currency);
    return;  // proxy: the program's payment
  }
  auto invoice = store_.invoice(*id);
  std::optional<Dialog> dialog = invoice ? store_.dialog(invoice->dialog_id) : std::nullopt;
  if (!invoice || invoice->connection_id != context_.id || !dialog) {
    spdlog::warn("connection {}: a payment names invoice {}, which this connection does not have",
                 context_.name, *id);
    return;
  }
  store::Payment payment;
  payment.connection_id = context_.id;
  payment.invoice_id = invoice->id;
  payment.dialog_id = dialog->id;
  payment.user_id = e.from.id != 0 ? e.from.id : invoice->user_id;
  payment.currency = e.payment.currency;
  payment.amount = e.payment.total_amount;
  payment.telegram_charge_id = e.payment.telegram_charge_id;
  payment.provider_charge_id = e.payment.provider_charge_id;
  payment.paid_at = now;
  auto payment_id = store_.add_payment(payment);
  if (!payment_id) return;  // the same charge delivered again: recorded already
  payment.id = *payment_id;
  store_.set_invoice_status(invoice->id, InvoiceStatus::kPaid, now);
  post_in_topic(
      *dialog,
      payments::payment_received_notice(operator_language(), invoice->id, invoice->title, payment.amount,
                                        payment.currency, payment.telegram_charge_id),
      kPriorityOperatorReply, now);
  json::object data = payment_json(payment, *invoice);
  data["message_id"] = e.message_id;
  event(*dialog, "payment_received", json::serialize(data), now);

  // PAYMENT_HOOK: the command an operator would otherwise type, for command hooks.
  const auto& pattern = context_.params.payment_hook;
  if (pattern.empty()) return;
  std::string line = payments::expand_hook(
      pattern, payments::HookValues{.payload = payments::invoice_payload(invoice->id),
                                    .invoice = invoice->id,
                                    .title = invoice->title,
                                    .amount = payments::decimal_amount(payment.amount, payment.currency),
                                    .currency = payment.currency,
                                    .charge = payment.telegram_charge_id});
  // {table:NAME:ROW:COLUMN} in the hook's line reads the shared tables (docs/tables.md); what
  // they lack becomes a marker, and the topic is told.
  std::vector<std::string> misses;
  line = fill_table_references(line, &misses);
  if (!misses.empty()) {
    std::string refs;
    for (const auto& m : misses) refs += (refs.empty() ? "" : ", ") + m;
    post_in_topic(*dialog, i18n::text(context_.params.language, "tables.hook_missing", {{"refs", refs}}),
                  kPriorityOperatorReply, now);
  }
  auto command = core::parse_command(line, "");
  if (!command) return;  // PAYMENT_HOOK is checked when set: a command line
  json::object o{{"command", command->name},   {"name", command->name}, {"args", command->args},
                 {"message_id", e.message_id}, {"by", "payment"},       {"sees_hidden_info", false},
                 {"payment", std::move(data)}};
  event(*dialog, "command", json::serialize(o), now);
}

void Engine::on_refund_command(const core::Command& command, Dialog& dialog, UnixMillis now) {
  std::string charge = core::trim(command.args);
  std::optional<store::Payment> payment;
  if (!charge.empty()) {
    payment = store_.payment_by_charge(charge);
    if (payment && payment->dialog_id != dialog.id) payment.reset();
  } else {
    for (auto& p : store_.dialog_payments(dialog.id, 50)) {
      if (p.refunded_at == 0 && p.currency == payments::kStars) {
        payment = std::move(p);
        break;
      }
    }
  }
  if (!payment) {
    return post_in_topic(dialog,
                         charge.empty() ? i18n::text(operator_language(), "payments.no_stars_payment")
                                        : i18n::text(operator_language(), "payments.no_payment_with_charge",
                                                     {{"charge", charge}}),
                         kPriorityOperatorReply, now);
  }
  if (payment->currency != payments::kStars) {
    return post_in_topic(
        dialog,
        i18n::text(operator_language(), "payments.stars_only",
                   {{"amount", payments::format_amount(payment->amount, payment->currency)}}),
        kPriorityOperatorReply, now);
  }
  if (payment->refunded_at != 0) {
    return post_in_topic(dialog, i18n::text(operator_language(), "payments.already_refunded"),
                         kPriorityOperatorReply, now);
  }
  store_.set_payment_refunded(payment->id, now);
  store_.set_invoice_status(payment->invoice_id, InvoiceStatus::kRefunded, now);
  enqueue(job::kRefundStarPayment,
          JobPayload{.dialog = dialog.id,
                     .to = Side::kUser,
                     .text = json::serialize(json::object{{"charge_id", payment->telegram_charge_id}}),
                     .operator_message = true},
          kPriorityOperatorReply, now);
  post_in_topic(dialog,
                i18n::text(operator_language(), "payments.refund_requested",
                           {{"amount", payments::format_amount(payment->amount, payment->currency)},
                            {"id", std::to_string(payment->invoice_id)}}),
                kPriorityOperatorReply, now);
  event(dialog, "payment_refunded",
        json::serialize(json::object{{"invoice_id", payment->invoice_id},
                                     {"payment_id", payment->id},
                                     {"currency", payment->currency},
                                     {"amount", payment->amount},
                                     {"telegram_charge_id", payment->telegram_charge_id}}),
        now);
}

bool Engine::payment_job_failed(const Event& e, const Dialog& dialog, UnixMillis now) {
  const auto& kind = e.delivery.job_kind;
  if (kind != job::kRefundStarPayment && kind != job::kSendInvoice) return false;
  auto job = store_.outbox_job(e.delivery.job_id);
  auto payload = job ? payload_from_json(job->payload) : core::Result<JobPayload>(core::make_error("gone"));
  json::object call = payload ? parse_object(payload->text) : json::object{};
  if (kind == job::kSendInvoice) {
    auto id = payments::invoice_id_of(string_field(call, "payload"));
    if (id) store_.set_invoice_status(*id, InvoiceStatus::kCancelled, now);
    post_in_topic(
        dialog,
        i18n::text(operator_language(), "payments.invoice_not_delivered",
                   {{"id", std::to_string(id.value_or(0))},
                    {"reason", e.text.empty() ? i18n::text(operator_language(), "payments.telegram_refused")
                                              : e.text}}),
        kPriorityOperatorReply, now);
    return true;
  }
  auto payment = store_.payment_by_charge(string_field(call, "charge_id"));
  // A refund repeated after a restart interrupted the first call finds it done: it stays refunded.
  if (e.text.find("CHARGE_ALREADY_REFUNDED") != std::string::npos) return true;
  if (payment) {
    store_.set_payment_refunded(payment->id, 0);
    store_.set_invoice_status(payment->invoice_id, InvoiceStatus::kPaid, now);
  }
  post_in_topic(
      dialog,
      i18n::text(operator_language(), "payments.refund_failed",
                 {{"charge", string_field(call, "charge_id")},
                  {"reason",
                   e.text.empty() ? i18n::text(operator_language(), "payments.telegram_refused") : e.text}}),
      kPriorityOperatorReply, now);
  return true;
}

std::string Engine::payment_info(const Dialog& dialog) {
  std::string out;
  for (const auto& p : store_.dialog_payments(dialog.id, kInfoItems)) {
    out += "\n" + i18n::text(operator_language(),
                             p.refunded_at != 0 ? "payments.info_paid_refunded" : "payments.info_paid",
                             {{"amount", payments::format_amount(p.amount, p.currency)},
                              {"id", std::to_string(p.invoice_id)}});
  }
  for (const auto& i : store_.dialog_invoices(dialog.id, kInfoItems)) {
    if (i.status != InvoiceStatus::kOpen) continue;
    out += "\n" + i18n::text(operator_language(), "payments.info_open",
                             {{"id", std::to_string(i.id)},
                              {"amount", payments::format_amount(i.amount, i.currency)},
                              {"title", i.title}});
  }
  return out;
}

}  // namespace topicdesk::relay
