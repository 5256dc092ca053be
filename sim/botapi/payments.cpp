// The Bot API's payment methods (sim/README.md, "Payments"): sendInvoice, answerPreCheckoutQuery
// with Telegram's 10-second deadline, refundStarPayment. The records are model::Payments'.
#include <boost/json/serialize.hpp>

#include "sim/botapi/bot_api.h"
#include "sim/model/text.h"

namespace tgsim::botapi {

namespace json = boost::json;
using model::Account;

namespace {

constexpr std::size_t kMaxTitle = 32;
constexpr std::size_t kMaxDescription = 255;
constexpr std::size_t kMaxPayloadBytes = 128;

bool is_currency_code(const std::string& code) {
  if (code.size() != 3) return false;
  for (char c : code) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

}  // namespace

Result<json::value> BotApi::send_invoice(const Account& bot, const Params& p) {
  auto target = chat(bot, p);
  if (!target) return target.error();
  if ((*target)->type != model::ChatType::kPrivate)
    return bad_request("invoices are sent to private chats here");
  const std::string title = p.string("title").value_or("");
  const std::string description = p.string("description").value_or("");
  const std::string payload = p.string("payload").value_or("");
  const std::string currency = p.string("currency").value_or("");
  const std::string provider_token = p.string("provider_token").value_or("");
  if (title.empty() || text::code_points(title) > kMaxTitle) return bad_request("INVOICE_TITLE_INVALID");
  if (description.empty() || text::code_points(description) > kMaxDescription)
    return bad_request("INVOICE_DESCRIPTION_INVALID");
  if (payload.empty() || payload.size() > kMaxPayloadBytes) return bad_request("INVOICE_PAYLOAD_INVALID");
  if (!is_currency_code(currency)) return bad_request("CURRENCY_INVALID");
  const bool stars = currency == "XTR";
  if (stars && !provider_token.empty()) return bad_request("STARS_INVOICE_INVALID");
  if (!stars && provider_token.empty()) return bad_request("PAYMENT_PROVIDER_INVALID");
  auto prices = p.json("prices");
  if (!prices) return prices.error();
  if (!*prices || !(*prices)->is_array() || (*prices)->as_array().empty())
    return bad_request("parameter \"prices\" must be a non-empty Array");
  const auto& list = (*prices)->as_array();
  if (stars && list.size() != 1) return bad_request("STARS_INVOICE_INVALID");
  std::int64_t total = 0;
  for (const auto& price : list) {
    const auto* o = price.if_object();
    const auto* amount = o ? o->if_contains("amount") : nullptr;
    const auto* label = o ? o->if_contains("label") : nullptr;
    if (!amount || !amount->is_int64() || !label || !label->is_string())
      return bad_request("can't parse prices JSON object");
    total += amount->get_int64();
  }
  if (total <= 0) return bad_request("CURRENCY_TOTAL_AMOUNT_INVALID");
  json::object invoice{{"title", title},
                       {"description", description},
                       {"start_parameter", p.string("start_parameter").value_or("")},
                       {"currency", currency},
                       {"total_amount", total}};
  const Id user = (*target)->user_id;
  auto sent = send_content(bot, p, json::object{{"invoice", std::move(invoice)}});
  if (!sent) return sent.error();
  const auto& message = sent->as_object();
  world_.payments().add_invoice(model::SimInvoice{.bot_id = bot.id,
                                                  .user_id = user,
                                                  .message_id = message.at("message_id").as_int64(),
                                                  .title = title,
                                                  .payload = payload,
                                                  .currency = currency,
                                                  .total_amount = total});
  return sent;
}

Result<json::value> BotApi::answer_pre_checkout_query(const Account& bot, const Params& p) {
  auto id = p.string("pre_checkout_query_id").value_or("");
  if (!p.has("ok")) return bad_request("parameter \"ok\" is required");
  auto done =
      world_.payments().answer(world_, bot.id, id, p.boolean("ok"), p.string("error_message").value_or(""));
  if (!done) return done.error();
  return json::value(true);
}

Result<json::value> BotApi::refund_star_payment(const Account& bot, const Params& p) {
  auto user = p.integer("user_id");
  if (!user) return bad_request("USER_ID_INVALID");
  auto done =
      world_.payments().refund(world_, bot.id, *user, p.string("telegram_payment_charge_id").value_or(""));
  if (!done) return done.error();
  return json::value(true);
}

}  // namespace tgsim::botapi
