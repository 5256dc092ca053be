// Satisfaction ratings (CSAT, relay/ratings.h): the question a close asks, the press of a
// button, an account's digit reply, and the comment that follows a score. A rating never
// reopens the dialog, and the comment is not relayed as a message: both are internal comments
// in the topic and `csat_received` webhook events.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "relay/engine.h"
#include "relay/ownership.h"
#include "relay/ratings.h"

namespace topicdesk::relay {
namespace json = boost::json;
using core::Event;
using core::UnixMillis;
using store::Dialog;
using store::DialogStatus;
using store::Rating;
using store::RatingAwaits;

namespace {

constexpr UnixMillis kMillisPerSecond = 1000;

// The operator a close's rating credits: the dialog's owner, else the last operator who answered.
core::UserId credited_operator(const Dialog& dialog) {
  return dialog.owner_id != 0 ? dialog.owner_id : dialog.last_operator_id;
}

std::string csat_event_json(const Rating& r) {
  json::object o{{"rating_id", r.id},
                 {"user_id", r.user_id},
                 {"score", r.score},
                 {"comment", r.comment},
                 {"operator_id", r.operator_id},
                 {"closed_at", r.closed_at / kMillisPerSecond},
                 {"rated_at", r.rated_at / kMillisPerSecond}};
  return json::serialize(o);
}

}  // namespace

void Engine::ask_rating(const Dialog& dialog, UnixMillis now) {
  const auto& question = context_.params.csat;
  if (!question || dialog.user_id < 0) return;  // OFF; groups and channels an account follows are not asked
  Rating rating{.connection_id = context_.id,
                .dialog_id = dialog.id,
                .user_id = dialog.user_id,
                .operator_id = credited_operator(dialog),
                .closed_at = now};
  if (context_.account) {
    // A personal account cannot show buttons: the next message, if one digit, is the score.
    rating.awaits = RatingAwaits::kScore;
    rating.awaits_until = now + kRatingOpenMillis;
  }
  rating.id = store_.add_rating(rating);
  if (context_.account)
    return send_to_user(dialog, rating_notice::question_by_digit(user_language(dialog.user_id), *question),
                        kPriorityNormal, now);
  record_text(dialog, store::HistoryAuthor::kDesk, *question, now);
  enqueue(job::kRatingQuestion,
          JobPayload{.dialog = dialog.id,
                     .to = Side::kUser,
                     .text = rating_question_fields(context_.pseudonym_secret, *question, rating.id)},
          kPriorityNormal, now);
}

void Engine::on_button_pressed(const Event& e, UnixMillis now) {
  if (!e.text.starts_with(core::kRatingCallbackPrefix)) return;  // not the desk's button
  auto answer = [&](core::DialogId dialog, std::string text) {
    JobPayload payload{
        .dialog = dialog, .to = Side::kUser, .text = answer_button_fields(e.callback_id, text)};
    if (dialog == 0) payload.chat = e.chat_id;
    enqueue(job::kAnswerButton, payload, kPriorityOperatorReply, now);
  };
  const std::string lang = user_language(e.from);
  auto press = parse_rating_callback(context_.pseudonym_secret, e.text);
  auto rating = press ? store_.rating(press->rating_id) : std::nullopt;
  if (!rating || rating->connection_id != context_.id || rating->user_id != e.from.id) {
    spdlog::warn("connection {}: a rating button of chat {} names no rating of this user: refused",
                 context_.name, e.chat_id);
    return answer(0, rating_notice::closed(lang));
  }
  auto dialog = store_.dialog(rating->dialog_id);
  auto latest = store_.latest_rating(rating->dialog_id);
  // Accepted for a day after the close, and only for the newest close: a later one asked again.
  if (!dialog || dialog->banned || now - rating->closed_at > kRatingOpenMillis || !latest ||
      latest->id != rating->id)
    return answer(rating->dialog_id, rating_notice::closed(lang));

  const int previous = rating->score;
  rating->score = press->score;
  rating->rated_at = now;
  // The comment is welcome while the dialog stays closed and none was given yet.
  const bool comment_welcome = dialog->status == DialogStatus::kClosed && rating->comment.empty();
  rating->awaits = comment_welcome ? RatingAwaits::kComment : RatingAwaits::kNothing;
  rating->awaits_until = comment_welcome ? now + kCommentMillis : 0;
  store_.update_rating(*rating);

  answer(dialog->id, rating_notice::thanks(lang));
  enqueue(job::kRatingQuestionEdit,
          JobPayload{.dialog = dialog->id,
                     .to = Side::kUser,
                     .message_id = e.message_id,
                     .text = rated_question_fields(lang, context_.params.csat.value_or(""), press->score,
                                                   comment_welcome)},
          kPriorityOperatorReply, now);
  post_in_topic(*dialog,
                rating_notice::in_topic(operator_language(), press->score, previous,
                                        credited_name(rating->operator_id)),
                kPriorityNormal, now);
  event(*dialog, "csat_received", csat_event_json(*rating), now);
}

// "Olga Petrova (@olga_op)" as the desk last saw the operator; empty: nobody is credited.
std::string Engine::credited_name(core::UserId operator_id) {
  if (operator_id == 0) return {};
  return operator_name(store_.operator_by_id(context_.group_id, operator_id), operator_id);
}

bool Engine::take_rating_reply(const Dialog& dialog, const Event& e, UnixMillis now) {
  auto rating = store_.latest_rating(dialog.id);
  if (!rating || rating->awaits == RatingAwaits::kNothing) return false;
  const RatingAwaits awaited = rating->awaits;
  const bool in_time = now <= rating->awaits_until && dialog.status == DialogStatus::kClosed;
  rating->awaits = RatingAwaits::kNothing;  // only the next message counts, whatever it is
  rating->awaits_until = 0;
  const bool text = e.content == core::ContentKind::kText && e.media_group_id.empty() && !e.text.empty();
  std::optional<int> score = awaited == RatingAwaits::kScore && text ? digit_score(e.text) : std::nullopt;
  if (!in_time || !text || (awaited == RatingAwaits::kScore && !score)) {
    store_.update_rating(*rating);
    return false;  // behaves as any message: it reopens the dialog
  }
  if (score) {
    rating->score = *score;
    rating->rated_at = now;
    rating->awaits = RatingAwaits::kComment;
    rating->awaits_until = now + kCommentMillis;
    store_.update_rating(*rating);
    send_to_user(dialog, rating_notice::rated_by_digit(user_language(dialog.user_id), *score),
                 kPriorityOperatorReply, now);
    post_in_topic(dialog,
                  rating_notice::in_topic(operator_language(), *score, 0, credited_name(rating->operator_id)),
                  kPriorityNormal, now);
  } else {
    rating->comment = e.text;
    store_.update_rating(*rating);
    post_in_topic(dialog, rating_notice::comment_in_topic(operator_language(), e.text), kPriorityNormal, now);
  }
  event(dialog, "csat_received", csat_event_json(*rating), now);
  return true;
}

}  // namespace topicdesk::relay
