// The Store contract, RatingStore: one row per close that asked for a rating, answered later.
// Every backend must pass it unchanged (store_backends.h).
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::StoreContract;

class RatingStoreContract : public StoreContract {
 protected:
  Rating asked(DialogId dialog, UnixMillis closed_at) {
    Rating r;
    r.connection_id = conn_;
    r.dialog_id = dialog;
    r.user_id = 42;
    r.operator_id = 900;
    r.closed_at = closed_at;
    r.id = store_->add_rating(r);
    return r;
  }
};

TEST_P(RatingStoreContract, AQuestionIsKeptUnratedUntilAnswered) {
  auto dialog = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  auto r = asked(dialog.id, 100);
  auto read = store_->rating(r.id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->dialog_id, dialog.id);
  EXPECT_EQ(read->connection_id, conn_);
  EXPECT_EQ(read->user_id, 42);
  EXPECT_EQ(read->operator_id, 900);
  EXPECT_EQ(read->closed_at, 100);
  EXPECT_EQ(read->score, 0);
  EXPECT_EQ(read->rated_at, 0);
  EXPECT_EQ(read->awaits, RatingAwaits::kNothing);
  EXPECT_FALSE(store_->rating(r.id + 1000));
}

TEST_P(RatingStoreContract, AnAnswerIsWrittenAndRatingAgainReplacesIt) {
  auto dialog = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  auto r = asked(dialog.id, 100);
  r.score = 4;
  r.rated_at = 200;
  r.operator_id = 901;
  r.awaits = RatingAwaits::kComment;
  r.awaits_until = 300;
  store_->update_rating(r);
  r.score = 2;  // the same close rated again replaces the score
  r.comment = "slow, but friendly ✨";
  r.awaits = RatingAwaits::kNothing;
  store_->update_rating(r);
  if (GetParam().persistent) reopen();
  auto read = store_->rating(r.id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->score, 2);
  EXPECT_EQ(read->comment, "slow, but friendly ✨");
  EXPECT_EQ(read->rated_at, 200);
  EXPECT_EQ(read->operator_id, 901);
  EXPECT_EQ(read->awaits, RatingAwaits::kNothing);
  EXPECT_EQ(read->awaits_until, 300);
}

TEST_P(RatingStoreContract, TheLatestQuestionOfADialogIsTheNewestClose) {
  auto dialog = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  auto other = store_->create_dialog(conn_, 43, test_support::kGroup, 1);
  EXPECT_FALSE(store_->latest_rating(dialog.id));
  auto first = asked(dialog.id, 100);
  auto second = asked(dialog.id, 500);
  asked(other.id, 600);
  EXPECT_GT(second.id, first.id);
  auto latest = store_->latest_rating(dialog.id);
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->id, second.id);
  EXPECT_EQ(latest->closed_at, 500);
}

TEST_P(RatingStoreContract, AwaitingAScoreIsKept) {
  auto dialog = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  Rating r;
  r.connection_id = conn_;
  r.dialog_id = dialog.id;
  r.user_id = 42;
  r.closed_at = 100;
  r.awaits = RatingAwaits::kScore;
  r.awaits_until = 100 + 86'400'000;
  r.id = store_->add_rating(r);
  auto read = store_->rating(r.id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->awaits, RatingAwaits::kScore);
  EXPECT_EQ(read->awaits_until, 100 + 86'400'000);
}

// Retention forgets what users wrote (event_retention_days): old comments are cleared in
// batches, oldest first; the scores stay for the operators' figures.
TEST_P(RatingStoreContract, RetentionClearsOldCommentsAndKeepsScores) {
  auto dialog = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  std::vector<Rating> ratings;
  for (int i = 0; i < 3; ++i) {
    auto r = asked(dialog.id, 100 + i);
    r.score = 4;
    r.comment = "comment " + std::to_string(i);
    r.rated_at = 1000 * (i + 1);
    store_->update_rating(r);
    ratings.push_back(r);
  }
  auto unrated = asked(dialog.id, 200);  // no comment: nothing to forget

  EXPECT_EQ(store_->forget_rating_comments_batch(1000, 10), 0) << "nothing older than the first";
  EXPECT_EQ(store_->forget_rating_comments_batch(3000, 1), 1) << "at most max_rows";
  EXPECT_EQ(store_->rating(ratings[0].id)->comment, "") << "oldest first";
  EXPECT_EQ(store_->rating(ratings[1].id)->comment, "comment 1");
  EXPECT_EQ(store_->forget_rating_comments_batch(3000, 10), 1);
  EXPECT_EQ(store_->rating(ratings[2].id)->comment, "comment 2") << "given at 3000: not before it";
  EXPECT_EQ(store_->forget_rating_comments_batch(3000, 10), 0) << "nothing left";
  for (const auto& r : ratings) EXPECT_EQ(store_->rating(r.id)->score, 4);
  EXPECT_EQ(store_->rating(unrated.id)->score, 0);
}

TD_STORE_CONTRACT_SUITE(RatingStoreContract);

}  // namespace
}  // namespace topicdesk::store
