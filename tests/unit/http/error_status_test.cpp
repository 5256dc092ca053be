#include "http/error_status.h"

#include <gtest/gtest.h>

namespace topicdesk::http {
namespace {

using core::ErrorCode;

TEST(ErrorStatusTest, EveryCodeHasItsHttpStatus) {
  EXPECT_EQ(status_for(ErrorCode::kInvalid), 400u);
  EXPECT_EQ(status_for(ErrorCode::kUnauthorized), 401u);
  EXPECT_EQ(status_for(ErrorCode::kForbidden), 403u);
  EXPECT_EQ(status_for(ErrorCode::kNotFound), 404u);
  EXPECT_EQ(status_for(ErrorCode::kConflict), 409u);
  EXPECT_EQ(status_for(ErrorCode::kTooLarge), 413u);
  EXPECT_EQ(status_for(ErrorCode::kRateLimited), 429u);
  EXPECT_EQ(status_for(ErrorCode::kInternal), 500u);
  EXPECT_EQ(status_for(ErrorCode::kUnavailable), 503u);
}

TEST(ErrorStatusTest, AnErrorMadeFromAMessageAloneIsABadRequest) {
  EXPECT_EQ(status_for(core::make_error("field \"x\" is required")), 400u);
  EXPECT_EQ(status_for(core::make_error(ErrorCode::kNotFound, "no such dialog")), 404u);
}

}  // namespace
}  // namespace topicdesk::http
