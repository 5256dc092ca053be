#include "integrations/topics_api_payments.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "integrations/topics_api_call.h"
#include "payments/invoice.h"

namespace topicdesk::integrations {
namespace json = boost::json;

namespace {

constexpr int kListLimit = 200;

json::value seconds_or_null(core::UnixMillis at) {
  return at == 0 ? json::value(nullptr) : json::value(at / 1000);
}

}  // namespace

std::optional<ApiResponse> payment_action(store::Store& store, const relay::ConnectionContext& context,
                                          std::string_view action, const json::object& request) {
  if (action != "dialog_payments") return std::nullopt;
  auto named = dialog_of(store, context, request);
  if (auto* refused = std::get_if<ApiResponse>(&named)) return *refused;
  const auto* dialog = &std::get<store::Dialog>(named);
  json::array invoices;
  for (const auto& i : store.dialog_invoices(dialog->id, kListLimit)) {
    invoices.push_back(
        json::object{{"id", i.id},
                     {"status", store::to_string(i.status)},
                     {"title", i.title},
                     {"description", i.description},
                     {"currency", i.currency},
                     {"amount", i.amount},
                     {"amount_decimal", payments::decimal_amount(i.amount, i.currency)},
                     {"payload", payments::invoice_payload(i.id)},
                     {"operator_id", i.operator_id == 0 ? json::value(nullptr) : json::value(i.operator_id)},
                     {"created_at", i.created_at / 1000}});
  }
  json::array paid;
  for (const auto& p : store.dialog_payments(dialog->id, kListLimit)) {
    paid.push_back(json::object{{"id", p.id},
                                {"invoice_id", p.invoice_id},
                                {"currency", p.currency},
                                {"amount", p.amount},
                                {"amount_decimal", payments::decimal_amount(p.amount, p.currency)},
                                {"telegram_charge_id", p.telegram_charge_id},
                                {"provider_charge_id", p.provider_charge_id},
                                {"paid_at", p.paid_at / 1000},
                                {"refunded_at", seconds_or_null(p.refunded_at)}});
  }
  return ok({{"dialog_id", dialog->id},
             {"user_id", dialog->user_id},
             {"invoices", std::move(invoices)},
             {"payments", std::move(paid)}});
}

}  // namespace topicdesk::integrations
