// Satisfaction ratings (CSAT): what a close asks the user, how a button names the close it
// rates, and the texts of the exchange. Pure helpers; the engine decides (engine_ratings.cpp,
// the dialog's store::Rating rows) and the dispatcher sends the three job kinds below.
//
// Flow (docs/parameters.md, CSAT): a close with CSAT set asks the question under buttons
// 1–5 (account connections, which cannot show buttons: asks for a digit as the reply) → the
// user presses one (core::EventKind::kButtonPressed) → the press is answered, the question
// edited to show the score, the rating posted in the topic and sent as webhook `csat_received`
// → the user's next text within kCommentMillis is the rating's comment (posted too, webhook
// again); it does not reopen the dialog.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.h"

namespace topicdesk::relay {

namespace job {
// sendMessage to the user: `text` holds the call's fields as JSON ({"text", "reply_markup"}).
inline constexpr std::string_view kRatingQuestion = "rating_question";
// editMessageText of the question `message_id` in the user's chat (not a linked copy): `text`
// holds the fields as JSON ({"text", "reply_markup"}).
inline constexpr std::string_view kRatingQuestionEdit = "rating_question_edit";
// answerCallbackQuery: `text` holds the fields as JSON ({"callback_query_id", "text"}).
inline constexpr std::string_view kAnswerButton = "answer_button";
}  // namespace job

// A press is accepted this long after the close it rates (and only while no later close asked
// again); an account's digit reply too.
inline constexpr core::UnixMillis kRatingOpenMillis = 24 * 3'600'000;
// After a score, the user's next text message this soon is its comment.
inline constexpr core::UnixMillis kCommentMillis = 30 * 60'000;

// Callback data of the button `score` (1..5) under the question of rating `rating_id`:
// "td:csat:<id>:<score>:<token>", at most 46 bytes (Telegram allows 64). The token is a
// truncated HMAC-SHA256 of the id under the install's secret: a user cannot forge the data
// that rates another dialog's close.
std::string rating_callback_data(std::string_view secret, std::int64_t rating_id, int score);

struct RatingPress {
  std::int64_t rating_id = 0;
  int score = 0;
};
// nullopt: not a rating button's data, malformed, a score outside 1..5, or a wrong token.
std::optional<RatingPress> parse_rating_callback(std::string_view secret, std::string_view data);

// The sendMessage fields (JSON) of the question `question` with the buttons 1–5 of `rating_id`.
std::string rating_question_fields(std::string_view secret, std::string_view question,
                                   std::int64_t rating_id);
// The editMessageText fields (JSON) that replace the question once rated: buttons removed.
std::string rated_question_fields(std::string_view lang, std::string_view question, int score,
                                  bool comment_welcome);
// The answerCallbackQuery fields (JSON).
std::string answer_button_fields(std::string_view callback_id, std::string_view text);

// A user's reply that is exactly one digit 1–5 (spaces around it allowed); nullopt otherwise.
std::optional<int> digit_score(std::string_view text);

namespace rating_notice {
// `lang`: the user's language for texts to the user, the operators' for notes in the topic.
std::string stars(int score);  // "⭐⭐⭐⭐"
std::string question_by_digit(std::string_view lang,
                              std::string_view question);  // the question for account connections
std::string thanks(std::string_view lang);                 // the answer to a press
std::string closed(std::string_view lang);                 // the answer to a press that is not accepted
// The user's chat after a digit reply (account connections).
std::string rated_by_digit(std::string_view lang, int score);
// Internal comments in the topic. `credited`: the operator's name; empty when nobody is credited.
std::string in_topic(std::string_view lang, int score, int previous_score, std::string_view credited);
std::string comment_in_topic(std::string_view lang, std::string_view comment);
}  // namespace rating_notice

}  // namespace topicdesk::relay
