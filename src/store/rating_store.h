// Satisfaction ratings (CSAT): one row per close of a dialog that asked the user for a score.
// The row is the question, and once the user answers, their rating of that close: the score,
// an optional comment, and the operator it credits. Rating the same close again replaces the
// score; the engine (relay/engine_ratings.cpp) decides what is accepted.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::DialogId;
using core::UnixMillis;
using core::UserId;

// What the user's next message in the private chat is taken for.
enum class RatingAwaits {
  kNothing,
  kScore,    // a single digit 1–5 (account connections, which cannot show buttons)
  kComment,  // the comment on the score just given
};

struct Rating {
  std::int64_t id = 0;  // names the close: callback data and webhooks refer to it
  ConnectionId connection_id = 0;
  DialogId dialog_id = 0;
  UserId user_id = 0;
  UserId operator_id = 0;  // credited: the dialog's owner, else its last operator; 0: nobody
  UnixMillis closed_at = 0;
  int score = 0;  // 1..5; 0 while the user has not answered
  std::string comment;
  UnixMillis rated_at = 0;  // the last score given; 0 while none
  RatingAwaits awaits = RatingAwaits::kNothing;
  UnixMillis awaits_until = 0;  // `awaits` holds up to this time
};

class RatingStore {
 public:
  virtual ~RatingStore() = default;
  // A close asked the question: stores `rating` (its id is ignored) and returns the new id.
  // Ids grow, so the newest question of a dialog has the highest.
  virtual std::int64_t add_rating(const Rating& rating) = 0;
  virtual std::optional<Rating> rating(std::int64_t id) = 0;
  // The newest question of the dialog (rated or not); nullopt when no close asked one.
  virtual std::optional<Rating> latest_rating(DialogId dialog) = 0;
  // Writes what an answer changes, by id: operator, score, comment, rated_at, awaits(_until).
  virtual void update_rating(const Rating& rating) = 0;
};

}  // namespace topicdesk::store
