#include "integrations/topics_api_payments.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "integrations/topics_api_call.h"
#include "payments/invoice.h"

namespace topicdesk::integrations {
namespace json = boost::json;

namespace {

constexpr int kListLimit = 200;

std::optional<std::int64_t> positive_integer(const json::value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->is_int64() && value->get_int64() > 0) return value->get_int64();
  return std::nullopt;
}

json::value seconds_or_null(core::UnixMillis at) {
  return at == 0 ? json::value(nullptr) : json::value(at / 1000);
}

}  // namespace

std::optional<ApiResponse> payment_action(store::Store& store, const relay::ConnectionContext& context,
                                          std::string_view action, const json::object& request) {
  if (action != "dialog_payments") return std::nullopt;
  const auto* user = request.if_contains("user_id");
  const auto* topic = request.if_contains("topic_id");
  if ((user == nullptr) == (topic == nullptr))
    return api_error(core::ErrorCode::kInvalid, "missing_field",
                     "give one of the fields \"user_id\" and \"topic_id\"");
  auto id = positive_integer(user != nullptr ? user : topic);
  std::string_view field = user != nullptr ? "user_id" : "topic_id";
  if (!id)
    return api_error(core::ErrorCode::kInvalid, "invalid_field",
                     fmt::format("field \"{}\" must be a positive integer", field));
  auto dialog =
      user != nullptr ? store.dialog_by_user(context.id, *id) : store.dialog_by_thread(context.group_id, *id);
  if (!dialog || dialog->connection_id != context.id)
    return api_error(core::ErrorCode::kNotFound, "unknown_dialog",
                     fmt::format("connection {} has no dialog with {} {}", context.name, field, *id));
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
