// SqlStore: satisfaction ratings (RatingStore).
#include "store/sql/sql_ratings.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {
using Lock = std::lock_guard<std::recursive_mutex>;

const char* awaits_name(RatingAwaits awaits) {
  switch (awaits) {
    case RatingAwaits::kNothing:
      return "";
    case RatingAwaits::kScore:
      return "score";
    case RatingAwaits::kComment:
      return "comment";
  }
  return "";
}

RatingAwaits awaits_from(const std::string& name) {
  if (name == "score") return RatingAwaits::kScore;
  if (name == "comment") return RatingAwaits::kComment;
  return RatingAwaits::kNothing;
}

std::optional<Rating> one_rating(Query& q) {
  if (!q.step()) return std::nullopt;
  Rating r;
  r.id = q.int64(0);
  r.connection_id = q.int64(1);
  r.dialog_id = q.int64(2);
  r.user_id = q.int64(3);
  r.operator_id = q.int64(4);
  r.closed_at = q.int64(5);
  r.score = static_cast<int>(q.int64(6));
  r.comment = q.text(7);
  r.rated_at = q.int64(8);
  r.awaits = awaits_from(q.text(9));
  r.awaits_until = q.int64(10);
  return r;
}

}  // namespace

std::int64_t SqlStore::add_rating(const Rating& r) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kRatingAdd);
  q.bind_all(r.connection_id, r.dialog_id, r.user_id, r.operator_id, r.closed_at, r.score, r.comment,
             r.rated_at, awaits_name(r.awaits), r.awaits_until);
  if (!q.step()) throw StoreError("add_rating: the insert returned no id");
  return q.int64(0);
}

std::optional<Rating> SqlStore::rating(std::int64_t id) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kRatingById);
  q.bind_all(id);
  return one_rating(q);
}

std::optional<Rating> SqlStore::latest_rating(DialogId dialog) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kRatingLatest);
  q.bind_all(dialog);
  return one_rating(q);
}

void SqlStore::update_rating(const Rating& r) {
  Lock lock(mutex_);
  db_.run(sql::kRatingUpdate, r.id, r.operator_id, r.score, r.comment, r.rated_at, awaits_name(r.awaits),
          r.awaits_until);
}

}  // namespace topicdesk::store
