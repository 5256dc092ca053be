#include "sim/model/payments.h"

#include <fmt/format.h>

#include "sim/model/world.h"

namespace tgsim::model {

namespace json = boost::json;

namespace {

const char* state_name(CheckoutState s) {
  switch (s) {
    case CheckoutState::kPending:
      return "pending";
    case CheckoutState::kPaid:
      return "paid";
    case CheckoutState::kRefused:
      return "refused";
    case CheckoutState::kExpired:
      return "expired";
  }
  return "pending";
}

}  // namespace

void Payments::add_invoice(SimInvoice invoice) {
  auto key = std::make_tuple(invoice.bot_id, invoice.user_id, invoice.message_id);
  invoices_[key] = std::move(invoice);
}

Result<const PreCheckout*> Payments::pay(World& world, Id user, Id bot, Id message_id,
                                         std::chrono::milliseconds deadline) {
  auto found = invoices_.find(std::make_tuple(bot, user, message_id));
  if (found == invoices_.end()) return bad_request("the message is not an invoice of this bot to this user");
  const SimInvoice& invoice = found->second;
  PreCheckout c;
  c.id = fmt::format("{}{}", bot % 1000000, 900000000 + next_query_++);
  c.bot_id = bot;
  c.user_id = user;
  c.message_id = message_id;
  c.payload = invoice.payload;
  c.currency = invoice.currency;
  c.total_amount = invoice.total_amount;
  c.sent = Clock::now();
  c.deadline = c.sent + deadline;
  world.push_update(bot, "pre_checkout_query",
                    json::object{{"id", c.id},
                                 {"from", world.user_json(user)},
                                 {"currency", c.currency},
                                 {"total_amount", c.total_amount},
                                 {"invoice_payload", c.payload}});
  auto [it, inserted] = checkouts_.emplace(c.id, std::move(c));
  return &it->second;
}

void Payments::expire(PreCheckout& c) {
  if (c.state == CheckoutState::kPending && Clock::now() >= c.deadline) c.state = CheckoutState::kExpired;
}

const PreCheckout* Payments::checkout(const std::string& id) {
  auto found = checkouts_.find(id);
  if (found == checkouts_.end()) return nullptr;
  expire(found->second);
  return &found->second;
}

Status Payments::answer(World& world, Id bot, const std::string& query_id, bool ok,
                        const std::string& error_message) {
  auto found = checkouts_.find(query_id);
  if (found == checkouts_.end() || found->second.bot_id != bot) {
    return bad_request("query is too old and response timeout expired or query ID is invalid");
  }
  PreCheckout& c = found->second;
  expire(c);
  if (c.state != CheckoutState::kPending) {
    return bad_request("query is too old and response timeout expired or query ID is invalid");
  }
  if (!ok && error_message.empty()) return bad_request("PAYMENT_ERROR_MESSAGE_EMPTY");
  c.answered_after_ms = std::chrono::duration<double, std::milli>(Clock::now() - c.sent).count();
  if (!ok) {
    c.state = CheckoutState::kRefused;
    c.error_message = error_message;
    return Done{};
  }
  const bool stars = c.currency == "XTR";
  Charge charge;
  charge.telegram_charge_id = fmt::format("{}{:08}", stars ? "stxsim" : "tgsim", next_charge_++);
  charge.provider_charge_id = stars ? "" : fmt::format("provsim{:08}", next_charge_);
  charge.bot_id = bot;
  charge.user_id = c.user_id;
  charge.currency = c.currency;
  charge.payload = c.payload;
  charge.total_amount = c.total_amount;
  json::object paid{{"currency", c.currency},
                    {"total_amount", c.total_amount},
                    {"invoice_payload", c.payload},
                    {"telegram_payment_charge_id", charge.telegram_charge_id},
                    {"provider_payment_charge_id", charge.provider_charge_id}};
  auto chat = world.chat_for_person(c.user_id, bot);
  if (!chat) return chat.error();
  MessageInput input;
  input.content = json::object{{"successful_payment", std::move(paid)}};
  auto posted = world.post(**chat, c.user_id, std::move(input));
  if (!posted) return posted.error();
  c.state = CheckoutState::kPaid;
  c.charge_id = charge.telegram_charge_id;
  c.receipt_message_id = (*posted)->id;
  charges_[charge.telegram_charge_id] = std::move(charge);
  return Done{};
}

Result<Id> Payments::redeliver(World& world, const std::string& charge_id) {
  auto found = charges_.find(charge_id);
  if (found == charges_.end()) return bad_request("CHARGE_NOT_FOUND");
  const Charge& charge = found->second;
  auto chat = world.chat_for_person(charge.user_id, charge.bot_id);
  if (!chat) return chat.error();
  MessageInput input;
  input.content = json::object{
      {"successful_payment", json::object{{"currency", charge.currency},
                                          {"total_amount", charge.total_amount},
                                          {"invoice_payload", charge.payload},
                                          {"telegram_payment_charge_id", charge_id},
                                          {"provider_payment_charge_id", charge.provider_charge_id}}}};
  auto posted = world.post(**chat, charge.user_id, std::move(input));
  if (!posted) return posted.error();
  return (*posted)->id;
}

Status Payments::refund(World& world, Id bot, Id user, const std::string& charge_id) {
  auto found = charges_.find(charge_id);
  if (found == charges_.end() || found->second.bot_id != bot || found->second.user_id != user ||
      found->second.currency != "XTR") {
    return bad_request("CHARGE_NOT_FOUND");
  }
  Charge& charge = found->second;
  if (charge.refunded) return bad_request("CHARGE_ALREADY_REFUNDED");
  charge.refunded = true;
  auto chat = world.chat_for_person(user, bot);
  if (chat) {
    MessageInput input;
    input.content =
        json::object{{"refunded_payment", json::object{{"currency", charge.currency},
                                                       {"total_amount", charge.total_amount},
                                                       {"invoice_payload", charge.payload},
                                                       {"telegram_payment_charge_id", charge_id}}}};
    (void)world.post(**chat, user, std::move(input));
  }
  return Done{};
}

json::object Payments::checkout_json(const PreCheckout& c) {
  json::object out{
      {"pre_checkout_query_id", c.id},  {"status", state_name(c.state)}, {"bot_id", c.bot_id},
      {"user_id", c.user_id},           {"message_id", c.message_id},    {"currency", c.currency},
      {"total_amount", c.total_amount}, {"invoice_payload", c.payload}};
  if (c.answered_after_ms >= 0) out["answered_after_ms"] = c.answered_after_ms;
  if (c.state == CheckoutState::kRefused) out["error_message"] = c.error_message;
  if (c.state == CheckoutState::kPaid) {
    out["telegram_payment_charge_id"] = c.charge_id;
    out["receipt_message_id"] = c.receipt_message_id;
  }
  if (c.state == CheckoutState::kExpired)
    out["description"] = "the bot did not answer the pre-checkout query in time: the payment failed";
  return out;
}

json::object Payments::overview() const {
  json::array queries;
  for (const auto& [id, c] : checkouts_) {
    PreCheckout copy = c;
    if (copy.state == CheckoutState::kPending && Clock::now() >= copy.deadline)
      copy.state = CheckoutState::kExpired;
    queries.push_back(checkout_json(copy));
  }
  json::array charges;
  for (const auto& [id, c] : charges_) {
    charges.push_back(json::object{{"telegram_payment_charge_id", c.telegram_charge_id},
                                   {"provider_payment_charge_id", c.provider_charge_id},
                                   {"bot_id", c.bot_id},
                                   {"user_id", c.user_id},
                                   {"currency", c.currency},
                                   {"total_amount", c.total_amount},
                                   {"invoice_payload", c.payload},
                                   {"refunded", c.refunded}});
  }
  return json::object{{"pre_checkout_queries", std::move(queries)}, {"charges", std::move(charges)}};
}

}  // namespace tgsim::model
