#include "relay/ratings.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <charconv>
#include <stdexcept>

#include "core/event.h"
#include "i18n/catalog.h"

namespace topicdesk::relay {
namespace json = boost::json;

namespace {

constexpr int kTokenBytes = 8;  // 16 hex digits: 2^64 tries to forge one close's data

std::string rating_token(std::string_view secret, std::int64_t rating_id) {
  const std::string message = "csat:" + std::to_string(rating_id);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
           &length) == nullptr ||
      length < kTokenBytes) {
    throw std::runtime_error("rating_token: HMAC-SHA256 failed");  // OpenSSL broken: a bug, not input
  }
  constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (int i = 0; i < kTokenBytes; ++i) {
    token.push_back(kHex[digest[i] >> 4]);
    token.push_back(kHex[digest[i] & 0xf]);
  }
  return token;
}

// Compares in time independent of where the first difference is.
bool same_token(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::optional<std::int64_t> read_number(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

json::object no_buttons() { return json::object{{"inline_keyboard", json::array{}}}; }

}  // namespace

std::string rating_callback_data(std::string_view secret, std::int64_t rating_id, int score) {
  return std::string(core::kRatingCallbackPrefix) + std::to_string(rating_id) + ":" + std::to_string(score) +
         ":" + rating_token(secret, rating_id);
}

std::optional<RatingPress> parse_rating_callback(std::string_view secret, std::string_view data) {
  if (!data.starts_with(core::kRatingCallbackPrefix)) return std::nullopt;
  data.remove_prefix(core::kRatingCallbackPrefix.size());
  auto first = data.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = data.find(':', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto id = read_number(data.substr(0, first));
  auto score = read_number(data.substr(first + 1, second - first - 1));
  if (!id || !score || *score > 5) return std::nullopt;
  if (!same_token(data.substr(second + 1), rating_token(secret, *id))) return std::nullopt;
  return RatingPress{*id, static_cast<int>(*score)};
}

std::string rating_question_fields(std::string_view secret, std::string_view question,
                                   std::int64_t rating_id) {
  json::array row;
  for (int score = 1; score <= 5; ++score) {
    row.push_back(json::object{{"text", std::to_string(score) + " ⭐"},
                               {"callback_data", rating_callback_data(secret, rating_id, score)}});
  }
  json::object fields{{"text", question},
                      {"reply_markup", json::object{{"inline_keyboard", json::array{std::move(row)}}}}};
  return json::serialize(fields);
}

std::string rated_question_fields(std::string_view lang, std::string_view question, int score,
                                  bool comment_welcome) {
  std::string text = std::string(question) + "\n\n" +
                     i18n::text(lang, "ratings.your_rating",
                                {{"stars", rating_notice::stars(score)}, {"score", std::to_string(score)}});
  if (comment_welcome) text += "\n" + i18n::text(lang, "ratings.comment_welcome");
  return json::serialize(json::object{{"text", text}, {"reply_markup", no_buttons()}});
}

std::string answer_button_fields(std::string_view callback_id, std::string_view text) {
  return json::serialize(json::object{{"callback_query_id", callback_id}, {"text", text}});
}

std::optional<int> digit_score(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.remove_suffix(1);
  if (text.size() != 1 || text[0] < '1' || text[0] > '5') return std::nullopt;
  return text[0] - '0';
}

namespace rating_notice {

std::string stars(int score) {
  std::string out;
  for (int i = 0; i < score; ++i) out += "⭐";
  return out;
}

std::string question_by_digit(std::string_view lang, std::string_view question) {
  return std::string(question) + "\n\n" + i18n::text(lang, "ratings.reply_with_digit");
}

std::string thanks(std::string_view lang) { return i18n::text(lang, "ratings.thanks"); }

std::string closed(std::string_view lang) { return i18n::text(lang, "ratings.closed"); }

std::string rated_by_digit(std::string_view lang, int score) {
  return i18n::text(lang, "ratings.your_rating",
                    {{"stars", stars(score)}, {"score", std::to_string(score)}}) +
         "\n" + i18n::text(lang, "ratings.comment_welcome");
}

std::string in_topic(std::string_view lang, int score, int previous_score, std::string_view credited) {
  std::string text =
      previous_score != 0 && previous_score != score
          ? i18n::text(lang, "ratings.in_topic_changed",
                       {{"score", std::to_string(score)}, {"previous", std::to_string(previous_score)}})
          : i18n::text(lang, "ratings.in_topic", {{"score", std::to_string(score)}});
  text += credited.empty() ? i18n::text(lang, "ratings.nobody_credited")
                           : i18n::text(lang, "ratings.credited", {{"operator", std::string(credited)}});
  return text;
}

std::string comment_in_topic(std::string_view lang, std::string_view comment) {
  return i18n::text(lang, "ratings.comment_in_topic", {{"comment", std::string(comment)}});
}

}  // namespace rating_notice

}  // namespace topicdesk::relay
