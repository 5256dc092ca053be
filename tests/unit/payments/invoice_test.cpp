// /invoice as operators type it: amounts in Stars and in currencies' minor units, the currencies
// and the provider token they need, Telegram's title and description limits, the desk's payload,
// PAYMENT_HOOK's values. Every refusal says what is wrong.
#include "payments/invoice.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace topicdesk::payments {
namespace {

using ::testing::HasSubstr;

InvoiceRequest parsed(std::string_view args, bool provider = true) {
  auto r = parse_invoice("en", args, provider);
  EXPECT_TRUE(r.ok()) << args << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : InvoiceRequest{};
}

std::string refused(std::string_view args, bool provider = true) {
  auto r = parse_invoice("en", args, provider);
  EXPECT_FALSE(r.ok()) << args;
  return r.ok() ? std::string() : r.error().message;
}

TEST(ParseInvoice, StarsAreWholeNumbersWithoutAProvider) {
  auto r = parsed("100 XTR Pro tariff | 30 days of Pro", false);
  EXPECT_EQ(r.amount, 100);
  EXPECT_EQ(r.currency, "XTR");
  EXPECT_EQ(r.title, "Pro tariff");
  EXPECT_EQ(r.description, "30 days of Pro");
  EXPECT_EQ(parsed("5 xtr Tip", false).currency, "XTR");
  EXPECT_THAT(refused("1.5 XTR Pro", false), HasSubstr("is not an amount of Stars"));
  EXPECT_THAT(refused("0 XTR Pro", false), HasSubstr("is not an amount of Stars"));
  EXPECT_THAT(refused("-3 XTR Pro", false), HasSubstr("is not an amount of Stars"));
  EXPECT_THAT(refused("100001 XTR Pro", false), HasSubstr("more than the desk accepts"));
}

TEST(ParseInvoice, CurrencyAmountsBecomeMinorUnitsByTheirExponent) {
  EXPECT_EQ(parsed("12.50 USD Pro").amount, 1250);
  EXPECT_EQ(parsed("12,5 EUR Pro").amount, 1250);
  EXPECT_EQ(parsed("12 GBP Pro").amount, 1200);
  EXPECT_EQ(parsed("500 JPY Pro").amount, 500);
  EXPECT_THAT(refused("5.5 JPY Pro"), HasSubstr("a positive whole number"));  // JPY has no minor unit
  EXPECT_THAT(refused("1.234 USD Pro"), HasSubstr("at most 2 digits"));
  EXPECT_THAT(refused("1. USD Pro"), HasSubstr("is not an amount in USD"));
  EXPECT_THAT(refused("abc USD Pro"), HasSubstr("is not an amount in USD"));
}

TEST(ParseInvoice, ACurrencyNeedsTheProviderToken) {
  EXPECT_THAT(refused("10 USD Pro", false), HasSubstr("USD needs a payment provider"));
  EXPECT_THAT(refused("10 ABC Pro"), HasSubstr("Unknown currency \"ABC\""));
}

TEST(ParseInvoice, TitleAndDescriptionKeepTelegramsLimits) {
  EXPECT_EQ(parsed("1 XTR " + std::string(32, 'x')).title.size(), 32u);
  EXPECT_THAT(refused("1 XTR " + std::string(33, 'x')), HasSubstr("1–32 characters (33 given)"));
  // Characters, not bytes: 32 Cyrillic letters are 64 bytes and fit.
  std::string cyrillic;
  for (int i = 0; i < 32; ++i) cyrillic += "ж";
  EXPECT_EQ(parsed("1 XTR " + cyrillic).title, cyrillic);
  EXPECT_EQ(parsed("1 XTR Pro").description, "Pro") << "no description: the title";
  EXPECT_THAT(refused("1 XTR Pro | " + std::string(256, 'd')), HasSubstr("1–255 characters (256 given)"));
  EXPECT_THAT(refused("1 XTR | only a description"),
              HasSubstr("The title must be 1–32 characters (0 given)"));
  EXPECT_THAT(refused("1 XTR Pro |"), HasSubstr("The description must be"));
}

TEST(ParseInvoice, MissingPartsShowTheUsage) {
  for (auto args : {"", "100", "100 XTR", "  100   XTR   "}) {
    EXPECT_THAT(refused(args), HasSubstr("Usage: /invoice AMOUNT CURRENCY TITLE")) << args;
  }
}

TEST(Amounts, AreWrittenForPeopleAndForMachines) {
  EXPECT_EQ(format_amount(100, "XTR"), "100 ⭐");
  EXPECT_EQ(format_amount(1250, "USD"), "12.50 USD");
  EXPECT_EQ(format_amount(5, "EUR"), "0.05 EUR");
  EXPECT_EQ(format_amount(500, "JPY"), "500 JPY");
  EXPECT_EQ(decimal_amount(1250, "USD"), "12.50");
  EXPECT_EQ(decimal_amount(100, "XTR"), "100");
}

TEST(Payload, NamesTheDesksInvoiceAndNothingElse) {
  EXPECT_EQ(invoice_payload(12), "td:inv:12");
  EXPECT_EQ(invoice_id_of("td:inv:12"), 12);
  EXPECT_EQ(invoice_id_of("td:inv:"), std::nullopt);
  EXPECT_EQ(invoice_id_of("td:inv:12x"), std::nullopt);
  EXPECT_EQ(invoice_id_of("td:inv:-3"), std::nullopt);
  EXPECT_EQ(invoice_id_of("order-12"), std::nullopt) << "a bot program's own payload";
}

TEST(Hook, ExpandsThePaymentsValuesAndKeepsOtherBraces) {
  HookValues v{.payload = "td:inv:3",
               .invoice = 3,
               .title = "Pro",
               .amount = "12.50",
               .currency = "USD",
               .charge = "ch_1"};
  EXPECT_EQ(expand_hook("/activate {payload}", v), "/activate td:inv:3");
  EXPECT_EQ(expand_hook("/activate {title} {amount} {currency} #{invoice} {charge} {other}", v),
            "/activate Pro 12.50 USD #3 ch_1 {other}");
}

}  // namespace
}  // namespace topicdesk::payments
