// SQL of satisfaction ratings (RatingStore).
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
#define TD_RATING_COLUMNS                                                                          \
  "SELECT id, connection_id, dialog_id, user_id, operator_id, closed_at, score, comment, rated_at," \
  " awaits, awaits_until FROM ratings "
inline constexpr Sql kRatingAdd{"rating_add",
    "INSERT INTO ratings(connection_id, dialog_id, user_id, operator_id, closed_at, score, comment, rated_at,"
    " awaits, awaits_until) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id"};
inline constexpr Sql kRatingById{"rating", TD_RATING_COLUMNS "WHERE id = ?1"};
inline constexpr Sql kRatingLatest{"latest_rating",
    TD_RATING_COLUMNS "WHERE dialog_id = ?1 ORDER BY id DESC LIMIT 1"};
inline constexpr Sql kRatingUpdate{"update_rating",
    "UPDATE ratings SET operator_id = ?2, score = ?3, comment = ?4, rated_at = ?5, awaits = ?6,"
    " awaits_until = ?7 WHERE id = ?1"};
inline constexpr Sql kForgetRatingCommentsBatch{"forget_rating_comments_batch",
    "UPDATE ratings SET comment = '' WHERE id IN (SELECT id FROM ratings WHERE comment <> '' AND rated_at < ?1"
    " ORDER BY rated_at LIMIT ?2)"};
#undef TD_RATING_COLUMNS
// clang-format on

}  // namespace topicdesk::store::sql
