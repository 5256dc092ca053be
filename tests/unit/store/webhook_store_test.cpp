// The Store contract, WebhookStore: the fan-out cursor, per-queue order, attempts and status.
// Every backend must pass it unchanged (store_backends.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::StoreContract;

class WebhookStoreContract : public StoreContract {
 protected:
  WebhookDelivery delivery(std::int64_t event_id, DialogId dialog, const std::string& url = "http://a/h") {
    WebhookDelivery d;
    d.connection_id = conn_;
    d.url = url;
    d.queue_key = std::to_string(dialog) + "|" + url;
    d.event_id = event_id;
    d.dialog_id = dialog;
    d.created_at = 1000;
    return d;
  }
  std::vector<std::int64_t> ready_events(UnixMillis now, const std::vector<std::string>& busy = {}) {
    std::vector<std::int64_t> out;
    for (const auto& d : store_->webhook_ready(now, 10, busy)) out.push_back(d.event_id);
    return out;
  }
};

TEST_P(WebhookStoreContract, EnqueueMovesTheCursorAndTheQueueHeadGoesFirst) {
  EXPECT_EQ(store_->webhook_cursor(), 0);
  store_->webhook_enqueue({delivery(1, 1), delivery(2, 1), delivery(3, 2)}, 0, 3);
  EXPECT_EQ(store_->webhook_cursor(), 3);
  EXPECT_THAT(ready_events(0), ::testing::ElementsAre(1, 3)) << "one head per queue, oldest first";
  EXPECT_THAT(ready_events(0, {"1|http://a/h"}), ::testing::ElementsAre(3)) << "busy queues are skipped";
  auto head = store_->webhook_ready(0, 10, {})[0];
  store_->webhook_delivered(WebhookAttempt{head.id, 100, 200, "", 5});
  EXPECT_THAT(ready_events(0), ::testing::ElementsAre(2, 3));
}

TEST_P(WebhookStoreContract, ARetryWaitsAndRemembersWhenFailingStarted) {
  store_->webhook_enqueue({delivery(1, 1), delivery(2, 1)}, 0, 2);
  auto d = store_->webhook_ready(0, 10, {})[0];
  store_->webhook_retry(WebhookAttempt{d.id, 100, 0, "connect: refused", 3}, 5000);
  EXPECT_TRUE(store_->webhook_ready(4999, 10, {}).empty()) << "the queue waits behind its head";
  store_->webhook_retry(WebhookAttempt{d.id, 5000, 502, "HTTP 502", 3}, 9000);
  auto again = store_->webhook_ready(9000, 10, {});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_EQ(again[0].failing_since, 100);
  EXPECT_EQ(again[0].last_error, "HTTP 502");
  auto attempts = store_->webhook_attempts(d.id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].http_status, 502) << "newest first";
}

TEST_P(WebhookStoreContract, StatusCountsPerUrl) {
  store_->webhook_enqueue({delivery(1, 1), delivery(2, 2), delivery(3, 3, "http://b/h")}, 0, 3);
  auto ready = store_->webhook_ready(2000, 10, {});
  ASSERT_EQ(ready.size(), 3u);
  store_->webhook_delivered(WebhookAttempt{ready[0].id, 2100, 200, "", 1});
  store_->webhook_retry(WebhookAttempt{ready[1].id, 2200, 0, "connect: refused", 1}, 9000);
  store_->webhook_give_up(WebhookAttempt{ready[2].id, 2300, 500, "HTTP 500", 1});
  auto status = store_->webhook_status();
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].url, "http://a/h");
  EXPECT_EQ(status[0].delivered, 1);
  EXPECT_EQ(status[0].pending, 1);
  EXPECT_EQ(status[0].failing_since, 2200);
  EXPECT_EQ(status[0].last_error, "connect: refused");
  EXPECT_EQ(status[1].failed, 1);
  EXPECT_EQ(status[1].last_error, "HTTP 500");
  EXPECT_EQ(status[1].last_error_at, 2300);
  EXPECT_EQ(status[1].failing_since, 0) << "nothing pending there";
  auto attempts = store_->webhook_attempts(ready[1].id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].error, "connect: refused");
}

TD_STORE_CONTRACT_SUITE(WebhookStoreContract);

}  // namespace
}  // namespace topicdesk::store
