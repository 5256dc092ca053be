#include "core/token_bucket.h"

#include <gtest/gtest.h>

namespace topicdesk::core {
namespace {

TEST(TokenBucketTest, AFullBucketAdmitsTheBurstThenWaitsForTheRate) {
  const TokenRate rate{.per_second = 2, .capacity = 3};
  auto bucket = TokenBucket::full(rate, 1000);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(bucket.wait_ms(rate, 1, 1000), 0) << i;
    bucket.take(rate, 1, 1000);
  }
  EXPECT_EQ(bucket.wait_ms(rate, 1, 1000), 500);
  EXPECT_EQ(bucket.wait_ms(rate, 1, 1250), 250);
  EXPECT_EQ(bucket.wait_ms(rate, 1, 1500), 0);
}

TEST(TokenBucketTest, RefillStopsAtTheCapacity) {
  const TokenRate rate{.per_second = 10, .capacity = 2};
  auto bucket = TokenBucket::full(rate, 0);
  bucket.take(rate, 2, 0);
  EXPECT_DOUBLE_EQ(bucket.tokens_at(rate, 60'000), 2.0);
  EXPECT_EQ(bucket.wait_ms(rate, 2, 60'000), 0);
}

TEST(TokenBucketTest, TakingBeyondTheBucketPushesTheNextWaitLater) {
  const TokenRate rate{.per_second = 1, .capacity = 3};
  auto bucket = TokenBucket::full(rate, 0);
  bucket.take(rate, 5, 0);  // two more than it held
  EXPECT_EQ(bucket.wait_ms(rate, 1, 0), 3000);
}

TEST(TokenBucketTest, NoRateMeansNoWait) {
  const TokenRate rate{.per_second = 0, .capacity = 1};
  TokenBucket bucket(0, 0);
  EXPECT_EQ(bucket.wait_ms(rate, 1, 0), 0);
}

TEST(TokenBucketTest, ATimeBeforeTheLastTakeRefillsNothing) {
  const TokenRate rate{.per_second = 1, .capacity = 1};
  auto bucket = TokenBucket::full(rate, 5000);
  bucket.take(rate, 1, 5000);
  EXPECT_EQ(bucket.wait_ms(rate, 1, 4000), 1000);  // as if at 5000: the clock stepped back
}

}  // namespace
}  // namespace topicdesk::core
