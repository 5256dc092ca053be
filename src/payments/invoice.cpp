#include "payments/invoice.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/event.h"
#include "core/utf8.h"
#include "i18n/catalog.h"

namespace topicdesk::payments {
namespace {

std::string trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

std::string_view next_word(std::string_view& rest) {
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t' || rest.front() == '\n'))
    rest.remove_prefix(1);
  std::size_t end = 0;
  while (end < rest.size() && rest[end] != ' ' && rest[end] != '\t' && rest[end] != '\n') ++end;
  auto word = rest.substr(0, end);
  rest.remove_prefix(end);
  return word;
}

// Code points, or nullopt when the text is not valid UTF-8.
std::optional<std::size_t> characters(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t cp = core::utf8_next(text, pos);
    if (cp == 0xFFFD) return std::nullopt;
    ++n;
  }
  return n;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// "12.50" with `exponent` digits at most after the point → 1250. nullopt: not such a number.
std::optional<std::int64_t> parse_amount(std::string_view text, int exponent) {
  if (text.empty()) return std::nullopt;
  std::size_t point = text.find_first_of(".,");
  std::string_view whole = text.substr(0, point);
  std::string_view fraction = point == std::string_view::npos ? std::string_view{} : text.substr(point + 1);
  if (whole.empty() || whole.size() > 12) return std::nullopt;
  if (point != std::string_view::npos && (fraction.empty() || static_cast<int>(fraction.size()) > exponent))
    return std::nullopt;
  auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(whole) || !digits(fraction)) return std::nullopt;
  std::int64_t value = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), value);
  for (int i = 0; i < exponent; ++i) {
    value = value * 10 +
            (i < static_cast<int>(fraction.size()) ? fraction[static_cast<std::size_t>(i)] - '0' : 0);
  }
  return value;
}

std::string currency_list() {
  std::string out;
  for (const auto& c : currencies()) out += (out.empty() ? "" : ", ") + std::string(c.code);
  return out;
}

}  // namespace

const std::vector<Currency>& currencies() {
  // Exponents as in Telegram's currencies.json.
  static const std::vector<Currency> kCurrencies = {
      {"XTR", 0}, {"USD", 2}, {"EUR", 2}, {"GBP", 2}, {"CHF", 2}, {"CAD", 2}, {"AUD", 2}, {"PLN", 2},
      {"CZK", 2}, {"SEK", 2}, {"NOK", 2}, {"DKK", 2}, {"RUB", 2}, {"UAH", 2}, {"KZT", 2}, {"UZS", 2},
      {"TRY", 2}, {"INR", 2}, {"BRL", 2}, {"ILS", 2}, {"AED", 2}, {"JPY", 0}, {"KRW", 0},
  };
  return kCurrencies;
}

std::optional<Currency> find_currency(std::string_view code) {
  std::string wanted = upper(code);
  for (const auto& c : currencies()) {
    if (c.code == wanted) return c;
  }
  return std::nullopt;
}

std::string invoice_usage(std::string_view lang) {
  return i18n::text(lang, "payments.usage", {{"currencies", currency_list()}});
}

core::Result<InvoiceRequest> parse_invoice(std::string_view lang, std::string_view args,
                                           bool provider_configured) {
  std::string_view rest = args;
  std::string amount_text(next_word(rest));
  std::string currency_text(next_word(rest));
  std::string tail = trim(rest);
  if (amount_text.empty() || currency_text.empty() || tail.empty())
    return core::make_error(invoice_usage(lang));
  auto currency = find_currency(currency_text);
  if (!currency) {
    return core::make_error(i18n::text(lang, "payments.unknown_currency",
                                       {{"currency", currency_text}, {"currencies", currency_list()}}));
  }
  const bool stars = currency->code == kStars;
  if (!stars && !provider_configured)
    return core::make_error(
        i18n::text(lang, "payments.needs_provider", {{"currency", std::string(currency->code)}}));
  auto amount = parse_amount(amount_text, currency->exponent);
  if (!amount || *amount <= 0) {
    if (stars)
      return core::make_error(i18n::text(lang, "payments.not_stars",
                                         {{"amount", amount_text}, {"max", std::to_string(kMaxStars)}}));
    return core::make_error(
        i18n::text(lang, currency->exponent == 0 ? "payments.not_amount_whole" : "payments.not_amount",
                   {{"amount", amount_text},
                    {"currency", std::string(currency->code)},
                    {"digits", std::to_string(currency->exponent)}}));
  }
  if (*amount > (stars ? kMaxStars : kMaxMinorUnits)) {
    return core::make_error(
        i18n::text(lang, "payments.too_much",
                   {{"amount", format_amount(*amount, currency->code)},
                    {"max", format_amount(stars ? kMaxStars : kMaxMinorUnits, currency->code)}}));
  }
  InvoiceRequest out;
  out.amount = *amount;
  out.currency = std::string(currency->code);
  std::size_t bar = tail.find('|');
  out.title = trim(std::string_view(tail).substr(0, bar));
  out.description = bar == std::string::npos ? out.title : trim(std::string_view(tail).substr(bar + 1));
  auto title_length = characters(out.title);
  if (!title_length || *title_length == 0 || *title_length > kMaxTitle) {
    return core::make_error(i18n::text(
        lang, "payments.title_length",
        {{"max", std::to_string(kMaxTitle)}, {"given", std::to_string(title_length.value_or(0))}}));
  }
  auto description_length = characters(out.description);
  if (!description_length || *description_length == 0 || *description_length > kMaxDescription) {
    return core::make_error(i18n::text(lang, "payments.description_length",
                                       {{"max", std::to_string(kMaxDescription)},
                                        {"given", std::to_string(description_length.value_or(0))}}));
  }
  return out;
}

