// Payments in the simulated Telegram (sim/README.md, "Payments"): invoices bots sent, the
// pre-checkout queries of users who press Pay (answered within a deadline, 10 s as on Telegram,
// or the payment fails), the charges of successful payments and their Stars refunds. Plain
// records and rules; World posts the messages and delivers the updates. Single-threaded.
#pragma once
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "sim/model/result.h"

namespace tgsim::model {

class World;

struct SimInvoice {
  Id bot_id = 0;
  Id user_id = 0;  // the private chat's person
  Id message_id = 0;
  std::string title;
  std::string payload;
  std::string currency;
  std::int64_t total_amount = 0;
};

enum class CheckoutState { kPending, kPaid, kRefused, kExpired };

struct PreCheckout {
  std::string id;
  Id bot_id = 0;
  Id user_id = 0;
  Id message_id = 0;  // the invoice message
  std::string payload;
  std::string currency;
  std::int64_t total_amount = 0;
  std::chrono::steady_clock::time_point sent;
  std::chrono::steady_clock::time_point deadline;
  CheckoutState state = CheckoutState::kPending;
  std::string error_message;  // kRefused: what the bot said
  std::string charge_id;      // kPaid: telegram_payment_charge_id
  Id receipt_message_id = 0;  // kPaid: the successful_payment message
  double answered_after_ms = -1;
};

struct Charge {
  std::string telegram_charge_id;
  std::string provider_charge_id;
  Id bot_id = 0;
  Id user_id = 0;
  std::string currency;
  std::string payload;
  std::int64_t total_amount = 0;
  bool refunded = false;
};

class Payments {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kDeadline{10'000};

  void add_invoice(SimInvoice invoice);
  // The user presses Pay under the bot's invoice message: the bot gets a pre_checkout_query
  // that must be answered before `deadline` passes.
  Result<const PreCheckout*> pay(World& world, Id user, Id bot, Id message_id,
                                 std::chrono::milliseconds deadline);
  // answerPreCheckoutQuery. ok: the charge is made and the successful_payment message posted.
  Status answer(World& world, Id bot, const std::string& query_id, bool ok, const std::string& error_message);
  // refundStarPayment.
  Status refund(World& world, Id bot, Id user, const std::string& charge_id);
  // The successful_payment message of `charge_id` posted once more (a second delivery of one
  // charge, which a bot must record once). nullopt message id: unknown charge.
  Result<Id> redeliver(World& world, const std::string& charge_id);
  // The query, expired first when its deadline passed unanswered; nullptr: unknown.
  const PreCheckout* checkout(const std::string& id);

  static boost::json::object checkout_json(const PreCheckout& c);
  boost::json::object overview() const;  // GET /sim/payments

 private:
  void expire(PreCheckout& c);

  std::map<std::tuple<Id, Id, Id>, SimInvoice> invoices_;  // (bot, user, message id)
  std::map<std::string, PreCheckout> checkouts_;
  std::map<std::string, Charge> charges_;
  std::uint64_t next_query_ = 1;
  std::uint64_t next_charge_ = 1;
};

}  // namespace tgsim::model