std::string decimal_amount(std::int64_t amount, std::string_view currency) {
  int exponent = find_currency(currency).value_or(Currency{currency, 2}).exponent;
  if (exponent == 0) return std::to_string(amount);
  std::int64_t scale = 1;
  for (int i = 0; i < exponent; ++i) scale *= 10;
  const bool negative = amount < 0;
  std::int64_t a = negative ? -amount : amount;
  return fmt::format("{}{}.{:0{}}", negative ? "-" : "", a / scale, a % scale, exponent);
}

std::string format_amount(std::int64_t amount, std::string_view currency) {
  if (currency == kStars) return fmt::format("{} ⭐", amount);
  return decimal_amount(amount, currency) + " " + std::string(currency);
}

std::string invoice_payload(std::int64_t id) {
  return std::string(core::kInvoicePayloadPrefix) + std::to_string(id);
}

std::optional<std::int64_t> invoice_id_of(std::string_view payload) {
  if (!payload.starts_with(core::kInvoicePayloadPrefix)) return std::nullopt;
  payload.remove_prefix(core::kInvoicePayloadPrefix.size());
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), id);
  if (ec != std::errc{} || end != payload.data() + payload.size() || id <= 0) return std::nullopt;
  return id;
}

std::string expand_hook(std::string_view pattern, const HookValues& v) {
  std::string out;
  for (std::size_t pos = 0; pos < pattern.size();) {
    if (pattern[pos] == '{') {
      std::size_t close = pattern.find('}', pos);
      if (close != std::string_view::npos) {
        std::string_view name = pattern.substr(pos + 1, close - pos - 1);
        std::optional<std::string> value;
        if (name == "payload") value = v.payload;
        if (name == "invoice") value = std::to_string(v.invoice);
        if (name == "title") value = v.title;
        if (name == "amount") value = v.amount;
        if (name == "currency") value = v.currency;
        if (name == "charge") value = v.charge;
        if (value) {
          out += *value;
          pos = close + 1;
          continue;
        }
      }
    }
    out.push_back(pattern[pos++]);
  }
  return out;
}

std::string invoice_sent_notice(std::string_view lang, std::int64_t id, const InvoiceRequest& r) {
  std::string text = i18n::text(
      lang, "payments.invoice",
      {{"id", std::to_string(id)}, {"amount", format_amount(r.amount, r.currency)}, {"title", r.title}});
  if (r.description != r.title) text += "\n" + r.description;
  text += "\n" + i18n::text(lang, "payments.sent_to_user", {{"id", std::to_string(id)}});
  return text;
}

std::string payment_received_notice(std::string_view lang, std::int64_t invoice_id, std::string_view title,
                                    std::int64_t amount, std::string_view currency,
                                    std::string_view charge_id) {
  std::string text = i18n::text(lang, "payments.received",
                                {{"amount", format_amount(amount, currency)},
                                 {"id", std::to_string(invoice_id)},
                                 {"title", std::string(title)}}) +
                     "\n" + i18n::text(lang, "payments.charge", {{"charge", std::string(charge_id)}});
  if (currency == kStars) text += "\n" + i18n::text(lang, "payments.refund_hint");
  return text;
}

}  // namespace topicdesk::payments
